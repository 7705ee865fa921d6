//! One SARIF `result` per finding, as typed structs that borrow from the
//! finding and are serialised straight to the output (no JSON tree per
//! result: 100,000 results stream in about a second).

use crate::common::location_string;
use crate::sarif::{Roots, artifact_uri, level};
use chrono::SecondsFormat;
use serde::Serialize;
use std::borrow::Cow;
use vigie_model::{Finding, RuleSource};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    kind: &'static str,
    message: Text,
    locations: [Location<'a>; 1],
    partial_fingerprints: Fingerprints<'a>,
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "vigieFindingId/v1")]
    id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties<'a> {
    finding_id: &'a str,
    stage: &'static str,
    severity: &'static str,
    confidence: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    cves: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    kev: Option<bool>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    attack: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    indicators: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<Physical>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<Logical<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    #[serde(skip_serializing_if = "Option::is_none")]
    start_line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    byte_offset: Option<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Logical<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fully_qualified_name: Option<&'a str>,
    kind: &'static str,
}

fn location<'a>(f: &'a Finding, roots: &Roots) -> Location<'a> {
    let loc = &f.location;
    if f.rule.source == RuleSource::Probe {
        let target =
            Logical { name: None, fully_qualified_name: Some(&loc.path), kind: "resource" };
        return Location { physical_location: None, logical_locations: vec![target] };
    }
    let (uri, uri_base_id) = artifact_uri(&loc.path, roots);
    let region = match (loc.line.filter(|l| *l > 0), loc.offset) {
        (Some(line), _) => Some(Region { start_line: Some(line), byte_offset: None }),
        (None, Some(off)) => Some(Region { start_line: None, byte_offset: Some(off) }),
        (None, None) => None,
    };
    let mut logical = Vec::new();
    if let Some(m) = &loc.member {
        logical.push(Logical {
            name: Some(Cow::Borrowed(m)),
            fully_qualified_name: None,
            kind: "member",
        });
    }
    if let Some(rec) = loc.record_id {
        logical.push(Logical {
            name: Some(Cow::Owned(format!("record {rec}"))),
            fully_qualified_name: None,
            kind: "element",
        });
    }
    Location {
        physical_location: Some(Physical {
            artifact_location: Artifact { uri, uri_base_id },
            region,
        }),
        logical_locations: logical,
    }
}

fn message(f: &Finding) -> String {
    let mut m = format!(
        "{} ({} stage, {} confidence) at {}.",
        f.title,
        f.stage,
        f.confidence,
        location_string(&f.location)
    );
    if let Some(d) = &f.description {
        m.push(' ');
        m.push_str(d);
    }
    if !f.remediation.is_empty() {
        m.push_str(" What to do: ");
        m.push_str(&f.remediation);
    }
    if let Some(a) = &f.rule.author {
        m.push_str(&format!(" Rule \"{}\" by {a}.", f.rule.title));
    }
    m
}

/// The SARIF result of one finding; `rule_index` points into the driver's rules.
pub(crate) fn result<'a>(f: &'a Finding, rule_index: usize, roots: &Roots) -> SarifResult<'a> {
    SarifResult {
        rule_id: &f.rule.id,
        rule_index,
        level: level(f.severity),
        kind: "fail",
        message: Text { text: message(f) },
        locations: [location(f, roots)],
        partial_fingerprints: Fingerprints { id: &f.id },
        properties: Properties {
            finding_id: &f.id,
            stage: f.stage.as_str(),
            severity: f.severity.as_str(),
            confidence: f.confidence.as_str(),
            host: f.host.as_deref(),
            time: f.time.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            cves: &f.cves,
            kev: (!f.cves.is_empty()).then_some(f.kev),
            attack: &f.attack,
            indicators: &f.indicators,
        },
    }
}
