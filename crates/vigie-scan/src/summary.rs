//! Bounded findings per file and rule. A server hammered by scanners logs
//! hundreds of thousands of the same probe: listing each one would take
//! gigabytes of memory and bury the few findings that matter. Past the first
//! [`ScanOptions::max_hits`](crate::ScanOptions) findings of one rule, stage
//! and title in one file, further hits are counted into a single summary
//! finding (how many, which lines, the time span, the busiest client
//! addresses, the status codes) that keeps the rule, stage and severity of
//! what it counts. A rule's first 20 titles get an allowance each (two web
//! shells are two stories); past them its hits share one.

use std::collections::{BTreeMap, HashMap};
use vigie_model::{Counted, Evidence, Finding, Stage, thousands};

/// Most distinct client addresses counted per summary; the rest are counted
/// together, so memory stays bounded whatever the log holds.
const MAX_ADDRESSES: usize = 10_000;

/// How many of the busiest client addresses a summary names.
const TOP_ADDRESSES: usize = 5;

/// Most distinct finding titles one rule at one stage gets an allowance of
/// its own in one file; past them, its hits share one allowance.
const MAX_TITLES: usize = 20;

/// Which allowance a finding draws on: its rule, its stage and, for the
/// first [`MAX_TITLES`] titles, its title (two web shells used a thousand
/// times each are two stories; an empty title is the shared allowance).
type Key = (String, Stage, String);

/// The summaries of one file.
#[derive(Default)]
pub(crate) struct Summaries {
    /// 0: no limit.
    keep: usize,
    by_key: HashMap<Key, Summary>,
    /// Distinct titles with an allowance of their own, per rule and stage.
    titles: HashMap<(String, Stage), usize>,
}

/// The hits of one rule at one stage past the kept ones.
#[derive(Default)]
struct Summary {
    kept: usize,
    /// The first folded finding: rule, title, evidence sample.
    first: Option<Finding>,
    /// How many were folded, the last one's line or record, the latest time.
    counted: Counted,
    first_time: Option<chrono::DateTime<chrono::Utc>>,
    addresses: HashMap<String, u64>,
    other_addresses: u64,
    statuses: BTreeMap<String, u64>,
}

impl Summaries {
    /// Keep at most `keep` findings per rule and stage (0: all).
    pub(crate) fn new(keep: usize) -> Self {
        Summaries { keep, ..Summaries::default() }
    }

    /// Admit the findings pushed since `from`: those under the limit stay,
    /// the others are folded into their rule's summary.
    pub(crate) fn admit(&mut self, findings: &mut Vec<Finding>, from: usize) {
        if self.keep == 0 {
            return;
        }
        let mut i = from;
        while i < findings.len() {
            let key = self.key(&findings[i]);
            let summary = self.by_key.entry(key).or_default();
            if summary.kept < self.keep {
                summary.kept += 1;
                i += 1;
            } else {
                summary.fold(findings.remove(i));
            }
        }
    }

    fn key(&mut self, f: &Finding) -> Key {
        let titled = (f.rule.id.clone(), f.stage, f.title.clone());
        if self.by_key.contains_key(&titled) {
            return titled;
        }
        let titles = self.titles.entry((f.rule.id.clone(), f.stage)).or_default();
        if *titles < MAX_TITLES {
            *titles += 1;
            titled
        } else {
            (f.rule.id.clone(), f.stage, String::new())
        }
    }

    /// Push one summary finding per allowance that had hits folded.
    pub(crate) fn finish(self, findings: &mut Vec<Finding>) {
        let keep = self.keep;
        let mut done: Vec<(Key, Finding)> = self
            .by_key
            .into_iter()
            .filter_map(|(k, s)| Some((k.clone(), s.into_finding(keep, k.2.is_empty())?)))
            .collect();
        done.sort_by(|a, b| a.0.cmp(&b.0));
        findings.extend(done.into_iter().map(|(_, f)| f));
    }
}

impl Summary {
    fn fold(&mut self, f: Finding) {
        let c = &mut self.counted;
        c.hits += 1;
        c.last_line = f.location.line.or(c.last_line);
        c.last_record = f.location.record_id.or(c.last_record);
        if let Some(t) = f.time {
            self.first_time = Some(self.first_time.map_or(t, |a| a.min(t)));
            c.last_time = Some(c.last_time.map_or(t, |b| b.max(t)));
        }
        let fields = f.evidence.iter().find_map(|e| match e {
            Evidence::LogLine { fields, .. } | Evidence::Event { fields, .. } => Some(fields),
            _ => None,
        });
        if let Some(fields) = fields {
            if let Some(ip) = fields.get("c-ip").filter(|ip| !ip.is_empty()) {
                let room = self.addresses.len() < MAX_ADDRESSES;
                match self.addresses.get_mut(ip) {
                    Some(n) => *n += 1,
                    None if room => {
                        self.addresses.insert(ip.clone(), 1);
                    }
                    None => self.other_addresses += 1,
                }
            }
            if let Some(status) = fields.get("sc-status").filter(|s| !s.is_empty()) {
                *self.statuses.entry(status.clone()).or_default() += 1;
            }
        }
        if self.first.is_none() {
            self.first = Some(f);
        }
    }

    /// The summary finding; `shared`: it counts hits of many titles, and is
    /// named after the rule rather than after its first hit.
    fn into_finding(mut self, keep: usize, shared: bool) -> Option<Finding> {
        let first = self.first.take()?;
        let n = thousands(self.counted.hits);
        let mut facts = vec![("hits counted, not listed".to_string(), n.clone())];
        if let (Some(a), Some(b)) = (first.location.line, self.counted.last_line) {
            facts.push(("lines".into(), format!("{a} to {b}")));
        }
        if let (Some(a), Some(b)) = (first.location.record_id, self.counted.last_record) {
            facts.push(("records".into(), format!("{a} to {b}")));
        }
        if let (Some(a), Some(b)) = (self.first_time, self.counted.last_time) {
            let f = "%Y-%m-%d %H:%M:%S UTC";
            facts.push(("time span".into(), format!("{} to {}", a.format(f), b.format(f))));
        }
        if !self.addresses.is_empty() {
            facts.push(("client addresses".into(), self.address_text()));
        }
        if !self.statuses.is_empty() {
            let s: Vec<String> =
                self.statuses.iter().map(|(s, c)| format!("{s} ×{}", thousands(*c))).collect();
            facts.push(("status codes".into(), s.join(", ")));
        }
        let mut evidence: Vec<Evidence> =
            facts.into_iter().map(|(name, value)| Evidence::Fact { name, value }).collect();
        // The first counted hit, as it was found.
        evidence.extend(first.evidence.iter().take(2).cloned());
        let mut f = Finding {
            title: format!(
                "{}: {n} more hits, counted (first {keep} listed)",
                if shared { &first.rule.title } else { &first.title }
            ),
            description: Some(format!(
                "Past the first {keep} findings of this rule in this file, vigie counts further \
                 hits instead of listing each (--max-hits). The sample below is the first one \
                 counted."
            )),
            location: first.location.clone(),
            time: self.first_time.or(first.time),
            evidence,
            counted: Some(self.counted),
            ..first
        };
        f.id = f.compute_id();
        Some(f)
    }

    fn address_text(&self) -> String {
        let mut top: Vec<(&String, &u64)> = self.addresses.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let named: Vec<String> = top
            .iter()
            .take(TOP_ADDRESSES)
            .map(|(ip, c)| format!("{ip} ×{}", thousands(**c)))
            .collect();
        let distinct = self.addresses.len() as u64;
        let mut text = format!("{} distinct; busiest: {}", thousands(distinct), named.join(", "));
        if self.other_addresses > 0 {
            text.push_str(&format!(
                "; {} more hits from addresses past the first {}",
                thousands(self.other_addresses),
                thousands(MAX_ADDRESSES as u64)
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use vigie_model::{Location, RuleRef, RuleSource, Severity};

    fn hit(rule: &Arc<RuleRef>, stage: Stage, line: u64) -> Finding {
        let location = Location { line: Some(line), ..Location::path("u_ex.log") };
        Finding::new(rule.clone(), Severity::Medium, stage, "probe", location)
    }

    /// Each rule and stage has its own allowance; order is kept; a summary
    /// goes at the end, one per rule and stage past the limit.
    #[test]
    fn each_rule_and_stage_has_its_own_allowance() {
        let a = Arc::new(RuleRef::new("VG-A", "Probe A", RuleSource::Log));
        let b = Arc::new(RuleRef::new("VG-B", "Probe B", RuleSource::Log));
        let mut s = Summaries::new(2);
        let mut findings = Vec::new();
        for line in 1..=5 {
            let from = findings.len();
            findings.push(hit(&a, Stage::Attempt, line));
            if line == 3 {
                findings.push(hit(&a, Stage::Exploitation, line));
                findings.push(hit(&b, Stage::Attempt, line));
            }
            s.admit(&mut findings, from);
        }
        let kept: Vec<(&str, Stage, Option<u64>)> =
            findings.iter().map(|f| (f.rule.id.as_str(), f.stage, f.location.line)).collect();
        let want = [
            ("VG-A", Stage::Attempt, Some(1)),
            ("VG-A", Stage::Attempt, Some(2)),
            ("VG-A", Stage::Exploitation, Some(3)),
            ("VG-B", Stage::Attempt, Some(3)),
        ];
        assert_eq!(kept, want);
        s.finish(&mut findings);
        assert_eq!(findings.len(), 5);
        let last = &findings[4];
        assert_eq!((last.rule.id.as_str(), last.stage), ("VG-A", Stage::Attempt));
        assert_eq!(last.title, "probe: 3 more hits, counted (first 2 listed)");
        assert_eq!(last.location.line, Some(3));
        let lines = last.evidence.iter().find_map(|e| match e {
            Evidence::Fact { name, value } if name == "lines" => Some(value.as_str()),
            _ => None,
        });
        assert_eq!(lines, Some("3 to 5"));
    }

    /// Each title has its own allowance up to `MAX_TITLES`; hits of further
    /// titles share one, whose summary is named after the rule.
    #[test]
    fn titles_have_their_own_allowance_up_to_a_bound() {
        let a = Arc::new(RuleRef::new("VG-A", "Web shell use", RuleSource::Log));
        let mut s = Summaries::new(1);
        let mut findings = Vec::new();
        for shell in 0..MAX_TITLES + 5 {
            for line in 0..3 {
                let from = findings.len();
                let mut f = hit(&a, Stage::Compromise, (shell * 10 + line) as u64);
                f.title = format!("shell{shell}.aspx used");
                findings.push(f);
                s.admit(&mut findings, from);
            }
        }
        // One listed per title with an allowance, one for the shared one.
        assert_eq!(findings.len(), MAX_TITLES + 1);
        s.finish(&mut findings);
        let summaries: Vec<&str> =
            findings.iter().filter(|f| f.counted.is_some()).map(|f| f.title.as_str()).collect();
        assert_eq!(summaries.len(), MAX_TITLES + 1);
        assert!(summaries.contains(&"shell0.aspx used: 2 more hits, counted (first 1 listed)"));
        assert!(summaries.contains(&"Web shell use: 14 more hits, counted (first 1 listed)"));
    }

    #[test]
    fn zero_keeps_everything() {
        let a = Arc::new(RuleRef::new("VG-A", "Probe A", RuleSource::Log));
        let mut s = Summaries::new(0);
        let mut findings: Vec<Finding> = (1..=100).map(|l| hit(&a, Stage::Attempt, l)).collect();
        s.admit(&mut findings, 0);
        s.finish(&mut findings);
        assert_eq!(findings.len(), 100);
    }
}
