//! JSONL in Elastic Common Schema names: one `event.kind: alert` document per
//! finding, then one `event.kind: event` document per skipped or failed item
//! and rejected rule (`event.dataset: vigie.problem`), then one
//! `event.kind: state` document with the coverage summary
//! (`event.dataset: vigie.coverage`). Field table: `docs/reports.md`.

use crate::common::code_name;
use crate::facets::Facets;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use std::io::{self, Write};
use vigie_model::{Evidence, Finding, Problem, RuleSource, ScanResult, Severity, Stage};

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

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
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
    for f in &r.findings {
        alert(r, f).write(out)?;
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

fn categories(f: &Finding) -> Vec<&'static str> {
    let mut c = vec![];
    if f.rule.source == RuleSource::Probe {
        c.push("vulnerability");
        c.push("network");
        return c;
    }
    if f.stage == Stage::Compromise {
        c.push("malware");
    }
    c.push("intrusion_detection");
    for e in &f.evidence {
        let cat = match e {
            Evidence::File { .. } | Evidence::Match { .. } => "file",
            Evidence::LogLine { .. } | Evidence::Http { .. } => "web",
            Evidence::Event { fields, .. }
                if fields.keys().any(|k| k.eq_ignore_ascii_case("CommandLine")) =>
            {
                "process"
            }
            _ => continue,
        };
        if !c.contains(&cat) {
            c.push(cat);
        }
    }
    c
}

fn alert(r: &ScanResult, f: &Finding) -> Doc {
    let facets = Facets::of_finding(f);
    let mut d = base(r, "alert", f.time.or(facets.time).unwrap_or(r.finished));
    d.put("event.dataset", "vigie.alert");
    d.put("event.id", f.id.clone());
    d.put("event.category", json!(categories(f)));
    d.put("event.type", json!(["info"]));
    d.put("event.severity", severity_number(f.severity));
    d.put("event.risk_score", risk_score(f.severity));
    d.put("event.action", f.rule.id.clone());
    d.put_opt("event.reason", f.description.clone());
    d.put_opt("event.code", facets.event_code.map(|c| c.to_string()));
    d.put_opt("event.provider", facets.provider.clone());
    d.put("message", f.title.clone());
    rule_fields(&mut d, f);
    threat_fields(&mut d, f);
    d.put_opt("host.name", f.host.clone().or(facets.computer.clone()));
    location_fields(&mut d, f, &facets);
    d.put_opt("url.original", facets.url_original.clone());
    d.put_opt("url.path", facets.url_path.clone());
    d.put_opt("url.query", facets.url_query.clone());
    d.put_opt("http.request.method", facets.method.clone());
    d.put_opt("http.response.status_code", facets.status);
    d.put_opt("source.ip", facets.source_ip.clone());
    d.put_opt("user_agent.original", facets.user_agent.clone());
    d.put_opt("user.name", facets.user.clone());
    d.put_opt("process.command_line", facets.command_line.clone());
    d.put_opt("process.executable", facets.executable.clone());
    d.put_opt("process.name", facets.executable.as_deref().map(base_name));
    d.put_opt("process.pid", facets.pid);
    d.put_opt("process.parent.executable", facets.parent_executable.clone());
    d.put_opt("process.parent.name", facets.parent_executable.as_deref().map(base_name));
    d.put_opt("process.parent.command_line", facets.parent_command_line.clone());
    if !f.cves.is_empty() {
        d.put("vulnerability.id", json!(f.cves));
        d.put("vulnerability.enumeration", "CVE");
        d.put("vulnerability.severity", f.severity.as_str());
        d.put("vulnerability.score.base", f64::from(f.severity.security_score()));
    }
    d.put("vigie.finding_id", f.id.clone());
    d.put("vigie.stage", f.stage.as_str());
    d.put("vigie.severity", f.severity.as_str());
    d.put("vigie.confidence", f.confidence.as_str());
    d.put("vigie.remediation", f.remediation.clone());
    d.put("vigie.kev", f.kev);
    if !f.indicators.is_empty() {
        d.put("vigie.indicators", json!(f.indicators));
    }
    if !f.related.is_empty() {
        d.put("vigie.related", json!(f.related));
    }
    d.put_opt("vigie.channel", facets.channel.clone());
    d.put_opt("vigie.record_id", f.location.record_id.or(facets.record_id));
    d.put_opt("vigie.line", f.location.line);
    d.put_opt("vigie.offset", f.location.offset);
    d
}

fn rule_fields(d: &mut Doc, f: &Finding) {
    d.put("rule.id", f.rule.id.clone());
    d.put("rule.name", f.rule.title.clone());
    d.put_opt("rule.description", f.description.clone());
    d.put("rule.category", f.rule.source.as_str());
    d.put_opt("rule.author", f.rule.author.clone().map(|a| json!([a])));
    d.put_opt("rule.reference", f.rule.reference.first().cloned());
    d.put_opt("rule.ruleset", f.rule.ruleset.clone());
    d.put_opt("rule.license", f.rule.license.clone());
}

fn threat_fields(d: &mut Doc, f: &Finding) {
    if f.attack.is_empty() {
        return;
    }
    let mut techniques: Vec<String> = Vec::new();
    let mut subs: Vec<String> = Vec::new();
    for a in &f.attack {
        let a = a.trim().to_ascii_uppercase();
        match a.split_once('.') {
            Some((t, _)) => {
                if !techniques.iter().any(|x| x == t) {
                    techniques.push(t.to_string());
                }
                subs.push(a.clone());
            }
            None if !techniques.contains(&a) => techniques.push(a),
            None => {}
        }
    }
    d.put("threat.framework", "MITRE ATT&CK");
    d.put("threat.technique.id", json!(techniques));
    if !subs.is_empty() {
        d.put("threat.technique.subtechnique.id", json!(subs));
    }
}

fn location_fields(d: &mut Doc, f: &Finding, facets: &Facets) {
    // Log-line and event findings point into a log; a line or record number says so too.
    let is_log =
        f.evidence.iter().any(|e| matches!(e, Evidence::LogLine { .. } | Evidence::Event { .. }))
            || f.location.line.is_some()
            || f.location.record_id.is_some();
    if f.rule.source == RuleSource::Probe {
        if f.location.path.contains("://") {
            d.put("url.full", f.location.path.clone());
        } else {
            d.put("destination.address", f.location.path.clone());
        }
    } else if is_log {
        d.put("log.file.path", facets.log_path.clone().unwrap_or_else(|| f.location.path.clone()));
    } else {
        let path = match &f.location.member {
            Some(m) => format!("{}!{m}", f.location.path),
            None => f.location.path.clone(),
        };
        d.put("file.name", base_name(&path));
        d.put("file.path", path);
        d.put_opt("file.hash.md5", facets.md5.clone());
        d.put_opt("file.hash.sha1", facets.sha1.clone());
        d.put_opt("file.hash.sha256", facets.sha256.clone());
        d.put_opt("file.size", facets.size);
        d.put_opt("file.mtime", facets.mtime.map(ts));
    }
}

fn base_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
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
