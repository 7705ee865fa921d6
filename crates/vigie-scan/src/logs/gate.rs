//! [`NeedleGate`]: which lines of a block need a full record.
//!
//! The built-in rules and the Sigma web rules each start with a needle
//! search (a line without any of their needles cannot match). Searching a
//! whole block of lines once costs far less than searching every line on
//! its own (a SIMD search pays a set-up per call, and the block is
//! lower-cased in one pass), so the gate searches each block once and the
//! reader gives full records only for lines holding a needle.
//!
//! Lines always let through, because the Sigma line filter cannot judge
//! them from the raw bytes: lines with a non-ASCII byte (the filter's case
//! folding is ASCII only) and, in Exchange CSV, lines with an escaped quote
//! `""` (a quoted value is then not a slice of the raw line).

use std::ops::Range;
use vigie_rules::logs::{LogKind, LogRules};
use vigie_sigma::SigmaRules;
use vigie_source::LineGate;

/// The gate of one log file.
pub(super) struct NeedleGate<'a> {
    rules: Option<&'a LogRules>,
    sigma: Option<&'a SigmaRules>,
    kind: LogKind,
    /// The block, lower-cased.
    lower: Vec<u8>,
    /// Offsets in the block that make their line wanted, with what for
    /// (built-in rule mask, [`SIGMA`]); sorted.
    hits: Vec<(u32, u64)>,
    /// First entry of `hits` not before the current line.
    cursor: usize,
    /// The built-in rules cannot be ruled out by needles: every line goes
    /// through their own per-line search.
    rules_all: bool,
    /// Every line goes to the Sigma rules.
    sigma_all: bool,
    /// What the last wanted line is wanted for.
    line: u64,
}

// Offsets are kept as `u32`: a block holds at most one buffer of the line
// reader, which never grows past the longest line kept.
const _: () = assert!(vigie_source::MAX_LINE_LEN < (u32::MAX / 2) as usize);

/// Bit of a hit mask: the line may match a Sigma rule. Built-in rules use
/// the low bits (fewer than 63 rules).
const SIGMA: u64 = 1 << 63;

/// What a wanted line must go through.
#[derive(Clone, Copy, Debug)]
pub(super) struct Wanted {
    /// Built-in rules to run (a mask for `LogRules::check_rules`); `None`:
    /// run `LogRules::check`, which searches the line itself.
    pub(super) rules: Option<u64>,
    /// Whether the Sigma rules may match.
    pub(super) sigma: bool,
}

impl<'a> NeedleGate<'a> {
    pub(super) fn new(
        rules: Option<&'a LogRules>,
        sigma: Option<&'a SigmaRules>,
        kind: LogKind,
    ) -> Self {
        NeedleGate {
            rules,
            sigma,
            kind,
            lower: Vec::new(),
            hits: Vec::new(),
            cursor: 0,
            rules_all: false,
            sigma_all: false,
            line: 0,
        }
    }

    /// What the line the gate last let through is wanted for.
    pub(super) fn wanted(&self) -> Wanted {
        Wanted {
            rules: (!self.rules_all).then_some(self.line & !SIGMA),
            sigma: self.sigma_all || self.line & SIGMA != 0,
        }
    }

    fn sigma_block(&mut self, block: &[u8]) {
        let Some(m) = self.sigma else { return };
        let hits = &mut self.hits;
        if !m.block_candidates(&self.lower, |at| hits.push((at as u32, SIGMA))) {
            self.sigma_all = true;
            return;
        }
        if !block.is_ascii() {
            let mut i = 0;
            while let Some(k) = block[i..].iter().position(|b| !b.is_ascii()) {
                let at = i + k;
                hits.push((at as u32, SIGMA));
                i = memchr::memchr(b'\n', &block[at..]).map_or(block.len(), |n| at + n + 1);
            }
        }
        // Exchange logs are the CSV ones.
        if self.kind == LogKind::Exchange {
            hits.extend(memchr::memmem::find_iter(block, b"\"\"").map(|at| (at as u32, SIGMA)));
        }
    }
}

impl LineGate for NeedleGate<'_> {
    fn block(&mut self, block: &[u8]) {
        self.hits.clear();
        self.cursor = 0;
        self.rules_all = false;
        self.sigma_all = false;
        // Copy and lower-case in one pass over the block.
        self.lower.clear();
        self.lower.extend(block.iter().map(u8::to_ascii_lowercase));
        if let Some(r) = self.rules {
            let hits = &mut self.hits;
            self.rules_all = !r.block_needles(&self.lower, self.kind, |at, mask| {
                hits.push((at as u32, mask));
            });
        }
        self.sigma_block(block);
        self.hits.sort_unstable_by_key(|h| h.0);
    }

    fn wants(&mut self, span: Range<usize>) -> bool {
        while self.hits.get(self.cursor).is_some_and(|h| (h.0 as usize) < span.start) {
            self.cursor += 1;
        }
        let mut line = 0;
        while let Some(&(at, mask)) = self.hits.get(self.cursor)
            && (at as usize) < span.end
        {
            line |= mask;
            self.cursor += 1;
        }
        self.line = line;
        (self.rules_all && self.rules.is_some()) || self.sigma_all || line != 0
    }
}

#[cfg(test)]
mod tests;
