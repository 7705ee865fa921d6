//! Cross-rule literal prefilter ("witness" index).
//!
//! For each rule we derive a *witness*: a set of (field, literal) pairs such
//! that if the rule matches an event, at least one of the literals occurs
//! in the (case-folded) value of its field. Rules of one index bucket share
//! one Aho-Corasick automaton per field; an event scans each such field once
//! and only the rules whose witness was seen (plus the rules without a
//! witness) are evaluated.

use crate::condition::Cond;
use crate::detection::{Item, Selection};
use crate::rules::Compiled;
use crate::value::{FieldId, Test};
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;

/// A witness: at least one of these must occur for the rule to match.
type Witness = Vec<(FieldId, String)>;

fn score(w: &Witness) -> usize {
    w.iter().map(|(_, l)| l.chars().count()).min().unwrap_or(0)
}

fn best(cands: impl Iterator<Item = Option<Witness>>) -> Option<Witness> {
    cands.flatten().filter(|w| score(w) > 0).max_by_key(score)
}

fn test_witness(f: FieldId, t: &Test) -> Option<Witness> {
    match t {
        Test::Str { set, cased } => {
            // Text is scanned case-folded; a cased literal still occurs folded.
            let lits = set.witness_literals()?;
            Some(
                lits.into_iter()
                    .map(|l| (f, if *cased { crate::text::lower(&l) } else { l }))
                    .collect(),
            )
        }
        Test::All(v) => best(v.iter().map(|t| test_witness(f, t))),
        Test::Any(v) => {
            let mut out = Vec::new();
            for t in v {
                out.extend(test_witness(f, t)?);
            }
            Some(out)
        }
        _ => None,
    }
}

fn sel_witness(s: &Selection, skip: &[FieldId]) -> Option<Witness> {
    match s {
        Selection::All(items) => best(items.iter().map(|it| match it {
            Item::Field(f, t) if !skip.contains(f) => test_witness(*f, t),
            _ => None,
        })),
        Selection::Any(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(sel_witness(a, skip)?);
            }
            Some(out)
        }
    }
}

fn cond_witness(c: &Cond, comp: &Compiled, skip: &[FieldId]) -> Option<Witness> {
    match c {
        Cond::Sel(i) => sel_witness(comp.sels.get(*i as usize)?, skip),
        Cond::And(v) => best(v.iter().map(|c| cond_witness(c, comp, skip))),
        Cond::Or(v) | Cond::AtLeast(_, v) => {
            let mut out = Vec::new();
            for c in v {
                out.extend(cond_witness(c, comp, skip)?);
            }
            Some(out)
        }
        Cond::Not(_) => None,
    }
}

/// The witness of a compiled rule, if it has one. `skip` lists fields that
/// do not discriminate inside a bucket (`EventID`, `Channel`).
pub(crate) fn witness(comp: &Compiled, skip: &[FieldId]) -> Option<Vec<(FieldId, String)>> {
    cond_witness(&comp.cond, comp, skip)
}

/// One field's automaton in a bucket.
#[derive(Debug)]
pub(crate) struct FieldScan {
    pub field: FieldId,
    pub ac: AhoCorasick,
    /// Pattern id → rules (compiled indices) it witnesses.
    pub rules: Vec<Vec<u32>>,
}

/// A list of candidate rules with its prefilter.
#[derive(Debug, Default)]
pub(crate) struct Bucket {
    /// Rules always evaluated (no witness).
    pub always: Vec<u32>,
    /// Per-field scans for the others.
    pub scans: Vec<FieldScan>,
}

impl Bucket {
    /// Build a bucket for `rules` given each rule's witness.
    pub(crate) fn new(rules: &[u32], witnesses: &[Option<Vec<(FieldId, String)>>]) -> Bucket {
        let mut always = Vec::new();
        let mut per_field: HashMap<FieldId, HashMap<String, Vec<u32>>> = HashMap::new();
        for &r in rules {
            match &witnesses[r as usize] {
                None => always.push(r),
                Some(w) => {
                    for (f, lit) in w {
                        let list = per_field.entry(*f).or_default().entry(lit.clone()).or_default();
                        if !list.contains(&r) {
                            list.push(r);
                        }
                    }
                }
            }
        }
        let mut scans = Vec::new();
        let mut fields: Vec<_> = per_field.into_iter().collect();
        fields.sort_by_key(|(f, _)| *f);
        for (field, lits) in fields {
            let mut lits: Vec<(String, Vec<u32>)> = lits.into_iter().collect();
            lits.sort();
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(lits.iter().map(|(l, _)| l.as_bytes()));
            match ac {
                Ok(ac) => scans.push(FieldScan {
                    field,
                    ac,
                    rules: lits.into_iter().map(|(_, r)| r).collect(),
                }),
                Err(_) => {
                    // Cannot happen with sane inputs; fall back to evaluating.
                    always.extend(lits.into_iter().flat_map(|(_, r)| r));
                }
            }
        }
        always.sort_unstable();
        always.dedup();
        Bucket { always, scans }
    }
}
