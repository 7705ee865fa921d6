//! Built-in log rules on the real web logs of `shared/corpora/weblogs`:
//! an IIS W3C log of a Tunna ASPX tunnel and a Tomcat access log with a
//! JSP web shell. Corpora are found at `$VIGIE_CORPORA` or
//! `<workspace>/../shared/corpora`; absent, the test says so (and fails under
//! `CI=true`).

use std::path::{Path, PathBuf};
use vigie_model::{Evidence, Finding, Stage};
use vigie_rules::logs::{FileState, LineCtx, LogKind, LogRules};
use vigie_source::{LogFormat, LogItem, LogReader};

fn corpora() -> Option<PathBuf> {
    let dir = std::env::var_os("VIGIE_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"));
    if dir.join("weblogs").is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("corpora not found at {} (set VIGIE_CORPORA)", dir.display());
    }
    eprintln!("SKIPPED: corpora not found at {} (set VIGIE_CORPORA)", dir.display());
    None
}

struct Run {
    findings: Vec<Finding>,
    records: u64,
    bad: Vec<u64>,
    format: LogFormat,
}

fn run(path: &Path) -> Run {
    let rules = LogRules::new();
    let mut reader = LogReader::open(path).expect("open log").expect("a text log");
    let format = reader.format();
    let kind = if format == LogFormat::ExchangeCsv { LogKind::Exchange } else { LogKind::Web };
    let mut state = FileState::default();
    let shown = path.display().to_string();
    let (mut findings, mut records, mut bad) = (Vec::new(), 0, Vec::new());
    while let Some(item) = reader.next_item().expect("read log") {
        match item {
            LogItem::Record(rec) => {
                records += 1;
                let ctx = LineCtx {
                    event: &rec,
                    raw: rec.raw(),
                    path: &shown,
                    line: rec.line_no(),
                    kind,
                };
                rules.check(&ctx, &mut state, &mut findings);
            }
            LogItem::Bad(b) => bad.push(b.line),
        }
    }
    Run { findings, records, bad, format }
}

fn raw(f: &Finding) -> &str {
    match &f.evidence[0] {
        Evidence::LogLine { raw, .. } => raw,
        _ => "",
    }
}

#[test]
fn tunna_iis_log_shows_the_tunnel_and_nothing_else() {
    let Some(c) = corpora() else { return };
    let r =
        run(&c.join("weblogs/EVTX-ATTACK-SAMPLES/Command and Control/Tunna_rdp_tunnel_IIS.log"));
    assert_eq!(r.format, LogFormat::W3c);
    assert_eq!(r.records, 4298, "every data line parses");
    assert!(r.bad.is_empty(), "bad lines: {:?}", r.bad);
    // The three requests that open the RDP tunnel (port=3389&ip=127.0.0.1).
    assert_eq!(
        r.findings.len(),
        3,
        "{:#?}",
        r.findings.iter().map(|f| &f.title).collect::<Vec<_>>()
    );
    for f in &r.findings {
        assert_eq!(f.rule.id, "VG-IIS009");
        assert_eq!(f.stage, Stage::Compromise);
        assert!(raw(f).contains("/erp/conn.aspx proxy&port=3389&ip=127.0.0.1"));
        assert!(f.time.is_some_and(|t| t.to_rfc3339().starts_with("2019-09-03")));
        match &f.evidence[0] {
            Evidence::LogLine { fields, .. } => {
                assert_eq!(fields.get("c-ip").map(String::as_str), Some("10.0.2.17"));
                assert_eq!(fields.get("cs-uri-stem").map(String::as_str), Some("/erp/conn.aspx"));
            }
            other => panic!("unexpected evidence {other:?}"),
        }
    }
}

#[test]
fn tomcat_log_shows_the_jsp_shell_posts_only() {
    let Some(c) = corpora() else { return };
    let r = run(&c.join(
        "weblogs/EVTX-ATTACK-SAMPLES/Command and Control/web_attack_and_isp_webshell_localhost_access_log.txt",
    ));
    assert_eq!(r.format, LogFormat::AccessLog);
    assert!(r.records > 2600, "{} records", r.records);
    // Every POST to the JSP shell answered 200, nothing else (scanner noise,
    // GETs of the shell page, manager brute force) is a built-in finding.
    assert_eq!(r.findings.len(), 16, "{:#?}", r.findings.iter().map(raw).collect::<Vec<_>>());
    for f in &r.findings {
        assert_eq!(f.rule.id, "VG-IIS009");
        assert_eq!(f.stage, Stage::Compromise);
        assert!(raw(f).contains("\"POST /error/cmd.jsp HTTP/1.1\" 200"), "{}", raw(f));
    }
}
