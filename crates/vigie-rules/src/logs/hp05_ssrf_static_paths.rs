//! # VG-HP005 — ProxyLogon SSRF through a static-file URL (HP-05)
//!
//! ## What it does
//! Flags HttpProxy rows whose `UrlStem` is one of the static-looking paths the
//! ProxyLogon exploits send the SSRF to — `/ecp/<1–3 chars>.js` (`/ecp/y.js`),
//! `/owa/auth/x.js`, `/ecp/auth/w.js`, `/owa/auth/w.js`, `/ecp/main.css`,
//! `/ecp/default.flt`, `/owa/auth/Current/themes/resources/…` — **with** a
//! `ServerInfo~` anchor or a `Server~…/…` back-end cookie. 2xx/241 =
//! **exploitation**, else **attempt**.
//!
//! ## Why is this bad?
//! These URLs need no authentication on the front end, which is why the
//! exploits use them to carry the forged routing (ATT&CK T1190).
//!
//! ## Example
//! Fires: `UrlStem` = `/ecp/y.js`, `AnchorMailbox` = `ServerInfo~a]@exch01:444/autodiscover/autodiscover.xml?#`
//!
//! Not flagged: `UrlStem` = `/ecp/y.js` with `AnchorMailbox` = `SMTP:jane@corp.local`.
//!
//! ## Known false positives
//! None known with the routing condition; the paths alone are ordinary static files.
//!
//! ## Response
//! As VG-HP001.
//!
//! ## References
//! Volexity and Microsoft ProxyLogon write-ups; `reference/exchange-indicators.md` §3.4 A, HP-05.

use super::common::{
    FileState, LineCtx, LogKind, Rule, attempt_or_exploitation, f, finding, icontains, istarts,
    ok_status, status,
};
use super::hp01_ssrf_anchor_mailbox::ssrf_target;
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-HP005",
    title: "ProxyLogon SSRF sent through a static-file URL",
    indicators: &["HP-05"],
    attack: &["T1190"],
    cves: &["CVE-2021-26855"],
    severity: Severity::High,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Exchange),
    // Every carrier path starts with one of these (see `carrier_path`); the
    // forged cookie or anchor is checked after.
    needles: &["/owa/auth/", "/ecp/"],
    needle_confirm: None,
    check,
    source: include_str!("hp05_ssrf_static_paths.rs"),
    file: "hp05_ssrf_static_paths.rs",
    remediation: "Install the March 2021 Exchange security update or later and review what the same \
        client did next.",
};

/// Whether a URL stem is one of the ProxyLogon carrier paths.
pub(crate) fn carrier_path(stem: &str) -> bool {
    let exact =
        ["/owa/auth/x.js", "/ecp/auth/w.js", "/owa/auth/w.js", "/ecp/main.css", "/ecp/default.flt"];
    if exact.iter().any(|p| stem.eq_ignore_ascii_case(p))
        || istarts(stem, "/owa/auth/Current/themes/resources/")
    {
        return true;
    }
    // /ecp/<1-3 chars>.js
    if istarts(stem, "/ecp/") && stem.len() > 5 {
        let name = &stem[5..];
        if let Some(base) = name.strip_suffix(".js") {
            return (1..=3).contains(&base.len()) && !base.contains('/');
        }
    }
    false
}

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let stem = f(ctx.event, "UrlStem");
    if !carrier_path(&stem) {
        return;
    }
    let anchor = f(ctx.event, "AnchorMailbox");
    let cookie = f(ctx.event, "BackEndCookie");
    let forged =
        ssrf_target(&anchor).is_some() || (istarts(&cookie, "Server~") && icontains(&cookie, "/"));
    if !forged {
        return;
    }
    let st = status(ctx.event);
    let (stage, sev) = attempt_or_exploitation(ok_status(st));
    out.push(finding(
        rule,
        ctx,
        stage,
        sev,
        Confidence::Likely,
        format!("ProxyLogon SSRF carried by {stem}"),
    ));
}
