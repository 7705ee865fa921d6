//! SARIF 2.1.0: one run, `tool.driver.rules` deduplicated by rule id, one
//! result per finding with a stable `partialFingerprints` entry, artifact URIs
//! relative to the input they were found under (`uriBaseId` `INPUT1`, …),
//! and skipped/failed items as `toolExecutionNotifications`.

use crate::common::code_name;
use chrono::SecondsFormat;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::io::{self, Write};
use vigie_model::{Confidence, Finding, Problem, ScanResult, Severity};

/// Where users learn about vigie (the driver's `informationUri`).
pub(crate) const INFORMATION_URI: &str = "https://github.com/vigie-dfir/vigie";
/// The schema URI written in `$schema`.
pub(crate) const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Tags kept per rule (GitHub code scanning shows 10, rejects above 20).
const MAX_TAGS: usize = 10;

/// SARIF `level` for a severity.
pub(crate) fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::Confirmed => "very-high",
        Confidence::Likely => "high",
        Confidence::Possible => "medium",
    }
}

/// Input roots: (base id, root path with `/` separators and a trailing `/`).
pub(crate) struct Roots(Vec<(String, String, String)>);

fn norm(p: &str) -> String {
    p.replace('\\', "/")
}

impl Roots {
    fn new(r: &ScanResult) -> Roots {
        let mut v = Vec::new();
        for (i, input) in
            r.inputs.iter().filter(|i| i.kind == vigie_model::InputKind::Path).enumerate()
        {
            let mut root = norm(&input.value);
            // An input that is itself a file: its folder is the root.
            if r.findings.iter().any(|f| norm(&f.location.path) == root) {
                root = match root.rsplit_once('/') {
                    Some((dir, _)) => dir.to_string(),
                    None => String::new(),
                };
            }
            if !root.is_empty() && !root.ends_with('/') {
                root.push('/');
            }
            v.push((format!("INPUT{}", i + 1), root, input.value.clone()));
        }
        // Longest root first so nested inputs pick the closest.
        v.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        Roots(v)
    }

    /// (uriBaseId, relative URI) for a path, or `None` when outside every input.
    fn relative(&self, path: &str) -> Option<(String, String)> {
        let p = norm(path);
        for (id, root, _) in &self.0 {
            if root.is_empty() {
                if !p.starts_with('/') && !p.contains(':') {
                    return Some((id.clone(), encode_uri(&p)));
                }
            } else if let Some(rest) = p.strip_prefix(root.as_str()) {
                return Some((id.clone(), encode_uri(rest)));
            }
        }
        None
    }

    fn original_uri_base_ids(&self) -> Value {
        let mut m = Map::new();
        for (id, root, given) in &self.0 {
            let mut loc = Map::new();
            if root.starts_with('/') {
                loc.insert("uri".into(), json!(format!("file://{}", encode_uri(root))));
            } else if root.len() > 2 && root.as_bytes()[1] == b':' {
                loc.insert("uri".into(), json!(format!("file:///{}", encode_uri(root))));
            }
            loc.insert("description".into(), json!({"text": format!("scan input `{given}`")}));
            m.insert(id.clone(), Value::Object(loc));
        }
        Value::Object(m)
    }
}

/// Percent-encode what is not allowed in a URI path.
pub(crate) fn encode_uri(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Write `v` pretty-printed, every line after the first indented by `indent`
/// spaces (JSON strings hold no raw newline, so every newline is structural).
fn write_indented<T: serde::Serialize>(
    out: &mut dyn Write,
    v: &T,
    indent: usize,
) -> io::Result<()> {
    let mut w = Indent { out, pad: &PAD[..indent.min(PAD.len())] };
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"  ");
    let mut ser = serde_json::Serializer::with_formatter(&mut w, fmt);
    v.serialize(&mut ser).map_err(io::Error::other)
}

const PAD: [u8; 32] = [b' '; 32];

/// A writer that indents every line after a newline by `pad`.
struct Indent<'a> {
    out: &'a mut dyn Write,
    pad: &'a [u8],
}

impl Write for Indent<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            self.out.write_all(&rest[..=i])?;
            self.out.write_all(self.pad)?;
            rest = &rest[i + 1..];
        }
        self.out.write_all(rest)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Streams the log: results are built and written one at a time, so memory
/// does not grow with the number of findings.
pub(crate) fn render(r: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    let roots = Roots::new(r);
    let (rules, index) = rules(r);
    let tool = json!({"driver": {
        "name": "vigie",
        "fullName": format!("vigie {}", r.tool.version),
        "version": r.tool.version,
        "semanticVersion": r.tool.version,
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }});
    write!(
        out,
        "{{\n  \"$schema\": {},\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n",
        json!(SCHEMA_URI)
    )?;
    let mut head: Vec<(&str, Value)> = vec![
        ("tool", tool),
        ("originalUriBaseIds", roots.original_uri_base_ids()),
        ("invocations", json!([invocation(r, &roots)])),
        ("columnKind", json!("unicodeCodePoints")),
        ("properties", run_properties(r)),
    ];
    if !r.provenance.input_hashes.is_empty() {
        head.insert(2, ("artifacts", artifacts(r, &roots)));
    }
    for (k, v) in head {
        write!(out, "      {}: ", json!(k))?;
        write_indented(out, &v, 6)?;
        out.write_all(b",\n")?;
    }
    out.write_all(b"      \"results\": [")?;
    for (i, f) in r.findings.iter().enumerate() {
        out.write_all(if i == 0 { b"\n        " } else { b",\n        " })?;
        let rule_index = index.get(f.rule.id.as_str()).copied().unwrap_or(0);
        write_indented(out, &crate::sarif_result::result(f, rule_index, &roots), 8)?;
    }
    if !r.findings.is_empty() {
        out.write_all(b"\n      ")?;
    }
    out.write_all(b"]\n    }\n  ]\n}\n")
}

/// The driver's rules, sorted by id, and rule id → index.
fn rules(r: &ScanResult) -> (Vec<Value>, BTreeMap<&str, usize>) {
    let mut by_id: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &r.findings {
        by_id.entry(f.rule.id.as_str()).or_default().push(f);
    }
    let mut rules = Vec::new();
    let mut index = BTreeMap::new();
    for (i, (id, fs)) in by_id.into_iter().enumerate() {
        index.insert(id, i);
        rules.push(rule(id, &fs));
    }
    (rules, index)
}

fn rule(id: &str, fs: &[&Finding]) -> Value {
    let first = fs[0];
    let rule = &first.rule;
    let sev = fs.iter().map(|f| f.severity).max().unwrap_or(first.severity);
    let conf = fs.iter().map(|f| f.confidence).max().unwrap_or(first.confidence);
    let description =
        fs.iter().find_map(|f| f.description.clone()).unwrap_or_else(|| rule.title.clone());
    let remediation =
        fs.iter().map(|f| f.remediation.as_str()).find(|r| !r.is_empty()).unwrap_or("");
    let mut help = String::new();
    let mut md = String::new();
    if !remediation.is_empty() {
        help.push_str(&format!("What to do: {remediation}\n"));
        md.push_str(&format!("**What to do:** {}\n\n", md_escape(remediation)));
    }
    if let Some(a) = &rule.author {
        help.push_str(&format!("Rule author: {a}\n"));
        md.push_str(&format!("**Rule author:** {}\n\n", md_escape(a)));
    }
    if let Some(l) = &rule.license {
        help.push_str(&format!("Rule licence: {l}\n"));
        md.push_str(&format!("**Rule licence:** {}\n\n", md_escape(l)));
    }
    for refr in &rule.reference {
        help.push_str(&format!("Reference: {refr}\n"));
        md.push_str(&format!("- <{}>\n", md_escape(refr)));
    }
    if help.is_empty() {
        help = description.clone();
        md = md_escape(&description);
    }
    let mut tags = vec!["security".to_string(), rule.source.as_str().to_string()];
    let mut extra: Vec<String> = fs.iter().flat_map(|f| [f.stage.as_str().to_string()]).collect();
    for f in fs {
        extra.extend(f.attack.iter().map(|a| format!("attack/{a}")));
        extra.extend(f.cves.iter().cloned());
    }
    extra.sort();
    extra.dedup();
    tags.extend(extra);
    // GitHub code scanning shows 10 tags per rule and rejects more than 20.
    tags.truncate(MAX_TAGS);
    let mut props = json!({
        "security-severity": format!("{:.1}", sev.security_score()),
        "precision": precision(conf),
        "problem.severity": match sev { Severity::Critical | Severity::High => "error", Severity::Medium => "warning", _ => "recommendation" },
        "tags": tags,
        "source": rule.source.as_str(),
    });
    if let Value::Object(m) = &mut props {
        for (k, v) in [
            ("author", &rule.author),
            ("ruleset", &rule.ruleset),
            ("license", &rule.license),
            ("file", &rule.file),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), json!(v));
            }
        }
    }
    let mut v = json!({
        "id": id,
        "name": rule_name(&rule.title),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": description},
        "help": {"text": help.trim_end(), "markdown": md.trim_end()},
        "defaultConfiguration": {"level": level(sev)},
        "properties": props,
    });
    if let Some(u) =
        rule.reference.iter().find(|r| r.starts_with("https://") || r.starts_with("http://"))
        && let Value::Object(m) = &mut v
    {
        m.insert("helpUri".into(), json!(u));
    }
    v
}

/// A rule title as a SARIF `name` (PascalCase words, no spaces).
fn rule_name(title: &str) -> String {
    let name: String = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next().map(|c| c.to_uppercase().chain(cs).collect::<String>()).unwrap_or_default()
        })
        .collect();
    if name.is_empty() { "Rule".into() } else { name }
}

fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\`*_{}[]<>()#+-.!|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The artifact URI of `path` and its base id, when under an input.
pub(crate) fn artifact_uri(path: &str, roots: &Roots) -> (String, Option<String>) {
    match roots.relative(path) {
        Some((id, uri)) => (uri, Some(id)),
        None => {
            let p = norm(path);
            let uri = if p.starts_with('/') {
                format!("file://{}", encode_uri(&p))
            } else if p.len() > 2 && p.as_bytes()[1] == b':' {
                format!("file:///{}", encode_uri(&p))
            } else {
                encode_uri(&p)
            };
            (uri, None)
        }
    }
}

fn physical(path: &str, roots: &Roots) -> Map<String, Value> {
    let mut art = Map::new();
    let (uri, base) = artifact_uri(path, roots);
    art.insert("uri".into(), json!(uri));
    if let Some(id) = base {
        art.insert("uriBaseId".into(), json!(id));
    }
    let mut phys = Map::new();
    phys.insert("artifactLocation".into(), Value::Object(art));
    phys
}

/// The inputs that are single files, with their SHA-256 (provenance).
fn artifacts(r: &ScanResult, roots: &Roots) -> Value {
    let list: Vec<Value> = r
        .provenance
        .input_hashes
        .iter()
        .map(|h| {
            let mut phys = physical(&h.path, roots);
            json!({
                "location": phys.remove("artifactLocation").unwrap_or(Value::Null),
                "length": h.size,
                "hashes": {"sha-256": h.sha256},
                "roles": ["analysisTarget"],
            })
        })
        .collect();
    Value::Array(list)
}

fn notification(p: &Problem, level: &str, roots: &Roots) -> Value {
    json!({
        "level": level,
        "message": {"text": format!("{}: {}", p.path, p.reason)},
        "descriptor": {"id": code_name(p.code)},
        "locations": [{"physicalLocation": Value::Object(physical(&p.path, roots))}],
    })
}

fn invocation(r: &ScanResult, roots: &Roots) -> Value {
    let mut exec: Vec<Value> =
        r.coverage.failed.iter().map(|p| notification(p, "error", roots)).collect();
    exec.extend(r.coverage.skipped.iter().map(|p| notification(p, "note", roots)));
    exec.extend(r.coverage.record_errors.iter().map(|p| notification(p, "warning", roots)));
    let config: Vec<Value> = r
        .coverage
        .rules
        .rejected
        .iter()
        .map(|rej| {
            let what = rej
                .rule
                .as_deref()
                .map(|n| format!("{} ({n})", rej.file))
                .unwrap_or(rej.file.clone());
            json!({
                "level": "warning",
                "message": {"text": format!("rule rejected: {what}: {}", rej.reason)},
                "descriptor": {"id": "rule_rejected"},
            })
        })
        .collect();
    let mut inv = json!({
        "executionSuccessful": true,
        "startTimeUtc": r.started.to_rfc3339_opts(SecondsFormat::Secs, true),
        "endTimeUtc": r.finished.to_rfc3339_opts(SecondsFormat::Secs, true),
        "toolExecutionNotifications": exec,
        "toolConfigurationNotifications": config,
    });
    if let Value::Object(m) = &mut inv {
        let cl = &r.provenance.command_line;
        if !cl.is_empty() {
            m.insert("commandLine".into(), json!(cl.join(" ")));
            m.insert("arguments".into(), json!(cl[1..]));
        }
        if let Some(h) = &r.provenance.scanner_host {
            m.insert("machine".into(), json!(h));
        }
    }
    inv
}

fn run_properties(r: &ScanResult) -> Value {
    let c = &r.coverage;
    let sets: Vec<Value> = c
        .rules
        .sets
        .iter()
        .map(|s| json!({"name": s.name, "kind": s.kind, "loaded": s.loaded, "rejected": s.rejected, "sha256": s.sha256}))
        .collect();
    json!({
        "verdict": r.verdict().sentence(),
        "filesScanned": c.files.scanned,
        "filesSkipped": c.files.skipped,
        "filesFailed": c.files.failed,
        "rulesLoaded": c.rules.loaded,
        "rulesRejected": c.rules.rejected.len(),
        "rulesBlind": c.rules.blind.len(),
        "ruleSets": sets,
        "absentArtefacts": c.absent.iter().map(|a| a.artefact.clone()).collect::<Vec<_>>(),
    })
}
