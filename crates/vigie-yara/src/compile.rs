//! Loading rule sets: the built-in pack, `--yara DIR`, `--signature-base DIR`;
//! one namespace per file; per-rule compile errors kept as data.

use crate::cache::{self, CacheOutcome};
use crate::error::YaraError;
use crate::scan::YaraRules;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;
use vigie_model::{RejectedRule, RuleCoverage, RuleSetInfo};

/// The external variables every rule set may use. They are declared (as
/// empty strings) at compile time and set for each file at scan time.
pub const EXTERNAL_VARIABLES: [&str; 5] =
    ["filename", "filepath", "extension", "filetype", "owner"];

/// Where a rule set comes from: vigie's own pack or a set given at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SetOrigin {
    /// The embedded built-in pack (namespace `vigie`).
    Builtin,
    /// A directory given with `--yara` or `--signature-base`.
    External,
}

/// What a namespace (one rule file) belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceInfo {
    /// Rule set name (`builtin`, `signature-base`, a directory name).
    pub set: String,
    /// File of the rules, relative to the set.
    pub file: String,
    /// Built-in or external.
    pub origin: SetOrigin,
}

/// The outcome of loading rules: one [`RuleSetInfo`] per set, every rejected
/// rule with its reason, and whether the compiled rules came from the cache.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LoadReport {
    /// One entry per rule set, in the order they were added.
    pub sets: Vec<RuleSetInfo>,
    /// Rules (or whole files) that could not be loaded, with file, rule and
    /// the yara-x message (with its line).
    pub rejected: Vec<RejectedRule>,
    /// Namespace → set and file.
    pub namespaces: BTreeMap<String, NamespaceInfo>,
    /// True when the compiled rules were read from the on-disk cache.
    #[serde(skip)]
    pub from_cache: bool,
    /// The cache file used or written, if any.
    #[serde(skip)]
    pub cache_file: Option<PathBuf>,
    /// Non-fatal problems (cache unreadable, cache not writable, …).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl LoadReport {
    /// Rules loaded, all sets.
    pub fn loaded(&self) -> u64 {
        self.sets.iter().map(|s| s.loaded).sum()
    }

    /// Add this report to a scan's rule coverage.
    pub fn apply_to(&self, coverage: &mut RuleCoverage) {
        coverage.add_load(&self.sets, &self.rejected);
    }
}

/// One rule file to compile.
#[derive(Clone, Debug)]
pub(crate) struct SourceFile {
    /// Path relative to the set (with `/` separators).
    pub(crate) rel: String,
    /// Path shown in messages (absolute for external sets, `builtin:<file>`).
    pub(crate) shown: String,
    pub(crate) text: Vec<u8>,
}

/// One rule set waiting to be compiled.
#[derive(Clone, Debug)]
pub(crate) struct PendingSet {
    pub(crate) name: String,
    pub(crate) origin: SetOrigin,
    pub(crate) path: String,
    pub(crate) files: Vec<SourceFile>,
    /// Files that could not be read.
    pub(crate) unreadable: Vec<RejectedRule>,
}

/// Builder of [`YaraRules`]: add sets, then [`YaraCompiler::build`].
///
/// ```no_run
/// use vigie_yara::YaraCompiler;
/// let mut c = YaraCompiler::new();
/// c.add_builtin(&[("demo.yar", "rule demo { strings: $a = \"x\" condition: $a }")]);
/// c.add_dir(std::path::Path::new("/opt/rules"))?;
/// let rules = c.build()?;
/// println!("{} rules", rules.report().loaded());
/// # Ok::<(), vigie_yara::YaraError>(())
/// ```
#[derive(Debug)]
pub struct YaraCompiler {
    sets: Vec<PendingSet>,
    cache_dir: Option<PathBuf>,
    timeout: Option<Duration>,
}

impl Default for YaraCompiler {
    fn default() -> Self {
        Self::new()
    }
}

impl YaraCompiler {
    /// A compiler with no rules, caching in the default cache directory
    /// (`$XDG_CACHE_HOME/vigie/yara` or `~/.cache/vigie/yara`).
    pub fn new() -> Self {
        YaraCompiler { sets: Vec::new(), cache_dir: cache::default_dir(), timeout: None }
    }

    /// Use `dir` for the compiled-rule cache, or no cache at all with `None`.
    pub fn cache_dir(&mut self, dir: Option<PathBuf>) -> &mut Self {
        self.cache_dir = dir;
        self
    }

    /// Per-file scan timeout of the rules built (`--yara-timeout`).
    pub fn timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = Some(timeout);
        self
    }

    /// Add the built-in pack: `(file name, source)` pairs, as given by
    /// `vigie_rules::yara_pack::yara_sources()`. Its rules live in namespace
    /// `vigie` (one namespace per file: `vigie/<file stem>`).
    pub fn add_builtin(&mut self, sources: &[(&str, &str)]) -> &mut Self {
        let mut files: Vec<SourceFile> = sources
            .iter()
            .map(|(name, src)| SourceFile {
                rel: (*name).to_string(),
                shown: format!("builtin:{name}"),
                text: src.as_bytes().to_vec(),
            })
            .collect();
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        self.sets.push(PendingSet {
            name: "builtin".into(),
            origin: SetOrigin::Builtin,
            path: "builtin".into(),
            files,
            unreadable: Vec::new(),
        });
        self
    }

    /// Add every `.yar`/`.yara` file below `dir` (recursively, sorted), as a
    /// set named after the directory (`--yara DIR`).
    pub fn add_dir(&mut self, dir: &Path) -> Result<&mut Self, YaraError> {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        self.add_named_dir(&name, dir)
    }

    /// Add `DIR/yara` of a signature-base checkout (`--signature-base DIR`),
    /// as the set `signature-base`.
    pub fn add_signature_base(&mut self, root: &Path) -> Result<&mut Self, YaraError> {
        let yara = root.join("yara");
        if !yara.is_dir() {
            return Err(YaraError::NotSignatureBase { path: root.to_path_buf() });
        }
        self.add_named_dir("signature-base", &yara)
    }

    /// Add every rule file below `dir` as a set called `name`.
    pub fn add_named_dir(&mut self, name: &str, dir: &Path) -> Result<&mut Self, YaraError> {
        let mut paths = Vec::new();
        let mut unreadable = Vec::new();
        collect_rule_files(dir, 0, &mut paths, &mut unreadable)
            .map_err(|source| YaraError::RuleDir { path: dir.to_path_buf(), source })?;
        paths.sort();
        let mut files = Vec::with_capacity(paths.len());
        for p in paths {
            let rel = p.strip_prefix(dir).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            match std::fs::read(&p) {
                Ok(text) => files.push(SourceFile { rel, shown: p.display().to_string(), text }),
                Err(e) => unreadable.push(RejectedRule {
                    file: p.display().to_string(),
                    rule: None,
                    reason: format!("cannot read the rule file: {e}"),
                }),
            }
        }
        self.sets.push(PendingSet {
            name: name.to_string(),
            origin: SetOrigin::External,
            path: dir.display().to_string(),
            files,
            unreadable,
        });
        Ok(self)
    }

    /// Compile everything added (or load it from the cache) into
    /// [`YaraRules`]. Rules that fail to compile are reported in
    /// [`LoadReport::rejected`]; the others load.
    pub fn build(self) -> Result<YaraRules, YaraError> {
        let key = cache_key(&self.sets);
        let mut warnings = Vec::new();
        if let Some(dir) = &self.cache_dir {
            match cache::load(dir, &key) {
                CacheOutcome::Hit(rules, mut report, file) => {
                    report.from_cache = true;
                    report.cache_file = Some(file);
                    return Ok(YaraRules::new(*rules, report, self.timeout));
                }
                CacheOutcome::Miss => {}
                CacheOutcome::Corrupt(msg) => warnings.push(msg),
            }
        }
        let (rules, mut report) = compile_sets(&self.sets)?;
        report.warnings = warnings;
        if let Some(dir) = &self.cache_dir {
            match cache::store(dir, &key, &rules, &report) {
                Ok(file) => report.cache_file = Some(file),
                Err(msg) => report.warnings.push(msg),
            }
        }
        Ok(YaraRules::new(rules, report, self.timeout))
    }
}

/// Collect `.yar`/`.yara` files below `dir` (depth-bounded, so a symlink
/// loop cannot run forever). Sub-directories that cannot be listed are
/// reported, not fatal; only the top directory failing is an error.
fn collect_rule_files(
    dir: &Path,
    depth: usize,
    out: &mut Vec<PathBuf>,
    unreadable: &mut Vec<RejectedRule>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        if path.is_dir() {
            if depth >= 32 {
                continue;
            }
            if let Err(e) = collect_rule_files(&path, depth + 1, out, unreadable) {
                unreadable.push(RejectedRule {
                    file: path.display().to_string(),
                    rule: None,
                    reason: format!("cannot list the directory: {e}"),
                });
            }
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yar") || e.eq_ignore_ascii_case("yara"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// SHA-256 over a set's file names and contents (provenance).
fn set_digest(set: &PendingSet) -> String {
    let mut h = Sha256::new();
    for f in &set.files {
        h.update((f.rel.len() as u64).to_le_bytes());
        h.update(f.rel.as_bytes());
        h.update((f.text.len() as u64).to_le_bytes());
        h.update(&f.text);
    }
    hex::encode(h.finalize())
}

/// Cache key: everything that changes the compiled rules or the report.
fn cache_key(sets: &[PendingSet]) -> String {
    let mut h = Sha256::new();
    // v2: entries carry native code (yara-x `native-code-serialization`),
    // which is only valid for the same target architecture.
    h.update(b"vigie-yara cache v2\0");
    h.update(std::env::consts::ARCH.as_bytes());
    h.update(yara_x::VERSION.as_bytes());
    h.update(EXTERNAL_VARIABLES.join(",").as_bytes());
    for set in sets {
        for part in [set.name.as_str(), set.path.as_str(), origin_str(set.origin)] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.update(set_digest(set).as_bytes());
        for u in &set.unreadable {
            h.update(u.file.as_bytes());
        }
    }
    hex::encode(h.finalize())
}

fn origin_str(o: SetOrigin) -> &'static str {
    match o {
        SetOrigin::Builtin => "builtin",
        SetOrigin::External => "external",
    }
}

/// Namespace of one file: `vigie/<stem>` for the pack, `<rel path without
/// extension>` for external sets (prefixed by the set name on collision).
fn namespace_for(set: &PendingSet, file: &SourceFile, used: &HashSet<String>) -> String {
    let stem = file.rel.rsplit_once('.').map(|(s, _)| s).unwrap_or(&file.rel);
    let base = match set.origin {
        SetOrigin::Builtin => format!("vigie/{stem}"),
        SetOrigin::External => stem.to_string(),
    };
    if !used.contains(&base) {
        return base;
    }
    let mut n = 2;
    loop {
        let candidate = format!("{}/{base}#{n}", set.name);
        if !used.contains(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

/// Compile all sets in one yara-x compiler, one namespace per file.
fn compile_sets(sets: &[PendingSet]) -> Result<(yara_x::Rules, LoadReport), YaraError> {
    let mut compiler = yara_x::Compiler::new();
    for var in EXTERNAL_VARIABLES {
        compiler
            .define_global(var, "")
            .map_err(|e| YaraError::Variable { name: var.into(), message: e.to_string() })?;
    }
    let mut report = LoadReport::default();
    let mut used = HashSet::new();
    let mut rejected_per_set = vec![0u64; sets.len()];
    for (i, set) in sets.iter().enumerate() {
        report.rejected.extend(set.unreadable.iter().cloned());
        rejected_per_set[i] += set.unreadable.len() as u64;
        for file in &set.files {
            let ns = namespace_for(set, file, &used);
            used.insert(ns.clone());
            compiler.new_namespace(&ns);
            let before = compiler.errors().len();
            let src =
                yara_x::SourceCode::from(file.text.as_slice()).with_origin(file.shown.clone());
            let _ = compiler.add_source(src);
            for err in &compiler.errors()[before..] {
                report.rejected.push(rejection(file, err));
                rejected_per_set[i] += 1;
            }
            report.namespaces.insert(
                ns,
                NamespaceInfo { set: set.name.clone(), file: file.rel.clone(), origin: set.origin },
            );
        }
    }
    let rules = compiler.build();
    let mut loaded: BTreeMap<&str, u64> = BTreeMap::new();
    for rule in rules.iter() {
        if let Some(info) = report.namespaces.get(rule.namespace()) {
            *loaded.entry(info.set.as_str()).or_default() += 1;
        }
    }
    let sets_info = sets
        .iter()
        .enumerate()
        .map(|(i, set)| RuleSetInfo {
            name: set.name.clone(),
            kind: "yara".into(),
            path: set.path.clone(),
            loaded: loaded.get(set.name.as_str()).copied().unwrap_or(0),
            rejected: rejected_per_set[i],
            sha256: set_digest(set),
            version: None,
        })
        .collect();
    report.sets = sets_info;
    Ok((rules, report))
}

/// Turn one yara-x compile error into a [`RejectedRule`]: file, the rule the
/// error is in (found by looking back for `rule NAME`), line and message.
fn rejection(file: &SourceFile, err: &yara_x::errors::CompileError) -> RejectedRule {
    let offset = err.labels().next().map(|l| l.span().start()).unwrap_or(0);
    let offset = offset.min(file.text.len());
    let before = &file.text[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let label = err.labels().next().map(|l| l.text().to_string()).unwrap_or_default();
    let mut reason = format!("line {line}: {} [{}]", err.title(), err.code());
    if !label.is_empty() && label != err.title() {
        reason.push_str(": ");
        reason.push_str(&label);
    }
    RejectedRule { file: file.shown.clone(), rule: enclosing_rule(before), reason }
}

/// The name of the last `rule NAME` declared before `before` ends.
fn enclosing_rule(before: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(before);
    let mut found = None;
    for line in text.lines() {
        let t = line.trim_start();
        let t = t.strip_prefix("private ").unwrap_or(t).trim_start();
        let t = t.strip_prefix("global ").unwrap_or(t).trim_start();
        if let Some(rest) = t.strip_prefix("rule ") {
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found = Some(name);
            }
        }
    }
    found
}
