//! Report outputs through the real CLI on real corpus samples: several
//! formats from one scan, byte-identical runs under `SOURCE_DATE_EPOCH`,
//! `vigie report` re-rendering a saved result to the same bytes, input hashes
//! in the provenance, and a terminal summary that fits 80 columns with
//! colours only on a terminal.

use crate::support::{corpora, run, vigie};
use std::path::{Path, PathBuf};
use std::process::Command;

const FORMATS: [&str; 5] = ["json", "jsonl", "sarif", "csv", "html"];
const EPOCH: &str = "1700000000";
const TUNNA: &str = "weblogs/EVTX-ATTACK-SAMPLES/Command and Control/Tunna_rdp_tunnel_IIS.log";
const TUNNA_SHA256: &str = "96fae0fbbe2fc4ab9eb92423d46951e2d028fcb7bfbf20357650410df8bbd655";

/// A scan tree of real samples: 25 web shells from the corpus manifest and
/// the Tomcat access log with web-shell traffic. The Tunna IIS log is given
/// as a second, single-file input.
fn tree(corpora: &Path, root: &Path) -> PathBuf {
    let web = root.join("site/wwwroot");
    std::fs::create_dir_all(&web).expect("create web root");
    let manifest = std::fs::read_to_string(corpora.join("webshells/MANIFEST.tsv"))
        .expect("read webshells/MANIFEST.tsv");
    for (i, line) in
        manifest.lines().skip(1).filter(|l| l.contains("\taspx\t")).take(25).enumerate()
    {
        let file = line.split('\t').next().unwrap_or("");
        let name = file.rsplit('/').next().unwrap_or(file).replace(' ', "_");
        std::fs::copy(corpora.join("webshells").join(file), web.join(format!("{i:02}-{name}")))
            .expect("copy a web shell");
    }
    let logs = root.join("site/logs");
    std::fs::create_dir_all(&logs).expect("create logs");
    std::fs::copy(
        corpora.join(
            "weblogs/EVTX-ATTACK-SAMPLES/Command and Control/web_attack_and_isp_webshell_localhost_access_log.txt",
        ),
        logs.join("localhost_access_log.txt"),
    )
    .expect("copy the access log");
    let single = root.join("u_ex190105.log");
    std::fs::copy(corpora.join(TUNNA), &single).expect("copy the IIS log");
    single
}

/// Scan into `root/out` (the same command line every time: the command line
/// is part of the provenance), then move the outputs to `dest`.
fn scan_to(root: &Path, single: &Path, dest: &Path) -> std::process::Output {
    let out = root.join("out");
    std::fs::create_dir_all(&out).expect("create output folder");
    let mut cmd = vigie();
    cmd.current_dir(root).env("SOURCE_DATE_EPOCH", EPOCH).args([
        "scan",
        "site",
        &single.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        "--no-cache",
        "--no-progress",
        "--host",
        "WEB01",
    ]);
    for f in FORMATS {
        cmd.arg("--output").arg(format!("{f}=out/r.{f}"));
    }
    let o = run(&mut cmd);
    std::fs::rename(&out, dest).expect("move the outputs");
    o
}

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(format!("r.{f}"))).unwrap_or_else(|e| panic!("r.{f} in {dir:?}: {e}"))
}

#[test]
fn outputs_are_byte_identical_and_re_rendered_without_rescanning() {
    let Some(corpora) = corpora() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let single = tree(&corpora, dir.path());
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    for out in [&a, &b] {
        let o = scan_to(dir.path(), &single, out);
        assert_eq!(o.status.code(), Some(1), "findings: {}", String::from_utf8_lossy(&o.stderr));
        assert!(o.stdout.is_empty(), "stdout stays quiet when files are written");
        let notes = String::from_utf8_lossy(&o.stderr);
        for f in FORMATS {
            assert!(notes.contains(&format!("out/r.{f} ({f}, ")), "announced r.{f}: {notes}");
        }
    }
    for f in FORMATS {
        assert!(read(&a, f) == read(&b, f), "{f} differs between two runs");
    }
    let result: serde_json::Value = serde_json::from_slice(&read(&a, "json")).expect("JSON result");
    assert_eq!(result["started"], "2023-11-14T22:13:20Z", "SOURCE_DATE_EPOCH pins the times");
    let findings = result["findings"].as_array().map(Vec::len).unwrap_or(0);
    assert!(findings >= 10, "the real samples give findings: {findings}");
    let hashes = &result["provenance"]["input_hashes"];
    assert_eq!(hashes[0]["path"], "u_ex190105.log", "{hashes}");
    assert_eq!(hashes[0]["sha256"], TUNNA_SHA256, "the manifest's hash of the IIS log");
    assert!(String::from_utf8_lossy(&read(&a, "html")).contains(TUNNA_SHA256));

    // Render the saved result again, in every format, without rescanning.
    std::fs::create_dir_all(&c).expect("create output folder");
    let mut cmd = vigie();
    cmd.env("SOURCE_DATE_EPOCH", EPOCH).arg("report").arg(a.join("r.json"));
    for f in FORMATS {
        cmd.arg("--output").arg(format!("{f}={}", c.join(format!("r.{f}")).display()));
    }
    let o = run(&mut cmd);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    for f in FORMATS {
        assert!(read(&a, f) == read(&c, f), "{f} from `vigie report` differs from the scan's");
    }
    let sarif: serde_json::Value = serde_json::from_slice(&read(&a, "sarif")).expect("SARIF");
    assert_eq!(sarif["runs"][0]["results"].as_array().map(Vec::len), Some(findings));
    let jsonl = String::from_utf8_lossy(&read(&a, "jsonl")).into_owned();
    assert_eq!(jsonl.lines().filter(|l| l.contains("\"kind\":\"alert\"")).count(), findings);
    terminal_summary(&a.join("r.json"));
}

/// The terminal summary of the saved result: 80 columns, no colour when
/// piped or with `NO_COLOR`, colours on a terminal.
fn terminal_summary(saved: &Path) {
    let piped = run(vigie().env_remove("NO_COLOR").env_remove("COLUMNS").arg("report").arg(saved));
    let text = String::from_utf8_lossy(&piped.stdout);
    assert!(text.contains("Verdict  Compromised"), "{text}");
    assert!(!text.contains('\x1b'), "no colours when piped");
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "over 80 columns: {line:?}");
    }
    let script = Path::new("/usr/bin/script");
    if !script.exists() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "util-linux `script` is missing");
        eprintln!("SKIPPED: no `script` command to run vigie on a terminal");
        return;
    }
    let on_tty = |no_color: bool| {
        let line = format!("{} report '{}'", env!("CARGO_BIN_EXE_vigie"), saved.display());
        let mut cmd = Command::new(script);
        cmd.args(["-qec", &line, "/dev/null"]).env("TERM", "xterm").env_remove("COLUMNS");
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        String::from_utf8_lossy(&run(&mut cmd).stdout).into_owned()
    };
    let colored = on_tty(false);
    assert!(colored.contains("\x1b[1m"), "colours on a terminal: {colored:?}");
    let plain = on_tty(true);
    assert!(plain.contains("Verdict") && !plain.contains("\x1b["), "NO_COLOR: {plain:?}");
}
