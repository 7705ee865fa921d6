//! Helpers shared by vigie's tests and benchmarks (a dev-dependency only).
//!
//! - [`corpora`]: the shared corpora folder (`$VIGIE_CORPORA`, else
//!   `../shared/corpora` beside the checkout), or `None` with a message when
//!   it is absent, and a panic under `CI=true` (CI must never skip silently).
//! - [`builtin_yara_sources`]: the built-in YARA pack read from disk.
//! - [`vm_hwm_kib`]: this process's peak resident memory, for benchmarks that
//!   run each mode in a child process.
//!
//! ```no_run
//! let Some(dir) = vigie_testkit::corpora("evtx") else { return };
//! assert!(dir.join("evtx").is_dir());
//! ```
#![deny(missing_docs)]

use std::path::{Path, PathBuf};

/// The corpora folder whether or not it exists: `$VIGIE_CORPORA`, else
/// `<workspace>/../shared/corpora`.
pub fn corpora_dir() -> PathBuf {
    std::env::var_os("VIGIE_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"))
}

/// The corpora folder when `marker` (a path inside it) exists; otherwise
/// says so on stderr and gives `None` — or panics under `CI=true`.
pub fn corpora(marker: &str) -> Option<PathBuf> {
    let dir = corpora_dir();
    if dir.join(marker).exists() {
        return Some(dir);
    }
    absent(&format!("corpora not found at {} (no {marker}; set VIGIE_CORPORA)", dir.display()));
    None
}

/// Report a missing test input: a message when run by hand, a panic under
/// `CI=true`.
pub fn absent(what: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{what}: required under CI=true");
    }
    eprintln!("SKIPPED: {what}");
}

/// The built-in YARA pack as `(file name, source)`, sorted, read from
/// `crates/vigie-rules/rules/yara` at run time (the files
/// `vigie_rules::yara_pack` embeds), so a rule edit needs no rebuild.
pub fn builtin_yara_sources() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vigie-rules/rules/yara");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("built-in pack folder {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yar"))
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let text = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("rule file {}: {e}", p.display()));
            (name, text)
        })
        .collect();
    out.sort();
    out
}

/// Peak resident set size of this process in KiB (`VmHWM` in
/// `/proc/self/status`), 0 where unknown.
pub fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// Every regular file below `dir`, sorted (symlinks not followed).
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}
