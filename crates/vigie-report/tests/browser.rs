//! The HTML report in a real browser (Debian's Chromium, headless, driven by
//! playwright-core): real web shells from the corpus quoted as evidence, the
//! verdict and fix-first list shown, every finding reachable across pages, no
//! network request, no console error, and no quoted script ever runs.

mod common;

use vigie_report::{RenderOptions, ReportFormat, render};

#[test]
fn html_report_in_headless_chromium() {
    let Some(corpora) = common::corpora() else { return };
    let chromium = std::env::var("VIGIE_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !std::path::Path::new(&chromium).exists() {
        common::skip(&format!("Chromium not found at {chromium}"));
        return;
    }
    let Some(helpers) = common::node_helpers() else { return };
    let shells = common::script_webshells(&corpora, 120);
    assert!(
        shells.len() >= 100,
        "the corpus should have 100+ web shells containing <script, found {}",
        shells.len()
    );
    let result = common::webshell_result(&corpora, 120);
    let n = result.findings.len();
    let dir = common::artefacts();
    let html = dir.join("report.html");
    let mut buf = Vec::new();
    render(&result, ReportFormat::Html, &RenderOptions::default(), &mut buf).expect("render html");
    std::fs::write(&html, &buf).expect("write report.html");

    let v = common::run_node(&helpers, "check-report.js", &[&html, &dir]);
    eprintln!("browser saw: {v}");
    assert_eq!(v["verdict"], result.verdict().sentence());
    assert_eq!(v["total"], n);
    assert_eq!(v["shownAcrossPages"], n, "every finding is shown once across the pages");
    assert_eq!(v["distinctShown"], n);
    assert_eq!(v["pages"], n.div_ceil(RenderOptions::default().html_page_size));
    let fix = v["fixFirst"].as_array().expect("fix-first list");
    assert!(!fix.is_empty() && fix.len() <= 10, "fix-first items: {fix:?}");
    assert_eq!(fix[0], "China Chopper web shell", "the most serious item comes first");
    assert_eq!(v["fixFirstHasWhy"], true, "each item says why and what to do");
    assert!(v["timelineBars"].as_u64().unwrap_or(0) > 0, "timeline drawn");
    assert_eq!(v["requests"], serde_json::json!([]), "the page made network requests");
    assert_eq!(v["consoleErrors"], serde_json::json!([]), "console errors");
    assert_eq!(v["pageErrors"], serde_json::json!([]), "script errors");
    assert_eq!(v["pwned"], serde_json::Value::Null, "quoted evidence ran");
    assert_eq!(v["cspBlocksInjected"], true, "the Content Security Policy is enforced");
    assert_eq!(v["imgInList"], 0, "quoted markup became elements");
    assert_eq!(v["evidenceMentionsScript"], true, "hostile text is shown as text");
    assert!(v["marks"].as_u64().unwrap_or(0) >= 1, "matches highlighted");
    assert!(v["searchChinaChopper"].as_u64().unwrap_or(0) >= 1, "search finds the web shell");
    assert!(v["phoneOverflow"].as_i64().unwrap_or(99) <= 0, "no horizontal scrolling on a phone");
    assert!(dir.join("report.png").is_file() && dir.join("report-phone.png").is_file());

    // The packed form used for large reports (gzip + base64) shows the same.
    let packed = dir.join("report-packed.html");
    let mut buf = Vec::new();
    let opts = RenderOptions { html_inline_limit: 0, ..RenderOptions::default() };
    render(&result, ReportFormat::Html, &opts, &mut buf).expect("render packed html");
    assert!(String::from_utf8_lossy(&buf).contains("data-encoding=\"gzip+base64\""));
    std::fs::write(&packed, &buf).expect("write report-packed.html");
    let packed_dir = dir.join("packed");
    std::fs::create_dir_all(&packed_dir).expect("artefact folder");
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
    ] {
        assert_eq!(p[key], v[key], "packed report differs on {key}");
    }
}
