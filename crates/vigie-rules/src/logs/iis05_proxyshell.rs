//! # VG-IIS005 — ProxyShell autodiscover SSRF (IIS-05)
//!
//! ## What it does
//! Flags requests to `/autodiscover/autodiscover.json` that carry a back-end
//! target (`/powershell`, `/mapi/nspi`, `/EWS`, `X-Rps-CAT`) or the
//! `Email=autodiscover/autodiscover.json` / `autodiscover.json?@` /
//! `%3f@` shapes of the ProxyShell exploit. 401 = **attempt**; 200/302 =
//! **exploitation**; other statuses = attempt.
//!
//! ## Why is this bad?
//! ProxyShell (CVE-2021-34473, CVE-2021-34523, CVE-2021-31207) chains this
//! pre-authentication SSRF with remote PowerShell to export a mailbox as an
//! `.aspx` web shell (ATT&CK T1190).
//!
//! ## Example
//! Fires: `POST /autodiscover/autodiscover.json @evil.corp/powershell/?X-Rps-CAT=VgEA…&Email=autodiscover/autodiscover.json%3F@evil.corp 443 - 198.51.100.4 python-requests/2.26.0 - 200 0 0 62`
//!
//! Not flagged: `POST /autodiscover/autodiscover.json - 443 jane@corp.local … 200` (Outlook).
//!
//! ## Known false positives
//! Vulnerability scanners sending the same shape (they usually get 401 on patched servers: reported as attempts).
//!
//! ## Response
//! For 200/302: check the MSExchange Management log for `New-MailboxExportRequest`
//! and `New-ManagementRoleAssignment`, and the web roots for `.aspx` files
//! starting with `!BDN` (PST as a shell); install the May 2021 SU or later.
//!
//! ## References
//! Orange Tsai, Black Hat 2021; `reference/exchange-indicators.md` §3.4 B, IIS-05.

use super::common::{
    FileState, LineCtx, LogKind, Rule, attempt_or_exploitation, f, finding, icontains, status,
};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-IIS005",
    title: "ProxyShell autodiscover SSRF",
    indicators: &["IIS-05"],
    attack: &["T1190"],
    cves: &["CVE-2021-34473", "CVE-2021-34523", "CVE-2021-31207"],
    severity: Severity::High,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Web),
    needles: &["autodiscover.json"],
    needle_confirm: None,
    check,
    source: include_str!("iis05_proxyshell.rs"),
    file: "iis05_proxyshell.rs",
    remediation: "Install the May 2021 Exchange security update or later; check for mailbox export \
        requests and .aspx files written under inetpub or FrontEnd\\HttpProxy.",
};

/// Whether a request URI (stem and query) has the ProxyShell shape.
pub(crate) fn proxyshell_shape(uri: &str) -> bool {
    if !icontains(uri, "autodiscover.json") {
        return false;
    }
    let target =
        ["/powershell", "/mapi/nspi", "/EWS", "X-Rps-CAT"].iter().any(|t| icontains(uri, t));
    let shape = ["Email=autodiscover/autodiscover.json", "autodiscover.json?@", "%3f@"]
        .iter()
        .any(|t| icontains(uri, t));
    target || shape
}

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let ev = ctx.event;
    let uri = format!("{}?{}", f(ev, "cs-uri-stem"), f(ev, "cs-uri-query"));
    if !proxyshell_shape(&uri) {
        return;
    }
    let (stage, sev) = attempt_or_exploitation(matches!(status(ev), Some(200 | 302)));
    out.push(finding(
        rule,
        ctx,
        stage,
        sev,
        Confidence::Likely,
        "ProxyShell autodiscover SSRF request".to_string(),
    ));
}
