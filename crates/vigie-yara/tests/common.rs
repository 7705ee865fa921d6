//! Shared helpers of the vigie-yara integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use vigie_yara::{YaraCompiler, YaraRules};

/// The corpora folder (`$VIGIE_CORPORA` or `<workspace>/../shared/corpora`),
/// or `None` with a message (a panic under `CI=true`).
pub fn corpora() -> Option<PathBuf> {
    vigie_testkit::corpora("webshells/MANIFEST.tsv")
}

/// Say a test input is absent; fail under CI.
pub fn absent(what: &str) {
    vigie_testkit::absent(what);
}

/// The built-in pack, read from `crates/vigie-rules/rules/yara` (the same
/// files `vigie_rules::yara_pack` embeds).
pub fn builtin_sources() -> Vec<(String, String)> {
    vigie_testkit::builtin_yara_sources()
}

/// A compiler with the built-in pack and no cache.
pub fn builtin_compiler() -> YaraCompiler {
    let src = builtin_sources();
    let refs: Vec<(&str, &str)> = src.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let mut c = YaraCompiler::new();
    c.cache_dir(None).add_builtin(&refs);
    c
}

/// Built-in pack only.
pub fn builtin_rules() -> YaraRules {
    let rules = builtin_compiler().build().expect("built-in pack compiles");
    assert!(
        rules.report().rejected.is_empty(),
        "built-in pack rejected: {:?}",
        rules.report().rejected
    );
    rules
}

/// Every regular file below `dir` (no symlinked directories), sorted.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.filter_map(Result::ok) {
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() || (ft.is_symlink() && e.path().is_file()) {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// The web-shell manifest: (relative file, language).
pub fn webshell_manifest(corpora: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(corpora.join("webshells/MANIFEST.tsv")).expect("manifest");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Some((cols.first()?.to_string(), cols.get(7)?.to_string()))
        })
        .collect()
}
