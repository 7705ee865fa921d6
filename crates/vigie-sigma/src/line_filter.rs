//! Whole-line prefilter for text logs ([`crate::SigmaMatcher::may_match_text`]).
//!
//! For every compiled rule we derive a conjunction of clauses, each a list of
//! needles of which at least one must occur in the text when the rule
//! matches. One Aho-Corasick automaton (ASCII case-insensitive) holds every
//! needle of every rule; a line in which no needle occurs — most benign web
//! log lines — is known to match no rule after one pass over its bytes, and
//! the per-field work of [`crate::SigmaMatcher::matches`] is skipped.
//!
//! Soundness: the caller promises that every value the event shows (field
//! values, keyword values) is a substring of the text in which some
//! characters may have been replaced by a space (IIS writes spaces as `+`),
//! or is empty. A needle is therefore a run of a rule literal made only of
//! printable ASCII characters other than `+`: such a run of a value occurs
//! unchanged in the text. Case folding is only exact for ASCII (the Kelvin
//! sign folds to `k`), so a text with any non-ASCII byte always passes.

use crate::condition::Cond;
use crate::detection::{Item, Selection};
use crate::rules::{Compiled, SigmaRules};
use crate::value::{FieldId, Test};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashMap;
use vigie_needles::NeedleSet;

/// At least one needle of each clause must occur (empty list: no condition).
type Cnf = Vec<Vec<String>>;

/// The compiled whole-line prefilter of a rule set.
#[derive(Debug)]
pub(crate) struct LineFilter {
    /// Stage 1: the needles of each rule's most selective clause. A text
    /// without any of them matches no rule (a few SIMD passes).
    first: Option<NeedleSet>,
    /// Stage 2: every needle of every clause, for the rare texts that pass
    /// stage 1. `None` when some rule has no condition a text can refute:
    /// every text may then match.
    ac: Option<AhoCorasick>,
    /// Number of needles in `ac`.
    needles: usize,
    /// Per rule: its clauses as needle ids.
    rules: Vec<Vec<Vec<u32>>>,
}

/// Per-thread marks of the needles seen in the current text.
#[derive(Debug, Default)]
pub(crate) struct LineMarks {
    epoch: u32,
    seen: Vec<u32>,
    /// The text, lower-cased.
    lower: Vec<u8>,
}

impl LineFilter {
    /// Derive the clauses of every rule of `rules` and build the automata.
    pub(crate) fn new(rules: &SigmaRules) -> LineFilter {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut needles: Vec<String> = Vec::new();
        let mut first: Vec<String> = Vec::new();
        let mut out = Vec::with_capacity(rules.compiled.len());
        let mut trivial = false;
        for comp in &rules.compiled {
            let cnf = cond_cnf(&comp.cond, comp, rules);
            let Some(best) = cnf.iter().max_by_key(|c| selectivity(c)) else {
                trivial = true;
                break;
            };
            first.extend(best.iter().cloned());
            let clauses = cnf
                .into_iter()
                .map(|clause| {
                    clause
                        .into_iter()
                        .map(|n| {
                            *ids.entry(n.clone()).or_insert_with(|| {
                                needles.push(n);
                                (needles.len() - 1) as u32
                            })
                        })
                        .collect()
                })
                .collect();
            out.push(clauses);
        }
        first.sort();
        first.dedup();
        // Needles are lower-case and texts are lower-cased before the search,
        // so the searchers are case-sensitive (and stage 1 can use SIMD).
        let (first, ac) = if trivial || needles.is_empty() {
            (None, None)
        } else {
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&needles)
                .ok();
            let first = NeedleSet::new(minimal(first));
            (first.usable().then_some(first), ac)
        };
        LineFilter { first, ac, needles: needles.len(), rules: out }
    }

    /// Whether some rule may match an event whose values all come from
    /// `text` (see the module documentation). `false` is certain.
    pub(crate) fn may_match(&self, text: &str, marks: &mut LineMarks) -> bool {
        let (Some(first), Some(ac)) = (&self.first, &self.ac) else { return true };
        if !text.is_ascii() {
            return true;
        }
        marks.lower.clear();
        marks.lower.extend_from_slice(text.as_bytes());
        marks.lower.make_ascii_lowercase();
        let text = &marks.lower[..];
        if !first.any(text) {
            return false;
        }
        marks.epoch = marks.epoch.wrapping_add(1);
        if marks.epoch == 0 || marks.seen.len() != self.needles {
            marks.seen.clear();
            marks.seen.resize(self.needles, 0);
            marks.epoch = 1;
        }
        let epoch = marks.epoch;
        for m in ac.find_overlapping_iter(text) {
            if let Some(s) = marks.seen.get_mut(m.pattern().as_usize()) {
                *s = epoch;
            }
        }
        let seen = &marks.seen;
        self.rules.iter().any(|clauses| {
            clauses.iter().all(|c| c.iter().any(|&n| seen.get(n as usize) == Some(&epoch)))
        })
    }

    /// Stage 1 over a lower-cased block of lines: `found` gets the start of
    /// needle occurrences, at least one per line holding one (needles hold
    /// no line end, so no occurrence spans two lines). `false` when no text
    /// can be ruled out.
    pub(crate) fn block_starts(&self, lower: &[u8], mut found: impl FnMut(usize)) -> bool {
        let (Some(first), Some(_)) = (&self.first, &self.ac) else { return false };
        first.each(lower, |_, at| found(at));
        true
    }
}

/// The needles without those containing another (the shorter one occurs
/// wherever the longer does, so "any needle occurs" is unchanged), sorted.
fn minimal(mut needles: Vec<String>) -> Vec<String> {
    needles.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    needles.dedup();
    let mut kept: Vec<String> = Vec::with_capacity(needles.len());
    for n in needles {
        if !kept.iter().any(|k| n.contains(k.as_str())) {
            kept.push(n);
        }
    }
    kept.sort();
    kept
}

/// How selective a clause is: its shortest needle's length.
fn selectivity(clause: &[String]) -> usize {
    clause.iter().map(String::len).min().unwrap_or(0)
}

/// Both conditions: the clauses of each.
fn and(parts: impl Iterator<Item = Cnf>) -> Cnf {
    parts.flatten().collect()
}

/// Either condition: one clause joining the most selective clause of each,
/// or no condition when some part has none.
fn or(parts: impl Iterator<Item = Cnf>) -> Cnf {
    let mut joined: Vec<String> = Vec::new();
    for cnf in parts {
        let Some(best) = cnf.into_iter().max_by_key(|c| selectivity(c)) else {
            return Vec::new();
        };
        joined.extend(best);
    }
    joined.sort();
    joined.dedup();
    if joined.is_empty() { Vec::new() } else { vec![joined] }
}

fn cond_cnf(c: &Cond, comp: &Compiled, rules: &SigmaRules) -> Cnf {
    match c {
        Cond::Sel(i) => comp.sels.get(*i as usize).map(|s| sel_cnf(s, rules)).unwrap_or_default(),
        Cond::And(v) => and(v.iter().map(|c| cond_cnf(c, comp, rules))),
        // `AtLeast` is true only once one of its parts is.
        Cond::Or(v) | Cond::AtLeast(_, v) => or(v.iter().map(|c| cond_cnf(c, comp, rules))),
        Cond::Not(_) => Vec::new(),
    }
}

fn sel_cnf(s: &Selection, rules: &SigmaRules) -> Cnf {
    match s {
        Selection::All(items) => and(items.iter().map(|it| item_cnf(it, rules))),
        Selection::Any(alts) => or(alts.iter().map(|a| sel_cnf(a, rules))),
    }
}

fn item_cnf(it: &Item, rules: &SigmaRules) -> Cnf {
    match it {
        Item::Field(f, t) if !is_synthetic(*f, rules) => test_cnf(t),
        Item::Field(..) => Vec::new(),
        Item::Keyword(t) => test_cnf(t),
    }
}

/// `EventID` and `Channel` may come from the event's header rather than
/// from a value in the text.
fn is_synthetic(f: FieldId, rules: &SigmaRules) -> bool {
    rules
        .fields
        .get(f as usize)
        .and_then(|n| n.first())
        .is_none_or(|n| n.eq_ignore_ascii_case("EventID") || n.eq_ignore_ascii_case("Channel"))
}

fn test_cnf(t: &Test) -> Cnf {
    match t {
        Test::Str { set, .. } => {
            let Some(lits) = set.witness_literals() else { return Vec::new() };
            let mut clause = Vec::with_capacity(lits.len());
            for l in &lits {
                match needle(l) {
                    Some(n) => clause.push(n.to_ascii_lowercase()),
                    None => return Vec::new(),
                }
            }
            clause.sort();
            clause.dedup();
            if clause.is_empty() { Vec::new() } else { vec![clause] }
        }
        Test::All(v) => and(v.iter().map(test_cnf)),
        Test::Any(v) => or(v.iter().map(test_cnf)),
        _ => Vec::new(),
    }
}

/// The best run of printable ASCII other than `+` in a literal: the
/// longest, punctuation counting extra (`=net` is rarer than `user` in
/// ordinary traffic).
fn needle(lit: &str) -> Option<&str> {
    let score = |p: &&str| p.len() + 2 * usize::from(p.bytes().any(|b| !b.is_ascii_alphanumeric()));
    lit.split(|c: char| !c.is_ascii_graphic() || c == '+')
        .filter(|p| !p.is_empty())
        .rev()
        .max_by_key(score)
}

#[cfg(test)]
mod tests {
    use super::needle;

    #[test]
    fn needles_avoid_plus_space_and_non_ascii() {
        assert_eq!(needle("fuzz faster u fool"), Some("faster"));
        assert_eq!(needle("=net user"), Some("=net"));
        assert_eq!(needle("a+bcd"), Some("bcd"));
        assert_eq!(needle("é"), None);
        let m =
            super::minimal(vec!["=cmd%20/c".into(), "=cmd".into(), "user".into(), "=cmd".into()]);
        assert_eq!(m, ["=cmd", "user"]);
    }
}
