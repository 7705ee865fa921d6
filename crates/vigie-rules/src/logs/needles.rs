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
    /// Needle indices by first byte (the candidates at a match position).
    by_first: Vec<Vec<usize>>,
    packed: Option<Searcher>,
    ac: Option<AhoCorasick>,
}

impl Needles {
    /// `patterns` must be lower-case.
    pub(crate) fn new(patterns: Vec<String>) -> Needles {
        let packed =
            Config::new().match_kind(PackedKind::LeftmostFirst).builder().extend(&patterns).build();
        let ac = if packed.is_some() {
            None
        } else {
            AhoCorasick::builder().match_kind(MatchKind::Standard).build(&patterns).ok()
        };
        let mut by_first = vec![Vec::new(); 256];
        for (i, p) in patterns.iter().enumerate() {
            if let Some(&b) = p.as_bytes().first() {
                by_first[usize::from(b)].push(i);
            }
        }
        Needles { patterns, by_first, packed, ac }
    }

    /// Whether a search is possible (else every rule must run).
    pub(crate) fn usable(&self) -> bool {
        self.packed.is_some() || self.ac.is_some()
    }

    /// Call `found` with the index and start of every needle occurrence in
    /// `hay` (lower-cased).
    pub(crate) fn each(&self, hay: &[u8], mut found: impl FnMut(usize, usize)) {
        if let Some(p) = &self.packed {
            let mut at = 0;
            while at < hay.len() {
                let Some(m) = p.find_in(hay, Span::from(at..hay.len())) else { break };
                let rest = &hay[m.start()..];
                let first = rest.first().map_or(0, |&b| usize::from(b));
                for &i in &self.by_first[first] {
                    if rest.starts_with(self.patterns[i].as_bytes()) {
                        found(i, m.start());
                    }
                }
                at = m.start() + 1;
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
    }
}
