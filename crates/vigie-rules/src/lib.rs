//! The vigie built-in rule pack, written by us: YARA rules for web shells and
//! attacker tools, IOC lists (hashes and paths from public advisories), Sigma
//! rules for the Exchange event-log indicators, and log-line detections for
//! IIS and Exchange logs.
//!
//! # Overview
//!
//! - [`catalog`] lists every built-in rule as a [`RuleInfo`] (code, title,
//!   engine, severity, stage, indicator ids, documentation header). This is
//!   what `vigie rules list` and `vigie rules show ID` print.
//! - Each engine's part of the pack lives in its own module and file tree
//!   (`rules/yara`, `rules/ioc`, `rules/sigma`, `src/logs`).
//!
//! # Example
//!
//! ```
//! let rules = vigie_rules::catalog();
//! assert!(rules.iter().all(|r| !r.code.is_empty()));
//! ```
#![deny(missing_docs)]

pub mod ioc_pack;
pub mod logs;
pub mod sigma_pack;
pub mod yara_pack;

use serde::Serialize;
use vigie_model::{Severity, Stage};

/// One built-in rule as a user sees it.
#[derive(Clone, Debug, Serialize)]
pub struct RuleInfo {
    /// Stable code (`VG-WEB001`) or the rule's own id (Sigma UUID,
    /// `namespace:name` for YARA).
    pub code: String,
    /// Title.
    pub title: String,
    /// Engine: `yara`, `ioc`, `sigma`, `log`.
    pub engine: &'static str,
    /// Default severity of its findings.
    pub severity: Severity,
    /// Stage its findings are put at.
    pub stage: Stage,
    /// Indicator ids of `reference/exchange-indicators.md` (`FS-05`, `HP-01`).
    pub indicators: Vec<String>,
    /// MITRE ATT&CK technique ids.
    pub attack: Vec<String>,
    /// The documentation header (what it detects, why it matters, example,
    /// known false positives, response), as Markdown.
    pub doc: String,
    /// Source file of the rule inside the pack.
    pub file: String,
}

/// Every built-in rule, sorted by code.
pub fn catalog() -> Vec<RuleInfo> {
    let mut all = Vec::new();
    all.extend(yara_pack::catalog());
    all.extend(ioc_pack::catalog());
    all.extend(sigma_pack::catalog());
    all.extend(logs::catalog());
    all.sort_by(|a, b| a.code.cmp(&b.code));
    all
}

/// Find a built-in rule by code (case-insensitive).
pub fn find(code: &str) -> Option<RuleInfo> {
    catalog().into_iter().find(|r| r.code.eq_ignore_ascii_case(code))
}
