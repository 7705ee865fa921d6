//! The YARA part of the built-in pack: one `.yar` file per rule family in
//! `rules/yara/`, embedded in the binary. Each file opens with a `/* … */`
//! Markdown header (what it detects, why it matters, indicators, example,
//! known false positives, response); each rule carries the meta fields
//! `vigie_code`, `description`, `severity`, `stage`, `indicators`, `attack`
//! and `author = "vigie"` (see `docs/yara-ioc.md`).

use crate::RuleInfo;
use vigie_model::{Severity, Stage};

/// The embedded rule files: `(file name, source)`, sorted by name.
pub const YARA_FILES: &[(&str, &str)] = &[
    ("antsword.yar", include_str!("../rules/yara/antsword.yar")),
    ("asp_tricks.yar", include_str!("../rules/yara/asp_tricks.yar")),
    ("aspx_tricks.yar", include_str!("../rules/yara/aspx_tricks.yar")),
    ("aspxspy.yar", include_str!("../rules/yara/aspxspy.yar")),
    ("behinder.yar", include_str!("../rules/yara/behinder.yar")),
    ("cfm_shells.yar", include_str!("../rules/yara/cfm_shells.yar")),
    ("china_chopper.yar", include_str!("../rules/yara/china_chopper.yar")),
    ("credential_dumping.yar", include_str!("../rules/yara/credential_dumping.yar")),
    ("generic_exec_asp.yar", include_str!("../rules/yara/generic_exec_asp.yar")),
    ("generic_exec_aspx.yar", include_str!("../rules/yara/generic_exec_aspx.yar")),
    ("generic_exec_jsp.yar", include_str!("../rules/yara/generic_exec_jsp.yar")),
    ("generic_exec_php.yar", include_str!("../rules/yara/generic_exec_php.yar")),
    ("godzilla.yar", include_str!("../rules/yara/godzilla.yar")),
    ("jscript_page_load_eval.yar", include_str!("../rules/yara/jscript_page_load_eval.yar")),
    ("jsp_tricks.yar", include_str!("../rules/yara/jsp_tricks.yar")),
    ("php_backdoors.yar", include_str!("../rules/yara/php_backdoors.yar")),
    ("php_obfuscated.yar", include_str!("../rules/yara/php_obfuscated.yar")),
    ("proxylogon_oab_aspx.yar", include_str!("../rules/yara/proxylogon_oab_aspx.yar")),
    ("proxyshell_pst_aspx.yar", include_str!("../rules/yara/proxyshell_pst_aspx.yar")),
    ("shell_banners.yar", include_str!("../rules/yara/shell_banners.yar")),
    ("tunnels.yar", include_str!("../rules/yara/tunnels.yar")),
    ("write_probe.yar", include_str!("../rules/yara/write_probe.yar")),
];

/// The sources to give to `vigie_yara::YaraCompiler::add_builtin`.
pub fn yara_sources() -> Vec<(&'static str, &'static str)> {
    YARA_FILES.to_vec()
}

/// The rules of this part of the pack, one entry per YARA rule.
pub fn catalog() -> Vec<RuleInfo> {
    let mut out = Vec::new();
    for (file, src) in YARA_FILES {
        let doc = header(src);
        for meta in rule_metas(src) {
            let get = |k: &str| {
                meta.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default()
            };
            out.push(RuleInfo {
                code: get("vigie_code"),
                title: get("description"),
                engine: "yara",
                severity: get("severity").parse().unwrap_or(Severity::Medium),
                stage: get("stage").parse().unwrap_or(Stage::Compromise),
                indicators: split_list(&get("indicators")),
                attack: split_list(&get("attack")),
                doc: doc.clone(),
                file: format!("rules/yara/{file}"),
            });
        }
    }
    out
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ' ']).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

/// The leading `/* … */` comment of a rule file, trimmed.
pub fn header(src: &str) -> String {
    let Some(start) = src.find("/*") else { return String::new() };
    let Some(len) = src[start + 2..].find("*/") else { return String::new() };
    src[start + 2..start + 2 + len].trim().to_string()
}

/// The `meta:` entries of each rule of a file, in order (string values
/// unquoted). A small reader for our own files, not a YARA parser.
fn rule_metas(src: &str) -> Vec<Vec<(String, String)>> {
    let mut rules = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    let mut in_meta = false;
    for line in src.lines() {
        let t = line.trim();
        if t.starts_with("rule ") {
            if let Some(r) = current.take() {
                rules.push(r);
            }
            current = Some(Vec::new());
            in_meta = false;
        } else if t == "meta:" {
            in_meta = true;
        } else if t == "strings:" || t == "condition:" {
            in_meta = false;
        } else if in_meta && let Some((k, v)) = t.split_once('=') {
            let v = v.trim();
            let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
            if let Some(r) = current.as_mut() {
                r.push((k.trim().to_string(), v.replace("\\\"", "\"")));
            }
        }
    }
    if let Some(r) = current {
        rules.push(r);
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_the_required_meta_and_header() {
        let required =
            ["vigie_code", "description", "severity", "stage", "indicators", "attack", "author"];
        let mut codes = std::collections::HashSet::new();
        for (file, src) in YARA_FILES {
            let doc = header(src);
            for heading in [
                "## What it does",
                "## Why it matters",
                "## Indicators",
                "## Example",
                "## Known false positives",
                "## Response",
            ] {
                assert!(doc.contains(heading), "{file}: header lacks {heading}");
            }
            let metas = rule_metas(src);
            assert!(!metas.is_empty(), "{file}: no rule");
            for m in metas {
                for k in required {
                    assert!(
                        m.iter().any(|(key, v)| key == k && !v.is_empty()),
                        "{file}: a rule lacks meta {k}"
                    );
                }
                let code = m
                    .iter()
                    .find(|(k, _)| k == "vigie_code")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                assert!(code.starts_with("VG-"), "{file}: bad code {code}");
                assert!(codes.insert(code.clone()), "duplicate code {code}");
                let author = m.iter().find(|(k, _)| k == "author").map(|(_, v)| v.as_str());
                assert_eq!(author, Some("vigie"), "{file}");
            }
        }
        let cat = catalog();
        assert_eq!(cat.len(), codes.len());
    }
}
