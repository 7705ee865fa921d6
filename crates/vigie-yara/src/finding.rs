//! From a [`YaraHit`] to a [`Finding`]: rule id, title, author, references,
//! severity, stage and the matched strings as evidence.
//!
//! Built-in rules carry everything in their metadata (`vigie_code`,
//! `description`, `impact`, `severity`, `stage`, `confidence`, `indicators`,
//! `attack`, `remediation`). External rules are mapped as documented in
//! `docs/yara-ioc.md`:
//!
//! | meta | severity |
//! |---|---|
//! | `severity` (text: info…critical) | as given |
//! | `score` ≥ 80 | high (≥ 90 with a web-shell, exploit or credential-theft name: critical) |
//! | `score` 60–79 | medium |
//! | `score` 40–59 | low |
//! | `score` < 40 | info |
//! | none | medium |
//!
//! Stage of external rules: meta `stage` when given; else `exposure` for
//! rules named `vuln*` (file or rule), `exploitation` for `expl*`/`exploit*`
//! and log signatures (`LOG_*`), else `compromise`.

use crate::compile::SetOrigin;
use crate::scan::YaraHit;
use vigie_model::{Confidence, Evidence, Finding, Location, RuleRef, RuleSource, Severity, Stage};

/// Remediation used when a rule gives none.
pub const DEFAULT_REMEDIATION: &str = "Do not open or run the file. Copy it (with its timestamps) for analysis, \
look in the web server logs for requests to it and in the event logs for the process that wrote it, then \
remove it; if it is a web shell or attacker tool, treat the server as compromised: reset the credentials \
used on it and rebuild or restore it from a known-good state.";

impl YaraHit {
    /// The rule id: the vigie code (`VG-WEB001`) for built-in rules, else
    /// `namespace:name`.
    pub fn rule_id(&self) -> String {
        match (self.origin, self.meta_text("vigie_code")) {
            (SetOrigin::Builtin, Some(code)) => code,
            _ => format!("{}:{}", self.namespace, self.rule),
        }
    }

    /// Severity: built-in `severity` meta, else the documented mapping.
    pub fn severity(&self) -> Severity {
        if let Some(s) = self.meta_text("severity").and_then(|s| s.parse().ok()) {
            return s;
        }
        let Some(score) = self.meta("score").and_then(|v| v.as_text().trim().parse::<f64>().ok())
        else {
            return Severity::Medium;
        };
        match score {
            s if s >= 90.0 && self.is_strong_family() => Severity::Critical,
            s if s >= 80.0 => Severity::High,
            s if s >= 60.0 => Severity::Medium,
            s if s >= 40.0 => Severity::Low,
            _ => Severity::Info,
        }
    }

    fn is_strong_family(&self) -> bool {
        let name = self.rule.to_ascii_lowercase();
        ["webshell", "web_shell", "expl", "mimikatz", "hafnium", "credential", "lsass"]
            .iter()
            .any(|k| name.contains(k))
    }

    /// Stage: `stage` meta, else from the rule and file names (see module docs).
    pub fn stage(&self) -> Stage {
        if let Some(s) = self.meta_text("stage").and_then(|s| s.parse().ok()) {
            return s;
        }
        let rule = self.rule.to_ascii_lowercase();
        let file = self.file.rsplit('/').next().unwrap_or(&self.file).to_ascii_lowercase();
        if rule.starts_with("vuln") || file.starts_with("vul") {
            Stage::Exposure
        } else if rule.starts_with("expl") || file.starts_with("expl") || rule.starts_with("log_") {
            Stage::Exploitation
        } else {
            Stage::Compromise
        }
    }

    /// Confidence: `confidence` meta when given; built-in rules `likely`;
    /// external rules `likely` at score ≥ 80, else `possible`.
    pub fn confidence(&self) -> Confidence {
        match self.meta_text("confidence").map(|s| s.to_ascii_lowercase()).as_deref() {
            Some("confirmed") => return Confidence::Confirmed,
            Some("likely") => return Confidence::Likely,
            Some("possible") => return Confidence::Possible,
            _ => {}
        }
        if self.origin == SetOrigin::Builtin {
            return Confidence::Likely;
        }
        let score = self.meta("score").and_then(|v| v.as_text().trim().parse::<f64>().ok());
        if score.is_some_and(|s| s >= 80.0) { Confidence::Likely } else { Confidence::Possible }
    }

    /// The rule reference of the finding, with author, references, file, set
    /// and licence (signature-base: DRL 1.1, which requires the author in
    /// every message based on a match).
    pub fn rule_ref(&self) -> RuleRef {
        let title = self.meta_text("description").unwrap_or_else(|| self.rule.clone());
        let source = match self.origin {
            SetOrigin::Builtin => RuleSource::Builtin,
            SetOrigin::External => RuleSource::Yara,
        };
        let mut r = RuleRef::new(self.rule_id(), title, source);
        r.author = self.meta_text("author");
        r.reference = self
            .meta
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("reference") || k.eq_ignore_ascii_case("ref"))
            .flat_map(|(_, v)| {
                v.as_text()
                    .split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        r.file = Some(self.file.clone());
        r.ruleset = Some(self.ruleset.clone());
        r.license = self.meta_text("license").or_else(|| match self.ruleset.as_str() {
            "signature-base" => Some("DRL 1.1".into()),
            "builtin" => Some("Apache-2.0".into()),
            _ => None,
        });
        r
    }

    /// The finding for this hit on the file at `path`.
    pub fn to_finding(&self, path: &str) -> Finding {
        let rule = self.rule_ref();
        let title = match self.origin {
            SetOrigin::Builtin => rule.title.clone(),
            SetOrigin::External => format!("YARA {}: {}", self.rule, rule.title),
        };
        let mut location = Location::path(path);
        location.offset = self.strings.first().map(|s| s.offset);
        let mut f = Finding::new(rule, self.severity(), self.stage(), title, location)
            .with_confidence(self.confidence())
            .with_remediation(
                self.meta_text("remediation").unwrap_or_else(|| DEFAULT_REMEDIATION.to_string()),
            );
        f.description = self.meta_text("impact");
        f.attack = list(self.meta_text("attack"));
        f.indicators = list(self.meta_text("indicators"));
        f.cves = list(self.meta_text("cve"));
        for s in &self.strings {
            f.evidence.push(Evidence::Match {
                identifier: Some(s.identifier.clone()),
                offset: Some(s.offset),
                excerpt: s.excerpt.clone(),
                highlight: Some(s.highlight),
            });
        }
        f.id = f.compute_id();
        f
    }
}

/// Split a `a, b c` meta list.
fn list(v: Option<String>) -> Vec<String> {
    v.map(|s| s.split([',', ' ']).filter(|x| !x.is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}
