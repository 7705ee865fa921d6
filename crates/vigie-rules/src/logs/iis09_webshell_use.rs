//! # VG-IIS009 — Web-shell use (IIS-09)
//!
//! ## What it does
//! Flags requests that show a server-side script being used as a web shell:
//!
//! 1. commands or tunnel parameters in the query of a script
//!    (`.aspx .ashx .asmx .asp .jsp .jspx .php`): `=whoami`, `cmd /c`,
//!    `cmd.exe`, `powershell`, `net user`, `ipconfig`, Tunna's
//!    `port=<n>&ip=<addr>`, reGeorg's `cmd=connect&target=` — answered 2xx =
//!    **compromise**, confirmed;
//! 2. an `.aspx`/`.ashx` that is not part of Exchange under `/owa/auth/`,
//!    `/ecp/auth/`, `/aspnet_client/` or `/OAB/` answered 2xx — POST =
//!    **compromise** (likely), GET = compromise (possible: the shell exists);
//! 3. a script named like a shell (`cmd.jsp`, `shell.aspx`, `cmd.php`, …)
//!    answering a POST with 2xx = **compromise** (likely).
//!
//! Names VG-IIS010 tracks (second-wave scanning) are left to it.
//!
//! ## Why is this bad?
//! A script that answers commands gives the attacker a shell as the web
//! server's account (ATT&CK T1505.003, T1059).
//!
//! ## Example
//! Fires: `GET /erp/conn.aspx proxy&port=3389&ip=127.0.0.1 80 - 10.0.2.17 - - 200 0 0 7` (Tunna tunnel to RDP)
//!
//! Not flagged: `POST /owa/auth/logon.aspx … 302` (Exchange's own logon page).
//!
//! ## Known false positives
//! Custom pages deployed under `aspnet_client` (Exchange never uses it);
//! admin tools with a `cmd` parameter.
//!
//! ## Response
//! Collect the script (path from the URL), its hashes and timestamps;
//! isolate the server; look for what the same client did (lateral movement).
//!
//! ## References
//! NSA/ASD "Mitigating Web Shells" (LogCheck); `reference/exchange-indicators.md` §3.4 B, IIS-09 and §3.4 F, FS-04.

use super::common::{
    FileState, LineCtx, LogKind, Rule, f, finding, icontains, iends, istarts, ok_status, path_at,
    status,
};
use super::iis10_shell_scanning::known_scan_name;
use aho_corasick::AhoCorasick;
use std::borrow::Cow;
use std::sync::LazyLock;
use vigie_model::{Confidence, Finding, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-IIS009",
    title: "Web-shell use",
    indicators: &["IIS-09"],
    attack: &["T1505.003", "T1059"],
    cves: &[],
    severity: Severity::Critical,
    stage: Stage::Compromise,
    kind: Some(LogKind::Web),
    // What each branch of `check` needs in the raw line: a command (each
    // space written as `+`, `%20` or a space) or `port=`; a watched folder
    // (confirmed: a non-Exchange `.aspx`/`.ashx` in it); a shell's name.
    needles: &[
        "=whoami",
        "cmd+/c",
        "cmd%20/c",
        "cmd /c",
        "cmd.exe",
        "powershell",
        "net+user",
        "net%20user",
        "net user",
        "net+localgroup",
        "net%20localgroup",
        "net localgroup",
        "ipconfig",
        "=systeminfo",
        "/bin/",
        "cmd=connect&target=",
        "=tasklist",
        "port=",
        "/owa/auth/",
        "/ecp/auth/",
        "/aspnet_client/",
        "/oab/",
        "/cmd.",
        // `shell.`, `webshell.`, `cmdshell.`
        "shell.",
        "/aspxspy.",
        "/antsword.",
        "/behinder.",
        "/godzilla.",
    ],
    needle_confirm: Some(unknown_script_in_watched_folder),
    check,
    source: include_str!("iis09_webshell_use.rs"),
    file: "iis09_webshell_use.rs",
    remediation: "Collect the script named in the URL (hashes, timestamps), isolate the server and \
        review everything the same client address did.",
};

const SCRIPT_EXT: [&str; 7] = [".aspx", ".ashx", ".asmx", ".asp", ".jsp", ".jspx", ".php"];
const COMMANDS: [&str; 12] = [
    "=whoami",
    "cmd /c",
    "cmd.exe",
    "powershell",
    "net user",
    "net localgroup",
    "ipconfig",
    "=systeminfo",
    "/bin/sh",
    "/bin/bash",
    "cmd=connect&target=",
    "=tasklist",
];
/// Tunna's tunnel parameters (both present).
const TUNNEL: [&str; 2] = ["port=", "&ip="];

/// The commands and tunnel parameters, in one ASCII case-insensitive
/// automaton (one pass over the query instead of one per string).
static QUERY_SIGNS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder().ascii_case_insensitive(true).build(COMMANDS.iter().chain(&TUNNEL)).ok()
});

/// Whether a query (`+` and `%20` read as spaces) sends a command or both
/// tunnel parameters.
fn shell_query(query: &str) -> bool {
    let Some(ac) = QUERY_SIGNS.as_ref() else {
        let tunnel = TUNNEL.iter().all(|t| icontains(query, t));
        return tunnel || COMMANDS.iter().any(|c| icontains(query, c));
    };
    let mut tunnel = [false; TUNNEL.len()];
    for m in ac.find_overlapping_iter(query) {
        match m.pattern().as_usize().checked_sub(COMMANDS.len()) {
            None => return true,
            Some(t) => tunnel[t] = true,
        }
    }
    tunnel.iter().all(|&t| t)
}

const SHELL_NAMES: [&str; 8] =
    ["cmd", "shell", "webshell", "cmdshell", "aspxspy", "antsword", "behinder", "godzilla"];
/// Exchange's own scripts in the front-end auth folders (any build).
const BASELINE: [&str; 11] = [
    "logon.aspx",
    "logoff.aspx",
    "errorfe.aspx",
    "expiredpassword.aspx",
    "frowny.aspx",
    "outlookcn.aspx",
    "redirsuiteserviceproxy.aspx",
    "signout.aspx",
    "svmfeedback.aspx",
    "timeoutlogout.aspx",
    "getidtoken.htm",
];
const WATCHED: [&str; 4] = ["/owa/auth/", "/ecp/auth/", "/aspnet_client/", "/oab/"];

/// For a watched-folder needle: the path it starts is an `.aspx`/`.ashx`
/// that is not one of Exchange's own (Exchange's pages under `/owa/auth/`
/// are most of the traffic). Other needles need no confirmation.
fn unknown_script_in_watched_folder(lower: &[u8], at: usize) -> bool {
    let rest = &lower[at.min(lower.len())..];
    if !WATCHED.iter().any(|w| rest.starts_with(w.as_bytes())) {
        return true;
    }
    path_at(lower, at).is_none_or(|p| {
        let name = p.rsplit('/').next().unwrap_or("");
        (p.ends_with(".aspx") || p.ends_with(".ashx")) && !BASELINE.contains(&name)
    })
}

fn check(rule: &Rule, ctx: &LineCtx<'_>, _: &mut FileState, out: &mut Vec<Finding>) {
    let ev = ctx.event;
    let stem = f(ev, "cs-uri-stem");
    if !SCRIPT_EXT.iter().any(|e| iends(&stem, e)) || !ok_status(status(ev)) {
        return;
    }
    let query = f(ev, "cs-uri-query");
    let query = if query.contains('+') || query.contains("%20") {
        Cow::Owned(query.replace('+', " ").replace("%20", " "))
    } else {
        query
    };
    let post = f(ev, "cs-method").eq_ignore_ascii_case("POST");
    let name = stem.rsplit('/').next().unwrap_or("");
    let base = name.rsplit_once('.').map_or(name, |(b, _)| b);
    let (stage, conf, why) = if shell_query(&query) {
        (Stage::Compromise, Confidence::Confirmed, "commands or tunnel parameters sent to")
    } else if WATCHED.iter().any(|w| istarts(&stem, w))
        && (iends(&stem, ".aspx") || iends(&stem, ".ashx"))
        && !BASELINE.iter().any(|b| b.eq_ignore_ascii_case(name))
        && !known_scan_name(&stem.to_ascii_lowercase())
    {
        if post {
            (
                Stage::Compromise,
                Confidence::Likely,
                "POST answered by a script that is not part of Exchange:",
            )
        } else {
            (
                Stage::Compromise,
                Confidence::Possible,
                "a script that is not part of Exchange answered",
            )
        }
    } else if post && SHELL_NAMES.iter().any(|s| s.eq_ignore_ascii_case(base)) {
        (Stage::Compromise, Confidence::Likely, "POST answered by a script named like a web shell:")
    } else {
        return;
    };
    out.push(finding(
        rule,
        ctx,
        stage,
        Severity::Critical,
        conf,
        format!("Web shell: {why} {stem}"),
    ));
}

#[cfg(test)]
mod tests {
    use super::{COMMANDS, RULE, SHELL_NAMES, TUNNEL, WATCHED, unknown_script_in_watched_folder};

    /// The needle list is written out by hand: every string a branch of the
    /// check looks for, as it can appear in the raw line, holds a needle.
    #[test]
    fn needles_cover_every_branch() {
        let covered = |text: &str| RULE.needles.iter().any(|n| text.contains(n));
        for c in COMMANDS {
            for space in ["+", "%20", " "] {
                let raw = c.replace(' ', space);
                assert!(covered(&raw), "command {raw:?} holds no needle");
            }
        }
        assert!(covered(TUNNEL[0]), "tunnel parameter {:?} holds no needle", TUNNEL[0]);
        for w in WATCHED {
            assert!(covered(w), "watched folder {w} holds no needle");
        }
        for name in SHELL_NAMES {
            let path = format!("/{name}.aspx");
            assert!(covered(&path), "shell name {path} holds no needle");
        }
    }

    fn at(line: &str, needle: &str) -> bool {
        crate::logs::common::confirm_at(unknown_script_in_watched_folder, line, needle)
    }

    #[test]
    fn watched_folders_need_a_script_that_is_not_exchange() {
        let shell = "2021-03-03 10:00:00 POST /owa/auth/errorEE.aspx - 443 - 1.2.3.4 x - 200 0 0 1";
        assert!(at(shell, "/owa/auth/"));
        let json = r#"{"uri":"/aspnet_client/system_web/a.ashx","status":200}"#;
        assert!(at(json, "/aspnet_client/"));
        let logon =
            "2021-03-03 10:00:00 GET /owa/auth/logon.aspx url=x 443 - 1.2.3.4 x - 200 0 0 1";
        assert!(!at(logon, "/owa/auth/"));
        let css = "2021-03-03 GET /owa/auth/Current/themes/resources/logon.css - 443 - 1.2.3.4";
        assert!(!at(css, "/owa/auth/"));
        // Other needles (commands, shell names) are not confirmed further.
        assert!(at("GET /x.aspx cmd=whoami", "=whoami"));
    }
}
