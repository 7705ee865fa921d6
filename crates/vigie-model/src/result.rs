//! The ScanResult: findings + coverage + provenance, the one JSON artefact.

use crate::coverage::Coverage;
use crate::finding::Finding;
use crate::severity::{Severity, Stage};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the JSON contract (`docs/scan-result.md`). Bumped on breaking change.
pub const SCHEMA_VERSION: &str = "vigie.scan-result/1";

/// The tool that produced the result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `vigie`.
    pub name: String,
    /// The vigie version.
    pub version: String,
}

/// What kind of input was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    /// A file or directory path (`vigie scan`).
    Path,
    /// A network target (`vigie probe`).
    Target,
}

/// One input the user gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// The path or target as given.
    pub value: String,
    /// Path or target.
    pub kind: InputKind,
}

/// The CISA KEV snapshot a result was judged against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevInfo {
    /// Catalog version string.
    pub catalog_version: String,
    /// Date the catalog was released (YYYY-MM-DD).
    pub date_released: String,
    /// Number of entries available.
    pub count: u64,
    /// `embedded` or the file imported with `vigie kev import`.
    pub origin: String,
}

/// Where the result comes from: enough to reproduce or audit it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The command line that produced it.
    #[serde(default)]
    pub command_line: Vec<String>,
    /// Host name of the machine vigie ran on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanner_host: Option<String>,
    /// KEV catalog used, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev: Option<KevInfo>,
    /// Exchange build table date, when used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_table: Option<String>,
    /// SHA-256 of the inputs that are single files (a log, an event log, a
    /// saved export), so an auditor can check they are the files that were
    /// scanned. Files found inside input folders carry their hashes in the
    /// findings' file evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_hashes: Vec<InputHash>,
}

/// The hash of one input file, for provenance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputHash {
    /// The file as given on the command line.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 (lowercase hex).
    pub sha256: String,
}

/// Something found about a host that is not a finding by itself (an Exchange
/// install and its build, an open port, a log folder).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryItem {
    /// Host the item belongs to.
    pub host: String,
    /// Kind (`exchange`, `port`, `service`, `log-folder`, `web-root`).
    pub kind: String,
    /// Name (product, port number, folder).
    pub name: String,
    /// Version or build, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Other facts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

/// The result of a scan or probe: the canonical artefact every report is
/// rendered from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanResult {
    /// Contract version ([`SCHEMA_VERSION`]).
    pub schema: String,
    /// The tool that produced it.
    pub tool: Tool,
    /// When the run started (pinned by `SOURCE_DATE_EPOCH`).
    pub started: DateTime<Utc>,
    /// When the run finished (pinned by `SOURCE_DATE_EPOCH`).
    pub finished: DateTime<Utc>,
    /// The inputs given.
    pub inputs: Vec<Input>,
    /// The findings, most serious first.
    pub findings: Vec<Finding>,
    /// What was and was not looked at.
    pub coverage: Coverage,
    /// Things found that are not findings (installs, open ports).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inventory: Vec<InventoryItem>,
    /// Where the result comes from.
    #[serde(default)]
    pub provenance: Provenance,
}

impl ScanResult {
    /// An empty result for these path inputs, started now.
    pub fn new(paths: Vec<String>) -> Self {
        let now = Utc::now();
        ScanResult {
            schema: SCHEMA_VERSION.to_string(),
            tool: Tool { name: "vigie".into(), version: env!("CARGO_PKG_VERSION").into() },
            started: now,
            finished: now,
            inputs: paths.into_iter().map(|value| Input { value, kind: InputKind::Path }).collect(),
            findings: Vec::new(),
            coverage: Coverage::default(),
            inventory: Vec::new(),
            provenance: Provenance::default(),
        }
    }

    /// Add a finding.
    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Sort findings (most serious first, then by place), drop exact
    /// duplicates (same id), sort coverage lists: deterministic output.
    pub fn finalize(&mut self) {
        self.findings.sort_by(|a, b| a.rank_key().cmp(&b.rank_key()));
        self.findings.dedup_by(|a, b| a.id == b.id);
        self.coverage.sort();
        self.inventory
            .sort_by(|a, b| (&a.host, &a.kind, &a.name).cmp(&(&b.host, &b.kind, &b.name)));
    }

    /// Combine another result (e.g. a probe and a scan of the same server)
    /// into this one.
    pub fn merge(&mut self, other: ScanResult) {
        self.started = self.started.min(other.started);
        self.finished = self.finished.max(other.finished);
        self.inputs.extend(other.inputs);
        self.findings.extend(other.findings);
        self.coverage.merge(other.coverage);
        self.inventory.extend(other.inventory);
        if self.provenance.kev.is_none() {
            self.provenance.kev = other.provenance.kev;
        }
        if self.provenance.build_table.is_none() {
            self.provenance.build_table = other.provenance.build_table;
        }
        self.provenance.input_hashes.extend(other.provenance.input_hashes);
        self.finalize();
    }

    /// Number of findings at each severity.
    pub fn counts_by_severity(&self) -> BTreeMap<Severity, usize> {
        let mut m: BTreeMap<Severity, usize> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
        for f in &self.findings {
            *m.entry(f.severity).or_default() += 1;
        }
        m
    }

    /// Whether any finding is at or above `level` (drives the exit code).
    pub fn has_finding_at_or_above(&self, level: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= level)
    }

    /// The overall verdict.
    pub fn verdict(&self) -> Verdict<'_> {
        Verdict { result: self }
    }
}

/// The one-sentence answer derived from a result.
pub struct Verdict<'a> {
    result: &'a ScanResult,
}

impl Verdict<'_> {
    /// The most serious stage among findings of medium severity or more
    /// (low/info findings do not change the verdict), or `None` if clean.
    pub fn headline_stage(&self) -> Option<Stage> {
        self.result
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Medium)
            .map(|f| f.stage)
            .max()
    }

    /// The finding that drives the verdict: at the headline stage, the most
    /// severe, then the most certain, then one that says when (a dated
    /// finding, such as a web shell seen in use, tells the reader when it
    /// happened), then one corroborated by other findings (`related`), then
    /// the earliest.
    pub fn lead(&self) -> Option<&Finding> {
        let stage = self.headline_stage()?;
        self.result
            .findings
            .iter()
            .filter(|f| f.stage == stage && f.severity >= Severity::Medium)
            .min_by(|a, b| {
                b.severity
                    .cmp(&a.severity)
                    .then(b.confidence.cmp(&a.confidence))
                    .then(b.time.is_some().cmp(&a.time.is_some()))
                    .then((!b.related.is_empty()).cmp(&!a.related.is_empty()))
                    .then(a.time.cmp(&b.time))
            })
    }

    /// One plain sentence a manager can read.
    pub fn sentence(&self) -> String {
        let n = self.result.findings.len();
        let Some(stage) = self.headline_stage() else {
            return if n == 0 {
                "Nothing found: no sign of compromise or exposure in what was scanned.".into()
            } else {
                format!("Nothing serious found: {n} informational or low-severity observations.")
            };
        };
        let lead = self.lead().map(|f| f.title.as_str()).unwrap_or("");
        let when = self
            .lead()
            .and_then(|f| f.time)
            .map(|t| format!(" on {}", t.format("%Y-%m-%d")))
            .unwrap_or_default();
        match stage {
            Stage::Compromise => format!("Compromised: {lead}{when}."),
            Stage::Exploitation => format!("Exploited: {lead}{when}."),
            Stage::Attempt => format!("Attacked, no sign of success: {lead}{when}."),
            Stage::Exposure => format!("Exposed: {lead}."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Location, RuleRef, RuleSource};

    fn finding(sev: Severity, stage: Stage, path: &str) -> Finding {
        Finding::new(
            RuleRef::new("R", "rule", RuleSource::Builtin),
            sev,
            stage,
            "a web shell",
            Location::path(path),
        )
    }

    #[test]
    fn verdict_uses_most_serious_stage_at_medium_or_more() {
        let mut r = ScanResult::new(vec![]);
        r.push(finding(Severity::Low, Stage::Compromise, "a"));
        r.push(finding(Severity::High, Stage::Attempt, "b"));
        r.finalize();
        assert_eq!(r.verdict().headline_stage(), Some(Stage::Attempt));
        assert!(r.verdict().sentence().starts_with("Attacked"));
    }

    #[test]
    fn verdict_leads_with_the_dated_finding_among_equals() {
        let mut r = ScanResult::new(vec![]);
        r.push(finding(Severity::Critical, Stage::Compromise, "shell.aspx"));
        let t = chrono::DateTime::parse_from_rfc3339("2021-03-03T02:44:52Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .expect("a valid time");
        let mut used = finding(Severity::Critical, Stage::Compromise, "shell.aspx");
        used.title = "web shell used".into();
        used.time = Some(t);
        used.id = used.compute_id();
        r.push(used);
        r.finalize();
        assert_eq!(r.verdict().sentence(), "Compromised: web shell used on 2021-03-03.");
    }

    #[test]
    fn finalize_dedups_and_orders() {
        let mut r = ScanResult::new(vec![]);
        r.push(finding(Severity::Medium, Stage::Attempt, "b"));
        r.push(finding(Severity::Critical, Stage::Compromise, "a"));
        r.push(finding(Severity::Critical, Stage::Compromise, "a"));
        r.finalize();
        assert_eq!(r.findings.len(), 2);
        assert_eq!(r.findings[0].stage, Stage::Compromise);
    }

    #[test]
    fn round_trips_through_json() {
        let mut r = ScanResult::new(vec!["x".into()]);
        r.push(finding(Severity::High, Stage::Compromise, "a"));
        let json = serde_json::to_string(&r).unwrap_or_default();
        let back: ScanResult =
            serde_json::from_str(&json).unwrap_or_else(|_| ScanResult::new(vec![]));
        assert_eq!(back, r);
    }
}
