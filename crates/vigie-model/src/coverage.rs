//! Coverage: what was looked at, what was not and why. A product feature, not
//! a debug aid: every report shows it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why an item was skipped or failed, as a stable machine-readable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemCode {
    /// Larger than `--max-file-size`: name, path and hash checks only.
    TooLarge,
    /// Matched a user `--exclude` pattern.
    Excluded,
    /// A symbolic link not followed (no `--follow`).
    Symlink,
    /// A symlink loop detected while following links.
    SymlinkLoop,
    /// A FIFO, socket or device: never opened.
    SpecialFile,
    /// An empty file: nothing to scan.
    Empty,
    /// Permission denied.
    PermissionDenied,
    /// The path does not exist.
    NotFound,
    /// Any other I/O error.
    Io,
    /// The content is corrupt (bad EVTX chunk, truncated gzip, bad zip).
    Corrupt,
    /// The format is recognised but not supported here.
    Unsupported,
    /// A record or line could not be parsed (the file went on).
    BadRecord,
    /// The same file reached by another path (hard link, symlink, or an
    /// input given twice): scanned once, under the first path.
    Duplicate,
}

/// One skipped or failed item with a reason a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The item's path (lossy UTF-8), with `!member` for container members.
    pub path: String,
    /// Machine-readable reason.
    pub code: ProblemCode,
    /// Human reason, naming what failed and what to do.
    pub reason: String,
}

impl Problem {
    /// A problem for `path` with `code` and a human `reason`.
    pub fn new(path: impl Into<String>, code: ProblemCode, reason: impl Into<String>) -> Self {
        Problem { path: path.into(), code, reason: reason.into() }
    }
}

/// Counts of input files by outcome. Every file ends in exactly one bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCounts {
    /// Files whose content was scanned.
    pub scanned: u64,
    /// Files skipped (see `Coverage::skipped` for reasons).
    pub skipped: u64,
    /// Files that failed (see `Coverage::failed` for reasons).
    pub failed: u64,
    /// Bytes of content scanned.
    #[serde(default)]
    pub bytes: u64,
}

/// Counts of records (events, log lines) read by the readers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts {
    /// Event records read (EVTX, JSON events).
    pub events: u64,
    /// Log lines read (W3C, Exchange CSV, access logs).
    pub lines: u64,
    /// Records or lines that could not be parsed (each listed in
    /// `Coverage::record_errors`, up to a bound, with file and position).
    pub errors: u64,
}

/// A rule that could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRule {
    /// The rule file.
    pub file: String,
    /// Rule id or name inside the file, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Why (the compiler's message, with the line when known).
    pub reason: String,
}

/// A rule that loaded but could never match this evidence (for example a
/// Security 4688 rule when no Security log was given).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlindRule {
    /// Rule id.
    pub rule: String,
    /// Rule title.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// What was missing (channel, log source).
    pub reason: String,
}

/// A rule set that was loaded: where from, how many rules, its content hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSetInfo {
    /// Name (`builtin`, `signature-base`, `sigmahq`, a directory name).
    pub name: String,
    /// Engine: `yara`, `sigma`, `ioc`, `log`.
    pub kind: String,
    /// Directory or file it came from (`builtin` for the embedded pack).
    pub path: String,
    /// Rules loaded from it.
    pub loaded: u64,
    /// Rules rejected from it.
    pub rejected: u64,
    /// SHA-256 over the set's files (names and contents), for provenance.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
    /// Version string when the set declares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Rule load outcome. Every rule ends as loaded, rejected or blind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCoverage {
    /// Number of rules loaded, all engines.
    pub loaded: u64,
    /// Rules that could not be loaded, with reasons.
    #[serde(default)]
    pub rejected: Vec<RejectedRule>,
    /// Rules loaded but blind on this evidence.
    #[serde(default)]
    pub blind: Vec<BlindRule>,
    /// The sets the rules came from.
    #[serde(default)]
    pub sets: Vec<RuleSetInfo>,
}

impl RuleCoverage {
    /// Add what one engine loaded: its sets (their `loaded` counts are
    /// summed into `loaded`) and the rules it rejected.
    pub fn add_load(&mut self, sets: &[RuleSetInfo], rejected: &[RejectedRule]) {
        self.loaded += sets.iter().map(|s| s.loaded).sum::<u64>();
        self.rejected.extend_from_slice(rejected);
        self.sets.extend_from_slice(sets);
    }
}

/// A gap in a log source longer than a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// Last record before the gap.
    pub from: DateTime<Utc>,
    /// First record after the gap.
    pub to: DateTime<Utc>,
}

/// The time span one log source covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSpan {
    /// What the source is (`IIS W3C`, `HttpProxy/Owa`, `Security`, …).
    pub source: String,
    /// Files that make up the source.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Records read.
    pub records: u64,
    /// First timestamp found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<DateTime<Utc>>,
    /// Last timestamp found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<DateTime<Utc>>,
    /// Gaps longer than a day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<Gap>,
    /// Warnings about this source (starts after the exposure window, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// An artefact the triage expected but did not find (no HttpProxy logs, …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbsentArtefact {
    /// What is missing.
    pub artefact: String,
    /// Where it was looked for.
    pub expected: String,
    /// What cannot be judged because of it.
    pub impact: String,
}

/// What was looked at and what was not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// File counts by outcome.
    pub files: FileCounts,
    /// Skipped items with reasons.
    #[serde(default)]
    pub skipped: Vec<Problem>,
    /// Failed items with reasons.
    #[serde(default)]
    pub failed: Vec<Problem>,
    /// Record counts (events, log lines, parse errors).
    #[serde(default)]
    pub records: RecordCounts,
    /// Record-level errors (file and line or record), bounded; the full count
    /// is `records.errors`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_errors: Vec<Problem>,
    /// Rule load outcome.
    pub rules: RuleCoverage,
    /// Time span of each log source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceSpan>,
    /// Expected artefacts that were absent (system-root triage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent: Vec<AbsentArtefact>,
    /// Other warnings a reader should see.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Upper bound on listed record errors (the count is always exact).
pub const MAX_RECORD_ERRORS_LISTED: usize = 1000;

impl Coverage {
    /// Record a skipped item.
    pub fn skip(&mut self, problem: Problem) {
        self.files.skipped += 1;
        self.skipped.push(problem);
    }

    /// Record a failed item.
    pub fn fail(&mut self, problem: Problem) {
        self.files.failed += 1;
        self.failed.push(problem);
    }

    /// Record a record-level parse error (the file went on).
    pub fn record_error(&mut self, problem: Problem) {
        self.records.errors += 1;
        if self.record_errors.len() < MAX_RECORD_ERRORS_LISTED {
            self.record_errors.push(problem);
        }
    }

    /// Merge another coverage into this one (parallel workers, combined runs).
    pub fn merge(&mut self, other: Coverage) {
        self.files.scanned += other.files.scanned;
        self.files.skipped += other.files.skipped;
        self.files.failed += other.files.failed;
        self.files.bytes += other.files.bytes;
        self.skipped.extend(other.skipped);
        self.failed.extend(other.failed);
        self.records.events += other.records.events;
        self.records.lines += other.records.lines;
        self.records.errors += other.records.errors;
        let room = MAX_RECORD_ERRORS_LISTED.saturating_sub(self.record_errors.len());
        self.record_errors.extend(other.record_errors.into_iter().take(room));
        self.rules.loaded += other.rules.loaded;
        self.rules.rejected.extend(other.rules.rejected);
        self.rules.blind.extend(other.rules.blind);
        self.rules.sets.extend(other.rules.sets);
        self.sources.extend(other.sources);
        self.absent.extend(other.absent);
        self.warnings.extend(other.warnings);
    }

    /// Sort every list so output is deterministic whatever the thread order.
    pub fn sort(&mut self) {
        self.skipped.sort_by(|a, b| (&a.path, a.code).cmp(&(&b.path, b.code)));
        self.failed.sort_by(|a, b| (&a.path, a.code).cmp(&(&b.path, b.code)));
        self.record_errors.sort_by(|a, b| a.path.cmp(&b.path).then(a.reason.cmp(&b.reason)));
        self.rules.rejected.sort_by(|a, b| (&a.file, &a.rule).cmp(&(&b.file, &b.rule)));
        self.rules.blind.sort_by(|a, b| a.rule.cmp(&b.rule));
        self.sources.sort_by(|a, b| a.source.cmp(&b.source));
    }
}
