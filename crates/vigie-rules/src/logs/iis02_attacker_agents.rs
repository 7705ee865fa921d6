//! # VG-IIS002 — Attacker user agents on Exchange POSTs (IIS-02)
//!
//! ## What it does
//! Flags POSTs carrying a user agent that the HAFNIUM reports list, on the path
//! where it was seen: crawler look-alikes (`DuckDuckBot/1.0`,
//! `facebookexternalhit/1.1`, `Baiduspider/2.0`, `Bingbot/2.0`,
//! `Googlebot/2.1`, `Exabot-Thumbnails`, `Yahoo! Slurp`, `YandexBot/3.0`,
//! `Chrome/51.0.2704.103` on Linux) on `/owa/auth/Current/`;
//! `ExchangeServicesClient/0.0.0.0`, `python-requests/2.19.1|2.25.1` on
//! `/ecp/`; `antSword/v2.1`, `Googlebot/2.1 (+http://www.googlebot.com/bot.html)`,
//! Baiduspider on `/aspnet_client/` or `/owa/`. 2xx = **exploitation**, else
//! **attempt**; confidence possible (agents are easy to fake both ways).
//!
//! ## Why is this bad?
//! Real crawlers do not POST to Exchange; these strings were set by the
//! exploit and web-shell tooling (ATT&CK T1190, T1505.003).
//!
//! ## Example
//! Fires: `POST /ecp/y.js … python-requests/2.25.1 … 200`
//!
//! Not flagged: `GET /owa/auth/logon.aspx … Mozilla/5.0+(compatible;+Googlebot/2.1;++http://www.google.com/bot.html) … 200` (a GET).
//!
//! ## Known false positives
//! Monitoring scripts using `python-requests` against ECP.
//!
//! ## Response
//! Review every request of that client address; check the web-shell folders.
//!
//! ## References
//! Microsoft and Volexity HAFNIUM reports; `reference/exchange-indicators.md` §3.4 B, IIS-02.

use super::common::{
    FileState, LineCtx, LogKind, Rule, f, finding, istarts, norm_ua, ok_status, status,
};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-IIS002",
    title: "Attacker user agent on an Exchange POST",
    indicators: &["IIS-02"],
    attack: &["T1190", "T1505.003"],
    cves: &["CVE-2021-26855"],
    severity: Severity::High,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Web),
    needles: &[
        "duckduckbot",
        "facebookexternalhit",
        "baiduspider",
        "bingbot",
        "googlebot",
        "exabot",
        "slurp",
        "yandexbot",
        "chrome/51.0.2704.103",
        "exchangeservicesclient",
        "python-requests",
        "antsword",
    ],
    needle_confirm: None,
    check,
    source: include_str!("iis02_attacker_agents.rs"),
    file: "iis02_attacker_agents.rs",
    remediation: "Review every request from this client address and check the web-shell folders.",
};

/// (path prefix, user-agent prefixes, compared after `+` → space and lower-casing).
const LISTS: [(&str, &[&str]); 3] = [
    (
        "/owa/auth/current/",
        &[
            "duckduckbot/1.0; (+http://duckduckgo.com/duckduckbot.html)",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "mozilla/5.0 (compatible; baiduspider/2.0;  http://www.baidu.com/search/spider.html)",
            "mozilla/5.0 (compatible; bingbot/2.0;  http://www.bing.com/bingbot.htm)",
            "mozilla/5.0 (compatible; googlebot/2.1;  http://www.google.com/bot.html",
            "mozilla/5.0 (compatible; konqueror/3.5; linux) khtml/3.5.5 (like gecko) (exabot-thumbnails)",
            "mozilla/5.0 (compatible; yahoo! slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
            "mozilla/5.0 (compatible; yandexbot/3.0;  http://yandex.com/bots)",
            "mozilla/5.0 (x11; linux x86_64) applewebkit/537.36 (khtml, like gecko) chrome/51.0.2704.103 safari/537.36",
        ],
    ),
    (
        "/ecp/",
        &["exchangeservicesclient/0.0.0.0", "python-requests/2.19.1", "python-requests/2.25.1"],
    ),
    (
        "",
        &[
            "antsword/v2.1",
            "googlebot/2.1 ( http://www.googlebot.com/bot.html)",
            "mozilla/5.0 (compatible; baiduspider/2.0;  http://www.baidu.com/search/spider.html)",
        ],
    ),
];

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let ev = ctx.event;
    if !f(ev, "cs-method").eq_ignore_ascii_case("POST") {
        return;
    }
    let stem = f(ev, "cs-uri-stem");
    let ua = norm_ua(&f(ev, "cs(User-Agent)"));
    for (prefix, agents) in LISTS {
        let on_path = if prefix.is_empty() {
            istarts(&stem, "/aspnet_client/") || istarts(&stem, "/owa/")
        } else {
            istarts(&stem, prefix)
        };
        if on_path && agents.iter().any(|a| ua.starts_with(&norm_ua(a))) {
            let st = status(ev);
            let (stage, sev) = if ok_status(st) {
                (Stage::Exploitation, Severity::High)
            } else {
                (Stage::Attempt, Severity::Medium)
            };
            let title = format!("POST to {stem} with attacker user agent");
            out.push(finding(rule, ctx, stage, sev, Confidence::Possible, title));
            return;
        }
    }
}
