//! # VG-IIS001 — ProxyLogon POSTs to static-file URLs (IIS-01)
//!
//! ## What it does
//! Flags web-log lines where a **POST** went to a path that only serves static
//! files or login pages: `/owa/auth/Current/…` (theme resources such as
//! `logon.css`, `owafont_ja.css`, `lgnbotl.gif`, `SegoeUI-SemiBold.eot`),
//! `/ecp/default.flt`, `/ecp/main.css`, `/ecp/<1–3 chars>.js`,
//! `/ecp/auth/w.js`, `/owa/auth/w.js`, `/owa/auth/x.js`. Answered
//! 200/301/302 = **exploitation** (the SSRF was accepted), else **attempt**.
//!
//! ## Why is this bad?
//! Browsers only GET these files; the ProxyLogon exploits POST to them to carry
//! the SSRF (CVE-2021-26855; ATT&CK T1190).
//!
//! ## Example
//! Fires: `2021-03-03 05:52:54 10.0.0.5 POST /ecp/y.js &CorrelationID=<empty>;&cafeReqId=… 443 - 203.0.113.7 ExchangeServicesClient/0.0.0.0 - 200 0 0 31`
//!
//! Not flagged: `GET /owa/auth/Current/themes/resources/logon.css … 200` (a browser loading the logon page).
//!
//! ## Known false positives
//! None known for POSTs to these static paths.
//!
//! ## Response
//! Check the HttpProxy logs of the same minute (VG-HP001…HP005) and the web-shell folders; patch.
//!
//! ## References
//! Microsoft HAFNIUM blog (2021-03-02), Volexity; `reference/exchange-indicators.md` §3.4 B, IIS-01.

use super::common::{
    FileState, LineCtx, LogKind, Rule, attempt_or_exploitation, f, finding, istarts, line_has,
    path_at, status,
};
use super::hp05_ssrf_static_paths::carrier_path;
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-IIS001",
    title: "ProxyLogon POST to a static-file URL",
    indicators: &["IIS-01"],
    attack: &["T1190"],
    cves: &["CVE-2021-26855"],
    severity: Severity::High,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Web),
    needles: &["/owa/auth/", "/ecp/"],
    // Both folders are in most OWA/ECP requests: look for the carrier path
    // and a POST on the line.
    needle_confirm: Some(posts_to_a_carrier),
    check,
    source: include_str!("iis01_proxylogon_posts.rs"),
    file: "iis01_proxylogon_posts.rs",
    remediation: "Install the March 2021 Exchange security update or later and check HttpProxy logs \
        and web-shell folders for what followed.",
};

/// The needle starts a carrier path (as [`check`] tests the URL path) on a
/// line that says `post`.
fn posts_to_a_carrier(lower: &[u8], at: usize) -> bool {
    let carrier =
        path_at(lower, at).is_none_or(|p| carrier_path(p) || istarts(p, "/owa/auth/Current/"));
    carrier && line_has(lower, at, b"post")
}

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let ev = ctx.event;
    if !f(ev, "cs-method").eq_ignore_ascii_case("POST") {
        return;
    }
    let stem = f(ev, "cs-uri-stem");
    if !(carrier_path(&stem) || istarts(&stem, "/owa/auth/Current/")) {
        return;
    }
    let (stage, sev) = attempt_or_exploitation(matches!(status(ev), Some(200 | 301 | 302)));
    out.push(finding(
        rule,
        ctx,
        stage,
        sev,
        Confidence::Likely,
        format!("ProxyLogon-style POST to {stem}"),
    ));
}

#[cfg(test)]
mod tests {
    use super::posts_to_a_carrier;

    fn at(line: &str, needle: &str) -> bool {
        crate::logs::common::confirm_at(posts_to_a_carrier, line, needle)
    }

    #[test]
    fn carrier_paths_posted_to_only() {
        assert!(at("2021-03-03 10:00:00 POST /ecp/y.js - 443 - 1.2.3.4 x - 200 0 0 1", "/ecp/"));
        assert!(at("2021-03-03 POST /owa/auth/Current/themes/resources/a.css - 443", "/owa/auth/"));
        // The GET of the same page, and a POST to an ordinary page, are not.
        assert!(!at("2021-03-03 GET /owa/auth/Current/themes/resources/a.css - 443", "/owa/auth/"));
        assert!(!at("2021-03-03 POST /ecp/default.aspx - 443\n2021-03-03 POST /x", "/ecp/"));
        // The line ends at `\n`: a POST on the next line does not count.
        assert!(!at("2021-03-03 GET /ecp/y.js - 443\n2021-03-03 POST /x", "/ecp/"));
    }
}
