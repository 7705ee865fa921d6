//! # VG-IIS008 — ProxyToken inbox-rule creation (IIS-08)
//!
//! ## What it does
//! Flags ECP requests answered **500** that either POST to
//! `…/RulesEditor/InboxRules.svc/NewObject` or carry `SecurityToken=` in the
//! query: the ProxyToken exploit (CVE-2021-33766) creates a forwarding rule in
//! another user's mailbox, and the server answers 500 even when the rule was
//! created. **Exploitation**, high, possible.
//!
//! ## Why is this bad?
//! A forwarding rule silently copies a victim's mail to the attacker
//! (ATT&CK T1114.003, Email Forwarding Rule).
//!
//! ## Example
//! Fires: `POST /ecp/victim@corp.local/RulesEditor/InboxRules.svc/NewObject SecurityToken=x 443 - 198.51.100.4 … 500 0 0 70`
//!
//! Not flagged: `POST /ecp/RulesEditor/InboxRules.svc/NewObject … 200` (a user creating a rule).
//!
//! ## Known false positives
//! ECP errors while a user creates a rule (no `SecurityToken=`; check the user).
//!
//! ## Response
//! List inbox rules of the mailbox named in the URL (`Get-InboxRule`), remove
//! forwarding rules nobody asked for; install the July 2021 SU or later.
//!
//! ## References
//! Zero Day Initiative ProxyToken write-up (Aug 2021); `reference/exchange-indicators.md` §3.4 B, IIS-08.

use super::common::{FileState, LineCtx, LogKind, Rule, f, finding, icontains, istarts, status};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-IIS008",
    title: "ProxyToken inbox-rule creation",
    indicators: &["IIS-08"],
    attack: &["T1114.003"],
    cves: &["CVE-2021-33766"],
    severity: Severity::High,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Web),
    needles: &["inboxrules.svc", "securitytoken="],
    needle_confirm: None,
    check,
    source: include_str!("iis08_proxytoken.rs"),
    file: "iis08_proxytoken.rs",
    remediation: "List the inbox rules of the mailbox in the URL and remove unwanted forwarding; \
        install the July 2021 Exchange security update or later.",
};

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let ev = ctx.event;
    let stem = f(ev, "cs-uri-stem");
    if !istarts(&stem, "/ecp/") || status(ev) != Some(500) {
        return;
    }
    let post = f(ev, "cs-method").eq_ignore_ascii_case("POST");
    let new_rule = post && icontains(&stem, "RulesEditor/InboxRules.svc/NewObject");
    let token = icontains(&f(ev, "cs-uri-query"), "SecurityToken=");
    if new_rule || token {
        let title = "ProxyToken-style inbox-rule request answered 500".to_string();
        out.push(finding(
            rule,
            ctx,
            Stage::Exploitation,
            Severity::High,
            Confidence::Possible,
            title,
        ));
    }
}
