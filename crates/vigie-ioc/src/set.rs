//! [`IocSet`]: hash sets and the path patterns (behind a literal
//! prefilter, see `prefilter.rs`), built from the built-in lists and
//! external files.

use crate::parse::{
    HashAlgo, LineProblem, ListMeta, RawHash, RawPath, parse_filename_list, parse_hash_list,
    parse_vigie_list, truncate,
};
use crate::path::{normalize_path, normalize_pattern};
use crate::prefilter::PathMatcher;
use regex::bytes::{Regex, RegexBuilder};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vigie_model::{RejectedRule, RuleCoverage, RuleSetInfo};

/// Errors that stop loading a whole list (a single bad line never does).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IocError {
    /// A list file or directory could not be read.
    #[error(
        "cannot read IOC list `{path}`: {source} — check the path given to --ioc / --signature-base"
    )]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `--signature-base DIR` has no `iocs` folder.
    #[error(
        "`{path}` has no `iocs` folder: --signature-base expects the root of a signature-base checkout"
    )]
    NotSignatureBase {
        /// The directory given.
        path: PathBuf,
    },
    /// A file whose kind cannot be told from its name.
    #[error(
        "cannot tell the kind of IOC list `{path}`: its name must contain `hash` or `filename`, or end in `.ioc` (vigie format)"
    )]
    UnknownKind {
        /// The file.
        path: PathBuf,
    },
}

/// What kind of indicator matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IocKind {
    /// A file hash.
    Hash(HashAlgo),
    /// A file name or path pattern.
    Path,
}

/// Where an entry comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IocSource {
    /// Set name (`builtin`, `signature-base`, or the file name).
    pub set: String,
    /// The list file (`builtin:<file>` for the pack).
    pub file: String,
    /// The vigie header of the list, for vigie-format lists.
    pub meta: Option<Arc<ListMeta>>,
}

/// One indicator that matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IocHit {
    /// Hash or path.
    pub kind: IocKind,
    /// The indicator as written (hex digest, or the regex).
    pub indicator: String,
    /// The value that matched (the file's digest, or its path).
    pub matched: String,
    /// Description (note, or the comment heading the entry's group).
    pub description: String,
    /// Score of signature-base entries (0–100), when given.
    pub score: Option<u32>,
    /// 1-based line of the entry in its list.
    pub line: usize,
    /// Where the entry comes from.
    pub source: Arc<IocSource>,
}

/// Load outcome: one [`RuleSetInfo`] per set and every malformed line.
#[derive(Clone, Debug, Default)]
pub struct IocLoadReport {
    /// One per set (kind `ioc`).
    pub sets: Vec<RuleSetInfo>,
    /// Malformed lines: file, `line N`, reason.
    pub rejected: Vec<RejectedRule>,
    /// Problems that concern the whole set (the pattern set too large).
    pub warnings: Vec<String>,
}

impl IocLoadReport {
    /// Entries loaded, all sets.
    pub fn loaded(&self) -> u64 {
        self.sets.iter().map(|s| s.loaded).sum()
    }

    /// Add this report to a scan's rule coverage.
    pub fn apply_to(&self, coverage: &mut RuleCoverage) {
        coverage.add_load(&self.sets, &self.rejected);
    }
}

struct HashEntry {
    raw: RawHash,
    source: Arc<IocSource>,
}

struct PathEntry {
    raw: RawPath,
    fp: Option<Regex>,
    source: Arc<IocSource>,
}

/// Builder of an [`IocSet`].
#[derive(Default)]
pub struct IocSetBuilder {
    hashes: Vec<HashEntry>,
    paths: Vec<(RawPath, Arc<IocSource>)>,
    sets: Vec<(RuleSetInfo, Sha256)>,
    rejected: Vec<RejectedRule>,
}

impl std::fmt::Debug for IocSetBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IocSetBuilder")
            .field("hashes", &self.hashes.len())
            .field("paths", &self.paths.len())
            .finish()
    }
}

impl IocSetBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    fn set_index(&mut self, name: &str, path: &str) -> usize {
        if let Some(i) = self.sets.iter().position(|(s, _)| s.name == name) {
            return i;
        }
        self.sets.push((
            RuleSetInfo {
                name: name.into(),
                kind: "ioc".into(),
                path: path.into(),
                loaded: 0,
                rejected: 0,
                sha256: String::new(),
                version: None,
            },
            Sha256::new(),
        ));
        self.sets.len() - 1
    }

    fn digest(&mut self, set: usize, file: &str, text: &str) {
        let h = &mut self.sets[set].1;
        h.update((file.len() as u64).to_le_bytes());
        h.update(file.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }

    fn reject(&mut self, set: usize, file: &str, problems: Vec<LineProblem>) {
        self.sets[set].0.rejected += problems.len() as u64;
        for p in problems {
            self.rejected.push(RejectedRule {
                file: file.to_string(),
                rule: Some(format!("line {}", p.line)),
                reason: p.reason,
            });
        }
    }

    /// Add one built-in list (vigie format), as set `builtin`.
    pub fn add_builtin(&mut self, file: &str, text: &str) -> &mut Self {
        self.add_vigie_text("builtin", "builtin", &format!("builtin:{file}"), text);
        self
    }

    fn add_vigie_text(&mut self, set_name: &str, set_path: &str, shown: &str, text: &str) {
        let set = self.set_index(set_name, set_path);
        self.digest(set, shown, text);
        match parse_vigie_list(text) {
            Ok(list) => {
                let source = Arc::new(IocSource {
                    set: set_name.into(),
                    file: shown.into(),
                    meta: Some(Arc::new(list.meta)),
                });
                self.push_entries(set, &source, list.raw_hashes, list.raw_paths);
                self.reject(set, shown, list.problems);
            }
            Err(reason) => {
                self.reject(set, shown, vec![LineProblem { line: 0, reason }]);
            }
        }
    }

    fn push_entries(
        &mut self,
        set: usize,
        source: &Arc<IocSource>,
        hashes: Vec<RawHash>,
        paths: Vec<RawPath>,
    ) {
        self.sets[set].0.loaded += (hashes.len() + paths.len()) as u64;
        self.hashes.extend(hashes.into_iter().map(|raw| HashEntry { raw, source: source.clone() }));
        self.paths.extend(paths.into_iter().map(|raw| (raw, source.clone())));
    }

    /// Add `ROOT/iocs` of a signature-base checkout: every file whose name
    /// contains `hash` (hash lists) or `filename` (file-name lists), as set
    /// `signature-base`. Other lists there (C2, keywords) are not file
    /// indicators and are left out.
    pub fn add_signature_base(&mut self, root: &Path) -> Result<&mut Self, IocError> {
        let dir = root.join("iocs");
        if !dir.is_dir() {
            return Err(IocError::NotSignatureBase { path: root.to_path_buf() });
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|source| IocError::Read { path: dir.clone(), source })?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            let name = file_name_lower(&f);
            if !(name.ends_with(".txt") && (name.contains("hash") || name.contains("filename"))) {
                continue;
            }
            self.add_file_as("signature-base", &dir.display().to_string(), &f)?;
        }
        Ok(self)
    }

    /// Add one list file (`--ioc FILE`): a signature-base hash list (name
    /// contains `hash`), file-name list (name contains `filename`), or a
    /// vigie list (`.ioc`). The set is named after the file.
    pub fn add_file(&mut self, path: &Path) -> Result<&mut Self, IocError> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.add_file_as(&name, &path.display().to_string(), path)?;
        Ok(self)
    }

    fn add_file_as(&mut self, set_name: &str, set_path: &str, path: &Path) -> Result<(), IocError> {
        let name = file_name_lower(path);
        let bytes =
            std::fs::read(path).map_err(|source| IocError::Read { path: path.into(), source })?;
        let text = String::from_utf8_lossy(&bytes);
        let shown = path.display().to_string();
        if name.ends_with(".ioc") {
            self.add_vigie_text(set_name, set_path, &shown, &text);
            return Ok(());
        }
        let set = self.set_index(set_name, set_path);
        self.digest(set, &shown, &text);
        let source = Arc::new(IocSource { set: set_name.into(), file: shown.clone(), meta: None });
        if name.contains("hash") {
            let (h, problems) = parse_hash_list(&text);
            self.push_entries(set, &source, h, Vec::new());
            self.reject(set, &shown, problems);
        } else if name.contains("filename") {
            let (p, problems) = parse_filename_list(&text);
            self.push_entries(set, &source, Vec::new(), p);
            self.reject(set, &shown, problems);
        } else {
            return Err(IocError::UnknownKind { path: path.into() });
        }
        Ok(())
    }

    /// Compile: parse every pattern (bad ones are reported with their line
    /// and left out), then build the literal index over them and the hash
    /// index. A pattern's own regex is compiled the first time a path
    /// contains one of its literals.
    pub fn build(mut self) -> IocSet {
        let mut good = Vec::with_capacity(self.paths.len());
        let mut patterns = Vec::with_capacity(self.paths.len());
        let paths = std::mem::take(&mut self.paths);
        for (raw, source) in paths {
            let norm = normalize_pattern(&raw.pattern);
            let fp = match raw.fp.as_deref().map(compile_one) {
                Some(Err(e)) => {
                    self.bad_pattern(&source, &raw, &format!("false-positive regex: {e}"));
                    continue;
                }
                Some(Ok(r)) => Some(r),
                None => None,
            };
            if let Err(e) = validate(&norm) {
                self.bad_pattern(&source, &raw, &e);
                continue;
            }
            patterns.push(norm);
            good.push(PathEntry { raw, fp, source });
        }
        let count = patterns.len();
        let mut warnings = Vec::new();
        let matcher = PathMatcher::new(patterns).unwrap_or_else(|e| {
            warnings.push(format!(
                "the {count} path patterns could not be compiled together ({}); path IOCs are disabled for this run",
                first_line(&e)
            ));
            PathMatcher::empty()
        });
        let mut by_hash: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, h) in self.hashes.iter().enumerate() {
            by_hash.entry(h.raw.hex.clone()).or_default().push(i);
        }
        let sets = self
            .sets
            .into_iter()
            .map(|(mut info, h)| {
                info.sha256 = hex::encode(h.finalize());
                info
            })
            .collect();
        IocSet {
            hashes: self.hashes,
            by_hash,
            paths: good,
            matcher,
            report: IocLoadReport { sets, rejected: self.rejected, warnings },
        }
    }

    fn bad_pattern(&mut self, source: &IocSource, raw: &RawPath, why: &str) {
        if let Some((info, _)) = self.sets.iter_mut().find(|(s, _)| s.name == source.set) {
            info.loaded = info.loaded.saturating_sub(1);
            info.rejected += 1;
        }
        self.rejected.push(RejectedRule {
            file: source.file.clone(),
            rule: Some(format!("line {}", raw.line)),
            reason: format!("pattern `{}` rejected: {why}", truncate(&raw.pattern, 120)),
        });
    }
}

fn file_name_lower(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default()
}

fn compile_one(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(&normalize_pattern(pattern))
        .case_insensitive(true)
        .size_limit(16 << 20)
        .build()
        .map_err(|e| first_line(&e.to_string()))
}

/// Parse (not compile) a pattern: catches syntax the Rust engine does not
/// support (look-around, back-references) with the parser's message.
fn validate(pattern: &str) -> Result<(), String> {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(pattern)
        .map(|_| ())
        .map_err(|e| first_line(&e.to_string().replace('\n', " ")))
}

fn first_line(s: &str) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&s, 300).to_string()
}

/// Hash and path indicators, compiled once, shared by all threads.
pub struct IocSet {
    hashes: Vec<HashEntry>,
    by_hash: HashMap<String, Vec<usize>>,
    paths: Vec<PathEntry>,
    matcher: PathMatcher,
    report: IocLoadReport,
}

impl std::fmt::Debug for IocSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IocSet")
            .field("hashes", &self.hashes.len())
            .field("paths", &self.paths.len())
            .finish()
    }
}

impl IocSet {
    /// A builder.
    pub fn builder() -> IocSetBuilder {
        IocSetBuilder::new()
    }

    /// Load outcome.
    pub fn report(&self) -> &IocLoadReport {
        &self.report
    }

    /// Number of hash entries loaded.
    pub fn hash_count(&self) -> usize {
        self.hashes.len()
    }

    /// Number of path patterns loaded.
    pub fn path_count(&self) -> usize {
        self.paths.len()
    }

    /// Every path pattern matching `path` (one pass over all patterns), less
    /// those whose false-positive regex also matches.
    pub fn match_path(&self, path: &str) -> Vec<IocHit> {
        let norm = normalize_path(path);
        self.matcher
            .matches(norm.as_bytes())
            .into_iter()
            .filter_map(|i| self.paths.get(i))
            .filter(|e| !e.fp.as_ref().is_some_and(|fp| fp.is_match(norm.as_bytes())))
            .map(|e| IocHit {
                kind: IocKind::Path,
                indicator: e.raw.pattern.clone(),
                matched: path.to_string(),
                description: e.raw.description.clone(),
                score: e.raw.score,
                line: e.raw.line,
                source: e.source.clone(),
            })
            .collect()
    }

    /// Every hash entry equal to one of the file's digests (hex, any case;
    /// pass `""` for a digest not computed).
    pub fn match_hashes(&self, md5: &str, sha1: &str, sha256: &str) -> Vec<IocHit> {
        let mut hits = Vec::new();
        for digest in [md5, sha1, sha256] {
            if digest.is_empty() {
                continue;
            }
            let key = digest.to_ascii_lowercase();
            for &i in self.by_hash.get(&key).map(Vec::as_slice).unwrap_or_default() {
                let e = &self.hashes[i];
                hits.push(IocHit {
                    kind: IocKind::Hash(e.raw.algo),
                    indicator: e.raw.hex.clone(),
                    matched: key.clone(),
                    description: e.raw.description.clone(),
                    score: e.raw.score,
                    line: e.raw.line,
                    source: e.source.clone(),
                });
            }
        }
        hits
    }
}
