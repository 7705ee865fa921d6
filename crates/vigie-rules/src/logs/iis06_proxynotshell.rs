//! # VG-IIS006 — ProxyNotShell autodiscover SSRF to PowerShell (IIS-06)
//!
//! ## What it does
//! Flags requests whose URI holds `autodiscover.json`, an `@` and
//! `powershell`, without ProxyShell's `X-Rps-CAT` token, and the
//! proof-of-concept traces `/autodiscover/admin@localhost/`. Answered 200 =
//! **exploitation**; other statuses = **attempt**; 401/404/444 and Nessus
//! `@test.com` probes are not reported (the server refused them).
//!
//! The URL shape is the one ProxyShell used, so VG-IIS005 fires on the same
//! line: the URL alone cannot tell the two CVE pairs apart; a 200 for an
//! authenticated user (`cs-username` set) points to ProxyNotShell.
//!
//! ## Why is this bad?
//! ProxyNotShell (CVE-2022-41040 + CVE-2022-41082) lets any mailbox user run
//! code on the server through remote PowerShell (ATT&CK T1190).
//!
//! ## Example
//! Fires: `GET /autodiscover/autodiscover.json @evil.corp/owa/&Email=x@evil.corp&Protocol=Powershell … 200`
//!
//! Not flagged: the same request answered 401, or with `@test.com` (a scanner).
//!
//! ## Known false positives
//! Scanners on unpatched servers (answered 200) — check what followed.
//!
//! ## Response
//! Apply the November 2022 SU; check the MSExchange Management log and
//! process creation under `w3wp.exe` (MSExchangePowerShellAppPool).
//!
//! ## References
//! Microsoft MSRC guidance for CVE-2022-41040 (Sept/Oct 2022); `reference/exchange-indicators.md` §3.4 B, IIS-06.

use super::common::{
    FileState, LineCtx, LogKind, Rule, attempt_or_exploitation, f, finding, icontains, status,
};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-IIS006",
    title: "ProxyNotShell autodiscover SSRF to PowerShell",
    indicators: &["IIS-06"],
    attack: &["T1190"],
    cves: &["CVE-2022-41040", "CVE-2022-41082"],
    severity: Severity::High,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Web),
    needles: &["autodiscover"],
    needle_confirm: None,
    check,
    source: include_str!("iis06_proxynotshell.rs"),
    file: "iis06_proxynotshell.rs",
    remediation: "Install the November 2022 Exchange security update or later and review remote \
        PowerShell activity at this time.",
};

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let ev = ctx.event;
    let uri = format!("{}?{}", f(ev, "cs-uri-stem"), f(ev, "cs-uri-query"));
    let poc = icontains(&uri, "/autodiscover/admin@localhost/");
    let shape = icontains(&uri, "autodiscover.json")
        && (uri.contains('@') || icontains(&uri, "%40"))
        && icontains(&uri, "powershell");
    if !(poc || shape) || icontains(&uri, "X-Rps-CAT") || icontains(&uri, "@test.com") {
        return;
    }
    let st = status(ev);
    if matches!(st, Some(401 | 404 | 444)) {
        return;
    }
    let (stage, sev) = attempt_or_exploitation(st == Some(200));
    out.push(finding(
        rule,
        ctx,
        stage,
        sev,
        Confidence::Likely,
        "ProxyNotShell autodiscover SSRF to PowerShell".to_string(),
    ));
}
