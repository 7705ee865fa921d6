//! # VG-ECP002 — OAB virtual directory set to a script, then recreated (ECP-02)
//!
//! ## What it does
//! Follows the ECP Server log of one file: a `Set-*VirtualDirectory` with a
//! script in a `*Url` (VG-ECP001), then within 10 minutes a
//! `Remove-OabVirtualDirectory` or `New-OabVirtualDirectory`. The removal or
//! re-creation is the attacker resetting the directory to write the shell and
//! then cleaning up. **Exploitation**, critical, confirmed; reported once per
//! sequence, on the remove/new row.
//!
//! ## Why is this bad?
//! The sequence Get → Set(script) → Set($null) → Remove → New is the
//! ProxyLogon file write followed by anti-forensics (ATT&CK T1505.003, T1070).
//!
//! ## Example
//! Fires: a `Set-OabVirtualDirectory.ExternalUrl='http://f/<script …>…</script>'` row at 06:02:11, then `S:CMD=Remove-OabVirtualDirectory.Identity='…'` at 06:02:40.
//!
//! Not flagged: `Remove-OabVirtualDirectory` with no script-URL row before it (an administrator rebuilding OAB).
//!
//! ## Known false positives
//! None known.
//!
//! ## Response
//! As VG-ECP001; also compare the OAB virtual directory settings with a
//! healthy server (the recreated directory may lack custom settings).
//!
//! ## References
//! Public CERT incident write-up (real ECP rows); OTRF ProxyLogon dataset;
//! `reference/exchange-indicators.md` §3.4 C, ECP-02.

use super::common::{FileState, LineCtx, LogKind, Rule, finding, icontains};
use super::ecp01_vdir_url_script::{cmdlet, is_script_url};
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-ECP002",
    title: "OAB virtual directory set to a script, then removed or recreated",
    indicators: &["ECP-02"],
    attack: &["T1505.003", "T1070"],
    cves: &["CVE-2021-27065"],
    severity: Severity::Critical,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Exchange),
    needles: &["virtualdirectory"],
    needle_confirm: None,
    check,
    source: include_str!("ecp02_oab_vdir_sequence.rs"),
    file: "ecp02_oab_vdir_sequence.rs",
    remediation: "Find and collect the .aspx written at this time, compare the OAB virtual directory \
        with a healthy server, then clean or rebuild and patch.",
};

const WINDOW_SECS: i64 = 600;

fn check(rule: &Rule, ctx: &LineCtx<'_>, state: &mut FileState, out: &mut Vec<Finding>) {
    let time = ctx.event.timestamp();
    if is_script_url(ctx.raw) {
        state.script_set = Some((time, ctx.line));
        return;
    }
    let Some(name) = cmdlet(ctx.raw) else { return };
    let cleanup = ["Remove-OabVirtualDirectory", "New-OabVirtualDirectory"]
        .iter()
        .any(|c| icontains(name, c) && name.len() == c.len());
    if !cleanup {
        return;
    }
    let Some((set_time, set_line)) = state.script_set else { return };
    let within = match (set_time, time) {
        (Some(a), Some(b)) => (b - a).num_seconds().abs() <= WINDOW_SECS,
        _ => true,
    };
    if within {
        state.script_set = None;
        let title = format!(
            "{name} right after a script was set in a virtual-directory URL (line {set_line})"
        );
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
