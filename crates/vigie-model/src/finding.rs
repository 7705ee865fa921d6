//! One finding: the rule that matched, where, when, how bad, how sure, what
//! the evidence is and what to do about it.

use crate::severity::{Confidence, Severity, Stage};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where the rule that produced a finding comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSource {
    /// vigie's own built-in pack (YARA, IOC or Sigma rules written by us).
    Builtin,
    /// An external YARA rule set (`--yara`, `--signature-base`).
    Yara,
    /// An external Sigma or hayabusa rule set (`--sigma`).
    Sigma,
    /// An external IOC list (signature-base `iocs/`, `--ioc`).
    Ioc,
    /// A built-in log-line detection (IIS, HttpProxy, ECP, OAB logs).
    Log,
    /// A network exposure check (`vigie probe`).
    Probe,
}

impl RuleSource {
    /// The lowercase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleSource::Builtin => "builtin",
            RuleSource::Yara => "yara",
            RuleSource::Sigma => "sigma",
            RuleSource::Ioc => "ioc",
            RuleSource::Log => "log",
            RuleSource::Probe => "probe",
        }
    }
}

/// The rule behind a finding, with what licences require us to repeat
/// (the Detection Rule License requires the author in every message).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    /// Stable id: a vigie code (`VG-WEB001`), a Sigma UUID, or `namespace:name`
    /// for YARA.
    pub id: String,
    /// Human title of the rule.
    pub title: String,
    /// Where the rule comes from.
    pub source: RuleSource,
    /// The rule's author, when known (always kept for external rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// References (advisories, blog posts) given by the rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference: Vec<String>,
    /// The file the rule was loaded from (external rules), relative to its set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The rule set it belongs to (`builtin`, `signature-base`, `sigmahq`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruleset: Option<String>,
    /// Licence of the rule, when stated (e.g. `DRL 1.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
}

impl RuleRef {
    /// A rule reference with no author or references.
    pub fn new(id: impl Into<String>, title: impl Into<String>, source: RuleSource) -> Self {
        RuleRef {
            id: id.into(),
            title: title.into(),
            source,
            author: None,
            reference: Vec::new(),
            file: None,
            ruleset: None,
            license: None,
        }
    }
}

/// Where a finding is: a file (with line, record or byte offset), a log line,
/// an event record, or a network target.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// File path as given or found (lossy UTF-8 for non-UTF-8 names), or a
    /// target URL / `host:port` for probe findings.
    pub path: String,
    /// 1-based line number in a text log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// EventRecordID (EVTX) or record index (JSON events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<u64>,
    /// Byte offset of the match inside the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Member name when the item is inside a container (zip, gzip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
}

impl Location {
    /// A location that is only a path.
    pub fn path(path: impl Into<String>) -> Self {
        Location { path: path.into(), ..Location::default() }
    }
}

/// One piece of evidence behind a finding. Reports render each kind in its own
/// way; the text is hostile (attacker-controlled) and must always be escaped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// Text that matched: a YARA string, a Sigma field value, an IOC pattern.
    Match {
        /// What matched: YARA string identifier, field name, or IOC kind.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identifier: Option<String>,
        /// Byte offset in the file, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offset: Option<u64>,
        /// An excerpt around the match (lossy UTF-8, bounded length).
        excerpt: String,
        /// Byte range of the matched part inside `excerpt` (start, end).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        highlight: Option<(usize, usize)>,
    },
    /// File facts: size and hashes, computed in the same pass as the scan.
    File {
        /// The file's path.
        path: String,
        /// Size in bytes.
        size: u64,
        /// MD5 (hex), absent when the content was not read.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        md5: Option<String>,
        /// SHA-1 (hex).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha1: Option<String>,
        /// SHA-256 (hex).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha256: Option<String>,
        /// Last modification time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        modified: Option<DateTime<Utc>>,
        /// Owner (user name or uid) when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
    },
    /// A log line, raw and parsed.
    LogLine {
        /// Log file path.
        path: String,
        /// 1-based line number.
        line: u64,
        /// The raw line (bounded length).
        raw: String,
        /// Parsed fields (time, client IP, method, URI, status, user agent, user…).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        fields: BTreeMap<String, String>,
    },
    /// An event record (EVTX, JSON event export).
    Event {
        /// Event log file path.
        path: String,
        /// EventRecordID or record index.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        record_id: Option<u64>,
        /// Event time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        time: Option<DateTime<Utc>>,
        /// Channel (e.g. `Security`, `Microsoft-Windows-Sysmon/Operational`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<String>,
        /// Computer name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        computer: Option<String>,
        /// Event id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<u32>,
        /// Provider name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provider: Option<String>,
        /// The fields that matched (or that explain the event).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        fields: BTreeMap<String, String>,
    },
    /// A network exchange (probe): what was asked and what came back.
    Http {
        /// Method and URL requested.
        request: String,
        /// Status code returned, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// Response headers or body facts that support the finding.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        facts: BTreeMap<String, String>,
    },
    /// A free-form fact (key → value), e.g. installed vs fixed build.
    Fact {
        /// What the fact is.
        name: String,
        /// Its value.
        value: String,
    },
}

/// One thing worth telling a human, with the evidence to verify it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id: a hash of rule id, location and key evidence, so the same
    /// finding has the same id across runs.
    pub id: String,
    /// The rule that produced it, shared by all of the rule's findings (a
    /// scan can hold tens of thousands of findings of the same rules).
    pub rule: Arc<RuleRef>,
    /// How bad it is if true.
    pub severity: Severity,
    /// How sure we are.
    pub confidence: Confidence,
    /// How far the attacker got.
    pub stage: Stage,
    /// One-line title a manager can read.
    pub title: String,
    /// Why it matters (plain words), when the rule says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Host the finding is about (computer name, probe target), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Where it is.
    pub location: Location,
    /// When it happened (event or log time), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<DateTime<Utc>>,
    /// The evidence, most specific first.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// What to do about it.
    pub remediation: String,
    /// MITRE ATT&CK technique ids (`T1505.003`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attack: Vec<String>,
    /// CVE ids the finding is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cves: Vec<String>,
    /// Whether a CVE of this finding is in CISA's Known Exploited
    /// Vulnerabilities catalog.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kev: bool,
    /// Indicator ids of `reference/exchange-indicators.md` (`FS-05`, `HP-01`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<String>,
    /// Ids of findings this one is linked to by correlation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// Set on a summary finding: the further hits of its rule it counts
    /// instead of listing them (`--max-hits`). Its location and time are the
    /// first counted hit's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted: Option<Counted>,
}

/// The hits a summary finding stands for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    /// How many hits it counts.
    pub hits: u64,
    /// Line of the last one (text logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_line: Option<u64>,
    /// Record of the last one (event logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_record: Option<u64>,
    /// Time of the last one (the latest, when they are not in order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_time: Option<DateTime<Utc>>,
}

impl Finding {
    /// A finding with default confidence (`likely`), no evidence and a generic
    /// remediation; set the rest with the builder methods.
    pub fn new(
        rule: impl Into<Arc<RuleRef>>,
        severity: Severity,
        stage: Stage,
        title: impl Into<String>,
        location: Location,
    ) -> Self {
        let mut f = Finding {
            id: String::new(),
            rule: rule.into(),
            severity,
            confidence: Confidence::Likely,
            stage,
            title: title.into(),
            description: None,
            host: None,
            location,
            time: None,
            evidence: Vec::new(),
            remediation: String::new(),
            attack: Vec::new(),
            cves: Vec::new(),
            kev: false,
            indicators: Vec::new(),
            related: Vec::new(),
            counted: None,
        };
        f.id = f.compute_id();
        f
    }

    /// How many hits the finding stands for: 1, or what a summary counts.
    pub fn hits(&self) -> u64 {
        self.counted.as_ref().map_or(1, |c| c.hits)
    }

    /// Set the confidence.
    pub fn with_confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = confidence;
        self
    }

    /// Set the remediation text.
    pub fn with_remediation(mut self, text: impl Into<String>) -> Self {
        self.remediation = text.into();
        self
    }

    /// Add one piece of evidence.
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    /// Set the event time.
    pub fn with_time(mut self, time: DateTime<Utc>) -> Self {
        self.time = Some(time);
        self.id = self.compute_id();
        self
    }

    /// Recompute [`Finding::id`] from the rule id, location and time. Call it
    /// after changing those fields by hand.
    pub fn compute_id(&self) -> String {
        let mut h = Fnv64::default();
        h.write(self.rule.id.as_bytes());
        h.write(self.location.path.as_bytes());
        for n in [self.location.line, self.location.record_id, self.location.offset] {
            h.write(&n.unwrap_or(u64::MAX).to_le_bytes());
        }
        if let Some(m) = &self.location.member {
            h.write(m.as_bytes());
        }
        if let Some(host) = &self.host {
            h.write(host.as_bytes());
        }
        if let Some(t) = self.time {
            h.write(&t.timestamp_millis().to_le_bytes());
        }
        format!("{:016x}", h.finish())
    }

    /// Sort key used everywhere findings are listed: most serious stage, then
    /// severity, then confidence first; ties broken by location for
    /// deterministic output.
    pub fn rank_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.stage),
            std::cmp::Reverse(self.severity),
            std::cmp::Reverse(self.confidence),
            &self.location.path,
            self.location.line,
            self.location.record_id,
            &self.rule.id,
            &self.id,
        )
    }
}

/// FNV-1a, 64 bit: a tiny stable hash for finding ids (not for security).
#[derive(Clone, Copy)]
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        // Field separator so ("ab","c") and ("a","bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }

    fn finish(self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_stable_and_depends_on_location() {
        let rule = RuleRef::new("VG-WEB001", "x", RuleSource::Builtin);
        let a =
            Finding::new(rule.clone(), Severity::High, Stage::Compromise, "t", Location::path("a"));
        let b =
            Finding::new(rule.clone(), Severity::High, Stage::Compromise, "t", Location::path("a"));
        let c = Finding::new(rule, Severity::High, Stage::Compromise, "t", Location::path("b"));
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
    }

    #[test]
    fn evidence_serializes_with_kind_tag() {
        let e = Evidence::Fact { name: "build".into(), value: "15.1.2507.16".into() };
        let json = serde_json::to_string(&e).unwrap_or_default();
        assert_eq!(json, r#"{"kind":"fact","name":"build","value":"15.1.2507.16"}"#);
    }
}
