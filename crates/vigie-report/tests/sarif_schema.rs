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
    github_limits(&s);
    // A rule with many CVEs and techniques stays within GitHub's tag limit.
    let mut many = r.clone();
    many.findings[0].cves = (0..40).map(|i| format!("CVE-2021-{:05}", 26000 + i)).collect();
    many.findings[0].attack = (0..40).map(|i| format!("T{}", 1000 + i)).collect();
    github_limits(&sarif(&many));
}

/// The hard limits GitHub code scanning applies to an upload (above them the
/// file is rejected): runs, results per run, rules per run, tags per rule,
/// locations per result.
fn github_limits(s: &Value) {
    let runs = s["runs"].as_array().expect("runs");
    assert!(runs.len() <= 20, "more than 20 runs");
    for run in runs {
        let results = run["results"].as_array().expect("results");
        assert!(results.len() <= 25_000, "more than 25,000 results in a run");
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        assert!(rules.len() <= 25_000);
        let mut ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "rule ids are unique");
        for rule in rules {
            let tags = rule["properties"]["tags"].as_array().map(Vec::len).unwrap_or(0);
            assert!(tags <= 20, "rule {} has {tags} tags (GitHub rejects over 20)", rule["id"]);
        }
        for res in results {
            assert!(res["locations"].as_array().map(Vec::len).unwrap_or(0) <= 1000);
            assert!(
                ["error", "warning", "note", "none"].contains(&res["level"].as_str().unwrap_or(""))
            );
        }
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let Some(helpers) = common::node_helpers() else { return };
    let dir = common::artefacts("sarif");
    let mut cases =
        vec![("canonical", common::canonical()), ("empty", vigie_model::ScanResult::new(vec![]))];
    let tree = tempfile::tempdir().expect("temp dir");
    if let Some(c) = common::corpora() {
        common::corpus_tree(&c, 40, tree.path());
        cases.push(("real-scan", common::engine_scan(tree.path(), "WEB01")));
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
    // The validator is not a rubber stamp: a result without `message` fails.
    let mut bad: Value = sarif(&common::canonical());
    if let Some(res) = bad["runs"][0]["results"][0].as_object_mut() {
        res.remove("message");
    }
    let path = dir.join("broken.sarif");
    std::fs::write(&path, serde_json::to_vec(&bad).expect("serialise")).expect("write sarif");
    let v = common::run_node(&helpers, "validate-sarif.js", &[&path]);
    assert_eq!(v["valid"], false, "a SARIF result without a message must be rejected");
}

#[test]
fn sarif_of_a_real_scan_has_relative_uris_and_lines() {
    let Some(c) = common::corpora() else { return };
    let tree = tempfile::tempdir().expect("temp dir");
    common::corpus_tree(&c, 20, tree.path());
    let r = common::engine_scan(tree.path(), "WEB01");
    let s = sarif(&r);
    github_limits(&s);
    let results = s["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), r.findings.len());
    for res in results {
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "INPUT1", "{uri}");
        assert!(
            !uri.starts_with('/') && !uri.contains("file:"),
            "relative to the scan root: {uri}"
        );
    }
    let log = results
        .iter()
        .find(|x| {
            x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .is_some_and(|u| u.starts_with("logs/"))
        })
        .expect("a log finding");
    assert!(log["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64() > Some(0));
}
