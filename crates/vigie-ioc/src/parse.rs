//! Line parsers: signature-base hash lists (`hash;description` or
//! `hash;score;description`), signature-base file-name lists
//! (`regex;score[;false-positive-regex]`, comments as group descriptions) and
//! vigie's own list format (see `docs/yara-ioc.md`).

use vigie_model::{Confidence, Severity, Stage};

/// Hash algorithm, told by the length of the hex digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgo {
    /// 32 hex digits.
    Md5,
    /// 40 hex digits.
    Sha1,
    /// 64 hex digits.
    Sha256,
}

impl HashAlgo {
    /// The algorithm of a hex digest, by its length (`None` when the text is
    /// not 32, 40 or 64 hex digits).
    pub fn of_hex(hex: &str) -> Option<HashAlgo> {
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        match hex.len() {
            32 => Some(HashAlgo::Md5),
            40 => Some(HashAlgo::Sha1),
            64 => Some(HashAlgo::Sha256),
            _ => None,
        }
    }

    /// Lowercase name (`md5`, `sha1`, `sha256`).
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgo::Md5 => "md5",
            HashAlgo::Sha1 => "sha1",
            HashAlgo::Sha256 => "sha256",
        }
    }
}

/// A line that could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based line number.
    pub line: usize,
    /// Why.
    pub reason: String,
}

/// One hash entry as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawHash {
    pub(crate) line: usize,
    pub(crate) algo: HashAlgo,
    pub(crate) hex: String,
    pub(crate) score: Option<u32>,
    pub(crate) description: String,
}

/// One path pattern as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawPath {
    pub(crate) line: usize,
    pub(crate) pattern: String,
    pub(crate) score: Option<u32>,
    pub(crate) fp: Option<String>,
    pub(crate) description: String,
}

fn is_comment_or_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// Parse a signature-base hash list.
pub(crate) fn parse_hash_list(text: &str) -> (Vec<RawHash>, Vec<LineProblem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if is_comment_or_blank(line) {
            continue;
        }
        let line_no = i + 1;
        let (hash, rest) = line.split_once(';').unwrap_or((line, ""));
        let hex = hash.trim().to_ascii_lowercase();
        let Some(algo) = HashAlgo::of_hex(&hex) else {
            problems.push(LineProblem {
                line: line_no,
                reason: format!(
                    "`{}` is not an MD5, SHA-1 or SHA-256 hex digest (expected `hash;description`)",
                    truncate(hash.trim(), 80)
                ),
            });
            continue;
        };
        let (score, description) = match rest.split_once(';') {
            Some((s, d)) if s.trim().parse::<u32>().is_ok() => (s.trim().parse().ok(), d),
            _ => (None, rest),
        };
        out.push(RawHash {
            line: line_no,
            algo,
            hex,
            score,
            description: description.trim().to_string(),
        });
    }
    (out, problems)
}

/// Parse a signature-base file-name list. Each comment line just before a
/// block of entries becomes the description of the entries that follow.
pub(crate) fn parse_filename_list(text: &str) -> (Vec<RawPath>, Vec<LineProblem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut group = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(c) = t.strip_prefix('#') {
            let c = c.trim();
            if !c.is_empty() && !c.chars().all(|ch| ch == '-' || ch == '=') {
                group = c.to_string();
            }
            continue;
        }
        let line_no = i + 1;
        let mut parts = t.splitn(3, ';');
        let pattern = parts.next().unwrap_or_default();
        let score = parts.next();
        let fp = parts.next().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let score = match score.map(|s| s.trim().parse::<u32>()) {
            Some(Ok(s)) => Some(s),
            Some(Err(_)) => {
                problems.push(LineProblem {
                    line: line_no,
                    reason: "the score after the first `;` is not a number (expected `regex;score[;false-positive-regex]`)".into(),
                });
                continue;
            }
            None => {
                problems.push(LineProblem {
                    line: line_no,
                    reason: "no score (expected `regex;score[;false-positive-regex]`)".into(),
                });
                continue;
            }
        };
        if pattern.is_empty() {
            problems.push(LineProblem { line: line_no, reason: "empty pattern".into() });
            continue;
        }
        out.push(RawPath {
            line: line_no,
            pattern: pattern.to_string(),
            score,
            fp,
            description: group.clone(),
        });
    }
    (out, problems)
}

/// The header of a vigie list: what its entries mean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListMeta {
    /// Stable code (`VG-IOC001`).
    pub code: String,
    /// Title of findings.
    pub title: String,
    /// Severity of findings.
    pub severity: Severity,
    /// Stage of findings.
    pub stage: Stage,
    /// Confidence of findings.
    pub confidence: Confidence,
    /// Indicator ids (`FS-01`).
    pub indicators: Vec<String>,
    /// ATT&CK technique ids.
    pub attack: Vec<String>,
    /// Why it matters (one or two sentences).
    pub impact: String,
    /// What to do.
    pub remediation: String,
    /// False-positive regex applied to every path entry of the list.
    pub exclude: Option<String>,
    /// The leading comment block, as Markdown.
    pub doc: String,
}

/// A parsed vigie list: header, entries, problems.
#[derive(Clone, Debug)]
pub struct VigieList {
    /// The header.
    pub meta: ListMeta,
    /// Number of hash entries.
    pub hashes: usize,
    /// Number of path entries.
    pub paths: usize,
    pub(crate) raw_hashes: Vec<RawHash>,
    pub(crate) raw_paths: Vec<RawPath>,
    /// Lines that could not be read.
    pub problems: Vec<LineProblem>,
}

/// Parse a list in vigie's own format: a `#` comment block (the rule's
/// documentation), `key: value` header lines (`code`, `title`, `severity`,
/// `stage`, `confidence`, `indicators`, `attack`, `impact`, `remediation`,
/// `exclude`), then `hash;HEX;note` and `path;REGEX;note` entries.
pub fn parse_vigie_list(text: &str) -> Result<VigieList, String> {
    let mut doc = Vec::new();
    let mut in_doc = true;
    let mut kv = std::collections::BTreeMap::new();
    let mut list = VigieList {
        meta: empty_meta(),
        hashes: 0,
        paths: 0,
        raw_hashes: Vec::new(),
        raw_paths: Vec::new(),
        problems: Vec::new(),
    };
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let t = line.trim_end();
        if let Some(c) = t.strip_prefix('#') {
            if in_doc {
                doc.push(c.strip_prefix(' ').unwrap_or(c).to_string());
            }
            continue;
        }
        in_doc = false;
        if t.trim().is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix("hash;") {
            let (hex, note) = rest.split_once(';').unwrap_or((rest, ""));
            let hex = hex.trim().to_ascii_lowercase();
            match HashAlgo::of_hex(&hex) {
                Some(algo) => list.raw_hashes.push(RawHash {
                    line: line_no,
                    algo,
                    hex,
                    score: None,
                    description: note.trim().to_string(),
                }),
                None => list.problems.push(LineProblem {
                    line: line_no,
                    reason: format!(
                        "`{}` is not an MD5, SHA-1 or SHA-256 hex digest",
                        truncate(&hex, 80)
                    ),
                }),
            }
        } else if let Some(rest) = t.strip_prefix("path;") {
            let (pattern, note) = rest.split_once(';').unwrap_or((rest, ""));
            list.raw_paths.push(RawPath {
                line: line_no,
                pattern: pattern.trim().to_string(),
                score: None,
                fp: None,
                description: note.trim().to_string(),
            });
        } else if let Some((k, v)) = t.split_once(':').filter(|(k, _)| is_key(k.trim())) {
            kv.insert(k.trim().to_string(), v.trim().to_string());
        } else {
            list.problems.push(LineProblem {
                line: line_no,
                reason: "expected `key: value`, `hash;HEX;note` or `path;REGEX;note`".into(),
            });
        }
    }
    list.meta = meta_from(&kv, doc.join("\n").trim().to_string())?;
    if let Some(fp) = &list.meta.exclude {
        for p in &mut list.raw_paths {
            p.fp = Some(fp.clone());
        }
    }
    list.hashes = list.raw_hashes.len();
    list.paths = list.raw_paths.len();
    Ok(list)
}

fn is_key(k: &str) -> bool {
    matches!(
        k,
        "code"
            | "title"
            | "severity"
            | "stage"
            | "confidence"
            | "indicators"
            | "attack"
            | "impact"
            | "remediation"
            | "exclude"
    )
}

fn empty_meta() -> ListMeta {
    ListMeta {
        code: String::new(),
        title: String::new(),
        severity: Severity::Medium,
        stage: Stage::Compromise,
        confidence: Confidence::Likely,
        indicators: Vec::new(),
        attack: Vec::new(),
        impact: String::new(),
        remediation: String::new(),
        exclude: None,
        doc: String::new(),
    }
}

fn meta_from(
    kv: &std::collections::BTreeMap<String, String>,
    doc: String,
) -> Result<ListMeta, String> {
    let get = |k: &str| kv.get(k).cloned().ok_or_else(|| format!("missing header `{k}:`"));
    let list = |k: &str| {
        kv.get(k)
            .map(|v| v.split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let confidence = match kv.get("confidence").map(|s| s.to_ascii_lowercase()).as_deref() {
        None | Some("likely") => Confidence::Likely,
        Some("confirmed") => Confidence::Confirmed,
        Some("possible") => Confidence::Possible,
        Some(other) => return Err(format!("unknown confidence `{other}`")),
    };
    Ok(ListMeta {
        code: get("code")?,
        title: get("title")?,
        severity: get("severity")?.parse().map_err(|e| format!("{e}"))?,
        stage: get("stage")?.parse().map_err(|e| format!("{e}"))?,
        confidence,
        indicators: list("indicators"),
        attack: list("attack"),
        impact: kv.get("impact").cloned().unwrap_or_default(),
        remediation: kv.get("remediation").cloned().unwrap_or_default(),
        exclude: kv.get("exclude").cloned().filter(|s| !s.is_empty()),
        doc,
    })
}

pub(crate) fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_lines_with_and_without_score() {
        let text = "# c\n\nb75f163ca9b9240bf4b37ad92bc7556b40a17e27c2b8ed5c8991385fe07d17d0;HAFNIUM; x\n\
                    2bbf74073ed7a910a69c3d2a67bd5f8f;55;Log4j\nnothex;oops\n";
        let (h, p) = parse_hash_list(text);
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].description, "HAFNIUM; x");
        assert_eq!(h[1].score, Some(55));
        assert_eq!(h[1].algo, HashAlgo::Md5);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 5);
    }

    #[test]
    fn filename_lines_take_group_comment() {
        let text = "# Webshells\n\\\\shell\\.aspx;80\n\\\\x\\.jsp;75;(examples)\nbad;high\n";
        let (e, p) = parse_filename_list(text);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].description, "Webshells");
        assert_eq!(e[1].fp.as_deref(), Some("(examples)"));
        assert_eq!(p[0].line, 4);
    }

    #[test]
    fn vigie_list_header_and_entries() {
        let text = "# Doc line\n#\n# more\ncode: VG-IOC900\ntitle: t\nseverity: high\nstage: compromise\n\
                    hash;ABCDEF0123456789abcdef0123456789;note\npath;\\\\x\\.aspx;n\nwhat\n";
        let l = parse_vigie_list(text).expect("parses");
        assert_eq!(l.meta.code, "VG-IOC900");
        assert_eq!(l.meta.doc, "Doc line\n\nmore");
        assert_eq!((l.hashes, l.paths), (1, 1));
        assert_eq!(l.problems.len(), 1);
        assert!(parse_vigie_list("code: x\n").is_err());
    }
}
