//! Search a block of lower-cased log lines for many short needles at once.
//!
//! The log scan asks one question of every block of lines it reads: where
//! do the needles of its rules occur? Most lines hold none, so the answer
//! must cost little more than reading the block. [`NeedleSet`] runs a few
//! SIMD passes (Teddy, from `aho-corasick`'s packed searcher) that skip
//! over the block in wide steps and stop only where some needle's window
//! may start; there the needles are compared in full. Which window of each
//! needle is searched, and which windows share a pass and a bucket, is
//! planned for log text ([`plan`](crate::plan) and [`model`](crate::model)):
//! that choice, not the SIMD code, decides how often a pass stops.
//!
//! Without SIMD (another architecture, an old CPU) the set falls back to
//! an overlapping Aho-Corasick automaton: the same occurrences, slower.
//!
//! ```
//! use vigie_needles::NeedleSet;
//! let set = NeedleSet::new(["${jndi:", "cmd.exe"]);
//! let mut found = Vec::new();
//! set.each(b"get /x?a=${jndi:ldap://e} ua=cmd.exe", |needle, at| found.push((needle, at)));
//! assert_eq!(found, [(0, 9), (1, 29)]);
//! ```

mod model;
mod plan;

use aho_corasick::packed::{Config, MatchKind as PackedKind, Searcher};
use aho_corasick::{AhoCorasick, MatchKind, Span};
use std::ops::ControlFlow;

/// A set of needles (compared byte for byte: lower-case them, and the text,
/// for a case-insensitive search), planned once, searched many times.
#[derive(Debug)]
pub struct NeedleSet {
    needles: Vec<Box<[u8]>>,
    /// One SIMD pass per entry (empty without SIMD).
    passes: Vec<Pass>,
    /// The fallback when no packed searcher could be built, with the index
    /// of each of its patterns in `needles`.
    ac: Option<(AhoCorasick, Vec<usize>)>,
}

/// One packed searcher and, by the first byte of a window, the needles it
/// stands for with the window's offset in them.
#[derive(Debug)]
struct Pass {
    searcher: Searcher,
    by_first: Vec<Vec<(usize, usize)>>,
}

impl NeedleSet {
    /// Plan and build the search of `needles`. Empty needles are ignored
    /// (they would occur everywhere); indices in [`NeedleSet::each`] are
    /// positions in `needles` all the same.
    pub fn new<I, S>(needles: I) -> NeedleSet
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        NeedleSet::build(needles.into_iter().map(|n| n.as_ref().into()).collect(), true)
    }

    /// `simd: false` builds the fallback (for its tests).
    fn build(needles: Vec<Box<[u8]>>, simd: bool) -> NeedleSet {
        let kept: Vec<usize> = (0..needles.len()).filter(|&i| !needles[i].is_empty()).collect();
        let refs: Vec<&[u8]> = kept.iter().map(|&i| &needles[i][..]).collect();
        let planned = plan::plan(&refs, &model::ByteModel::logs());
        let passes: Option<Vec<Pass>> = planned
            .into_iter()
            .map(|windows| {
                simd.then_some(())?;
                let searcher = Config::new()
                    .match_kind(PackedKind::LeftmostFirst)
                    .only_teddy_fat(Some(false))
                    .heuristic_pattern_limits(false)
                    .builder()
                    .extend(windows.iter().map(|w| &w.bytes))
                    .build()?;
                let mut by_first = vec![Vec::new(); 256];
                for w in &windows {
                    let first = usize::from(w.bytes[0]);
                    by_first[first].extend(w.uses.iter().map(|&(k, offset)| (kept[k], offset)));
                }
                Some(Pass { searcher, by_first })
            })
            .collect();
        let (passes, ac) = match passes {
            Some(p) => (p, None),
            None => {
                let ac = AhoCorasick::builder().match_kind(MatchKind::Standard).build(&refs).ok();
                (Vec::new(), ac.map(|ac| (ac, kept)))
            }
        };
        NeedleSet { needles, passes, ac }
    }

    /// Number of needles given to [`NeedleSet::new`].
    pub fn len(&self) -> usize {
        self.needles.len()
    }

    /// Whether the set has no needle.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// Whether [`NeedleSet::each`] finds every occurrence. Only `false` when
    /// neither the SIMD searchers nor the fallback automaton could be built
    /// (needles too many for the automaton's memory): a caller must then
    /// treat every text as holding every needle.
    pub fn usable(&self) -> bool {
        !self.passes.is_empty() || self.ac.is_some() || self.needles.iter().all(|n| n.is_empty())
    }

    /// Number of SIMD passes over each text (0 without SIMD).
    pub fn passes(&self) -> usize {
        self.passes.len()
    }

    /// Call `found(needle, start)` for every occurrence of every needle in
    /// `hay`, overlapping ones included, in no particular order.
    pub fn each(&self, hay: &[u8], mut found: impl FnMut(usize, usize)) {
        let _ = self.search(hay, |i, at| {
            found(i, at);
            ControlFlow::Continue(())
        });
    }

    /// Whether some needle occurs in `hay`.
    pub fn any(&self, hay: &[u8]) -> bool {
        self.search(hay, |_, _| ControlFlow::Break(())).is_break()
    }

    /// Give `found` each occurrence until it breaks.
    fn search(
        &self,
        hay: &[u8],
        mut found: impl FnMut(usize, usize) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        for pass in &self.passes {
            let mut at = 0;
            while at < hay.len() {
                let Some(m) = pass.searcher.find_in(hay, Span::from(at..hay.len())) else { break };
                let pos = m.start();
                for &(i, offset) in &pass.by_first[usize::from(hay[pos])] {
                    if let Some(start) = pos.checked_sub(offset)
                        && hay[start..].starts_with(&self.needles[i])
                    {
                        found(i, start)?;
                    }
                }
                at = pos + 1;
            }
        }
        if let Some((ac, index)) = &self.ac {
            for m in ac.find_overlapping_iter(hay) {
                found(index[m.pattern().as_usize()], m.start())?;
            }
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests;
