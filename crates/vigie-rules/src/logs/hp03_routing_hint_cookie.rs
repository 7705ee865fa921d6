//! # VG-HP003 — SSRF routed by a resource cookie (HP-03)
//!
//! ## What it does
//! Context for VG-HP001: flags HttpProxy rows routed by
//! `RoutingHint` = `X-BEResource-Cookie` or `X-AnonResource-Backend-Cookie`
//! **and** carrying a `ServerInfo~…/…` anchor mailbox. Reported as an
//! **attempt** at low severity: it says *how* the SSRF was routed.
//!
//! ## Why is this bad?
//! These cookies are the ProxyLogon routing vectors that Microsoft's EOMT
//! mitigation blocked with URL-rewrite rules (ATT&CK T1190).
//!
//! ## Example
//! Fires: `RoutingHint` = `X-BEResource-Cookie`, `AnchorMailbox` = `ServerInfo~a]@exch01:444/ecp/proxyLogon.ecp?#`
//!
//! Not flagged: `RoutingHint` = `X-BEResource-Cookie` with `AnchorMailbox` = `SMTP:jane@corp.local`.
//!
//! ## Known false positives
//! The cookie alone is used by normal clients; the rule needs the `ServerInfo~` anchor too.
//!
//! ## Response
//! Read it together with VG-HP001 on the same line.
//!
//! ## References
//! `reference/exchange-indicators.md` §1.3 (EOMT rules) and §3.4 A, HP-03.

use super::common::{FileState, LineCtx, LogKind, Rule, f, finding};
use super::hp01_ssrf_anchor_mailbox::ssrf_target;
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-HP003",
    title: "SSRF routed by X-BEResource / X-AnonResource-Backend cookie",
    indicators: &["HP-03"],
    attack: &["T1190"],
    cves: &["CVE-2021-26855"],
    severity: Severity::Low,
    stage: Stage::Attempt,
    kind: Some(LogKind::Exchange),
    needles: &["x-beresource-cookie", "x-anonresource-backend-cookie"],
    needle_confirm: None,
    check,
    source: include_str!("hp03_routing_hint_cookie.rs"),
    file: "hp03_routing_hint_cookie.rs",
    remediation: "Context for VG-HP001; apply its response.",
};

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let hint = f(ctx.event, "RoutingHint");
    let routed = ["X-BEResource-Cookie", "X-AnonResource-Backend-Cookie"]
        .iter()
        .any(|h| hint.trim().eq_ignore_ascii_case(h));
    if routed && ssrf_target(&f(ctx.event, "AnchorMailbox")).is_some() {
        let title = format!("ProxyLogon SSRF routed by the {hint} cookie");
        out.push(finding(rule, ctx, Stage::Attempt, Severity::Low, Confidence::Likely, title));
    }
}
