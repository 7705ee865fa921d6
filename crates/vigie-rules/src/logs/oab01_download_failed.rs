//! # VG-OAB001 — OAB generator wrote a file outside the OAB folder (OAB-01)
//!
//! ## What it does
//! Flags OAB generator log lines `Download failed and temporary file '<path>'
//! needs to be removed` where `<path>` is not under `…\ClientAccess\OAB`.
//! **Exploitation**, high: CVE-2021-26858 lets an attacker make the OAB
//! generator download a file to any path; the failed download left it there.
//!
//! ## Why is this bad?
//! The arbitrary file write of CVE-2021-26858 places web shells in web roots
//! (ATT&CK T1190, T1505.003).
//!
//! ## Example
//! Fires: `…,Download failed and temporary file 'C:\inetpub\wwwroot\aspnet_client\shell.aspx' needs to be removed,…`
//!
//! Not flagged: `Download failed and temporary file 'C:\Program Files\Microsoft\Exchange Server\V15\ClientAccess\OAB\Temp\x.tmp' needs to be removed`.
//!
//! ## Known false positives
//! Exchange installed with a relocated OAB folder (the path is then legitimate).
//!
//! ## Response
//! Check whether the file at `<path>` still exists and collect it; patch.
//!
//! ## References
//! Test-ProxyLogon 26858; `reference/exchange-indicators.md` §3.4 D, OAB-01.

use super::common::{FileState, LineCtx, LogKind, Rule, finding};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-OAB001",
    title: "OAB generator wrote a file outside the OAB folder (CVE-2021-26858)",
    indicators: &["OAB-01"],
    attack: &["T1190", "T1505.003"],
    cves: &["CVE-2021-26858"],
    severity: Severity::High,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Exchange),
    needles: &["download failed and temporary file"],
    needle_confirm: None,
    check,
    source: include_str!("oab01_download_failed.rs"),
    file: "oab01_download_failed.rs",
    remediation: "Check whether the named file still exists, collect it, and patch (March 2021 SU or later).",
};

const MARK: &str = "Download failed and temporary file ";

/// The path of a download-failed line.
fn path_of(raw: &str) -> Option<&str> {
    let i = raw.find(MARK)? + MARK.len();
    let rest = &raw[i..];
    let end = rest.find(" needs to be removed")?;
    Some(rest[..end].trim().trim_matches(['\'', '"']))
}

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let Some(path) = path_of(ctx.raw) else { return };
    let norm = path.replace('/', "\\").to_ascii_lowercase();
    if norm.contains("\\clientaccess\\oab\\") || norm.ends_with("\\clientaccess\\oab") {
        return;
    }
    let title = format!("OAB generator left a downloaded file at {path}");
    out.push(finding(rule, ctx, Stage::Exploitation, Severity::High, Confidence::Likely, title));
}
