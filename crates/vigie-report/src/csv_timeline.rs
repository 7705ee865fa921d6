//! The CSV timeline: one row per evidence event, sorted by time (undated rows
//! last), RFC 4180 with CRLF line ends, UTF-8 with a byte-order mark (so Excel
//! reads it as UTF-8), and text cells that start with `=`, `+`, `-`, `@`, a
//! tab or a carriage return prefixed with `'` (spreadsheet formula injection).

use crate::common::truncate_end;
use crate::facets::{Facets, fields_time, parse_time};
use chrono::{DateTime, SecondsFormat, Utc};
use std::borrow::Cow;
use std::io::{self, Write};
use vigie_model::{Evidence, Finding, ScanResult};

/// Column names, in order (documented in `docs/reports.md`).
pub(crate) const COLUMNS: [&str; 26] = [
    "time",
    "time_source",
    "host",
    "severity",
    "stage",
    "confidence",
    "title",
    "rule_id",
    "rule_title",
    "rule_author",
    "evidence_kind",
    "path",
    "line",
    "record_id",
    "event_id",
    "source_ip",
    "user",
    "method",
    "url",
    "status",
    "user_agent",
    "process",
    "command_line",
    "sha256",
    "detail",
    "finding_id",
];

/// Longest `detail` cell (characters); Excel's cell limit is 32,767.
const MAX_DETAIL: usize = 4000;

/// One timeline row before formatting.
struct Row<'a> {
    time: Option<DateTime<Utc>>,
    time_source: &'static str,
    finding: &'a Finding,
    evidence: Option<&'a Evidence>,
}

pub(crate) fn render(r: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    let mut rows = Vec::new();
    for f in &r.findings {
        if f.evidence.is_empty() {
            let src = if f.time.is_some() { "finding" } else { "" };
            rows.push(Row { time: f.time, time_source: src, finding: f, evidence: None });
        }
        for e in &f.evidence {
            let (time, time_source) = evidence_time(e, f);
            rows.push(Row { time, time_source, finding: f, evidence: Some(e) });
        }
    }
    // Stable: ties keep finding order (most serious first), undated last.
    rows.sort_by_key(|row| (row.time.is_none(), row.time));
    out.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(COLUMNS).map_err(io::Error::other)?;
    for row in &rows {
        w.write_record(cells(row).iter().map(|c| defuse(c).into_owned()))
            .map_err(io::Error::other)?;
    }
    w.flush()
}

/// The time of one evidence item and where it came from.
fn evidence_time(e: &Evidence, f: &Finding) -> (Option<DateTime<Utc>>, &'static str) {
    let own = match e {
        Evidence::Event { time, .. } => time.map(|t| (t, "event")),
        Evidence::LogLine { fields, .. } => fields_time(fields).map(|t| (t, "log")),
        Evidence::File { modified, .. } => modified.map(|t| (t, "file_modified")),
        Evidence::Fact { name, value } if name.to_ascii_lowercase().contains("time") => {
            parse_time(value).map(|t| (t, "fact"))
        }
        _ => None,
    };
    match own {
        Some((t, s)) => (Some(t), s),
        None => match f.time {
            Some(t) => (Some(t), "finding"),
            None => (None, ""),
        },
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn cells(row: &Row<'_>) -> Vec<String> {
    let f = row.finding;
    let facets = row.evidence.map(Facets::of_evidence).unwrap_or_default();
    let (kind, path, line, record) = match row.evidence {
        Some(Evidence::LogLine { path, line, .. }) => ("log_line", path.clone(), Some(*line), None),
        Some(Evidence::Event { path, record_id, .. }) => ("event", path.clone(), None, *record_id),
        Some(Evidence::File { path, .. }) => ("file", path.clone(), None, None),
        Some(Evidence::Match { .. }) => ("match", f.location.path.clone(), f.location.line, None),
        Some(Evidence::Http { .. }) => ("http", f.location.path.clone(), None, None),
        Some(Evidence::Fact { .. }) => ("fact", f.location.path.clone(), None, None),
        None => ("finding", f.location.path.clone(), f.location.line, f.location.record_id),
    };
    let url = facets.url_original.as_deref().map(str::to_string).or_else(|| {
        facets.url_path.as_ref().map(|p| match &facets.url_query {
            Some(q) => format!("{p}?{q}"),
            None => p.to_string(),
        })
    });
    vec![
        opt(row.time.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))),
        row.time_source.to_string(),
        f.host.clone().or(facets.computer.as_deref().map(str::to_string)).unwrap_or_default(),
        f.severity.to_string(),
        f.stage.to_string(),
        f.confidence.to_string(),
        f.title.clone(),
        f.rule.id.clone(),
        f.rule.title.clone(),
        f.rule.author.clone().unwrap_or_default(),
        kind.to_string(),
        path,
        opt(line),
        opt(record.or(f.location.record_id.filter(|_| kind == "finding"))),
        opt(facets.event_code),
        facets.source_ip.map(Cow::into_owned).unwrap_or_default(),
        facets.user.map(Cow::into_owned).unwrap_or_default(),
        facets.method.map(Cow::into_owned).unwrap_or_default(),
        url.unwrap_or_default(),
        opt(facets.status),
        facets.user_agent.map(Cow::into_owned).unwrap_or_default(),
        facets.executable.map(Cow::into_owned).unwrap_or_default(),
        facets.command_line.map(Cow::into_owned).unwrap_or_default(),
        facets.sha256.map(Cow::into_owned).unwrap_or_default(),
        truncate_end(&detail(row.evidence), MAX_DETAIL),
        f.id.clone(),
    ]
}

/// A one-cell description of the evidence.
fn detail(e: Option<&Evidence>) -> String {
    let Some(e) = e else { return String::new() };
    match e {
        Evidence::Match { identifier, offset, excerpt, .. } => {
            let mut s = String::new();
            if let Some(i) = identifier {
                s.push_str(i);
                s.push_str(": ");
            }
            s.push_str(excerpt);
            if let Some(o) = offset {
                s.push_str(&format!(" (offset {o})"));
            }
            s
        }
        Evidence::File { size, md5, sha1, modified, owner, .. } => {
            let mut parts = vec![format!("{size} bytes")];
            if let Some(m) = md5 {
                parts.push(format!("md5 {m}"));
            }
            if let Some(s) = sha1 {
                parts.push(format!("sha1 {s}"));
            }
            if let Some(t) = modified {
                parts.push(format!("modified {}", t.to_rfc3339_opts(SecondsFormat::Secs, true)));
            }
            if let Some(o) = owner {
                parts.push(format!("owner {o}"));
            }
            parts.join(", ")
        }
        Evidence::LogLine { raw, .. } => raw.clone(),
        Evidence::Event { channel, event_id, provider, fields, .. } => {
            let mut s = String::new();
            if let Some(c) = channel {
                s.push_str(c);
                s.push(' ');
            }
            if let Some(id) = event_id {
                s.push_str(&format!("EventID {id}"));
            }
            if let Some(p) = provider {
                s.push_str(&format!(" ({p})"));
            }
            for (k, v) in fields {
                s.push_str(&format!("; {k}={v}"));
            }
            s.trim().to_string()
        }
        Evidence::Http { request, status, facts } => {
            let mut s = request.clone();
            if let Some(st) = status {
                s.push_str(&format!(" → {st}"));
            }
            for (k, v) in facts {
                s.push_str(&format!("; {k}: {v}"));
            }
            s
        }
        Evidence::Fact { name, value } => format!("{name} = {value}"),
    }
}

/// Prefix `'` to a cell a spreadsheet would read as a formula.
pub(crate) fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(defuse("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(defuse("-2+3"), "'-2+3");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("203.0.113.7"), "203.0.113.7");
    }
}
