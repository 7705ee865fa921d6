//! The HTML report in a real browser (Debian's Chromium, headless, driven by
//! playwright-core): the report of a real scan (the engine and the built-in
//! rules over real corpus web shells whose text holds `<script`, a real IIS
//! log, a real Tomcat access log and the real ProxyLogon event export) shows
//! the verdict, the fix-first list and every finding across pages; it makes
//! no network request, logs no console error, and nothing it quotes ever runs.
//! Screenshots and a PDF print are kept in the artefact folder
//! (`$VIGIE_TEST_ARTIFACTS`, else `<target>/test-artifacts/browser/`).

mod common;

use serde_json::{Value, json};
use vigie_model::{ScanResult, Stage};
use vigie_report::{RenderOptions, ReportFormat, render};

fn write_html(result: &ScanResult, opts: &RenderOptions, path: &std::path::Path) -> String {
    let mut buf = Vec::new();
    render(result, ReportFormat::Html, opts, &mut buf).expect("render html");
    std::fs::write(path, &buf).expect("write the report");
    String::from_utf8(buf).expect("utf-8")
}

#[test]
fn html_report_of_a_real_scan_in_headless_chromium() {
    let Some(corpora) = common::corpora() else { return };
    let chromium = std::env::var("VIGIE_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !std::path::Path::new(&chromium).exists() {
        common::skip(&format!("Chromium not found at {chromium}"));
        return;
    }
    let Some(helpers) = common::node_helpers() else { return };
    let tree = tempfile::tempdir().expect("temp dir");
    common::corpus_tree(&corpora, 60, tree.path());
    let result = common::engine_scan(tree.path(), "WEB01");
    let n = result.findings.len();
    let shell_findings = result
        .findings
        .iter()
        .filter(|f| f.location.path.contains("aspnet_client") && f.stage == Stage::Compromise)
        .count();
    assert!(shell_findings >= 30, "the engine flags the corpus web shells: {shell_findings}");
    assert!(
        result.findings.iter().any(|f| f.location.path.ends_with("errorEE.aspx")),
        "the engine flags the hostile shell"
    );
    assert!(
        result.findings.iter().any(|f| f.location.path.contains("logs/")),
        "the engine flags the real logs"
    );

    let dir = common::artefacts("browser");
    let html = dir.join("report.html");
    let page = write_html(&result, &RenderOptions::default(), &html);
    assert_eq!(page.matches("<script").count(), 2, "only the data block and our script");
    let v = common::run_node(&helpers, "check-report.js", &[&html, &dir]);
    eprintln!("browser saw: {v}");
    eprintln!("screenshots, PDF and report: {}", dir.display());

    let verdict = result.verdict().sentence();
    assert!(verdict.starts_with("Compromised: "), "{verdict}");
    assert_eq!(v["verdict"], verdict);
    let fix = v["fixFirst"].as_array().expect("fix-first list");
    assert!(!fix.is_empty() && fix.len() <= 10, "fix-first items: {fix:?}");
    assert_eq!(fix[0]["stage"], "compromise", "the most serious stage comes first");
    assert_eq!(fix[0]["headline"], "An attacker has a way into WEB01", "plain words");
    let stages: Vec<u8> = fix
        .iter()
        .map(|i| match i["stage"].as_str() {
            Some("compromise") => 3,
            Some("exploitation") => 2,
            Some("attempt") => 1,
            _ => 0,
        })
        .collect();
    assert!(stages.windows(2).all(|w| w[0] >= w[1]), "ordered by stage: {fix:?}");
    assert_eq!(v["fixFirstHasWhy"], true, "each item says what, where, why and what to do");

    assert_eq!(v["total"], n);
    assert_eq!(v["shownAcrossPages"], n, "every finding is shown once across the pages");
    assert_eq!(v["distinctShown"], n);
    assert_eq!(v["pages"], n.div_ceil(RenderOptions::default().html_page_size));
    assert!(
        v["groups"].as_array().is_some_and(|g| g.iter().any(|x| x == "WEB01 · compromise")),
        "findings grouped by host and stage: {}",
        v["groups"]
    );
    assert!(v["timelineBars"].as_u64().unwrap_or(0) > 0, "timeline drawn");

    assert_eq!(v["requests"], json!([]), "the page made network requests");
    assert_eq!(v["consoleErrors"], json!([]), "console errors or warnings");
    assert_eq!(v["pageErrors"], json!([]), "script errors");
    assert_eq!(v["pwned"], Value::Null, "quoted evidence ran");
    assert_eq!(v["cspBlocksInjected"], true, "the Content Security Policy is enforced");
    assert_eq!(v["imgInList"], 0, "quoted markup became elements");
    assert_eq!(v["scriptsInPage"], 2, "a script element appeared");
    assert!(v["hostileShown"].as_u64().unwrap_or(0) >= 1, "search finds the hostile shell");
    assert_eq!(v["evidenceMentionsScript"], true, "hostile text is shown as text");
    assert!(v["marks"].as_u64().unwrap_or(0) >= 1, "matches highlighted");
    assert!(v["scriptSearch"].as_u64().unwrap_or(0) >= 10, "search for `<script`: {}", v);
    assert!(v["scriptTextShown"].as_u64().unwrap_or(0) >= 5, "real shells' <script text shown");
    assert!(v["phoneOverflow"].as_i64().unwrap_or(99) <= 0, "no horizontal scrolling on a phone");
    assert_eq!(v["printHidesControls"], true, "print view hides the search controls");
    for shot in ["report.png", "report-evidence.png", "report-phone.png", "report.pdf"] {
        let len = std::fs::metadata(dir.join(shot)).map(|m| m.len()).unwrap_or(0);
        assert!(len > 10_000, "{shot} saved in {} ({len} bytes)", dir.display());
    }

    // The packed form used for large reports (gzip + base64) shows the same.
    let packed_dir = common::artefacts("browser-packed");
    let packed = packed_dir.join("report-packed.html");
    let opts = RenderOptions { html_inline_limit: 0, ..RenderOptions::default() };
    assert!(write_html(&result, &opts, &packed).contains("data-encoding=\"gzip+base64\""));
    let p = common::run_node(&helpers, "check-report.js", &[&packed, &packed_dir]);
    for key in [
        "verdict",
        "total",
        "shownAcrossPages",
        "distinctShown",
        "pages",
        "fixFirst",
        "requests",
        "consoleErrors",
        "pageErrors",
        "pwned",
        "imgInList",
        "scriptSearch",
    ] {
        assert_eq!(p[key], v[key], "packed report differs on {key}");
    }
}
