//! The Sigma part of the built-in pack: one YAML rule per file in
//! `rules/sigma/`, for the Exchange event-log indicators EV-01…EV-12 of
//! `reference/exchange-indicators.md`, embedded in the binary. Each file opens
//! with a `#` comment header in Markdown (what it does, why it is bad, example,
//! known false positives, response) ending with an `Indicator: EV-xx` line;
//! rules carry our own UUIDs and `author: vigie` (see `docs/event-logs.md`).

use crate::RuleInfo;
use vigie_model::Severity;
use vigie_sigma::{SetOptions, SigmaCompiler};

/// The embedded rule files: `(file name, YAML)`, sorted by name.
pub const SIGMA_FILES: &[(&str, &str)] = &[
    (
        "ev01_um_invalid_cast_exception.yml",
        include_str!("../rules/sigma/ev01_um_invalid_cast_exception.yml"),
    ),
    (
        "ev02_oab_virtual_directory_script.yml",
        include_str!("../rules/sigma/ev02_oab_virtual_directory_script.yml"),
    ),
    (
        "ev03_proxyshell_mailbox_export.yml",
        include_str!("../rules/sigma/ev03_proxyshell_mailbox_export.yml"),
    ),
    (
        "ev04_transport_agent_and_forwarding.yml",
        include_str!("../rules/sigma/ev04_transport_agent_and_forwarding.yml"),
    ),
    (
        "ev05_get_app_deserialization.yml",
        include_str!("../rules/sigma/ev05_get_app_deserialization.yml"),
    ),
    ("ev06_ecp_viewstate.yml", include_str!("../rules/sigma/ev06_ecp_viewstate.yml")),
    (
        "ev07_exchange_worker_spawns_shell.yml",
        include_str!("../rules/sigma/ev07_exchange_worker_spawns_shell.yml"),
    ),
    (
        "ev08_exchange_web_shell_file_created.yml",
        include_str!("../rules/sigma/ev08_exchange_web_shell_file_created.yml"),
    ),
    (
        "ev09_oab_directory_script_in_ad.yml",
        include_str!("../rules/sigma/ev09_oab_directory_script_in_ad.yml"),
    ),
    (
        "ev10_defender_exchange_detection.yml",
        include_str!("../rules/sigma/ev10_defender_exchange_detection.yml"),
    ),
    (
        "ev11_wer_ecp_app_pool_crash.yml",
        include_str!("../rules/sigma/ev11_wer_ecp_app_pool_crash.yml"),
    ),
    ("ev12_cmdlet_log_deleted.yml", include_str!("../rules/sigma/ev12_cmdlet_log_deleted.yml")),
];

/// The sources to give to `vigie_sigma::SigmaCompiler::add_source` with
/// `SetOptions::builtin("builtin")`: `(file name, YAML)`.
pub fn sources() -> Vec<(&'static str, &'static str)> {
    SIGMA_FILES.to_vec()
}

/// The Markdown header of a rule file: its leading `#` comment lines.
pub fn header(src: &str) -> String {
    let mut out = String::new();
    for line in src.lines() {
        let Some(rest) = line.strip_prefix('#') else { break };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// The indicator ids named by the header's `Indicator:` line.
pub fn indicators(src: &str) -> Vec<String> {
    header(src)
        .lines()
        .filter_map(|l| l.strip_prefix("Indicator:"))
        .flat_map(|l| l.split([',', ' ']))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The rules of this part of the pack, one entry per Sigma rule, compiled
/// once with the Sigma engine so severity and stage are those findings get.
pub fn catalog() -> Vec<RuleInfo> {
    let mut compiler = SigmaCompiler::new();
    for (file, src) in SIGMA_FILES {
        compiler.add_source(src, file, SetOptions::builtin("builtin"));
    }
    let rules = compiler.build();
    let mut out = Vec::new();
    for info in rules.rules() {
        let src = SIGMA_FILES.iter().find(|(f, _)| *f == info.file).map(|(_, s)| *s).unwrap_or("");
        out.push(RuleInfo {
            code: info.id.clone(),
            title: info.title.clone(),
            engine: "sigma",
            severity: Severity::from_sigma_level(info.level.as_deref().unwrap_or("")),
            stage: vigie_sigma::default_stage(info),
            indicators: indicators(src),
            attack: vigie_sigma::attack_ids(&info.tags),
            doc: header(src),
            file: format!("rules/sigma/{}", info.file),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_loads_with_a_documented_header() {
        let mut compiler = SigmaCompiler::new();
        for (file, src) in SIGMA_FILES {
            compiler.add_source(src, file, SetOptions::builtin("builtin"));
        }
        let rules = compiler.build();
        let rejected: Vec<String> =
            rules.rejected().map(|(r, why)| format!("{}: {why}", r.file)).collect();
        assert!(rejected.is_empty(), "rejected built-in rules: {rejected:?}");
        assert_eq!(rules.loaded_count(), SIGMA_FILES.len());
        let mut ids = std::collections::HashSet::new();
        for (file, src) in SIGMA_FILES {
            let doc = header(src);
            for h in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Known false positives",
                "## Response",
            ] {
                assert!(doc.contains(h), "{file}: header lacks `{h}`");
            }
            assert_eq!(indicators(src).len(), 1, "{file}: one `Indicator: EV-xx` line");
            assert!(src.contains("\nauthor: vigie\n"), "{file}: author must be vigie");
        }
        for r in rules.rules() {
            assert!(ids.insert(r.id.clone()), "duplicate id {}", r.id);
        }
        let evs: std::collections::BTreeSet<String> =
            SIGMA_FILES.iter().flat_map(|(_, s)| indicators(s)).collect();
        let want: std::collections::BTreeSet<String> =
            (1..=12).map(|i| format!("EV-{i:02}")).collect();
        assert_eq!(evs, want, "every event-log indicator EV-01…EV-12 has a rule");
    }

    #[test]
    fn catalog_lists_every_rule() {
        let c = catalog();
        assert_eq!(c.len(), SIGMA_FILES.len());
        assert!(c.iter().all(|r| r.engine == "sigma" && !r.doc.is_empty()));
    }
}
