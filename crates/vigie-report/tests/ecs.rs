//! Every field of the JSONL output is an Elastic Common Schema field with the
//! right type (table below, from the ECS 8.11 field reference), or lives under
//! the `vigie.` namespace.

mod common;

use serde_json::Value;
use vigie_report::{RenderOptions, ReportFormat, render};

#[derive(Clone, Copy, Debug, PartialEq)]
enum T {
    Keyword,
    Text,
    Date,
    Long,
    Float,
    Ip,
}

/// ECS field names and types used by vigie (arrays of the type are allowed
/// for every field, as in Elasticsearch).
const ECS: &[(&str, T)] = &[
    ("@timestamp", T::Date),
    ("message", T::Text),
    ("ecs.version", T::Keyword),
    ("event.kind", T::Keyword),
    ("event.category", T::Keyword),
    ("event.type", T::Keyword),
    ("event.module", T::Keyword),
    ("event.dataset", T::Keyword),
    ("event.id", T::Keyword),
    ("event.code", T::Keyword),
    ("event.provider", T::Keyword),
    ("event.action", T::Keyword),
    ("event.reason", T::Keyword),
    ("event.outcome", T::Keyword),
    ("event.severity", T::Long),
    ("event.risk_score", T::Float),
    ("event.created", T::Date),
    ("event.start", T::Date),
    ("event.end", T::Date),
    ("observer.vendor", T::Keyword),
    ("observer.product", T::Keyword),
    ("observer.version", T::Keyword),
    ("observer.type", T::Keyword),
    ("observer.hostname", T::Keyword),
    ("rule.id", T::Keyword),
    ("rule.name", T::Keyword),
    ("rule.description", T::Keyword),
    ("rule.category", T::Keyword),
    ("rule.author", T::Keyword),
    ("rule.reference", T::Keyword),
    ("rule.ruleset", T::Keyword),
    ("rule.license", T::Keyword),
    ("threat.framework", T::Keyword),
    ("threat.technique.id", T::Keyword),
    ("threat.technique.subtechnique.id", T::Keyword),
    ("host.name", T::Keyword),
    ("file.path", T::Keyword),
    ("file.name", T::Keyword),
    ("file.size", T::Long),
    ("file.mtime", T::Date),
    ("file.hash.md5", T::Keyword),
    ("file.hash.sha1", T::Keyword),
    ("file.hash.sha256", T::Keyword),
    ("log.file.path", T::Keyword),
    ("url.original", T::Keyword),
    ("url.full", T::Keyword),
    ("url.path", T::Keyword),
    ("url.query", T::Keyword),
    ("destination.address", T::Keyword),
    ("http.request.method", T::Keyword),
    ("http.response.status_code", T::Long),
    ("source.ip", T::Ip),
    ("user_agent.original", T::Keyword),
    ("user.name", T::Keyword),
    ("process.command_line", T::Keyword),
    ("process.executable", T::Keyword),
    ("process.name", T::Keyword),
    ("process.pid", T::Long),
    ("process.parent.executable", T::Keyword),
    ("process.parent.name", T::Keyword),
    ("process.parent.command_line", T::Keyword),
    ("vulnerability.id", T::Keyword),
    ("vulnerability.enumeration", T::Keyword),
    ("vulnerability.severity", T::Keyword),
    ("vulnerability.score.base", T::Float),
    ("error.code", T::Keyword),
    ("error.message", T::Text),
];

/// Allowed values of the ECS categorisation fields.
const KINDS: &[&str] = &["alert", "event", "state"];
const CATEGORIES: &[&str] = &[
    "configuration",
    "file",
    "host",
    "intrusion_detection",
    "malware",
    "network",
    "process",
    "vulnerability",
    "web",
];
const TYPES: &[&str] = &["info", "error"];

fn leaves(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                leaves(&name, v, out);
            }
        }
        _ => out.push((prefix.to_string(), v.clone())),
    }
}

fn type_ok(t: T, v: &Value) -> bool {
    match v {
        Value::Array(a) => !a.is_empty() && a.iter().all(|x| !x.is_array() && type_ok(t, x)),
        Value::String(s) => match t {
            T::Keyword | T::Text => true,
            T::Date => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
            T::Ip => s.parse::<std::net::IpAddr>().is_ok(),
            T::Long | T::Float => false,
        },
        Value::Number(n) => match t {
            T::Long => n.is_u64() || n.is_i64(),
            T::Float => true,
            _ => false,
        },
        _ => false,
    }
}

fn check(text: &str) -> Vec<Value> {
    let mut docs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let doc: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line {} is not JSON: {e}", i + 1));
        let mut fields = Vec::new();
        leaves("", &doc, &mut fields);
        for (name, value) in &fields {
            if name.starts_with("vigie.") {
                continue;
            }
            let Some((_, t)) = ECS.iter().find(|(n, _)| n == name) else {
                panic!("line {}: `{name}` is not an ECS field in the table", i + 1);
            };
            assert!(
                type_ok(*t, value),
                "line {}: `{name}` = {value} is not of ECS type {t:?}",
                i + 1
            );
        }
        assert!(KINDS.contains(&doc["event"]["kind"].as_str().unwrap_or("")), "event.kind");
        for c in doc["event"]["category"].as_array().expect("event.category") {
            assert!(CATEGORIES.contains(&c.as_str().unwrap_or("")), "event.category {c}");
        }
        for c in doc["event"]["type"].as_array().expect("event.type") {
            assert!(TYPES.contains(&c.as_str().unwrap_or("")), "event.type {c}");
        }
        docs.push(doc);
    }
    docs
}

fn jsonl(r: &vigie_model::ScanResult) -> String {
    let mut buf = Vec::new();
    render(r, ReportFormat::Jsonl, &RenderOptions::default(), &mut buf).expect("render jsonl");
    String::from_utf8(buf).expect("utf-8")
}

#[test]
fn every_jsonl_field_is_ecs_with_the_right_type() {
    let r = common::canonical();
    let docs = check(&jsonl(&r));
    let alerts: Vec<&Value> = docs.iter().filter(|d| d["event"]["kind"] == "alert").collect();
    assert_eq!(alerts.len(), r.findings.len(), "one alert per finding");
    let problems =
        r.coverage.skipped.len() + r.coverage.failed.len() + r.coverage.rules.rejected.len();
    assert_eq!(
        docs.len(),
        r.findings.len() + problems + 1,
        "alerts, problems, then one coverage summary"
    );
    assert_eq!(docs.last().map(|d| d["event"]["dataset"].clone()), Some("vigie.coverage".into()));
    let log = alerts.iter().find(|d| d["rule"]["id"] == "VG-LOG003").expect("log alert");
    assert_eq!(log["source"]["ip"], "203.0.113.7");
    assert_eq!(log["http"]["response"]["status_code"], 200);
    assert_eq!(log["url"]["path"], "/owa/auth/x.js");
    assert_eq!(log["log"]["file"]["path"], "logs/W3SVC1/u_ex210303.log");
    assert_eq!(log["event"]["severity"], 3);
    let web = alerts.iter().find(|d| d["rule"]["id"] == "VG-WEB001").expect("file alert");
    assert_eq!(web["file"]["hash"]["sha256"], "aa".repeat(32));
    assert_eq!(web["threat"]["technique"]["id"], serde_json::json!(["T1505"]));
    assert_eq!(web["threat"]["technique"]["subtechnique"]["id"], serde_json::json!(["T1505.003"]));
    assert_eq!(web["vulnerability"]["id"], serde_json::json!(["CVE-2021-26855", "CVE-2021-27065"]));
    assert_eq!(web["@timestamp"], "2021-03-03T04:12:55.000Z");
    let proc_alert = alerts.iter().find(|d| d["event"]["code"] == "4688").expect("process alert");
    assert_eq!(proc_alert["process"]["parent"]["name"], "w3wp.exe");
    assert_eq!(proc_alert["process"]["pid"], 420);
    assert_eq!(proc_alert["rule"]["author"], serde_json::json!(["Jane Doe (@jdoe)"]));
}

#[test]
fn alerts_of_a_real_scan_are_ecs_too() {
    let Some(c) = common::corpora() else { return };
    let tree = tempfile::tempdir().expect("temp dir");
    common::corpus_tree(&c, 30, tree.path());
    let r = common::engine_scan(tree.path(), "WEB01");
    let docs = check(&jsonl(&r));
    let alerts: Vec<&Value> = docs.iter().filter(|d| d["event"]["kind"] == "alert").collect();
    assert_eq!(alerts.len(), r.findings.len());
    assert!(alerts.iter().any(|d| d["file"]["hash"]["sha256"].is_string()), "file hashes");
    assert!(alerts.iter().any(|d| d["log"]["file"]["path"].is_string()), "log alerts");
    assert!(alerts.iter().any(|d| d["host"]["name"] == "WEB01"), "--host reaches host.name");
    let r = common::webshell_result(&c, 60);
    let docs = check(&jsonl(&r));
    assert!(docs.iter().filter(|d| d["event"]["kind"] == "alert").count() >= 60);
}

#[test]
fn the_checker_rejects_non_ecs_fields_and_wrong_types() {
    let ok = r#"{"@timestamp":"2021-03-03T04:12:55.000Z","event":{"kind":"alert","category":["web"],"type":["info"]}}"#;
    check(ok);
    for bad in [
        r#"{"@timestamp":"yesterday","event":{"kind":"alert","category":["web"],"type":["info"]}}"#,
        r#"{"src_ip":"1.2.3.4","event":{"kind":"alert","category":["web"],"type":["info"]}}"#,
        r#"{"source":{"ip":"not-an-ip"},"event":{"kind":"alert","category":["web"],"type":["info"]}}"#,
        r#"{"event":{"kind":"alert","severity":"high","category":["web"],"type":["info"]}}"#,
        r#"{"event":{"kind":"alert","category":["webshell"],"type":["info"]}}"#,
    ] {
        let caught = std::panic::catch_unwind(|| check(bad)).is_err();
        assert!(caught, "the ECS check accepted {bad}");
    }
}
