//! # VG-IIS007 — OWASSRF: OWA path to PowerShell (IIS-07)
//!
//! ## What it does
//! Flags POSTs to `/owa/<mailbox>@<domain>/powershell` (also `%40`-encoded,
//! e.g. `/owa/mastermailbox%40outlook.com/powershell`). Answered 200 =
//! **exploitation**, other statuses = **attempt**.
//!
//! ## Why is this bad?
//! OWASSRF (CVE-2022-41080) bypassed the ProxyNotShell URL-rewrite
//! mitigation by going through OWA to reach remote PowerShell, then ran code
//! with CVE-2022-41082 (ATT&CK T1190, T1059.001).
//!
//! ## Example
//! Fires: `POST /owa/mastermailbox%40outlook.com/powershell - 443 CORP\jane 198.51.100.4 python-requests/2.28.1 - 200 0 0 412`
//!
//! Not flagged: `POST /owa/service.svc action=GetItem 443 CORP\jane … 200` (normal OWA).
//!
//! ## Known false positives
//! None known: OWA never routes clients to `/powershell`.
//!
//! ## Response
//! Install the November 2022 SU or later; review process creation under
//! `w3wp.exe` and the MSExchange Management log at that time.
//!
//! ## References
//! CrowdStrike OWASSRF report (Dec 2022); `reference/exchange-indicators.md` §3.4 B, IIS-07.

use super::common::{
    FileState, LineCtx, LogKind, Rule, attempt_or_exploitation, f, finding, icontains, istarts,
    status,
};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-IIS007",
    title: "OWASSRF: OWA path forwarded to remote PowerShell",
    indicators: &["IIS-07"],
    attack: &["T1190", "T1059.001"],
    cves: &["CVE-2022-41080", "CVE-2022-41082"],
    severity: Severity::High,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Web),
    needles: &["/powershell"],
    needle_confirm: None,
    check,
    source: include_str!("iis07_owassrf.rs"),
    file: "iis07_owassrf.rs",
    remediation: "Install the November 2022 Exchange security update or later and review what ran \
        under w3wp.exe at this time.",
};

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let ev = ctx.event;
    if !f(ev, "cs-method").eq_ignore_ascii_case("POST") {
        return;
    }
    let stem = f(ev, "cs-uri-stem");
    if !istarts(&stem, "/owa/") {
        return;
    }
    let mut parts = stem[5..].splitn(2, '/');
    let mailbox = parts.next().unwrap_or("");
    let rest = parts.next().unwrap_or("");
    if !(mailbox.contains('@') || icontains(mailbox, "%40")) || !istarts(rest, "powershell") {
        return;
    }
    let (stage, sev) = attempt_or_exploitation(status(ev) == Some(200));
    out.push(finding(
        rule,
        ctx,
        stage,
        sev,
        Confidence::Likely,
        format!("OWASSRF request to {stem}"),
    ));
}
