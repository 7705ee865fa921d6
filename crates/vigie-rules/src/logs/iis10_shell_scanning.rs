//! # VG-IIS010 — Scanning for other actors' web shells (IIS-10)
//!
//! ## What it does
//! Flags requests for web-shell names planted on Exchange servers in 2021 and
//! later probed by second-wave actors: `/owa/auth/{RedirSuiteServerProxy,
//! OutlookEN, ErrorAA, zntwv, getpp, Err0r, 928ccfacbe}.aspx`,
//! `/owa/auth/Current/themes/errorFS.aspx`,
//! `/owa/auth/Current/scripts/premium/fexppw.aspx`,
//! `/owa/auth/Current/themes/resources/win.ashx`. Not found (404, or the 302
//! to the logon page) = **attempt**; answered 200 = **compromise**: the shell
//! exists on this server.
//!
//! ## Why is this bad?
//! A probe means the server is on an attacker's list; a 200 means somebody's
//! shell is there (ATT&CK T1505.003, T1595).
//!
//! ## Example
//! Fires (compromise): `GET /owa/auth/OutlookEN.aspx - 443 - 198.51.100.9 Mozilla/5.0 - 200 0 0 15`
//!
//! Not flagged: `GET /owa/auth/RedirSuiteServiceProxy.aspx … 200` (the legitimate Exchange file, one letter apart).
//!
//! ## Known false positives
//! None for the names themselves; a 200 on an Exchange build that really ships
//! one of them would be a false compromise (none is known).
//!
//! ## Response
//! For a 200: collect the file under `FrontEnd\HttpProxy\owa\auth\`, isolate the
//! server. For probes: make sure the server is patched and check the folders.
//!
//! ## References
//! Public CERT incident write-up (real IIS lines); `reference/exchange-indicators.md` §3.4 B, IIS-10.

use super::common::{FileState, LineCtx, LogKind, Rule, f, finding, ok_status, status};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-IIS010",
    title: "Request for a known Exchange web-shell name",
    indicators: &["IIS-10"],
    attack: &["T1505.003", "T1595"],
    cves: &[],
    severity: Severity::Critical,
    stage: Stage::Compromise,
    kind: Some(LogKind::Web),
    needles: &[
        "redirsuiteserverproxy",
        "outlooken.aspx",
        "erroraa",
        "zntwv",
        "getpp.aspx",
        "err0r.aspx",
        "928ccfacbe",
        "errorfs.aspx",
        "fexppw",
        "win.ashx",
    ],
    needle_confirm: None,
    check,
    source: include_str!("iis10_shell_scanning.rs"),
    file: "iis10_shell_scanning.rs",
    remediation: "If answered 200, collect the named file and isolate the server; otherwise make sure \
        the server is patched and check its web-shell folders.",
};

const NAMES: [&str; 10] = [
    "/owa/auth/redirsuiteserverproxy.aspx",
    "/owa/auth/outlooken.aspx",
    "/owa/auth/erroraa.aspx",
    "/owa/auth/zntwv.aspx",
    "/owa/auth/getpp.aspx",
    "/owa/auth/err0r.aspx",
    "/owa/auth/928ccfacbe.aspx",
    "/owa/auth/current/themes/errorfs.aspx",
    "/owa/auth/current/scripts/premium/fexppw.aspx",
    "/owa/auth/current/themes/resources/win.ashx",
];

/// Whether a lower-case URL stem is one of the probed shell names.
pub(crate) fn known_scan_name(lower_stem: &str) -> bool {
    NAMES.contains(&lower_stem)
}

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let ev = ctx.event;
    let stem = f(ev, "cs-uri-stem");
    if !known_scan_name(&stem.to_ascii_lowercase()) {
        return;
    }
    let st = status(ev);
    let (stage, sev, conf, title) = if ok_status(st) {
        (
            Stage::Compromise,
            Severity::Critical,
            Confidence::Likely,
            format!("Known web shell {stem} answered {}", st.unwrap_or(0)),
        )
    } else {
        (
            Stage::Attempt,
            Severity::Medium,
            Confidence::Likely,
            format!("Probe for known web shell {stem}"),
        )
    };
    out.push(finding(rule, ctx, stage, sev, conf, title));
}
