//! The IOC part of the built-in pack: one list per indicator family in
//! `rules/ioc/` (vigie list format, see `docs/yara-ioc.md`), embedded in the
//! binary: Exchange web-shell and tool hashes (Appendix A of the reference),
//! file-system paths FS-02…FS-09, and the demo test indicator.

use crate::RuleInfo;

/// The embedded lists: `(file name, text)`, sorted by name.
pub const IOC_FILES: &[(&str, &str)] = &[
    ("aspnet_client_scripts.ioc", include_str!("../rules/ioc/aspnet_client_scripts.ioc")),
    ("exchange_auth_shells.ioc", include_str!("../rules/ioc/exchange_auth_shells.ioc")),
    (
        "exchange_intrusion_tool_hashes.ioc",
        include_str!("../rules/ioc/exchange_intrusion_tool_hashes.ioc"),
    ),
    ("exchange_webshell_hashes.ioc", include_str!("../rules/ioc/exchange_webshell_hashes.ioc")),
    ("hafnium_tool_paths.ioc", include_str!("../rules/ioc/hafnium_tool_paths.ioc")),
    ("lsass_dumps.ioc", include_str!("../rules/ioc/lsass_dumps.ioc")),
    ("programdata_archives.ioc", include_str!("../rules/ioc/programdata_archives.ioc")),
    ("vigie_test_indicator.ioc", include_str!("../rules/ioc/vigie_test_indicator.ioc")),
];

/// The lists to give to `vigie_ioc::IocSetBuilder::add_builtin`.
pub fn ioc_sources() -> Vec<(&'static str, &'static str)> {
    IOC_FILES.to_vec()
}

/// The rules of this part of the pack, one entry per list.
pub fn catalog() -> Vec<RuleInfo> {
    IOC_FILES
        .iter()
        .filter_map(|(file, text)| {
            let list = vigie_ioc::parse_vigie_list(text).ok()?;
            let m = list.meta;
            Some(RuleInfo {
                code: m.code,
                title: m.title,
                engine: "ioc",
                severity: m.severity,
                stage: m.stage,
                indicators: m.indicators,
                attack: m.attack,
                doc: m.doc,
                file: format!("rules/ioc/{file}"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_parses_cleanly_with_a_documented_header() {
        for (file, text) in IOC_FILES {
            let list = vigie_ioc::parse_vigie_list(text).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(list.problems.is_empty(), "{file}: {:?}", list.problems);
            assert!(list.hashes + list.paths > 0, "{file}: no entry");
            for heading in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Known false positives",
                "## Response",
            ] {
                assert!(list.meta.doc.contains(heading), "{file}: header lacks {heading}");
            }
        }
        assert_eq!(catalog().len(), IOC_FILES.len());
    }
}
