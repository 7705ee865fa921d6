//! # VG-HP008 — Log coverage against the exposure window (HP-08)
//!
//! ## What it does
//! A coverage rule, not a line rule: for each log source (IIS site,
//! HttpProxy protocol folder, ECP, OAB generator, access log) the scan
//! reports the first and last timestamp, gaps longer than a day, and a
//! warning when the logs start after the ProxyLogon exploitation window
//! opened (2021-01-06). It appears in the coverage section of every report
//! (`coverage.sources`), never as a finding.
//!
//! ## Why is this bad?
//! A clean log is only evidence for the days it covers: Exchange keeps
//! HttpProxy logs for 30 days by default, and many servers were patched weeks
//! after exploitation began (CSS-Exchange #98).
//!
//! ## Example
//! Reported: "IIS W3SVC1: logs start on 2021-03-20; anything earlier cannot be judged".
//!
//! Not flagged: a source whose first line is dated 2020-12-01.
//!
//! ## Known false positives
//! None: it is a statement of coverage.
//!
//! ## Response
//! Look for older logs (backups, log archives, SIEM) and for evidence that
//! survives log rotation (web-shell files, configuration state).
//!
//! ## References
//! Test-ProxyLogon log-age output; `reference/exchange-indicators.md` §3.4 A, HP-08.

use super::common::{FileState, LineCtx, Rule};
use vigie_model::{Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-HP008",
    title: "Log coverage against the exposure window (coverage, not a finding)",
    indicators: &["HP-08"],
    attack: &[],
    cves: &[],
    severity: Severity::Info,
    stage: Stage::Exposure,
    kind: None,
    needles: &[],
    needle_confirm: None,
    check,
    source: include_str!("hp08_log_age.rs"),
    file: "hp08_log_age.rs",
    remediation: "Find older logs (backups, archives, SIEM) for the days not covered.",
};

/// The exploitation window opened on this day (first ProxyLogon exploitation seen).
pub const EXPOSURE_START: &str = "2021-01-06";

fn check(_: &Rule, _: &LineCtx<'_>, _: &mut FileState, _: &mut Vec<Finding>) {}
