//! The prefilter of the log rules: which needles occur in a lower-cased line.
//!
//! A packed (SIMD, Teddy) searcher finds the next position where some needle
//! starts, skipping the rest of the line in wide steps; at each such position
//! every needle is compared. This enumerates every needle occurrence, like an
//! overlapping Aho-Corasick search, at a fraction of its cost on long lines
//! (the automaton steps through every byte). Without SIMD the overlapping
//! automaton is used.

use aho_corasick::packed::{Config, MatchKind as PackedKind, Searcher};
use aho_corasick::{AhoCorasick, MatchKind, Span};

/// Lower-case needles and their searchers.
pub(crate) struct Needles {
    patterns: Vec<String>,
    /// Per packed searcher: the needles it finds, by first byte (compared
    /// at each position the searcher stops at).
    by_first: Vec<Vec<Vec<usize>>>,
    /// Packed searchers of at most [`GROUP`] needles each (empty without
    /// SIMD).
    packed: Vec<Searcher>,
    ac: Option<AhoCorasick>,
}

/// Needles per packed searcher: up to 32 keep the fast "slim" form, whose
/// passes cost less than one pass of the "fat" form over 33 to 64 needles.
const GROUP: usize = 32;

impl Needles {
    /// `patterns` must be lower-case.
    pub(crate) fn new(patterns: Vec<String>) -> Needles {
        // A needle that starts with another is found where that one is
        // found: only the shortest of such a family is searched for.
        let rep: Vec<usize> = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (0..patterns.len())
                    .filter(|&j| p.starts_with(patterns[j].as_str()))
                    .min_by_key(|&j| (patterns[j].len(), j))
                    .unwrap_or(i)
            })
            .collect();
        let mut searched: Vec<usize> = (0..patterns.len()).filter(|&i| rep[i] == i).collect();
        searched.sort_by(|&a, &b| patterns[a].cmp(&patterns[b]));
        let groups: Vec<&[usize]> = searched.chunks(GROUP).collect();
        let packed: Option<Vec<Searcher>> = groups
            .iter()
            .map(|g| {
                Config::new()
                    .match_kind(PackedKind::LeftmostFirst)
                    .builder()
                    .extend(g.iter().map(|&i| &patterns[i]))
                    .build()
            })
            .collect();
        let (packed, ac) = match packed {
            Some(p) if !p.is_empty() => (p, None),
            _ => (
                Vec::new(),
                AhoCorasick::builder().match_kind(MatchKind::Standard).build(&patterns).ok(),
            ),
        };
        let mut by_first = vec![vec![Vec::new(); 256]; groups.len()];
        for (i, p) in patterns.iter().enumerate() {
            let group = groups.iter().position(|g| g.contains(&rep[i]));
            if let (Some(g), Some(&b)) = (group, p.as_bytes().first()) {
                by_first[g][usize::from(b)].push(i);
            }
        }
        Needles { patterns, by_first, packed, ac }
    }

    /// Packed searchers run over each haystack (one SIMD pass each).
    #[cfg(test)]
    pub(crate) fn passes(&self) -> usize {
        self.packed.len()
    }

    /// Whether a search is possible (else every rule must run).
    pub(crate) fn usable(&self) -> bool {
        !self.packed.is_empty() || self.ac.is_some()
    }

    /// Call `found` with the index and start of every needle occurrence in
    /// `hay` (lower-cased).
    pub(crate) fn each(&self, hay: &[u8], mut found: impl FnMut(usize, usize)) {
        if !self.packed.is_empty() {
            for (p, by_first) in self.packed.iter().zip(&self.by_first) {
                let mut at = 0;
                while at < hay.len() {
                    let Some(m) = p.find_in(hay, Span::from(at..hay.len())) else { break };
                    let rest = &hay[m.start()..];
                    let first = rest.first().map_or(0, |&b| usize::from(b));
                    for &i in &by_first[first] {
                        if rest.starts_with(self.patterns[i].as_bytes()) {
                            found(i, m.start());
                        }
                    }
                    at = m.start() + 1;
                }
            }
        } else if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(hay) {
                found(m.pattern().as_usize(), m.start());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Needles;

    #[test]
    fn every_occurrence_even_overlapping() {
        let n = Needles::new(vec!["server~".into(), "serverinfo~".into(), "info~".into()]);
        assert!(n.usable());
        let mut seen = Vec::new();
        n.each(b"x serverinfo~a server~b", |i, at| seen.push((i, at)));
        seen.sort_unstable();
        assert_eq!(seen, [(0, 15), (1, 2), (2, 8)]);
        // A needle that starts with another is found through it.
        let n = Needles::new(vec!["python-requests/".into(), "python-requests".into()]);
        let mut seen = Vec::new();
        n.each(b"a python-requests/2 python-requests", |i, at| seen.push((i, at)));
        seen.sort_unstable();
        assert_eq!(seen, [(0, 2), (1, 2), (1, 20)]);
    }
}
