//! [`SigmaCompiler`]: gather rule files (directories, files, text) with their
//! options, then [`SigmaCompiler::build`] compiles them into [`SigmaRules`].

use crate::info::{RuleSetStats, SetOptions};
use crate::logsource::is_webserver_rule;
use crate::rules::SigmaRules;
use serde::Deserialize;
use serde_yaml::Value as Y;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use vigie_model::Severity;

/// Errors that stop adding a rule source (a whole directory or file). Errors
/// in single rules never stop loading: they become rejected rules.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SigmaError {
    /// The directory or file could not be read.
    #[error("cannot read Sigma rules at {path}: {source} — check the path and its permissions")]
    Io {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// One YAML document waiting to be compiled.
pub(crate) enum RawDoc {
    /// A parsed document.
    Doc { set: usize, file: String, doc: Y },
    /// A file that could not be read or parsed.
    Broken { set: usize, file: String, reason: String },
}

/// Options that apply to the whole compilation.
#[derive(Clone, Debug, Default)]
pub(crate) struct Options {
    pub placeholders: HashMap<String, Vec<String>>,
    pub min_level: Option<Severity>,
    pub statuses: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    /// Leave out `category: webserver` rule files (see
    /// [`SigmaCompiler::without_webserver`]).
    pub skip_webserver: bool,
}

/// Collects Sigma and hayabusa rules, then compiles them once into an
/// immutable [`SigmaRules`].
#[derive(Default)]
pub struct SigmaCompiler {
    pub(crate) opts: Options,
    pub(crate) docs: Vec<RawDoc>,
    pub(crate) sets: Vec<RuleSetStats>,
}

impl SigmaCompiler {
    /// An empty compiler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Define placeholder `%name%` (used by the `expand` modifier) with its
    /// values; rules needing an undefined placeholder are rejected.
    pub fn placeholder(&mut self, name: &str, values: Vec<String>) -> &mut Self {
        let name = name.trim_matches('%').to_string();
        self.opts.placeholders.insert(name, values);
        self
    }

    /// Exclude rules whose `level` is below `level`.
    pub fn min_level(&mut self, level: Severity) -> &mut Self {
        self.opts.min_level = Some(level);
        self
    }

    /// Keep only rules whose `status` is one of `statuses` (case-insensitive).
    pub fn statuses(&mut self, statuses: &[&str]) -> &mut Self {
        self.opts.statuses = Some(statuses.iter().map(|s| s.to_ascii_lowercase()).collect());
        self
    }

    /// Keep only rules having at least one of `tags` (case-insensitive; a
    /// tag ending in `*` is a prefix, e.g. `attack.t1505*`).
    pub fn tags(&mut self, tags: &[&str]) -> &mut Self {
        self.opts.tags = Some(tags.iter().map(|s| s.to_ascii_lowercase()).collect());
        self
    }

    /// Leave out the rule files of [`add_dir`](Self::add_dir) whose
    /// logsource is `category: webserver` ([`is_webserver_rule`]): they run
    /// on web-log lines, in their own set, and would only be evaluated in
    /// vain (and counted twice) on events.
    pub fn without_webserver(&mut self) -> &mut Self {
        self.opts.skip_webserver = true;
        self
    }

    /// Add every `.yml`/`.yaml` file under `dir` (recursively, in name
    /// order) as one rule set. Returns the set's index.
    pub fn add_dir(&mut self, dir: &Path, opts: SetOptions) -> Result<usize, SigmaError> {
        let mut files = Vec::new();
        walk(dir, &mut files)
            .map_err(|source| SigmaError::Io { path: dir.display().to_string(), source })?;
        files.sort();
        let set = self.new_set(dir, opts);
        let mut hasher = Sha256::new();
        let mut texts = Vec::with_capacity(files.len());
        for path in files {
            let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            match std::fs::read(&path) {
                Ok(bytes) => {
                    hasher.update(rel.as_bytes());
                    hasher.update([0]);
                    hasher.update((bytes.len() as u64).to_le_bytes());
                    hasher.update(&bytes);
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    if !(self.opts.skip_webserver && is_webserver_rule(&text)) {
                        texts.push((rel, Ok(text)));
                    }
                }
                Err(e) => texts.push((rel, Err(format!("cannot read the file: {e}")))),
            }
            self.sets[set].files += 1;
        }
        self.sets[set].sha256 = hex::encode(hasher.finalize());
        // YAML parsing dominates loading: spread it over the cores, keep order.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let chunk = texts.len().div_ceil(threads).max(1);
        let parsed: Vec<Vec<RawDoc>> = std::thread::scope(|s| {
            let handles: Vec<_> = texts
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        let mut out = Vec::new();
                        for (rel, text) in part {
                            match text {
                                Ok(t) => parse_into(set, rel, t, &mut out),
                                Err(reason) => out.push(RawDoc::Broken {
                                    set,
                                    file: rel.clone(),
                                    reason: reason.clone(),
                                }),
                            }
                        }
                        out
                    })
                })
                .collect();
            let parts: Vec<_> = handles.into_iter().map(|h| h.join().ok()).collect();
            if parts.iter().all(Option::is_some) {
                parts.into_iter().flatten().collect()
            } else {
                // A worker failed: parse again on this thread so no file is lost.
                let mut out = Vec::new();
                for (rel, text) in &texts {
                    match text {
                        Ok(t) => parse_into(set, rel, t, &mut out),
                        Err(reason) => out.push(RawDoc::Broken {
                            set,
                            file: rel.clone(),
                            reason: reason.clone(),
                        }),
                    }
                }
                vec![out]
            }
        });
        self.docs.extend(parsed.into_iter().flatten());
        Ok(set)
    }

    /// Add one rule file as its own set. Returns the set's index.
    pub fn add_file(&mut self, path: &Path, opts: SetOptions) -> Result<usize, SigmaError> {
        let bytes = std::fs::read(path)
            .map_err(|source| SigmaError::Io { path: path.display().to_string(), source })?;
        let set = self.new_set(path, opts);
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.sets[set].sha256 = sha256_file(&name, &bytes);
        self.sets[set].files = 1;
        self.add_bytes(set, &name, &bytes);
        Ok(set)
    }

    /// Add rule text (one or more YAML documents) as its own set, e.g. an
    /// embedded built-in rule. `origin` names it in messages.
    pub fn add_source(&mut self, text: &str, origin: &str, opts: SetOptions) -> usize {
        let set = self.new_set(Path::new(origin), opts);
        self.sets[set].sha256 = sha256_file(origin, text.as_bytes());
        self.sets[set].files = 1;
        self.add_bytes(set, origin, text.as_bytes());
        set
    }

    /// Compile everything added so far.
    pub fn build(self) -> SigmaRules {
        crate::build::build(self)
    }

    fn new_set(&mut self, path: &Path, opts: SetOptions) -> usize {
        self.sets.push(RuleSetStats {
            name: opts.name,
            path: path.display().to_string(),
            source: opts.source,
            files: 0,
            loaded: 0,
            rejected: 0,
            excluded: 0,
            sha256: String::new(),
        });
        self.sets.len() - 1
    }

    fn add_bytes(&mut self, set: usize, file: &str, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        parse_into(set, file, &text, &mut self.docs);
    }
}

fn parse_into(set: usize, file: &str, text: &str, out: &mut Vec<RawDoc>) {
    match split_documents(text) {
        Ok(docs) => {
            for doc in docs {
                out.push(RawDoc::Doc { set, file: file.to_string(), doc });
            }
        }
        Err(reason) => out.push(RawDoc::Broken { set, file: file.to_string(), reason }),
    }
}

fn sha256_file(name: &str, bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0]);
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
    hex::encode(h.finalize())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let ft = entry.file_type()?;
        if ft.is_dir() {
            walk(&path, out)?;
        } else if ft.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Split a file into YAML documents, resolving Sigma 1.x collections
/// (`action: global` merges into every following document, `action: repeat`
/// reuses the previous one, `action: reset` clears the global part).
fn split_documents(text: &str) -> Result<Vec<Y>, String> {
    let mut out = Vec::new();
    let mut global: Option<Y> = None;
    let mut previous: Option<Y> = None;
    for (i, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let doc =
            Y::deserialize(de).map_err(|e| format!("YAML error in document {}: {e}", i + 1))?;
        if doc.is_null() {
            continue;
        }
        let action = doc.get("action").and_then(Y::as_str).map(str::to_ascii_lowercase);
        let mut doc = doc;
        if let Y::Mapping(m) = &mut doc {
            m.remove("action");
        }
        match action.as_deref() {
            Some("global") => {
                global = Some(doc);
                continue;
            }
            Some("reset") => {
                global = None;
                continue;
            }
            Some("repeat") => {
                let Some(prev) = previous.clone() else {
                    return Err(format!(
                        "document {}: `action: repeat` with no previous rule",
                        i + 1
                    ));
                };
                let merged = merge(prev, doc);
                previous = Some(merged.clone());
                out.push(merged);
            }
            Some(other) => return Err(format!("document {}: unknown `action: {other}`", i + 1)),
            None => {
                let merged = match &global {
                    Some(g) => merge(g.clone(), doc),
                    None => doc,
                };
                previous = Some(merged.clone());
                out.push(merged);
            }
        }
    }
    Ok(out)
}

/// Deep-merge `over` into `base` (maps merge, anything else is replaced).
fn merge(base: Y, over: Y) -> Y {
    match (base, over) {
        (Y::Mapping(mut b), Y::Mapping(o)) => {
            for (k, v) in o {
                let merged = match b.remove(&k) {
                    Some(old) => merge(old, v),
                    None => v,
                };
                b.insert(k, merged);
            }
            Y::Mapping(b)
        }
        (_, o) => o,
    }
}
