//! Turn hits and correlation hits into [`vigie_model::Finding`]s, and run
//! the correlations.

use crate::correlation::{self, CorrelationHit, CorrelationInput};
use crate::info::RuleInfo;
use crate::matcher::Hit;
use crate::rules::SigmaRules;
use std::collections::BTreeMap;
use std::sync::Arc;
use vigie_model::{Confidence, Evidence, Finding, Location, RuleRef, Severity, Stage};

/// ATT&CK technique ids from Sigma tags: `attack.t1505.003` → `T1505.003`.
pub fn attack_ids(tags: &[String]) -> Vec<String> {
    tags.iter()
        .filter_map(|t| {
            let rest = t.to_ascii_lowercase().strip_prefix("attack.t")?.to_string();
            let ok =
                rest.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
            ok.then(|| format!("T{rest}"))
        })
        .collect()
}

const POST_EXPLOITATION: &[&str] = &[
    "attack.execution",
    "attack.persistence",
    "attack.privilege-escalation",
    "attack.privilege_escalation",
    "attack.defense-evasion",
    "attack.defense_evasion",
    "attack.credential-access",
    "attack.credential_access",
    "attack.discovery",
    "attack.lateral-movement",
    "attack.lateral_movement",
    "attack.collection",
    "attack.command-and-control",
    "attack.command_and_control",
    "attack.exfiltration",
    "attack.impact",
];

/// The default stage of a rule's findings (see `docs/sigma.md`):
/// `informational`/`low` → attempt; reconnaissance-only tags → attempt;
/// web-shell technique (T1505.003) at medium or above → compromise;
/// `high`/`critical` with a post-exploitation tactic → compromise;
/// everything else (initial access, exploits, medium level) → exploitation.
pub fn default_stage(info: &RuleInfo) -> Stage {
    let level = Severity::from_sigma_level(info.level.as_deref().unwrap_or(""));
    let tags: Vec<String> = info.tags.iter().map(|t| t.to_ascii_lowercase()).collect();
    if level <= Severity::Low {
        return Stage::Attempt;
    }
    if !tags.is_empty()
        && tags.iter().all(|t| t == "attack.reconnaissance" || !t.starts_with("attack."))
        && tags.iter().any(|t| t == "attack.reconnaissance")
    {
        return Stage::Attempt;
    }
    if tags.iter().any(|t| t.starts_with("attack.t1505.003")) {
        return Stage::Compromise;
    }
    if level >= Severity::High && tags.iter().any(|t| POST_EXPLOITATION.contains(&t.as_str())) {
        return Stage::Compromise;
    }
    Stage::Exploitation
}

fn rule_ref(rules: &SigmaRules, info: &RuleInfo) -> RuleRef {
    let mut r = RuleRef::new(info.id.clone(), info.title.clone(), info.source);
    r.author = info.author.clone();
    r.reference = info.references.clone();
    r.file = Some(info.file.clone());
    r.ruleset = rules.sets.get(info.set).map(|s| s.name.clone());
    r
}

fn base_finding(rules: &SigmaRules, rule: usize, location: Location) -> Finding {
    let info = &rules.infos[rule];
    let severity = Severity::from_sigma_level(info.level.as_deref().unwrap_or(""));
    let confidence =
        if severity >= Severity::High { Confidence::Likely } else { Confidence::Possible };
    let mut remediation = String::from(
        "Review the event and the process, user and host it names; if the activity was not expected, \
         investigate the host for compromise.",
    );
    if !info.falsepositives.is_empty() {
        remediation.push_str(" Known false positives: ");
        remediation.push_str(&info.falsepositives.join("; "));
        remediation.push('.');
    }
    let shared =
        rules.rule_refs.get(rule).map(|cell| cell.get_or_init(|| Arc::new(rule_ref(rules, info))));
    let mut f = Finding::new(
        shared.cloned().unwrap_or_else(|| Arc::new(rule_ref(rules, info))),
        severity,
        default_stage(info),
        info.title.clone(),
        location,
    )
    .with_confidence(confidence)
    .with_remediation(remediation);
    f.description = info.description.clone();
    f.attack = attack_ids(&info.tags);
    f.cves = info
        .tags
        .iter()
        .filter_map(|t| {
            t.to_ascii_lowercase()
                .strip_prefix("cve.")
                .map(|c| format!("CVE-{}", c.to_ascii_uppercase().trim_start_matches("CVE-")))
        })
        .map(|c| c.replace('_', "-"))
        .collect();
    f
}

impl SigmaRules {
    /// Run every correlation over the inputs gathered by all matchers (from
    /// every thread and file); inputs are sorted by group and time here.
    pub fn correlate(&self, inputs: Vec<CorrelationInput>) -> Vec<CorrelationHit> {
        correlation::run(&self.correlations, inputs)
    }

    /// The finding for one hit; `path` is the event log the event came from.
    pub fn finding(&self, hit: &Hit, path: &str) -> Finding {
        let location =
            Location { path: path.to_string(), record_id: hit.record_id, ..Location::default() };
        let mut fields: BTreeMap<String, String> = hit.fields.iter().cloned().collect();
        if let Some(d) = &hit.details {
            fields.insert("details".into(), d.clone());
        }
        let mut f = base_finding(self, hit.rule, location);
        f.host = hit.computer.clone();
        f.time = hit.time;
        f.evidence.push(Evidence::Event {
            path: path.to_string(),
            record_id: hit.record_id,
            time: hit.time,
            channel: hit.channel.clone(),
            computer: hit.computer.clone(),
            event_id: hit.event_id,
            provider: hit.provider.clone(),
            fields,
        });
        f.id = f.compute_id();
        f
    }

    /// The finding for a correlation hit; `path_of` maps a source tag (see
    /// [`crate::SigmaMatcher::set_source`]) to its file path.
    pub fn correlation_finding(
        &self,
        hit: &CorrelationHit,
        path_of: &dyn Fn(u32) -> String,
    ) -> Finding {
        let first = hit.events.first();
        let path = first.map(|e| path_of(e.source)).unwrap_or_default();
        let location =
            Location { path, record_id: first.and_then(|e| e.record_id), ..Location::default() };
        let mut f = base_finding(self, hit.rule, location);
        f.time = hit.first;
        let group: Vec<String> = hit.group.iter().map(|(k, v)| format!("{k}={v}")).collect();
        f.evidence.push(Evidence::Fact {
            name: "correlation".into(),
            value: format!(
                "{} events grouped by [{}], measured value {}",
                hit.events.len(),
                group.join(", "),
                hit.value
            ),
        });
        for e in &hit.events {
            let base = &self.infos[e.rule];
            let mut fields = BTreeMap::new();
            fields.insert("rule".to_string(), format!("{} ({})", base.title, base.id));
            f.evidence.push(Evidence::Event {
                path: path_of(e.source),
                record_id: e.record_id,
                time: e.time,
                channel: None,
                computer: None,
                event_id: None,
                provider: None,
                fields,
            });
        }
        f.id = f.compute_id();
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_tags() {
        let tags = vec![
            "attack.t1505.003".to_string(),
            "attack.persistence".into(),
            "attack.T1190".into(),
        ];
        assert_eq!(attack_ids(&tags), vec!["T1505.003", "T1190"]);
    }
}
