//! `vigie probe`, `vigie kev` and the probe → report path, through the real
//! binary: bad targets give clear messages, a probe result and a scan result
//! combine in one report, and the KEV data date reaches every format.
//! Network traffic goes only to servers this test starts on 127.0.0.1.

use crate::support::{json_stdout, run, vigie};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

/// The embedded KEV extract's catalog version (see crates/vigie-probe/data).
const KEV_VERSION: &str = "2025.02.05";

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A plain-HTTP server on 127.0.0.1 that answers like an Exchange 2016 CU23
/// front end with the October 2022 update (X-OWA-Version 15.1.2507.13, the
/// build just before the ProxyNotShell fix) and 404 to everything else. It
/// records each request line and stops after `max` connections.
fn fake_exchange(max: usize) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let mut head = Vec::new();
            let mut b = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && head.len() < 16384 {
                match s.read(&mut b) {
                    Ok(1) => head.push(b[0]),
                    _ => break,
                }
            }
            let text = String::from_utf8_lossy(&head).into_owned();
            let Some(line) = text.lines().next().filter(|l| !l.is_empty()) else {
                continue; // a bare port check: connect, then close
            };
            seen.lock().expect("log").push(line.to_string());
            let path = line.split_whitespace().nth(1).unwrap_or("");
            let reply = if path == "/owa/auth/logon.aspx" {
                let body = "<html><head><title>Outlook</title>\
                    <link rel=\"shortcut icon\" href=\"/owa/auth/15.1.2507/themes/resources/favicon.ico\">\
                    </head><body>Outlook</body></html>";
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-OWA-Version: 15.1.2507.13\r\n\
                     X-FEServer: EX01\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()
            };
            let _ = s.write_all(reply.as_bytes());
        }
    });
    (port, log)
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    l.local_addr().expect("local address").port()
}

fn report(inputs: &[&Path], format: &str) -> Output {
    let mut cmd = vigie();
    cmd.arg("report");
    for p in inputs {
        cmd.arg(p);
    }
    run(cmd.args(["--format", format]))
}

#[test]
fn probe_and_scan_of_one_server_combine_in_one_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (port, log) = fake_exchange(32);
    let url = format!("http://127.0.0.1:{port}");
    let probe_json = dir.path().join("probe.json");
    let out = run(vigie()
        .args(["probe", &url, "--rate", "100", "--timeout", "5", "-o"])
        .arg(&probe_json));
    assert_eq!(out.status.code(), Some(1), "high findings → exit 1; stderr: {}", stderr(&out));
    // Only GETs, and only the documented paths, reached the server.
    let lines = log.lock().expect("log").clone();
    assert!(lines.len() >= 2, "{lines:?}");
    assert!(lines.iter().all(|l| l.starts_with("GET /")), "{lines:?}");
    let scan = run(vigie().args(["demo", "--format", "json"]));
    assert_eq!(scan.status.code(), Some(0), "demo: {}", stderr(&scan));
    let scan_json = dir.path().join("scan.json");
    std::fs::write(&scan_json, &scan.stdout).expect("write scan.json");

    let out = report(&[&probe_json, &scan_json], "json");
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let r = json_stdout(&out);
    let findings = r["findings"].as_array().cloned().unwrap_or_default();
    let pns = findings
        .iter()
        .find(|f| f["rule"]["id"] == "VG-PRB011-CVE-2022-41040")
        .unwrap_or_else(|| panic!("no ProxyNotShell finding in {findings:#?}"));
    assert_eq!(pns["stage"], "exposure");
    assert_eq!(pns["kev"], true);
    assert_eq!(pns["confidence"], "confirmed");
    assert_eq!(pns["cves"], serde_json::json!(["CVE-2022-41040", "CVE-2022-41082"]));
    let remediation = pns["remediation"].as_str().unwrap_or_default();
    assert!(remediation.contains("Nov22SU (build 15.1.2507.16"), "{remediation}");
    assert!(findings.iter().any(|f| f["stage"] == "compromise"), "the scan's findings are kept");
    let inputs = r["inputs"].as_array().cloned().unwrap_or_default();
    assert!(inputs.iter().any(|i| i["kind"] == "target" && i["value"] == url.as_str()));
    assert!(inputs.iter().any(|i| i["kind"] == "path"), "{inputs:?}");
    assert_eq!(r["provenance"]["kev"]["catalog_version"], KEV_VERSION);
    assert!(r["inventory"].as_array().is_some_and(|i| {
        i.iter().any(|x| x["kind"] == "exchange" && x["version"] == "15.1.2507.13")
    }));

    // A merged report counts files and targets together, and says so.
    let text = stdout(&report(&[&probe_json, &scan_json], "text"));
    assert!(text.contains("Inputs   ") && text.contains("scanned or probed"), "{text}");
    let html = stdout(&report(&[&probe_json, &scan_json], "html"));
    assert!(html.contains("files and targets scanned or probed"), "HTML summary line");

    // The KEV data date is shown in every report format.
    for format in ["text", "html", "csv", "sarif", "jsonl"] {
        let out = report(&[&probe_json, &scan_json], format);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        assert!(
            stdout(&out).contains(KEV_VERSION),
            "{format} report does not show the KEV catalog version {KEV_VERSION}"
        );
    }
}

#[test]
fn bad_targets_give_clear_messages() {
    // A /8 without --allow-large, and beyond the /12 bound with it: refused, nothing sent.
    let out = run(vigie().args(["probe", "10.0.0.0/8"]));
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("target `10.0.0.0/8`: 16,777,216 addresses is more than the /16"), "{e}");
    assert!(e.contains("pass --allow-large") && e.contains("no valid target left"), "{e}");
    let out = run(vigie().args(["probe", "10.0.0.0/8", "--allow-large"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("at most 1,048,576, a /12"), "{}", stderr(&out));

    // Malformed IPv6 literals name what is wrong and how to write them.
    let out =
        run(vigie().args(["probe", "[::1", "2001:db8::zz", "[::1]443", "ftp://mail.example"]));
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("target `[::1`: missing `]` after the IPv6 address"), "{e}");
    assert!(
        e.contains(
            "`2001:db8::zz` is not a valid IPv6 address (write IPv6 with a port as [addr]:port)"
        ),
        "{e}"
    );
    assert!(e.contains("target `[::1]443`: expected `:port` after `]`"), "{e}");
    assert!(e.contains("scheme `ftp` is not supported: use http:// or https://"), "{e}");

    // A URL with a path: probed, with a note that the path is not used.
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/owa/auth/logon.aspx");
    let out = run(vigie().args(["probe", &url, "--timeout", "3", "--format", "json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let note =
        "the path `/owa/auth/logon.aspx` is ignored — vigie probes the server's own Exchange paths";
    assert!(stderr(&out).contains(note), "{}", stderr(&out));
    let r = json_stdout(&out);
    assert!(
        r["coverage"]["warnings"]
            .as_array()
            .is_some_and(|w| w.iter().any(|x| x.as_str().is_some_and(|s| s.contains(note))))
    );

    // A name that does not resolve: reported with the resolver's reason, in the report.
    let out = run(vigie().args(["probe", "no-such-host.invalid", "--timeout", "5"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // (The text report wraps long lines: compare with whitespace collapsed.)
    let text = stdout(&out).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains(
            "Failed not found ×1, e.g. no-such-host.invalid: cannot resolve `no-such-host.invalid`"
        ),
        "{text}"
    );
    // The whole hint on what to do is shown, and the counts name targets, not files.
    assert!(text.contains("give an IP address"), "{text}");
    assert!(text.contains("Targets 0 probed · 1 failed"), "{text}");
    assert!(!text.contains("Files "), "{text}");

    // A mix: the bad target is reported, the good one still probed.
    let out = run(vigie().args([
        "probe",
        "10.0.0.0/8",
        &format!("127.0.0.1:{port}"),
        "--timeout",
        "3",
        "--format",
        "json",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = json_stdout(&out);
    assert_eq!(r["coverage"]["files"]["scanned"], 1);
    assert!(r["coverage"]["warnings"].as_array().is_some_and(|w| w.iter().any(|x| {
        x.as_str().is_some_and(|s| s.starts_with("target refused: target `10.0.0.0/8`"))
    })));
}

#[test]
fn kev_show_import_and_use() {
    let out = run(vigie().args(["kev", "show"]).env("VIGIE_DATA_DIR", "/nonexistent-vigie-data"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!("catalog:  {KEV_VERSION}")), "{text}");
    assert!(
        text.contains("origin:   embedded") && text.contains("17 Microsoft Exchange"),
        "{text}"
    );
    assert!(text.contains("CVE-2018-8581") && text.contains("CVE-2021-31196"), "{text}");

    let dir = tempfile::tempdir().expect("temp dir");
    let catalog = dir.path().join("known_exploited_vulnerabilities.json");
    std::fs::write(
        &catalog,
        r#"{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2026.11.20",
"dateReleased":"2026-11-20T15:00:00.000Z","count":2,"vulnerabilities":[
{"cveID":"CVE-2021-26855","vendorProject":"Microsoft","product":"Exchange Server",
"vulnerabilityName":"Microsoft Exchange Server Remote Code Execution Vulnerability","dateAdded":"2021-11-03",
"shortDescription":"x","requiredAction":"Apply updates per vendor instructions.","dueDate":"2021-04-16",
"knownRansomwareCampaignUse":"Known","notes":"","cwes":["CWE-918"],"forensicTriage":"Yes"},
{"cveID":"not-a-cve","vendorProject":"X","product":"Y","vulnerabilityName":"Z","dateAdded":"2022-01-01",
"shortDescription":"","requiredAction":"","dueDate":"2022-01-15"}]}"#,
    )
    .expect("write catalog");
    let data = dir.path().join("data");
    let out = run(vigie().args(["kev", "import"]).arg(&catalog).env("VIGIE_DATA_DIR", &data));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("imported CISA KEV catalog 2026.11.20 (2026-11-20): 1 entries"));
    assert!(stderr(&out).contains("skipped entry 2: bad cveID `not-a-cve`"), "{}", stderr(&out));
    let out = run(vigie().args(["kev", "show"]).env("VIGIE_DATA_DIR", &data));
    assert!(stdout(&out).contains("catalog:  2026.11.20"), "{}", stdout(&out));

    // `vigie probe` states the catalog it used (here the imported one).
    let port = closed_port();
    let out = run(vigie()
        .args(["probe", &format!("127.0.0.1:{port}"), "--timeout", "3", "--format", "json"])
        .env("VIGIE_DATA_DIR", &data));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = json_stdout(&out);
    assert_eq!(r["provenance"]["kev"]["catalog_version"], "2026.11.20");

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"vulnerabilities\": []}").expect("write");
    let out = run(vigie().args(["kev", "import"]).arg(&bad).env("VIGIE_DATA_DIR", &data));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not a CISA KEV catalog"), "{}", stderr(&out));
}

#[test]
fn checks_are_listed_with_their_safety_class_and_selectable() {
    let out = run(vigie().args(["probe", "--list-checks"]));
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for (id, class) in [
        ("ports", "passive"),
        ("exchange-exporttool", "passive"),
        ("proxylogon-ssrf", "safe-active"),
        ("proxyshell-autodiscover", "safe-active"),
        ("proxynotshell-mitigation", "safe-active"),
    ] {
        assert!(
            text.lines().any(|l| l.split_whitespace().take(2).eq([id, class])),
            "{id} {class} missing:\n{text}"
        );
    }
    let out = run(vigie().args(["probe", "127.0.0.1:1", "--checks", "passive,nope"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown check `nope`"), "{}", stderr(&out));
}
