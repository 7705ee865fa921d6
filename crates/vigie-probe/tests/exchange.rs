//! The Exchange ladder against in-process servers that answer like real
//! Exchange builds; verdicts, builds, confidence and CVEs are asserted, and
//! the servers' request logs prove only documented GET requests were sent.

mod common;

use common::{
    CertSpec, Profile, Rude, assert_only_documented, start_connect_proxy, start_https,
    start_https_with, start_rude,
};
use std::time::Duration;
use vigie_model::{Confidence, Evidence, Finding, ScanResult, Severity, Stage};
use vigie_probe::{
    BuildTable, KevCatalog, ProbeConfig, SentRequest, Target, parse_all, probe, to_result,
};

fn config(timeout_ms: u64) -> ProbeConfig {
    let mut c = ProbeConfig::default();
    c.net.timeout = Duration::from_millis(timeout_ms);
    c.net.rate = 1000.0;
    c
}

fn targets(urls: &[String]) -> Vec<Target> {
    let (p, errors) = parse_all(urls, &[], false);
    assert!(errors.is_empty(), "{errors:?}");
    p.targets
}

async fn run(urls: &[String], cfg: &ProbeConfig) -> (ScanResult, Vec<SentRequest>) {
    let run = probe(cfg, targets(urls)).await.expect("probe runs");
    let table = BuildTable::embedded().expect("table");
    let kev = KevCatalog::embedded().expect("kev");
    let r = to_result(&run, table, &kev, urls, vec!["vigie".into(), "probe".into()]);
    (r, run.sent)
}

fn by_rule<'a>(r: &'a ScanResult, prefix: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.rule.id.starts_with(prefix)).collect()
}

fn fact<'a>(f: &'a Finding, name: &str) -> Option<&'a str> {
    f.evidence.iter().find_map(|e| match e {
        Evidence::Fact { name: n, value } if n == name => Some(value.as_str()),
        _ => None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_2013_cu23_before_march_2021() {
    let (addr, log) = start_https(Some(Profile::ex2013_cu23_pre_mar21()), "127.0.0.1").await;
    let url = format!("https://{addr}");
    let (r, sent) = run(std::slice::from_ref(&url), &config(3000)).await;
    // Build from the export tool manifest: confirmed.
    let inv = r.inventory.iter().find(|i| i.kind == "exchange").expect("exchange inventory");
    assert_eq!(inv.version.as_deref(), Some("15.0.1497.10"));
    assert_eq!(inv.name, "Exchange Server 2013 CU23 Dec20SU");
    assert_eq!(inv.details.get("build_source").map(String::as_str), Some("export tool manifest"));
    assert_eq!(inv.details.get("build_confidence").map(String::as_str), Some("confirmed"));
    let pl = by_rule(&r, "VG-PRB011-CVE-2021-26855");
    assert_eq!(pl.len(), 1, "{:#?}", r.findings);
    let pl = pl[0];
    assert_eq!(pl.cves, ["CVE-2021-26855", "CVE-2021-26857", "CVE-2021-26858", "CVE-2021-27065"]);
    assert_eq!(
        (pl.confidence, pl.stage, pl.severity),
        (Confidence::Confirmed, Stage::Exposure, Severity::Critical)
    );
    assert!(pl.kev);
    assert!(fact(pl, "fixed build").is_some_and(|v| v.starts_with("15.0.1497.12")), "{pl:#?}");
    assert!(
        pl.remediation.contains("Mar21SU") && pl.remediation.contains("or newer"),
        "{}",
        pl.remediation
    );
    assert!(
        pl.evidence
            .iter()
            .any(|e| matches!(e, Evidence::Http { request, .. } if request.contains("exporttool")))
    );
    assert!(pl.evidence.iter().any(|e| matches!(e, Evidence::Fact { name, value } if name == "CISA KEV CVE-2021-26855" && value.contains("due 2021-04-16"))));
    // ProxyShell and ProxyNotShell by build too, and out of support.
    assert_eq!(by_rule(&r, "VG-PRB011-CVE-2021-34473").len(), 1);
    assert_eq!(by_rule(&r, "VG-PRB011-CVE-2022-41040").len(), 1);
    assert_eq!(by_rule(&r, "VG-PRB010").len(), 1);
    // The admin center answers: reachable from the network.
    assert_eq!(by_rule(&r, "VG-PRB030").len(), 1);
    // Behavioural checks agree.
    let ssrf = by_rule(&r, "VG-PRB020");
    assert_eq!(ssrf.len(), 1);
    assert!(ssrf[0].evidence.iter().any(|e| matches!(e, Evidence::Http { facts, .. } if facts.get("x-calculatedbetarget").map(String::as_str) == Some("localhost"))));
    assert_eq!(by_rule(&r, "VG-PRB021").len(), 1, "ProxyShell 302");
    // TLS: self-signed certificate recorded.
    assert!(r.inventory.iter().any(|i| i.kind == "tls-certificate"
        && i.details.get("self_signed").map(String::as_str) == Some("true")));
    assert_eq!(r.provenance.kev.as_ref().map(|k| k.origin.as_str()), Some("embedded"));
    // The KEV data date travels with the findings and the coverage, so every format shows it.
    assert!(
        fact(pl, "CISA KEV data")
            .is_some_and(|v| v.starts_with("catalog 2025.02.05 released 2025-02-05")),
        "{pl:#?}"
    );
    assert!(
        pl.remediation.contains("KEV catalog 2025.02.05")
            && pl.remediation.contains("by 2021-04-16")
    );
    assert!(r.coverage.warnings.iter().any(|w| w.starts_with("data: CISA KEV catalog 2025.02.05")));
    assert!(fact(ssrf[0], "CISA KEV data").is_some(), "{:#?}", ssrf[0]);
    assert_only_documented(&log, &sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_2016_cu23_with_nov22su() {
    let (addr, log) = start_https(Some(Profile::ex2016_cu23_nov22()), "127.0.0.1").await;
    let (r, sent) = run(&[format!("https://{addr}")], &config(3000)).await;
    let inv = r.inventory.iter().find(|i| i.kind == "exchange").expect("exchange inventory");
    assert_eq!(inv.version.as_deref(), Some("15.1.2507.16"));
    assert_eq!(inv.details.get("build_source").map(String::as_str), Some("X-OWA-Version header"));
    assert_eq!(inv.details.get("update").map(String::as_str), Some("Nov22SU"));
    // Patched for every build-judged CVE: no VG-PRB011 finding.
    assert!(by_rule(&r, "VG-PRB011").is_empty(), "{:#?}", by_rule(&r, "VG-PRB011"));
    // Behaviour agrees: no SSRF, ProxyShell 400, mitigation aborts the pattern.
    assert!(by_rule(&r, "VG-PRB02").is_empty());
    // 2016 left support on 2025-10-14.
    let eol = by_rule(&r, "VG-PRB010");
    assert_eq!(eol.len(), 1);
    assert!(eol[0].title.contains("2025-10-14"));
    assert_only_documented(&log, &sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_2019_cu12_april_2022() {
    let (addr, log) = start_https(Some(Profile::ex2019_cu12_apr22()), "127.0.0.1").await;
    let (r, sent) = run(&[format!("https://{addr}")], &config(3000)).await;
    let pns = by_rule(&r, "VG-PRB011-CVE-2022-41040");
    assert_eq!(pns.len(), 1, "{:#?}", r.findings);
    let pns = pns[0];
    assert_eq!(pns.cves, ["CVE-2022-41040", "CVE-2022-41082"]);
    assert_eq!(pns.confidence, Confidence::Confirmed);
    assert!(
        pns.remediation.contains("Exchange Server 2019 CU12 Nov22SU (build 15.2.1118.20"),
        "{}",
        pns.remediation
    );
    assert!(fact(pns, "installed build").is_some_and(|v| v.starts_with("15.2.1118.7")));
    // OWASSRF and CVE-2021-42321? 42321 is fixed in CU12 (release); OWASSRF by Nov22SU.
    assert_eq!(by_rule(&r, "VG-PRB011-CVE-2022-41080").len(), 1);
    assert!(by_rule(&r, "VG-PRB011-CVE-2021-42321").is_empty());
    assert!(by_rule(&r, "VG-PRB011-CVE-2021-26855").is_empty());
    // The mitigation is not answering: corroborating finding.
    assert_eq!(by_rule(&r, "VG-PRB022").len(), 1);
    assert_only_documented(&log, &sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cu_only_build_is_not_confirmed() {
    let (addr, log) = start_https(Some(Profile::ex2019_cu12_path_only()), "127.0.0.1").await;
    let (r, sent) = run(&[format!("https://{addr}")], &config(3000)).await;
    let inv = r.inventory.iter().find(|i| i.kind == "exchange").expect("exchange inventory");
    assert_eq!(inv.version.as_deref(), Some("15.2.1118 (CU level only)"));
    assert_eq!(inv.details.get("build_confidence").map(String::as_str), Some("likely"));
    let maybe = by_rule(&r, "VG-PRB012-CVE-2022-41040");
    assert_eq!(maybe.len(), 1, "{:#?}", r.findings);
    assert_eq!(maybe[0].confidence, Confidence::Possible);
    // No CVE verdict is confirmed from a CU-level build.
    assert!(
        r.findings
            .iter()
            .filter(|f| !f.cves.is_empty())
            .all(|f| f.confidence != Confidence::Confirmed),
        "{:#?}",
        r.findings
    );
    assert_only_documented(&log, &sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_iis_is_not_exchange() {
    let (addr, log) = start_https(None, "127.0.0.1").await;
    let (r, sent) = run(&[format!("https://{addr}")], &config(3000)).await;
    assert!(r.inventory.iter().all(|i| i.kind != "exchange"));
    assert!(r.findings.iter().all(|f| f.cves.is_empty()), "{:#?}", r.findings);
    // Only the fingerprint requests, never the behavioural checks.
    let uris: Vec<String> = log.lock().expect("log").iter().map(|l| l.uri.clone()).collect();
    assert_eq!(uris, ["/owa/auth/logon.aspx", "/owa/"]);
    assert_only_documented(&log, &sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_servers_are_reported_not_fatal() {
    let (reset, _) = start_rude(Rude::Reset, "127.0.0.1").await;
    let (hang, _) = start_rude(Rude::Hang, "127.0.0.1").await;
    let (garbage, _) = start_rude(Rude::Garbage, "127.0.0.1").await;
    let (huge, _) = start_rude(Rude::Huge, "127.0.0.1").await;
    let urls: Vec<String> =
        [reset, hang, garbage, huge].iter().map(|a| format!("http://{a}")).collect();
    let cfg = config(800);
    let run = probe(&cfg, targets(&urls)).await.expect("probe runs");
    assert_eq!(run.hosts.len(), 4);
    let errs =
        |i: usize| run.hosts[i].exchange.as_ref().map(|x| x.errors.join(" | ")).unwrap_or_default();
    assert!(errs(0).contains("reset"), "reset: {}", errs(0));
    assert!(errs(1).contains("timed out"), "hang: {}", errs(1));
    assert!(errs(2).contains("invalid HTTP response"), "garbage: {}", errs(2));
    // A hanging server gets one request, not the whole ladder.
    assert_eq!(errs(1).matches("GET").count(), 1, "{}", errs(1));
    // The huge body was cut at the bound and the host was judged (not Exchange).
    let x = run.hosts[3].exchange.as_ref().expect("ladder ran");
    assert!(!x.present && x.errors.is_empty(), "{:?}", x.errors);
    let table = BuildTable::embedded().expect("table");
    let r = to_result(&run, table, &KevCatalog::embedded().expect("kev"), &urls, vec![]);
    assert!(
        r.coverage.records.errors >= 3,
        "errors are counted in coverage: {:?}",
        r.coverage.record_errors
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxynotshell_by_build_with_mitigation_answering() {
    let (addr, log) = start_https(Some(Profile::ex2016_cu23_oct22_mitigated()), "127.0.0.1").await;
    let (r, sent) = run(&[format!("https://{addr}")], &config(3000)).await;
    let pns = by_rule(&r, "VG-PRB011-CVE-2022-41040");
    assert_eq!(pns.len(), 1, "{:#?}", r.findings);
    let pns = pns[0];
    // Vulnerable by build (Oct22SU < Nov22SU), the rewrite rule aborts the pattern.
    assert_eq!(pns.confidence, Confidence::Confirmed);
    assert!(pns.title.ends_with("mitigation rule answering"), "{}", pns.title);
    assert_eq!(pns.severity, Severity::High);
    assert!(fact(pns, "mitigation probe").is_some_and(|d| d.contains("connection aborted")));
    assert!(
        pns.remediation
            .contains("Exchange Server 2016 CU23 Nov22SU (build 15.1.2507.16, KB5019758) or newer"),
        "{}",
        pns.remediation
    );
    assert!(by_rule(&r, "VG-PRB022").is_empty(), "mitigated: no separate mitigation finding");
    assert_only_documented(&log, &sent);
}

/// The request paths of the code and of the user documentation are the same
/// strings: "documented requests" means exactly what docs/probe.md lists.
#[test]
fn every_request_path_is_listed_in_the_user_documentation() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/probe.md"))
        .expect("docs/probe.md is readable");
    for p in vigie_probe::paths::ALL {
        assert!(doc.contains(&format!("GET {p}")), "docs/probe.md does not list `GET {p}`");
    }
    assert!(
        doc.contains(vigie_probe::paths::PROXYLOGON_COOKIE),
        "the ProxyLogon cookie is documented"
    );
}

/// `--proxy`: every connection goes through `CONNECT` to the target (the
/// proxy resolves the name, vigie does not), and the verdict is the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_connect_proxy() {
    let (addr, log) = start_https(Some(Profile::ex2016_cu23_nov22()), "127.0.0.1").await;
    let (proxy, proxy_log) = start_connect_proxy().await;
    let mut cfg = config(3000);
    cfg.net.proxy = Some(format!("http://{proxy}"));
    let url = format!("https://localhost:{}", addr.port());
    let (r, sent) = run(std::slice::from_ref(&url), &cfg).await;
    let inv = r.inventory.iter().find(|i| i.kind == "exchange").expect("exchange inventory");
    assert_eq!(inv.version.as_deref(), Some("15.1.2507.16"));
    let lines = proxy_log.lock().expect("proxy log").clone();
    let expected = format!("CONNECT localhost:{} HTTP/1.1", addr.port());
    assert!(!lines.is_empty() && lines.iter().all(|l| *l == expected), "{lines:?}");
    // One CONNECT per connection the probe opened (port check, TLS, each GET).
    assert_eq!(lines.len(), sent.len(), "{sent:?}");
    assert_only_documented(&log, &sent);
}

/// TLS certificate facts: expired, self-signed, not naming the host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_certificate_for_another_name() {
    let spec = CertSpec { names: vec!["mail.contoso.local".into()], validity: Some((2019, 2021)) };
    let (addr, log) = start_https_with(None, "127.0.0.1", &spec).await;
    let url = format!("https://localhost:{}", addr.port());
    let (r, sent) = run(std::slice::from_ref(&url), &config(3000)).await;
    let cert = r.inventory.iter().find(|i| i.kind == "tls-certificate").expect("certificate");
    assert_eq!(cert.details.get("expired").map(String::as_str), Some("true"));
    assert_eq!(cert.details.get("self_signed").map(String::as_str), Some("true"));
    assert_eq!(cert.details.get("san").map(String::as_str), Some("mail.contoso.local"));
    assert!(cert.details.get("not_after").is_some_and(|d| d.starts_with("2021-01-01")), "{cert:?}");
    let f = by_rule(&r, "VG-PRB031");
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert_eq!((f[0].severity, f[0].stage), (Severity::Medium, Stage::Exposure));
    assert!(
        f[0].title.contains("expired on 2021-01-01")
            && f[0].title.contains("self-signed")
            && f[0].title.contains("does not name localhost"),
        "{}",
        f[0].title
    );
    assert_only_documented(&log, &sent);
}

/// `--checks passive`: the build is still read and judged, but none of the
/// safe-active requests reaches the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passive_checks_send_no_behavioural_request() {
    let (addr, log) = start_https(Some(Profile::ex2013_cu23_pre_mar21()), "127.0.0.1").await;
    let mut cfg = config(3000);
    cfg.checks = vigie_probe::parse_checks("passive").expect("checks");
    let (r, sent) = run(&[format!("https://{addr}")], &cfg).await;
    assert_eq!(by_rule(&r, "VG-PRB011-CVE-2021-26855").len(), 1, "judged by build");
    assert!(by_rule(&r, "VG-PRB02").is_empty(), "no behavioural finding");
    let uris: Vec<String> = log.lock().expect("log").iter().map(|l| l.uri.clone()).collect();
    use vigie_probe::paths::{PROXYLOGON, PROXYNOTSHELL, PROXYSHELL};
    assert!(
        uris.iter().all(|u| ![PROXYLOGON, PROXYSHELL, PROXYNOTSHELL].contains(&u.as_str())),
        "{uris:?}"
    );
    assert_only_documented(&log, &sent);
}

/// Exchange recognised, build not visible: an informational finding that says
/// how to learn the build, and no CVE verdict at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_without_a_visible_build() {
    let (addr, log) = start_https(Some(Profile::presence_only()), "127.0.0.1").await;
    let (r, sent) = run(&[format!("https://{addr}")], &config(3000)).await;
    let f = by_rule(&r, "VG-PRB013");
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert_eq!((f[0].severity, f[0].confidence), (Severity::Info, Confidence::Likely));
    assert!(f[0].remediation.contains("vigie scan"), "{}", f[0].remediation);
    assert!(r.findings.iter().all(|f| f.cves.is_empty()), "{:#?}", r.findings);
    let inv = r.inventory.iter().find(|i| i.kind == "exchange").expect("exchange inventory");
    assert_eq!(
        (inv.name.as_str(), inv.version.as_deref()),
        ("Microsoft Exchange (build not visible)", None)
    );
    assert_only_documented(&log, &sent);
}
