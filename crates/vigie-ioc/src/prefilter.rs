//! [`PathMatcher`]: path patterns matched through a literal prefilter.
//!
//! signature-base alone has about 3,800 file-name patterns. One `RegexSet`
//! over all of them is too big for the lazy DFA, so it falls back to the
//! PikeVM and costs milliseconds per path. Nearly every pattern requires a
//! literal (`\svcsstat.exe`, `ystem32\wshnetc.dll`): we take, for each
//! pattern, the literals every match must start (or else end) with, put all
//! of them in one Aho-Corasick automaton, and run a pattern's own regex only
//! when one of its literals occurs in the path. Patterns without a usable
//! literal (shorter than three bytes, non-ASCII, or too many) stay in a small
//! `RegexSet` that sees every path. The result is the same set of matches.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use std::sync::OnceLock;

/// Shortest literal worth filtering on.
const MIN_LITERAL: usize = 3;

/// Compiled path patterns (already normalised, see [`crate::normalize_pattern`]).
pub(crate) struct PathMatcher {
    patterns: Vec<String>,
    /// One regex per pattern, compiled the first time a literal points at
    /// it (most never are: compiling all of signature-base's up front costs
    /// about a second). A pattern that parsed but does not compile within
    /// the size limit never matches.
    regexes: Vec<OnceLock<Option<Regex>>>,
    literals: AhoCorasick,
    /// Literal index → patterns that require it.
    literal_owners: Vec<Vec<usize>>,
    /// Patterns with no usable literal, and their indexes in `patterns`.
    residual: RegexSet,
    residual_ids: Vec<usize>,
}

impl PathMatcher {
    /// Index `patterns` (normalised, parsed). Errors name what failed.
    pub(crate) fn new(patterns: Vec<String>) -> Result<PathMatcher, String> {
        let mut lits: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut by_text = std::collections::HashMap::new();
        let mut residual = Vec::new();
        let mut residual_ids = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            match required_literals(p) {
                Some(set) => {
                    for lit in set {
                        let id = *by_text.entry(lit.clone()).or_insert_with(|| {
                            lits.push(lit);
                            owners.push(Vec::new());
                            owners.len() - 1
                        });
                        owners[id].push(i);
                    }
                }
                None => {
                    residual.push(p.clone());
                    residual_ids.push(i);
                }
            }
        }
        let literals = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&lits)
            .map_err(|e| format!("literal index: {e}"))?;
        let residual = RegexSetBuilder::new(&residual)
            .case_insensitive(true)
            .size_limit(512 << 20)
            .dfa_size_limit(256 << 20)
            .build()
            .map_err(|e| e.to_string())?;
        let regexes = patterns.iter().map(|_| OnceLock::new()).collect();
        Ok(PathMatcher {
            patterns,
            regexes,
            literals,
            literal_owners: owners,
            residual,
            residual_ids,
        })
    }

    /// An empty matcher.
    pub(crate) fn empty() -> PathMatcher {
        PathMatcher::new(Vec::new()).unwrap_or_else(|_| unreachable!("no pattern to fail"))
    }

    /// Indexes of the patterns matching `path` (normalised), ascending.
    pub(crate) fn matches(&self, path: &[u8]) -> Vec<usize> {
        let mut candidates: Vec<usize> = Vec::new();
        for m in self.literals.find_overlapping_iter(path) {
            candidates.extend(&self.literal_owners[m.pattern().as_usize()]);
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut out: Vec<usize> = candidates
            .into_iter()
            .filter(|&i| self.regex(i).is_some_and(|r| r.is_match(path)))
            .collect();
        out.extend(self.residual.matches(path).into_iter().map(|k| self.residual_ids[k]));
        out.sort_unstable();
        out
    }
}

impl PathMatcher {
    fn regex(&self, i: usize) -> Option<&Regex> {
        self.regexes[i]
            .get_or_init(|| {
                RegexBuilder::new(&self.patterns[i])
                    .case_insensitive(true)
                    .size_limit(16 << 20)
                    .build()
                    .ok()
            })
            .as_ref()
    }
}

/// Literals one of which every match of `pattern` starts with (or, failing
/// that, ends with), lower-cased; `None` when there is no usable set.
fn required_literals(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
    for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
        let mut ex = Extractor::new();
        ex.kind(kind);
        let seq = ex.extract(&hir);
        let Some(lits) = seq.literals() else { continue };
        let usable = !lits.is_empty()
            && lits.iter().all(|l| l.as_bytes().len() >= MIN_LITERAL && l.as_bytes().is_ascii());
        if usable {
            let mut out: Vec<String> = lits
                .iter()
                .map(|l| String::from_utf8_lossy(l.as_bytes()).to_ascii_lowercase())
                .collect();
            out.sort();
            out.dedup();
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{normalize_path, normalize_pattern};

    fn matcher(patterns: &[&str]) -> PathMatcher {
        PathMatcher::new(patterns.iter().map(|p| normalize_pattern(p)).collect()).expect("build")
    }

    #[test]
    fn same_matches_as_one_regex_per_pattern() {
        let patterns = [
            r"\\svcsstat\.exe",
            r"(?i)\\procdump(64)?(a)?\.(exe|zip)",
            r"ystem32\\wshnetc\.dll",
            r"\\[a-z]\.aspx$",
            r"(TEMP|Temp)\\[^\\]+\.(xmd|yls)$",
            r".*",
        ];
        let m = matcher(&patterns);
        for path in [
            "/mnt/img/Windows/System32/WSHNETC.DLL",
            "C:/tools/ProcDump64.exe",
            "/srv/www/x.aspx",
            "/tmp/Temp/a.yls",
            "/nothing/here.txt",
        ] {
            let norm = normalize_path(path);
            let want: Vec<usize> = patterns
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    RegexBuilder::new(&normalize_pattern(p))
                        .case_insensitive(true)
                        .build()
                        .expect("regex")
                        .is_match(norm.as_bytes())
                })
                .map(|(i, _)| i)
                .collect();
            assert_eq!(m.matches(norm.as_bytes()), want, "{path}");
        }
    }

    #[test]
    fn literal_choice() {
        assert_eq!(required_literals(r"\\svcsstat\.exe"), Some(vec![r"\svcsstat.exe".into()]));
        // No prefix literal, but a suffix one.
        assert_eq!(required_literals(r"[^\\]+\.aspx$"), Some(vec![".aspx".into()]));
        // Nothing usable: left to the residual set.
        assert_eq!(required_literals(r".*"), None);
        assert_eq!(required_literals(r"\\[a-z]\\"), None);
    }
}
