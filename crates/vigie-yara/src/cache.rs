//! The compiled-rule cache: `yara-<key>.cache` files keyed by the SHA-256 of
//! every source, the yara-x version, the CPU architecture and the external
//! variables. Entries hold the rules compiled to native code (yara-x feature
//! `native-code-serialization`), so a cached start skips code generation;
//! yara-x rebuilds the code itself when an entry does not fit this machine.
//!
//! Layout of one entry: the magic `VIGIEYC1`, the SHA-256 of the payload
//! (32 bytes), then the payload: the load report as JSON (length-prefixed,
//! u64 little-endian) followed by `yara_x::Rules::serialize` bytes. An entry
//! whose checksum, JSON or rules do not read back is ignored (with a warning)
//! and rebuilt.

use crate::compile::LoadReport;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"VIGIEYC1";
/// Entries kept in the cache directory; older ones are removed.
const KEEP: usize = 8;

/// The default cache directory: `$XDG_CACHE_HOME/vigie/yara`, else
/// `$HOME/.cache/vigie/yara`; `None` when neither variable is set.
pub fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("vigie").join("yara"))
}

pub(crate) enum CacheOutcome {
    Hit(Box<yara_x::Rules>, LoadReport, PathBuf),
    Miss,
    Corrupt(String),
}

fn entry_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("yara-{key}.cache"))
}

pub(crate) fn load(dir: &Path, key: &str) -> CacheOutcome {
    let path = entry_path(dir, key);
    let Ok(bytes) = std::fs::read(&path) else { return CacheOutcome::Miss };
    match decode(&bytes) {
        Ok((rules, report)) => CacheOutcome::Hit(Box::new(rules), report, path),
        Err(why) => CacheOutcome::Corrupt(format!(
            "ignored the compiled-rule cache entry `{}` ({why}); rules were recompiled",
            path.display()
        )),
    }
}

fn decode(bytes: &[u8]) -> Result<(yara_x::Rules, LoadReport), String> {
    let rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or("not a vigie cache file")?;
    if rest.len() < 40 {
        return Err("truncated".into());
    }
    let (sum, payload) = rest.split_at(32);
    if Sha256::digest(payload).as_slice() != sum {
        return Err("checksum mismatch".into());
    }
    let (len, payload) = payload.split_at(8);
    let len = u64::from_le_bytes(len.try_into().map_err(|_| "truncated")?) as usize;
    if len > payload.len() {
        return Err("truncated report".into());
    }
    let (json, rules) = payload.split_at(len);
    let report: LoadReport =
        serde_json::from_slice(json).map_err(|e| format!("bad report: {e}"))?;
    let rules = yara_x::Rules::deserialize(rules).map_err(|e| format!("bad rules: {e}"))?;
    Ok((rules, report))
}

pub(crate) fn store(
    dir: &Path,
    key: &str,
    rules: &yara_x::Rules,
    report: &LoadReport,
) -> Result<PathBuf, String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        format!(
            "could not write the compiled-rule cache in `{}` ({what}: {e}); the next start will compile again — check the directory or pass another cache directory",
            dir.display()
        )
    };
    let rules_bytes = rules.serialize().map_err(|e| fail("serialize", &e))?;
    let json = serde_json::to_vec(report).map_err(|e| fail("report", &e))?;
    let mut payload = Vec::with_capacity(8 + json.len() + rules_bytes.len());
    payload.extend_from_slice(&(json.len() as u64).to_le_bytes());
    payload.extend_from_slice(&json);
    payload.extend_from_slice(&rules_bytes);
    std::fs::create_dir_all(dir).map_err(|e| fail("create", &e))?;
    let path = entry_path(dir, key);
    let tmp = dir.join(format!(".yara-{key}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(MAGIC)?;
        f.write_all(&Sha256::digest(&payload))?;
        f.write_all(&payload)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail("write", &e));
    }
    prune(dir, &path);
    Ok(path)
}

/// Keep the [`KEEP`] most recent entries.
fn prune(dir: &Path, keep: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p != keep
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("yara-") && n.ends_with(".cache"))
        })
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    entries.sort();
    let excess = (entries.len() + 1).saturating_sub(KEEP);
    for (_, p) in entries.into_iter().take(excess) {
        let _ = std::fs::remove_file(p);
    }
}
