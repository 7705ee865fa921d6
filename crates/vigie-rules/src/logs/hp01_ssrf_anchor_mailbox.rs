//! # VG-HP001 — ProxyLogon SSRF: `ServerInfo~` anchor mailbox (HP-01)
//!
//! ## What it does
//! Flags Exchange HttpProxy log rows whose `AnchorMailbox` starts with
//! `ServerInfo~` and holds a `/`: the front end was told to forward the
//! request to a back-end path chosen by the client (`host:444/path#`), the
//! server-side request forgery of CVE-2021-26855. Rows whose target is only
//! `/autodiscover…` or `ServerInfo~localhost…`, or that were answered
//! 401/403/404, are reported as **attempts**; the others as **exploitation**.
//!
//! ## Why is this bad?
//! The SSRF lets an unauthenticated attacker reach the Exchange back end as
//! the server itself; it is the first step of the ProxyLogon chain that ends
//! with a web shell (ATT&CK T1190, Exploit Public-Facing Application).
//!
//! ## Example
//! Fires (exploitation):
//! `2021-03-03T05:52:54.927Z,…,/ecp/y.js,…,ServerInfo~a]@exch01.corp.local:444/mapi/emsmdb/?#,…,200,…`
//!
//! Not flagged: `AnchorMailbox` = `SMTP:jane@corp.local` or `ServerInfo~exch01` (no `/`).
//!
//! ## Known false positives
//! Microsoft removed `ServerInfo~*/autodiscover*` and `ServerInfo~localhost*/*`
//! from Test-ProxyLogon for false positives; vigie keeps them but as attempts.
//!
//! ## Response
//! Treat the server as compromised until the follow-up rows (VG-HP004,
//! VG-IIS003, VG-ECP001) and the web-shell folders have been checked; patch to
//! the March 2021 SU or later; look for `.aspx` files written the same day.
//!
//! ## References
//! microsoft/CSS-Exchange `Security/src/Test-ProxyLogon.ps1` (check 26855);
//! `reference/exchange-indicators.md` §3.4 A, HP-01.

use super::common::{FileState, LineCtx, LogKind, Rule, f, finding, icontains, istarts, status};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-HP001",
    title: "ProxyLogon SSRF: ServerInfo~ anchor mailbox in HttpProxy log",
    indicators: &["HP-01"],
    attack: &["T1190"],
    cves: &["CVE-2021-26855"],
    severity: Severity::High,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Exchange),
    needles: &["serverinfo~"],
    needle_confirm: None,
    check,
    source: include_str!("hp01_ssrf_anchor_mailbox.rs"),
    file: "hp01_ssrf_anchor_mailbox.rs",
    remediation: "Install the March 2021 Exchange security update or later, then check the web-shell \
        folders (FrontEnd\\HttpProxy\\owa\\auth, aspnet_client) and the ECP/OAB logs for the follow-up steps.",
};

/// The SSRF target of an anchor mailbox, when it is one: `(host, path)`.
pub(crate) fn ssrf_target(anchor: &str) -> Option<(&str, &str)> {
    if !istarts(anchor, "ServerInfo~") {
        return None;
    }
    let rest = &anchor["ServerInfo~".len()..];
    let slash = rest.find('/')?;
    Some((&rest[..slash], &rest[slash..]))
}

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let anchor = f(ctx.event, "AnchorMailbox");
    let Some((host, path)) = ssrf_target(&anchor) else { return };
    let st = status(ctx.event);
    let benign_target = istarts(path, "/autodiscover") || icontains(host, "localhost");
    let (stage, sev, title) = if benign_target || matches!(st, Some(401 | 403 | 404)) {
        (Stage::Attempt, Severity::Medium, format!("ProxyLogon SSRF attempt towards {host}{path}"))
    } else {
        (Stage::Exploitation, Severity::High, format!("ProxyLogon SSRF reached {host}{path}"))
    };
    out.push(finding(rule, ctx, stage, sev, Confidence::Likely, title));
}
