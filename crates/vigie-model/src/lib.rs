//! The vigie data model: what a scan or a probe found, how sure it is, and what
//! it could and could not look at.
//!
//! # Overview
//!
//! - [`ScanResult`] is the canonical artefact: every report format is rendered
//!   from it, and `vigie report result.json` re-renders it without rescanning.
//! - [`Finding`] is one thing worth telling a human: a [`RuleRef`], a
//!   [`Severity`], a [`Confidence`], a [`Stage`] (exposure → attempt →
//!   exploitation → compromise), a [`Location`], [`Evidence`] and a remediation.
//! - [`Coverage`] says what was scanned, skipped and failed (with reasons), which
//!   rules loaded, were rejected or were blind, and which time span each log
//!   source covers. Nothing is silently skipped.
//! - [`Event`] is the trait every record reader implements so that matchers
//!   (Sigma, log detections) ask for fields by name without knowing formats.
//!
//! The serde field docs on these types are the JSON contract described in
//! `docs/scan-result.md`.
//!
//! # Example
//!
//! ```
//! use vigie_model::{Finding, RuleRef, RuleSource, Severity, Stage, Location, ScanResult};
//! let rule = RuleRef::new("VG-WEB001", "China Chopper one-liner", RuleSource::Builtin);
//! let finding = Finding::new(rule, Severity::Critical, Stage::Compromise,
//!     "China Chopper web shell", Location::path("inetpub/wwwroot/aspnet_client/x.aspx"));
//! let mut result = ScanResult::new(vec!["inetpub".into()]);
//! result.push(finding);
//! result.finalize();
//! assert_eq!(result.findings.len(), 1);
//! assert_eq!(result.verdict().headline_stage(), Some(Stage::Compromise));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod coverage;
mod display;
mod event;
mod finding;
mod result;
mod severity;

pub use crate::coverage::{
    AbsentArtefact, BlindRule, Coverage, FileCounts, Gap, MAX_RECORD_ERRORS_LISTED, Problem,
    ProblemCode, RecordCounts, RejectedRule, RuleCoverage, RuleSetInfo, SourceSpan,
};
pub use crate::display::thousands;
pub use crate::event::{Event, Value};
pub use crate::finding::{Counted, Evidence, Finding, Location, RuleRef, RuleSource};
pub use crate::result::{
    Input, InputHash, InputKind, InventoryItem, KevInfo, Provenance, SCHEMA_VERSION, ScanResult,
    Tool, Verdict,
};
pub use crate::severity::{Confidence, Severity, Stage};

/// A place findings are streamed into (a report writer, an alert sink, a
/// collector). Engines push; they never know the output format.
pub trait FindingSink {
    /// Accept one finding.
    fn push(&mut self, finding: Finding);
}

impl FindingSink for Vec<Finding> {
    fn push(&mut self, finding: Finding) {
        Vec::push(self, finding);
    }
}
