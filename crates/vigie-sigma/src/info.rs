//! Public descriptions of loaded rules and rule sets.

use serde::Serialize;
use vigie_model::RuleSource;

/// What a rule document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A detection rule (`detection:` + `condition:`).
    Detection,
    /// A correlation rule (`correlation:`), including the implicit one
    /// behind a Sigma 1.x `| count() by …` condition.
    Correlation,
    /// A Sigma filter (`filter:`) that narrows other rules.
    Filter,
}

/// How a rule ended at load time. Every rule ends in exactly one of these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LoadStatus {
    /// Compiled and evaluated.
    Loaded,
    /// Could not be compiled; the reason names the construct and the fix.
    Rejected {
        /// Why.
        reason: String,
    },
    /// Valid, but left out by an option (`min_level`, `status`, `tags`).
    Excluded {
        /// Which option.
        reason: String,
    },
}

/// The `logsource` of a rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LogSource {
    /// `product` (`windows`, `linux`, …).
    pub product: Option<String>,
    /// `category` (`process_creation`, `webserver`, …).
    pub category: Option<String>,
    /// `service` (`security`, `sysmon`, …).
    pub service: Option<String>,
}

/// Everything known about one rule document, loaded or not.
#[derive(Clone, Debug, Serialize)]
pub struct RuleInfo {
    /// The rule's `id` (a UUID for Sigma rules); the file path when absent.
    pub id: String,
    /// The rule's `name` (used by correlations to reference it).
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `status` (`stable`, `test`, `experimental`, `deprecated`, …).
    pub status: Option<String>,
    /// `level` (`informational` … `critical`).
    pub level: Option<String>,
    /// `author` (repeated in every finding, as the DRL requires).
    pub author: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `references`.
    pub references: Vec<String>,
    /// `tags` (`attack.t1505.003`, …).
    pub tags: Vec<String>,
    /// `falsepositives`.
    pub falsepositives: Vec<String>,
    /// `logsource`.
    pub logsource: LogSource,
    /// Detection, correlation or filter.
    pub kind: RuleKind,
    /// `ruletype: Hayabusa` (hayabusa native rule).
    pub hayabusa: bool,
    /// hayabusa `details` template (`%Field%` placeholders).
    pub details: Option<String>,
    /// File the rule came from, relative to its set's root.
    pub file: String,
    /// Index of the rule set in [`crate::SigmaRules::sets`].
    pub set: usize,
    /// `RuleSource::Sigma` for external sets, `RuleSource::Builtin` for the
    /// built-in pack.
    pub source: RuleSource,
    /// Loaded, rejected or excluded.
    pub load: LoadStatus,
    /// Channels the rule reads (empty when unrestricted). A loaded rule none
    /// of whose channels is present in the evidence is blind.
    pub channels: Vec<String>,
    /// Event ids the rule can match (empty: any).
    pub event_ids: Vec<u32>,
    /// Why the rule is evaluated on every event (unmapped or product-less
    /// log source), when it is.
    pub unrestricted: Option<String>,
    /// Whether matches of this rule are reported on their own (false for
    /// rules only used by a correlation without `generate: true`).
    pub generates: bool,
}

impl RuleInfo {
    /// Whether the rule loaded.
    pub fn is_loaded(&self) -> bool {
        self.load == LoadStatus::Loaded
    }
}

/// Load statistics of one rule directory or file.
#[derive(Clone, Debug, Serialize)]
pub struct RuleSetStats {
    /// Name given to the set (`sigmahq`, `builtin`, a directory name).
    pub name: String,
    /// Directory or file it came from.
    pub path: String,
    /// Where its rules come from.
    pub source: RuleSource,
    /// Rule files read.
    pub files: u64,
    /// Rules loaded.
    pub loaded: u64,
    /// Rules rejected.
    pub rejected: u64,
    /// Rules excluded by options.
    pub excluded: u64,
    /// SHA-256 over the set's files (relative names and contents, sorted by
    /// name), for provenance.
    pub sha256: String,
}

/// Options for one rule directory or file.
#[derive(Clone, Debug)]
pub struct SetOptions {
    /// Name of the set in reports (`sigmahq`, `hayabusa`, …).
    pub name: String,
    /// `RuleSource::Builtin` for vigie's own pack, else `RuleSource::Sigma`.
    pub source: RuleSource,
}

impl SetOptions {
    /// An external set (`RuleSource::Sigma`) named `name`.
    pub fn external(name: impl Into<String>) -> Self {
        SetOptions { name: name.into(), source: RuleSource::Sigma }
    }

    /// The built-in pack (`RuleSource::Builtin`) named `name`.
    pub fn builtin(name: impl Into<String>) -> Self {
        SetOptions { name: name.into(), source: RuleSource::Builtin }
    }
}
