//! # VG-HP002 — ProxyLogon SSRF: forged `BackEndCookie` (HP-02)
//!
//! ## What it does
//! Flags Exchange HttpProxy rows whose `BackEndCookie` looks like
//! `Server~<host>/<path>~<…>`: the `X-BEResource` cookie of CVE-2021-26855
//! names a back-end path. Answered 2xx (or 241) = **exploitation**, anything
//! else = **attempt**.
//!
//! ## Why is this bad?
//! A back-end cookie carrying a path is how the ProxyLogon SSRF steers the
//! front end; Microsoft's later hunting query used it and Test-ProxyLogon's
//! narrower rule missed such rows (CSS-Exchange #310). ATT&CK T1190.
//!
//! ## Example
//! Fires: `BackEndCookie` = `Server~exch01.corp.local/ecp/DDI/DDIService.svc/GetObject?#~1941962753`
//!
//! Not flagged: `BackEndCookie` = `Server~EXCH01.corp.local~1942062522` (no path).
//!
//! ## Known false positives
//! None known: normal cookies hold a server name and a version, no `/`.
//!
//! ## Response
//! As VG-HP001: patch, then review the follow-up rows and web-shell folders.
//!
//! ## References
//! microsoft/CSS-Exchange#310; `reference/exchange-indicators.md` §3.4 A, HP-02.

use super::common::{
    FileState, LineCtx, LogKind, Rule, attempt_or_exploitation, f, finding, istarts, ok_status,
    status,
};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-HP002",
    title: "ProxyLogon SSRF: back-end cookie naming a path",
    indicators: &["HP-02"],
    attack: &["T1190"],
    cves: &["CVE-2021-26855"],
    severity: Severity::High,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Exchange),
    needles: &["server~"],
    // Every normal HttpProxy row has a `Server~` cookie: look for the `/`.
    needle_confirm: Some(cookie_names_a_path),
    check,
    source: include_str!("hp02_ssrf_backend_cookie.rs"),
    file: "hp02_ssrf_backend_cookie.rs",
    remediation: "Install the March 2021 Exchange security update or later and review the requests \
        that followed from the same client address.",
};

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let cookie = f(ctx.event, "BackEndCookie");
    if !istarts(&cookie, "Server~") {
        return;
    }
    let rest = &cookie["Server~".len()..];
    let Some(slash) = rest.find('/') else { return };
    if !rest[slash..].contains('~') {
        return;
    }
    let st = status(ctx.event);
    let (stage, sev) = attempt_or_exploitation(ok_status(st));
    let title = format!(
        "ProxyLogon back-end cookie towards {}",
        &rest[..rest.rfind('~').unwrap_or(rest.len())]
    );
    out.push(finding(rule, ctx, stage, sev, Confidence::Likely, title));
}

/// Whether the CSV field holding the `server~` at `at` (lower-cased line)
/// contains a `/` after it: a quoted field runs to its closing quote, an
/// unquoted one to the next comma. Holds for every row [`check`] reports:
/// the field there is the `BackEndCookie`, starting with `Server~` and
/// holding a `/`.
fn cookie_names_a_path(line: &[u8], at: usize) -> bool {
    let quoted = at > 0 && line.get(at - 1) == Some(&b'"');
    let rest = line.get(at + "server~".len()..).unwrap_or_default();
    // `line` may run on into the next lines (a block search).
    let rest = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
    let end = if quoted {
        // `""` is an escaped quote inside the field; a lone `"` ends it.
        let mut i = 0;
        loop {
            match memchr::memchr(b'"', &rest[i..]) {
                Some(k) if rest.get(i + k + 1) == Some(&b'"') => i += k + 2,
                Some(k) => break i + k,
                None => break rest.len(),
            }
        }
    } else {
        memchr::memchr(b',', rest).unwrap_or(rest.len())
    };
    memchr::memchr(b'/', &rest[..end]).is_some()
}

#[cfg(test)]
mod tests {
    use super::cookie_names_a_path;

    #[test]
    fn confirms_only_cookies_with_a_path() {
        let at = |l: &str| l.find("server~").unwrap_or(0);
        let benign = ",server~exch01.corp.local~1942062522,,\"a/b\",";
        assert!(!cookie_names_a_path(benign.as_bytes(), at(benign)));
        let forged = ",server~exch01/ecp/ddi/ddiservice.svc/getobject?#~1941962753,";
        assert!(cookie_names_a_path(forged.as_bytes(), at(forged)));
        let quoted = ",\"server~a,\"\"b\"\"/ecp/x.js~1\",z";
        assert!(cookie_names_a_path(quoted.as_bytes(), at(quoted)));
        let quoted_no_path = ",\"server~a,b~1\",/x";
        assert!(!cookie_names_a_path(quoted_no_path.as_bytes(), at(quoted_no_path)));
        // In a block, the next line is not part of the field.
        let block = ",server~exch01~1\n/owa/x,\"server~a~1\n/b\"";
        assert!(!cookie_names_a_path(block.as_bytes(), at(block)));
        assert!(!cookie_names_a_path(block.as_bytes(), block.rfind("server~").unwrap_or(0)));
    }
}
