//! # VG-HP007 — OWASSRF / ProxyNotShell remote PowerShell row (HP-07)
//!
//! ## What it does
//! Flags HttpProxy rows of the PowerShell protocol (`UrlStem` starting
//! `/powershell`) that were authenticated, answered 200, carry
//! `OnEndRequest.End.ContentType=application/soap+xml` in `GenericInfo`, and
//! whose `UserAgent` is not one of Exchange's own remote-PowerShell clients
//! (`ClientInfo`, `Microsoft WinRM Client`, `Exchange BackEnd Probes`).
//! **Exploitation**, high, possible.
//!
//! ## Why is this bad?
//! OWASSRF (CVE-2022-41080) and ProxyNotShell (CVE-2022-41082) reach the
//! back-end PowerShell endpoint to run cmdlets as the victim; the exploit's
//! requests show as authenticated PowerShell rows with an unusual client
//! (ATT&CK T1190, T1059.001).
//!
//! ## Example
//! Fires: `/powershell,…,Kerberos,true,…,200,…` with `GenericInfo` holding the SOAP content type and `UserAgent` = `python-requests/2.28.1`
//!
//! Not flagged: the same row with `UserAgent` = `Microsoft WinRM Client`.
//!
//! ## Known false positives
//! Administrators using third-party WinRM tools against `/powershell`.
//!
//! ## Response
//! Check the MSExchange Management log for cmdlets run at that time;
//! install the November 2022 SU or later.
//!
//! ## References
//! CrowdStrike OWASSRF write-up (Dec 2022); `reference/exchange-indicators.md` §3.4 A, HP-07.

use super::common::{FileState, LineCtx, LogKind, Rule, f, finding, istarts, status};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-HP007",
    title: "Remote PowerShell row with an unusual client (OWASSRF / ProxyNotShell)",
    indicators: &["HP-07"],
    attack: &["T1190", "T1059.001"],
    cves: &["CVE-2022-41080", "CVE-2022-41082"],
    severity: Severity::High,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Exchange),
    needles: &["application/soap+xml"],
    needle_confirm: None,
    check,
    source: include_str!("hp07_owassrf_powershell.rs"),
    file: "hp07_owassrf_powershell.rs",
    remediation: "Install the November 2022 Exchange security update or later and review the cmdlets \
        run at that time (MSExchange Management event log).",
};

const KNOWN_CLIENTS: [&str; 3] =
    ["ClientInfo", "Microsoft WinRM Client", "Exchange BackEnd Probes"];

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let ev = ctx.event;
    if !istarts(&f(ev, "UrlStem"), "/powershell") || status(ev) != Some(200) {
        return;
    }
    if !f(ev, "IsAuthenticated").eq_ignore_ascii_case("true") {
        return;
    }
    if !f(ev, "GenericInfo").contains("OnEndRequest.End.ContentType=application/soap+xml") {
        return;
    }
    let ua = f(ev, "UserAgent");
    if KNOWN_CLIENTS.iter().any(|c| istarts(ua.trim(), c)) {
        return;
    }
    let title = format!("Remote PowerShell used by an unusual client ({})", ua.trim());
    out.push(finding(rule, ctx, Stage::Exploitation, Severity::High, Confidence::Possible, title));
}
