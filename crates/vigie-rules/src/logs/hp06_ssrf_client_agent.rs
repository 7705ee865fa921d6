//! # VG-HP006 — Exploit-tool user agent on ECP / SSRF rows (HP-06)
//!
//! ## What it does
//! Flags HttpProxy rows whose `UserAgent` is `ExchangeServicesClient/0.0.0.0`
//! or `python-requests/…` **and** that go to `/ecp/` or carry a
//! `ServerInfo~` anchor. Supporting evidence: **attempt**, low severity,
//! possible.
//!
//! ## Why is this bad?
//! These agents were used by the ProxyLogon exploit scripts and mass scanners
//! in March 2021; Outlook, browsers and Exchange itself do not send them to ECP
//! (ATT&CK T1190).
//!
//! ## Example
//! Fires: `UrlStem` = `/ecp/DDI/DDIService.svc/GetObject`, `UserAgent` = `python-requests/2.25.1`
//!
//! Not flagged: `UrlStem` = `/EWS/Exchange.asmx`, `UserAgent` = `python-requests/2.25.1` (scripts using EWS are common).
//!
//! ## Known false positives
//! In-house scripts that drive ECP with `python-requests`.
//!
//! ## Response
//! Look at the other rows of the same client address and time.
//!
//! ## References
//! Microsoft and Volexity ProxyLogon reports; `reference/exchange-indicators.md` §3.4 A, HP-06.

use super::common::{FileState, LineCtx, LogKind, Rule, f, finding, istarts};
use super::hp01_ssrf_anchor_mailbox::ssrf_target;
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-HP006",
    title: "Exploit-tool user agent on ECP or SSRF request",
    indicators: &["HP-06"],
    attack: &["T1190"],
    cves: &["CVE-2021-26855"],
    severity: Severity::Low,
    stage: Stage::Attempt,
    kind: Some(LogKind::Exchange),
    needles: &["exchangeservicesclient/0.0.0.0", "python-requests/"],
    needle_confirm: None,
    check,
    source: include_str!("hp06_ssrf_client_agent.rs"),
    file: "hp06_ssrf_client_agent.rs",
    remediation: "Review every request from the same client address around this time.",
};

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let ua = f(ctx.event, "UserAgent");
    let tool = ua.trim().eq_ignore_ascii_case("ExchangeServicesClient/0.0.0.0")
        || istarts(ua.trim(), "python-requests/");
    if !tool {
        return;
    }
    let ecp = istarts(&f(ctx.event, "UrlStem"), "/ecp/");
    if ecp || ssrf_target(&f(ctx.event, "AnchorMailbox")).is_some() {
        let title = format!("Exploit-tool user agent {} on an ECP/SSRF request", ua.trim());
        out.push(finding(rule, ctx, Stage::Attempt, Severity::Low, Confidence::Possible, title));
    }
}
