//! From an [`IocHit`] to a [`Finding`].
//!
//! Built-in lists carry severity, stage, confidence and texts in their
//! header. External entries are mapped as documented in `docs/yara-ioc.md`:
//!
//! | entry | severity | stage | confidence |
//! |---|---|---|---|
//! | hash, the file is a server-side script (`.aspx .ashx .asmx .asp .php .jsp …`) or the description says web shell | critical | compromise | confirmed |
//! | hash, score given | score ≥ 75 high, 50–74 medium, < 50 low | compromise | confirmed |
//! | hash, no score | high | compromise | confirmed |
//! | file name, score ≥ 90 | high | compromise | likely |
//! | file name, score 75–89 | medium | compromise | likely (≥ 80) / possible |
//! | file name, score 60–74 | low | compromise | possible |
//! | file name, score < 60 | info | compromise | possible |

use crate::set::{IocHit, IocKind};
use vigie_model::{Confidence, Evidence, Finding, Location, RuleRef, RuleSource, Severity, Stage};

/// Remediation when a list gives none.
pub const DEFAULT_REMEDIATION: &str = "Check the file: copy it with its timestamps for analysis (do not \
open or run it), look in the web server and event logs for what wrote it and what used it. A known-bad \
hash is proof of compromise: isolate the server, reset credentials used on it and rebuild it. A name \
match alone is a lead, not proof: compare the file with a clean copy of the product before acting.";

const SCRIPT_EXTS: [&str; 12] =
    ["aspx", "ashx", "asmx", "asax", "asp", "php", "phtml", "jsp", "jspx", "cfm", "cshtml", "svc"];

impl IocHit {
    /// Rule id: the list's vigie code, or `<set>:<file name>:<line>`.
    pub fn rule_id(&self) -> String {
        match &self.source.meta {
            Some(m) => m.code.clone(),
            None => {
                let file = self.source.file.rsplit(['/', '\\']).next().unwrap_or(&self.source.file);
                format!("{}:{}:{}", self.source.set, file, self.line)
            }
        }
    }

    fn is_web_shell(&self, path: &str) -> bool {
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        let d = self.description.to_ascii_lowercase();
        SCRIPT_EXTS.contains(&ext.as_str()) || d.contains("webshell") || d.contains("web shell")
    }

    /// Severity, stage and confidence (see the module docs).
    pub fn grade(&self, path: &str) -> (Severity, Stage, Confidence) {
        if let Some(m) = &self.source.meta {
            return (m.severity, m.stage, m.confidence);
        }
        match self.kind {
            IocKind::Hash(_) => {
                let sev = if self.is_web_shell(path) {
                    Severity::Critical
                } else {
                    match self.score {
                        Some(s) if s >= 75 => Severity::High,
                        Some(s) if s >= 50 => Severity::Medium,
                        Some(_) => Severity::Low,
                        None => Severity::High,
                    }
                };
                (sev, Stage::Compromise, Confidence::Confirmed)
            }
            IocKind::Path => {
                let s = self.score.unwrap_or(50);
                let sev = match s {
                    90.. => Severity::High,
                    75..=89 => Severity::Medium,
                    60..=74 => Severity::Low,
                    _ => Severity::Info,
                };
                let conf = if s >= 80 { Confidence::Likely } else { Confidence::Possible };
                (sev, Stage::Compromise, conf)
            }
        }
    }

    /// The finding for this hit on the file at `path`.
    pub fn to_finding(&self, path: &str) -> Finding {
        let (severity, stage, confidence) = self.grade(path);
        let what = match self.kind {
            IocKind::Hash(a) => format!("{} hash", a.as_str().to_uppercase()),
            IocKind::Path => "file name".to_string(),
        };
        let (title, rule_title) = match &self.source.meta {
            Some(m) => (m.title.clone(), m.title.clone()),
            None => {
                let d =
                    if self.description.is_empty() { "IOC list entry" } else { &self.description };
                (format!("Known-bad {what}: {d}"), d.to_string())
            }
        };
        let source =
            if self.source.set == "builtin" { RuleSource::Builtin } else { RuleSource::Ioc };
        let mut rule = RuleRef::new(self.rule_id(), rule_title, source);
        rule.file = Some(self.source.file.clone());
        rule.ruleset = Some(self.source.set.clone());
        if self.source.set == "signature-base" {
            rule.author = Some("Florian Roth (signature-base)".into());
            rule.license = Some("DRL 1.1".into());
        }
        rule.reference = self
            .description
            .split_whitespace()
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(str::to_string)
            .collect();
        let remediation = self
            .source
            .meta
            .as_ref()
            .map(|m| m.remediation.clone())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| DEFAULT_REMEDIATION.to_string());
        let mut f = Finding::new(rule, severity, stage, title, Location::path(path))
            .with_confidence(confidence)
            .with_remediation(remediation);
        if let Some(m) = &self.source.meta {
            f.description = Some(m.impact.clone()).filter(|s| !s.is_empty());
            f.indicators = m.indicators.clone();
            f.attack = m.attack.clone();
        }
        let excerpt = match self.kind {
            IocKind::Hash(_) => format!("{} = {}", what, self.matched),
            IocKind::Path => self.matched.clone(),
        };
        f.evidence.push(Evidence::Match {
            identifier: Some(match self.kind {
                IocKind::Hash(a) => a.as_str().to_string(),
                IocKind::Path => "path".to_string(),
            }),
            offset: None,
            excerpt,
            highlight: None,
        });
        f.evidence.push(Evidence::Fact {
            name: "indicator".into(),
            value: format!(
                "{} (line {} of {}){}",
                self.indicator,
                self.line,
                self.source.file,
                if self.description.is_empty() {
                    String::new()
                } else {
                    format!(": {}", self.description)
                }
            ),
        });
        f
    }
}
