//! # VG-IIS003 — ECP virtual-directory reset answered 200 (IIS-03)
//!
//! ## What it does
//! Flags `POST /ecp/DDI/DDIService.svc/SetObject` whose query holds
//! `schema=Reset…VirtualDirectory` (`ResetOABVirtualDirectory`, …). Answered
//! 200 = **exploitation**, critical: the reset writes the virtual directory's
//! configuration, with the attacker's script in its URL, to a file path the
//! attacker chose — the web shell of CVE-2021-27065. Confirmed when
//! `cs-username` ends with `$` (the machine account: the request came
//! through the SSRF). Other statuses = **attempt**.
//!
//! ## Why is this bad?
//! This is the request that drops the ProxyLogon web shell (ATT&CK T1190, T1505.003).
//!
//! ## Example
//! Fires: `POST /ecp/DDI/DDIService.svc/SetObject schema=ResetOABVirtualDirectory&msExchEcpCanary=… 443 CORP\EXCH01$ 203.0.113.7 … 200 0 0 1890`
//!
//! Not flagged: `POST /ecp/DDI/DDIService.svc/SetObject schema=OABVirtualDirectory&… 200` (a normal edit of the URLs; see VG-ECP001 for script URLs).
//!
//! ## Known false positives
//! An administrator resetting a virtual directory from ECP (rare; never as the machine account).
//!
//! ## Response
//! Find the file written at that time (the OAB config text with a script tag
//! in an `.aspx` under `inetpub`, `FrontEnd\HttpProxy` or `aspnet_client`),
//! collect it, then rebuild or clean the server; patch.
//!
//! ## References
//! Test-ProxyLogon 27065; `reference/exchange-indicators.md` §3.4 B, IIS-03.

use super::common::{FileState, LineCtx, LogKind, Rule, f, finding, icontains, status};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-IIS003",
    title: "ECP virtual-directory reset (ProxyLogon file write)",
    indicators: &["IIS-03"],
    attack: &["T1190", "T1505.003"],
    cves: &["CVE-2021-27065"],
    severity: Severity::Critical,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Web),
    needles: &["virtualdirectory"],
    needle_confirm: None,
    check,
    source: include_str!("iis03_reset_vdir.rs"),
    file: "iis03_reset_vdir.rs",
    remediation: "Find and collect the .aspx written at this time, restore the virtual directory, \
        patch, and rebuild the server if the shell was used.",
};

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let ev = ctx.event;
    if !f(ev, "cs-method").eq_ignore_ascii_case("POST") {
        return;
    }
    if !icontains(&f(ev, "cs-uri-stem"), "/ecp/DDI/DDIService.svc/SetObject") {
        return;
    }
    let q = f(ev, "cs-uri-query");
    if !(icontains(&q, "schema=Reset") && icontains(&q, "VirtualDirectory")) {
        return;
    }
    let machine = f(ev, "cs-username").trim().ends_with('$');
    let (stage, sev, conf) = match status(ev) {
        Some(200) if machine => (Stage::Exploitation, Severity::Critical, Confidence::Confirmed),
        Some(200) => (Stage::Exploitation, Severity::Critical, Confidence::Likely),
        _ => (Stage::Attempt, Severity::Medium, Confidence::Likely),
    };
    let title = if stage == Stage::Exploitation {
        "Virtual directory reset through ECP answered 200: web shell likely written".to_string()
    } else {
        "Virtual directory reset through ECP attempted".to_string()
    };
    out.push(finding(rule, ctx, stage, sev, conf, title));
}
