//! [`SigmaRules`]: the compiled, immutable rule set, its index and its
//! load report.

use crate::condition::Cond;
use crate::correlation::Correlation;
use crate::detection::Selection;
use crate::info::{LoadStatus, RuleInfo, RuleSetStats};
use crate::line_filter::LineFilter;
use crate::matcher::SigmaMatcher;
use crate::prefilter::Bucket;
use crate::value::FieldId;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use vigie_model::{BlindRule, RejectedRule, RuleCoverage, RuleSetInfo};

/// One compiled detection rule.
#[derive(Debug)]
pub(crate) struct Compiled {
    /// Index into [`SigmaRules::rules`].
    pub info: u32,
    pub sels: Vec<Selection>,
    pub cond: Cond,
    /// Fields the rule reads (reported as evidence).
    pub fields: Vec<FieldId>,
    /// Whether a match is reported as a hit.
    pub emit: bool,
    /// Correlations fed by this rule.
    pub feeds: Vec<u32>,
}

/// Candidate rules for one channel, with their prefilters.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    pub by_eid: HashMap<u32, Bucket>,
    pub any: Bucket,
}

/// The rule index: (channel, event id) → compiled rules.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Keyed by lower-case channel.
    pub channels: HashMap<String, Slot>,
    /// Rules not restricted by channel.
    pub any: Slot,
}

/// Rules per (lower-case channel, event id) while building.
#[derive(Debug, Default)]
pub(crate) struct IndexBuilder {
    keys: HashMap<(Option<String>, Option<u32>), Vec<u32>>,
}

impl IndexBuilder {
    pub(crate) fn insert(&mut self, channel: Option<&str>, eid: Option<u32>, rule: u32) {
        let list = self.keys.entry((channel.map(str::to_lowercase), eid)).or_default();
        if !list.contains(&rule) {
            list.push(rule);
        }
    }

    /// Build the buckets with each rule's witness.
    pub(crate) fn finish(self, witnesses: &[Option<Vec<(FieldId, String)>>]) -> Index {
        let mut index = Index::default();
        let mut keys: Vec<_> = self.keys.into_iter().collect();
        keys.iter_mut().for_each(|(_, rules)| rules.sort_unstable());
        // Building the automata is the costly part of loading: use the cores.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let chunk = keys.len().div_ceil(threads).max(1);
        let buckets: Vec<Bucket> = std::thread::scope(|s| {
            let handles: Vec<_> = keys
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        part.iter().map(|(_, r)| Bucket::new(r, witnesses)).collect::<Vec<_>>()
                    })
                })
                .collect();
            let parts: Vec<_> = handles.into_iter().map(|h| h.join().ok()).collect();
            if parts.iter().all(Option::is_some) {
                parts.into_iter().flatten().flatten().collect()
            } else {
                // A worker failed: rebuild on this thread so no rule is lost.
                keys.iter().map(|(_, r)| Bucket::new(r, witnesses)).collect()
            }
        });
        for (((chan, eid), _), bucket) in keys.into_iter().zip(buckets) {
            let slot = match chan {
                Some(c) => index.channels.entry(c).or_default(),
                None => &mut index.any,
            };
            match eid {
                Some(e) => {
                    slot.by_eid.insert(e, bucket);
                }
                None => slot.any = bucket,
            }
        }
        index
    }
}

/// A compiled set of Sigma and hayabusa rules: immutable, `Send + Sync`,
/// shared by every [`SigmaMatcher`] (one per thread).
#[derive(Debug)]
pub struct SigmaRules {
    pub(crate) infos: Vec<RuleInfo>,
    pub(crate) compiled: Vec<Compiled>,
    /// Field candidates (Sigma name first, then renames).
    pub(crate) fields: Vec<Box<[String]>>,
    pub(crate) index: Index,
    pub(crate) correlations: Vec<Correlation>,
    pub(crate) sets: Vec<RuleSetStats>,
    /// Whole-line prefilter for text logs, built on first use.
    pub(crate) line_filter: OnceLock<LineFilter>,
    /// One rule reference per rule, made on its first finding and shared by
    /// all of them.
    pub(crate) rule_refs: Vec<OnceLock<std::sync::Arc<vigie_model::RuleRef>>>,
}

impl SigmaRules {
    /// The first stage of [`crate::SigmaMatcher::may_match_text`] over a
    /// whole block of lines at once: calls `found` with the start of needle
    /// occurrences in `lower` (the block, ASCII lower-cased), at least one in
    /// every line where one occurs. A line without any can be skipped when
    /// `may_match_text` would be called on that very line (or on text whose
    /// values are all slices of it) and the line is ASCII. Returns `false`
    /// when the rules cannot be ruled out by their text (then every line
    /// must be evaluated).
    pub fn block_candidates(&self, lower: &[u8], found: impl FnMut(usize)) -> bool {
        self.line_filter.get_or_init(|| LineFilter::new(self)).block_starts(lower, found)
    }

    /// Every rule document seen, loaded or not, in load order.
    pub fn rules(&self) -> &[RuleInfo] {
        &self.infos
    }

    /// Load statistics per directory / file.
    pub fn sets(&self) -> &[RuleSetStats] {
        &self.sets
    }

    /// Number of loaded rules (detections, correlations and filters).
    pub fn loaded_count(&self) -> usize {
        self.infos.iter().filter(|r| r.is_loaded()).count()
    }

    /// The rejected rules with their reasons.
    pub fn rejected(&self) -> impl Iterator<Item = (&RuleInfo, &str)> {
        self.infos.iter().filter_map(|r| match &r.load {
            LoadStatus::Rejected { reason } => Some((r, reason.as_str())),
            _ => None,
        })
    }

    /// A matcher for one thread.
    pub fn matcher(&self) -> SigmaMatcher<'_> {
        SigmaMatcher::new(self)
    }

    /// Every channel some loaded rule reads (original spelling, sorted).
    pub fn channels(&self) -> Vec<String> {
        let mut set: Vec<String> = self
            .infos
            .iter()
            .filter(|r| r.is_loaded())
            .flat_map(|r| r.channels.iter().cloned())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        set.sort();
        set
    }

    /// Loaded rules that cannot match evidence holding only `present`
    /// channels (compared case-insensitively): their channels are all absent.
    pub fn blind_rules<'a>(&'a self, present: &[String]) -> Vec<&'a RuleInfo> {
        let present: HashSet<String> = present.iter().map(|c| c.to_lowercase()).collect();
        self.infos
            .iter()
            .filter(|r| {
                r.is_loaded()
                    && !r.channels.is_empty()
                    && !r.channels.iter().any(|c| present.contains(&c.to_lowercase()))
            })
            .collect()
    }

    /// The load outcome in the shape of the vigie model's coverage section:
    /// loaded count, rejected rules with reasons, blind rules (given the
    /// channels present in the evidence) and one entry per rule set.
    pub fn rule_coverage(&self, present_channels: Option<&[String]>) -> RuleCoverage {
        let rejected = self
            .rejected()
            .map(|(r, reason)| RejectedRule {
                file: format!("{}/{}", self.sets[r.set].path, r.file),
                rule: Some(r.id.clone()),
                reason: reason.to_string(),
            })
            .collect();
        let blind = match present_channels {
            Some(p) => self
                .blind_rules(p)
                .into_iter()
                .map(|r| BlindRule {
                    rule: r.id.clone(),
                    title: r.title.clone(),
                    reason: format!("no event from channel {}", r.channels.join(" or ")),
                })
                .collect(),
            None => Vec::new(),
        };
        let sets = self
            .sets
            .iter()
            .map(|s| RuleSetInfo {
                name: s.name.clone(),
                kind: "sigma".into(),
                path: s.path.clone(),
                loaded: s.loaded,
                rejected: s.rejected,
                sha256: s.sha256.clone(),
                version: None,
            })
            .collect();
        RuleCoverage { loaded: self.loaded_count() as u64, rejected, blind, sets }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<SigmaRules>();
    }
}
