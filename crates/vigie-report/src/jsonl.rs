//! JSONL in Elastic Common Schema names: one `event.kind: alert` document per
//! finding, then one `event.kind: event` document per skipped or failed item
//! and rejected rule (`event.dataset: vigie.problem`), then one
//! `event.kind: state` document with the coverage summary
//! (`event.dataset: vigie.coverage`). Field table: `docs/reports.md`.

use crate::common::{TimeStyle, code_name, write_rfc3339};
use crate::facets::Facets;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use std::io::{self, Write};
use vigie_model::{Problem, ScanResult, Severity};

/// The ECS version the documents follow.
pub(crate) const ECS_VERSION: &str = "8.11.0";

/// A JSON document built from dotted ECS names.
#[derive(Default)]
struct Doc(Map<String, Value>);

impl Doc {
    fn put(&mut self, dotted: &str, v: impl Into<Value>) {
        let v = v.into();
        let mut parts = dotted.split('.').peekable();
        let mut map = &mut self.0;
        while let Some(p) = parts.next() {
            if parts.peek().is_none() {
                map.insert(p.to_string(), v);
                return;
            }
            let entry = map.entry(p.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            match entry {
                Value::Object(m) => map = m,
                _ => return,
            }
        }
    }
    fn put_opt<T: Into<Value>>(&mut self, dotted: &str, v: Option<T>) {
        if let Some(v) = v {
            self.put(dotted, v);
        }
    }
    fn write(self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer(&mut *out, &Value::Object(self.0))?;
        out.write_all(b"\n")
    }
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    let mut buf = Vec::with_capacity(24);
    write_rfc3339(&mut buf, t, TimeStyle::Millis);
    String::from_utf8(buf).unwrap_or_else(|_| t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// ECS `event.severity`: 0 (info) to 4 (critical).
pub(crate) fn severity_number(s: Severity) -> u8 {
    match s {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

/// ECS `event.risk_score` (0–100): ten times the SARIF security score.
pub(crate) fn risk_score(s: Severity) -> f64 {
    (f64::from(s.security_score()) * 10.0).round()
}

pub(crate) fn render(r: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    let created = ts(r.finished);
    // Each line is serialised into one reused buffer, then written at once.
    let mut line = Vec::with_capacity(4096);
    for f in &r.findings {
        let facets = Facets::of_finding(f);
        line.clear();
        serde_json::to_writer(&mut line, &crate::ecs::alert(r, f, &facets, &created))?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    for (kind, list) in [("skipped", &r.coverage.skipped), ("failed", &r.coverage.failed)] {
        for p in list {
            problem(r, kind, p).write(out)?;
        }
    }
    for rej in &r.coverage.rules.rejected {
        let mut d = base(r, "event", r.finished);
        d.put("event.dataset", "vigie.problem");
        d.put("event.category", json!(["configuration"]));
        d.put("event.type", json!(["error"]));
        d.put("event.outcome", "failure");
        d.put("error.code", "rule_rejected");
        d.put("error.message", rej.reason.clone());
        d.put("file.path", rej.file.clone());
        d.put_opt("rule.name", rej.rule.clone());
        d.put("message", format!("rule rejected: {}: {}", rej.file, rej.reason));
        d.put("vigie.problem", "rejected_rule");
        d.write(out)?;
    }
    summary(r).write(out)
}

fn base(r: &ScanResult, kind: &str, time: DateTime<Utc>) -> Doc {
    let mut d = Doc::default();
    d.put("@timestamp", ts(time));
    d.put("ecs.version", ECS_VERSION);
    d.put("event.kind", kind);
    d.put("event.module", "vigie");
    d.put("event.created", ts(r.finished));
    d.put("observer.vendor", "vigie");
    d.put("observer.product", r.tool.name.clone());
    d.put("observer.version", r.tool.version.clone());
    d.put("observer.type", "scanner");
    d.put_opt("observer.hostname", r.provenance.scanner_host.clone());
    d
}

fn problem(r: &ScanResult, kind: &str, p: &Problem) -> Doc {
    let mut d = base(r, "event", r.finished);
    d.put("event.dataset", "vigie.problem");
    d.put("event.category", json!(["file"]));
    d.put("event.type", json!(["info"]));
    d.put("event.outcome", if kind == "failed" { "failure" } else { "unknown" });
    d.put("error.code", code_name(p.code));
    d.put("error.message", p.reason.clone());
    d.put("file.path", p.path.clone());
    d.put("message", format!("{kind}: {}: {}", p.path, p.reason));
    d.put("vigie.problem", kind);
    d
}

fn summary(r: &ScanResult) -> Doc {
    let c = &r.coverage;
    let mut d = base(r, "state", r.finished);
    d.put("event.dataset", "vigie.coverage");
    d.put("event.category", json!(["host"]));
    d.put("event.type", json!(["info"]));
    d.put("event.start", ts(r.started));
    d.put("event.end", ts(r.finished));
    d.put("message", r.verdict().sentence());
    d.put_opt("vigie.verdict_stage", r.verdict().headline_stage().map(|s| s.as_str()));
    d.put("vigie.findings", r.findings.len() as u64);
    for (sev, n) in r.counts_by_severity() {
        d.put(&format!("vigie.by_severity.{sev}"), n as u64);
    }
    d.put("vigie.files.scanned", c.files.scanned);
    d.put("vigie.files.skipped", c.files.skipped);
    d.put("vigie.files.failed", c.files.failed);
    d.put("vigie.files.bytes", c.files.bytes);
    d.put("vigie.records.events", c.records.events);
    d.put("vigie.records.lines", c.records.lines);
    d.put("vigie.records.errors", c.records.errors);
    d.put("vigie.rules.loaded", c.rules.loaded);
    d.put("vigie.rules.rejected", c.rules.rejected.len() as u64);
    d.put("vigie.rules.blind", c.rules.blind.len() as u64);
    let absent: Vec<&str> = c.absent.iter().map(|a| a.artefact.as_str()).collect();
    if !absent.is_empty() {
        d.put("vigie.absent", json!(absent));
    }
    let inputs: Vec<&str> = r.inputs.iter().map(|i| i.value.as_str()).collect();
    d.put("vigie.inputs", json!(inputs));
    d
}
