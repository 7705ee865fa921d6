//! # VG-HP004 — ProxyLogon SSRF towards a known exploit target (HP-04)
//!
//! ## What it does
//! Flags HttpProxy rows whose `ServerInfo~` SSRF target (`AnchorMailbox`) is
//! a step of the public ProxyLogon chain: `/autodiscover/autodiscover.xml`
//! (legacy DN), `/mapi/emsmdb` (SID), `/ecp/proxyLogon.ecp` (admin session;
//! status 241 = obtained), `DDIService.svc/GetObject|SetObject` with
//! `schema=OABVirtualDirectory`, and `SetObject` with
//! `schema=Reset…VirtualDirectory`. A reset answered 200 means the web shell
//! was written (Test-ProxyLogon 27065-A): **exploitation**, critical,
//! confirmed. Steps not answered 2xx/241 are **attempts**.
//!
//! ## Why is this bad?
//! Each target is a step from SSRF to arbitrary file write (CVE-2021-26855 +
//! CVE-2021-27065); a successful reset drops an `.aspx` shell (ATT&CK T1190,
//! T1505.003).
//!
//! ## Example
//! Fires (exploitation, critical):
//! `AnchorMailbox` = `ServerInfo~a]@exch01:444/ecp/DDI/DDIService.svc/SetObject?schema=ResetOABVirtualDirectory&msExchEcpCanary=x#`, `HttpStatus` = 200
//!
//! Not flagged: `ServerInfo~a]@exch01:444/owa/service.svc#` (SSRF, but no known step: VG-HP001 only).
//!
//! ## Known false positives
//! None known: these back-end paths never appear in `ServerInfo~` anchors of normal traffic.
//!
//! ## Response
//! For a reset answered 200: look for the `.aspx` written under
//! `FrontEnd\HttpProxy\owa\auth\`, `ecp\auth\` or the OAB folder at that time,
//! restore the OAB virtual directory, rebuild the server if a shell was used.
//!
//! ## References
//! Test-ProxyLogon 27065-A; microsoft/CSS-Exchange#100 (real rows);
//! `reference/exchange-indicators.md` §3.4 A, HP-04.

use super::common::{FileState, LineCtx, LogKind, Rule, f, finding, icontains, status};
use super::hp01_ssrf_anchor_mailbox::ssrf_target;
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-HP004",
    title: "ProxyLogon SSRF towards a known exploit step",
    indicators: &["HP-04"],
    attack: &["T1190", "T1505.003"],
    cves: &["CVE-2021-26855", "CVE-2021-27065"],
    severity: Severity::Critical,
    stage: Stage::Exploitation,
    kind: Some(LogKind::Exchange),
    needles: &["serverinfo~"],
    needle_confirm: None,
    check,
    source: include_str!("hp04_ssrf_targets.rs"),
    file: "hp04_ssrf_targets.rs",
    remediation: "Check the web-shell folders for .aspx files written at this time, reset the OAB \
        virtual directory, patch, and rebuild the server if a shell was used.",
};

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let anchor = f(ctx.event, "AnchorMailbox");
    let Some((_, path)) = ssrf_target(&anchor) else { return };
    let st = status(ctx.event);
    let ok = matches!(st, Some(200..=299));
    let ddi = icontains(path, "DDIService.svc/");
    let reset = ddi
        && icontains(path, "SetObject")
        && icontains(path, "schema=Reset")
        && icontains(path, "VirtualDirectory");
    let set_oab =
        ddi && icontains(path, "SetObject") && icontains(path, "schema=OABVirtualDirectory");
    let get_oab =
        ddi && icontains(path, "GetObject") && icontains(path, "schema=OABVirtualDirectory");
    let session = icontains(path, "/ecp/proxyLogon.ecp");
    let sid = icontains(path, "/mapi/emsmdb");
    let dn = icontains(path, "/autodiscover/autodiscover.xml");
    let (stage, sev, conf, what) = if reset && st == Some(200) {
        (
            Stage::Exploitation,
            Severity::Critical,
            Confidence::Confirmed,
            "virtual directory reset answered 200: web shell written",
        )
    } else if set_oab && ok {
        (
            Stage::Exploitation,
            Severity::Critical,
            Confidence::Likely,
            "OAB virtual directory URL changed through the SSRF",
        )
    } else if session && (st == Some(241) || ok) {
        (
            Stage::Exploitation,
            Severity::High,
            Confidence::Confirmed,
            "ECP admin session obtained through the SSRF",
        )
    } else if (get_oab || sid || dn) && ok {
        (
            Stage::Exploitation,
            Severity::High,
            Confidence::Likely,
            "ProxyLogon reconnaissance step answered",
        )
    } else if reset || set_oab || get_oab || session || sid || dn {
        (
            Stage::Attempt,
            Severity::Medium,
            Confidence::Likely,
            "ProxyLogon exploit step not answered with success",
        )
    } else {
        return;
    };
    out.push(finding(rule, ctx, stage, sev, conf, format!("ProxyLogon: {what}")));
}
