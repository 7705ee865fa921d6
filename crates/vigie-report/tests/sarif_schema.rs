//! SARIF output validated against the official SARIF 2.1.0 JSON schema
//! (shipped by the npm package `@microsoft/jest-sarif`), plus the properties
//! GitHub code scanning relies on.

mod common;

use serde_json::Value;
use vigie_report::{RenderOptions, ReportFormat, render};

fn sarif(r: &vigie_model::ScanResult) -> Value {
    let mut buf = Vec::new();
    render(r, ReportFormat::Sarif, &RenderOptions::default(), &mut buf).expect("render sarif");
    serde_json::from_slice(&buf).expect("SARIF is JSON")
}

#[test]
fn sarif_has_what_github_needs() {
    let r = common::canonical();
    let s = sarif(&r);
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "vigie");
    assert!(driver["informationUri"].as_str().is_some_and(|u| u.starts_with("https://")));
    let rules = driver["rules"].as_array().expect("rules");
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), r.findings.len());
    for res in results {
        let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"], "ruleIndex points at the rule");
        assert!(res["partialFingerprints"]["vigieFindingId/v1"].is_string());
        let score: f64 = rules[idx]["properties"]["security-severity"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("security-severity");
        assert!((0.0..=10.0).contains(&score));
    }
    let web = results.iter().find(|x| x["ruleId"] == "VG-WEB001").expect("web shell result");
    let art = &web["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(
        art["uri"], "inetpub/wwwroot/aspnet_client/system_web/error.aspx",
        "relative to the input"
    );
    assert_eq!(art["uriBaseId"], "INPUT1");
    assert_eq!(run["originalUriBaseIds"]["INPUT1"]["uri"], "file:///srv/exchange/");
    let log = results.iter().find(|x| x["ruleId"] == "VG-LOG003").expect("log result");
    assert_eq!(log["locations"][0]["physicalLocation"]["region"]["startLine"], 1042);
    let sigma = results
        .iter()
        .find(|x| x["ruleId"].as_str().is_some_and(|i| i.starts_with("0e38")))
        .expect("sigma result");
    assert!(
        sigma["message"]["text"].as_str().is_some_and(|m| m.contains("by Jane Doe (@jdoe)")),
        "DRL author in the message"
    );
    let notes =
        run["invocations"][0]["toolExecutionNotifications"].as_array().expect("notifications");
    assert!(
        notes.iter().any(|n| n["level"] == "error" && n["descriptor"]["id"] == "permission_denied")
    );
    // Fingerprints are stable across runs with different times.
    let mut later = r.clone();
    later.started += chrono::Duration::days(1);
    later.finished += chrono::Duration::days(1);
    let fp = |s: &Value| -> Vec<Value> {
        s["runs"][0]["results"]
            .as_array()
            .map(|a| a.iter().map(|x| x["partialFingerprints"].clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(fp(&s), fp(&sarif(&later)));
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let Some(helpers) = common::node_helpers() else { return };
    let dir = common::artefacts();
    let mut cases =
        vec![("canonical", common::canonical()), ("empty", vigie_model::ScanResult::new(vec![]))];
    if let Some(c) = common::corpora() {
        cases.push(("webshells", common::webshell_result(&c, 40)));
    }
    for (name, r) in cases {
        let path = dir.join(format!("{name}.sarif"));
        let mut buf = Vec::new();
        render(&r, ReportFormat::Sarif, &RenderOptions::default(), &mut buf).expect("render sarif");
        std::fs::write(&path, &buf).expect("write sarif");
        let v = common::run_node(&helpers, "validate-sarif.js", &[&path]);
        assert!(v["schema"].as_str().is_some_and(|t| t.contains("2.1.0")), "schema: {v}");
        assert_eq!(v["valid"], true, "{name}.sarif is not valid SARIF 2.1.0: {}", v["errors"]);
    }
}
