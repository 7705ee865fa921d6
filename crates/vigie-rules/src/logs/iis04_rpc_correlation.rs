//! # VG-IIS004 — `/rpc/` request with an empty correlation id (IIS-04)
//!
//! ## What it does
//! Flags `GET /rpc/` lines whose query holds `&CorrelationID=<empty>;` and
//! `&RequestId=`, answered 200/301/302: a trace the ProxyLogon exploitation
//! tooling left in IIS front-end logs. **Attempt**, medium, possible: it
//! marks the activity, not its success.
//!
//! ## Why is this bad?
//! Outlook Anywhere clients use `RPC_IN_DATA`/`RPC_OUT_DATA` on `/rpc/rpcproxy.dll`;
//! a bare `GET /rpc/` with this query shape came from exploit traffic (ATT&CK T1190).
//!
//! ## Example
//! Fires: `GET /rpc/ &CorrelationID=<empty>;&RequestId=5d1a…&cafeReqId=… 443 - 203.0.113.7 python-requests/2.25.1 - 200 0 0 15`
//!
//! Not flagged: `RPC_IN_DATA /rpc/rpcproxy.dll …&CorrelationID=<empty>;&cafeReqId=… 200` (Outlook Anywhere).
//!
//! ## Known false positives
//! Health probes that GET `/rpc/` (check the client address).
//!
//! ## Response
//! Look at the other requests from the same address (VG-IIS001, VG-IIS003).
//!
//! ## References
//! Neo23x0 signature-base log rule for CVE-2021-27065 (Mar21_2); `reference/exchange-indicators.md` §3.4 B, IIS-04.

use super::common::{FileState, LineCtx, LogKind, Rule, f, finding, icontains, status};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-IIS004",
    title: "GET /rpc/ with an empty correlation id (ProxyLogon trace)",
    indicators: &["IIS-04"],
    attack: &["T1190"],
    cves: &["CVE-2021-26855", "CVE-2021-27065"],
    severity: Severity::Medium,
    stage: Stage::Attempt,
    kind: Some(LogKind::Web),
    needles: &["/rpc/"],
    needle_confirm: None,
    check,
    source: include_str!("iis04_rpc_correlation.rs"),
    file: "iis04_rpc_correlation.rs",
    remediation: "Review the other requests of this client address.",
};

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let ev = ctx.event;
    if !f(ev, "cs-method").eq_ignore_ascii_case("GET")
        || !f(ev, "cs-uri-stem").eq_ignore_ascii_case("/rpc/")
    {
        return;
    }
    let q = f(ev, "cs-uri-query");
    if icontains(&q, "&CorrelationID=<empty>;")
        && icontains(&q, "&RequestId=")
        && matches!(status(ev), Some(200 | 301 | 302))
    {
        let title = "GET /rpc/ with an empty correlation id (ProxyLogon tooling trace)".to_string();
        out.push(finding(rule, ctx, Stage::Attempt, Severity::Medium, Confidence::Possible, title));
    }
}
