//! Built-in log rules on the real web logs of `shared/corpora/weblogs`:
//! an IIS W3C log of a Tunna ASPX tunnel and a Tomcat access log with a
//! JSP web shell. Corpora are found at `$VIGIE_CORPORA` or
//! `<workspace>/../shared/corpora`; absent, the test says so (and fails under
//! `CI=true`).

use std::path::{Path, PathBuf};
use vigie_model::{Evidence, Finding, Stage};
use vigie_rules::logs::LogKind;
use vigie_source::{LogFormat, LogReader};

mod common;

fn corpora() -> Option<PathBuf> {
    vigie_testkit::corpora("weblogs")
}

struct Run {
    findings: Vec<Finding>,
    records: u64,
    bad: Vec<u64>,
    format: LogFormat,
}

fn run(path: &Path) -> Run {
    let mut reader = LogReader::open(path).expect("open log").expect("a text log");
    let format = reader.format();
    let kind = if format == LogFormat::ExchangeCsv { LogKind::Exchange } else { LogKind::Web };
    let common::Run { findings, records, bad } =
        common::run_rules(&mut reader, kind, &path.display().to_string());
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
    // Every line parses, the XSS probes whose request holds a bare `"`
    // (Tomcat does not escape it) included.
    assert_eq!(r.records, 2661);
    assert!(r.bad.is_empty(), "bad lines: {:?}", r.bad);
    // Every POST to the JSP shell answered 200, nothing else (scanner noise,
    // GETs of the shell page, manager brute force) is a built-in finding.
    assert_eq!(r.findings.len(), 16, "{:#?}", r.findings.iter().map(raw).collect::<Vec<_>>());
    for f in &r.findings {
        assert_eq!(f.rule.id, "VG-IIS009");
        assert_eq!(f.stage, Stage::Compromise);
        assert!(raw(f).contains("\"POST /error/cmd.jsp HTTP/1.1\" 200"), "{}", raw(f));
    }
}
