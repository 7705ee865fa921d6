//! Scanning: [`YaraRules`] (shared, `Send + Sync`) → one [`YaraScanner`] per
//! thread → [`YaraHit`]s for the bytes of one file.

use crate::compile::{LoadReport, NamespaceInfo, SetOrigin};
use crate::error::YaraError;
use crate::filetype::guess_filetype;
use std::time::Duration;

/// Matched strings kept per hit (first match of each distinct pattern).
pub const MAX_STRINGS_PER_HIT: usize = 5;
/// Length of an excerpt around a match, in bytes of the file.
pub const EXCERPT_LEN: usize = 120;
/// Default per-file scan timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Compiled rules, ready to scan. Cheap to share across threads.
pub struct YaraRules {
    rules: yara_x::Rules,
    report: LoadReport,
    timeout: Duration,
}

impl std::fmt::Debug for YaraRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("YaraRules")
            .field("rules", &self.rules.iter().len())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl YaraRules {
    pub(crate) fn new(rules: yara_x::Rules, report: LoadReport, timeout: Option<Duration>) -> Self {
        YaraRules { rules, report, timeout: timeout.unwrap_or(DEFAULT_TIMEOUT) }
    }

    /// What was loaded, rejected, and whether it came from the cache.
    pub fn report(&self) -> &LoadReport {
        &self.report
    }

    /// Number of compiled rules (all sets, private rules included).
    pub fn rule_count(&self) -> usize {
        self.rules.iter().len()
    }

    /// Change the per-file timeout (`--yara-timeout`).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The underlying yara-x rules (for benchmarks and advanced use).
    pub fn as_yara_x(&self) -> &yara_x::Rules {
        &self.rules
    }

    /// A scanner for the current thread.
    pub fn scanner(&self) -> YaraScanner<'_> {
        let mut inner = yara_x::Scanner::new(&self.rules);
        inner.set_timeout(self.timeout);
        inner.max_matches_per_pattern(64);
        YaraScanner { rules: self, inner }
    }
}

/// Facts about the file being scanned, set as the external variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileMeta {
    /// Full path as found (`filepath` is its parent directory).
    pub path: String,
    /// File name (`filename`).
    pub name: String,
    /// Lowercase extension with its dot, e.g. `.aspx` (`extension`), or empty.
    pub extension: String,
    /// Short type guess ([`crate::guess_filetype`]), e.g. `ASPX` (`filetype`).
    pub filetype: String,
    /// Owner (user name or uid) when known (`owner`), else empty.
    pub owner: String,
}

impl FileMeta {
    /// Facts for `path`, the type guessed from `data` (its first bytes are
    /// enough) and the name. Both `/` and `\` separate directories.
    pub fn new(path: &str, data: &[u8]) -> Self {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_string();
        let extension = match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => format!(".{}", ext.to_ascii_lowercase()),
            _ => String::new(),
        };
        let filetype = guess_filetype(&name, data).to_string();
        FileMeta { path: path.to_string(), name, extension, filetype, owner: String::new() }
    }

    /// Set the owner.
    pub fn with_owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = owner.into();
        self
    }

    /// The directory part of the path (the `filepath` variable).
    pub fn dir(&self) -> &str {
        let cut = self.path.len() - self.name.len();
        self.path[..cut].trim_end_matches(['/', '\\'])
    }
}

/// A metadata value of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum MetaVal {
    /// Integer.
    Int(i64),
    /// Float.
    Float(f64),
    /// Boolean.
    Bool(bool),
    /// Text (lossy UTF-8).
    Text(String),
}

impl MetaVal {
    /// The value as text (numbers and booleans formatted).
    pub fn as_text(&self) -> String {
        match self {
            MetaVal::Int(i) => i.to_string(),
            MetaVal::Float(f) => f.to_string(),
            MetaVal::Bool(b) => b.to_string(),
            MetaVal::Text(s) => s.clone(),
        }
    }
}

/// One matched string, with an excerpt of the file around it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringMatch {
    /// Pattern identifier (`$a`).
    pub identifier: String,
    /// Byte offset in the file.
    pub offset: u64,
    /// Length of the match in bytes.
    pub length: usize,
    /// About [`EXCERPT_LEN`] bytes around the match, lossy UTF-8, control
    /// characters other than tab and newline shown as `.`.
    pub excerpt: String,
    /// Byte range of the match inside `excerpt`.
    pub highlight: (usize, usize),
}

/// One rule that matched one file.
#[derive(Clone, Debug, PartialEq)]
pub struct YaraHit {
    /// Rule name.
    pub rule: String,
    /// Namespace (one per rule file).
    pub namespace: String,
    /// Rule set (`builtin`, `signature-base`, …).
    pub ruleset: String,
    /// Rule file relative to its set.
    pub file: String,
    /// Built-in or external.
    pub origin: SetOrigin,
    /// The rule's metadata, in order.
    pub meta: Vec<(String, MetaVal)>,
    /// Up to [`MAX_STRINGS_PER_HIT`] matched strings.
    pub strings: Vec<StringMatch>,
    /// Total matches of all patterns (bounded by yara-x's per-pattern limit).
    pub match_count: usize,
}

impl YaraHit {
    /// First metadata value named `key` (case-insensitive).
    pub fn meta(&self, key: &str) -> Option<&MetaVal> {
        self.meta.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    }

    /// First metadata value named `key`, as text.
    pub fn meta_text(&self, key: &str) -> Option<String> {
        self.meta(key).map(MetaVal::as_text)
    }
}

/// A per-thread scanner. Reuse it for many files.
pub struct YaraScanner<'r> {
    rules: &'r YaraRules,
    inner: yara_x::Scanner<'r>,
}

impl std::fmt::Debug for YaraScanner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("YaraScanner").finish_non_exhaustive()
    }
}

impl YaraScanner<'_> {
    /// Scan the bytes of one file. `meta` sets the external variables.
    pub fn scan(&mut self, data: &[u8], meta: &FileMeta) -> Result<Vec<YaraHit>, YaraError> {
        let dir = meta.dir().to_string();
        let vars: [(&str, &str); 5] = [
            ("filename", &meta.name),
            ("filepath", &dir),
            ("extension", &meta.extension),
            ("filetype", &meta.filetype),
            ("owner", &meta.owner),
        ];
        for (name, value) in vars {
            self.inner
                .set_global(name, value)
                .map_err(|e| YaraError::Variable { name: name.into(), message: e.to_string() })?;
        }
        let results = match self.inner.scan(data) {
            Ok(r) => r,
            Err(yara_x::ScanError::Timeout) => {
                return Err(YaraError::Timeout {
                    path: meta.path.clone(),
                    seconds: self.rules.timeout.as_secs(),
                });
            }
            Err(e) => {
                return Err(YaraError::Scan { path: meta.path.clone(), message: e.to_string() });
            }
        };
        let mut hits = Vec::new();
        for rule in results.matching_rules() {
            hits.push(hit_of(&self.rules.report, &rule, data));
        }
        Ok(hits)
    }
}

fn hit_of(report: &LoadReport, rule: &yara_x::Rule<'_, '_>, data: &[u8]) -> YaraHit {
    let ns = rule.namespace();
    let info = report.namespaces.get(ns).cloned().unwrap_or(NamespaceInfo {
        set: String::new(),
        file: String::new(),
        origin: SetOrigin::External,
    });
    let meta = rule
        .metadata()
        .map(|(k, v)| {
            let v = match v {
                yara_x::MetaValue::Integer(i) => MetaVal::Int(i),
                yara_x::MetaValue::Float(f) => MetaVal::Float(f),
                yara_x::MetaValue::Bool(b) => MetaVal::Bool(b),
                yara_x::MetaValue::String(s) => MetaVal::Text(s.to_string()),
                yara_x::MetaValue::Bytes(b) => {
                    MetaVal::Text(String::from_utf8_lossy(b).into_owned())
                }
            };
            (k.to_string(), v)
        })
        .collect();
    let mut strings = Vec::new();
    let mut match_count = 0;
    for pattern in rule.patterns() {
        let mut first = None;
        for m in pattern.matches() {
            match_count += 1;
            if first.is_none() {
                first = Some(m.range());
            }
        }
        if let Some(range) = first
            && strings.len() < MAX_STRINGS_PER_HIT
        {
            strings.push(string_match(pattern.identifier(), range, data));
        }
    }
    YaraHit {
        rule: rule.identifier().to_string(),
        namespace: ns.to_string(),
        ruleset: info.set,
        file: info.file,
        origin: info.origin,
        meta,
        strings,
        match_count,
    }
}

/// Excerpt of about [`EXCERPT_LEN`] bytes centred on the match.
fn string_match(identifier: &str, range: std::ops::Range<usize>, data: &[u8]) -> StringMatch {
    let start = range.start.min(data.len());
    let end = range.end.min(data.len()).max(start);
    let shown_end = end.min(start + EXCERPT_LEN * 2 / 3);
    let room = EXCERPT_LEN.saturating_sub(shown_end - start);
    let before = start.saturating_sub(room / 2);
    let after = (shown_end + room - (start - before)).min(data.len());
    let pre = clean(&data[before..start]);
    let mid = clean(&data[start..shown_end]);
    let post = clean(&data[shown_end..after]);
    let highlight = (pre.len(), pre.len() + mid.len());
    StringMatch {
        identifier: identifier.to_string(),
        offset: start as u64,
        length: end - start,
        excerpt: format!("{pre}{mid}{post}"),
        highlight,
    }
}

/// Lossy UTF-8 with control characters (except tab, CR, LF) shown as `.`.
fn clean(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() && !matches!(c, '\t' | '\n' | '\r') { '.' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_meta_splits_both_separators() {
        let m = FileMeta::new(r"C:\inetpub\wwwroot\aspnet_client\Shell.ASPX", b"<%@ Page");
        assert_eq!(m.name, "Shell.ASPX");
        assert_eq!(m.extension, ".aspx");
        assert_eq!(m.filetype, "ASPX");
        assert_eq!(m.dir(), r"C:\inetpub\wwwroot\aspnet_client");
        let m = FileMeta::new("/mnt/img/.htaccess", b"x");
        assert_eq!(m.extension, "");
        assert_eq!(m.dir(), "/mnt/img");
    }

    #[test]
    fn excerpt_highlights_the_match() {
        let data = b"0123456789<script>eval(Request)</script>abcdef";
        let s = string_match("$a", 10..18, data);
        assert_eq!(&s.excerpt[s.highlight.0..s.highlight.1], "<script>");
        assert_eq!(s.offset, 10);
        let s = string_match("$b", 0..2, b"\x00\x01rest");
        assert_eq!(&s.excerpt[s.highlight.0..s.highlight.1], "..");
    }
}
