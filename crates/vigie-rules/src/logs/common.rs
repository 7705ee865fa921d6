//! What every log rule shares: the line context, the rule record, field
//! helpers and the finding builder.

use crate::RuleInfo;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::BTreeMap;
use vigie_model::{
    Confidence, Event, Evidence, Finding, Location, RuleRef, RuleSource, Severity, Stage,
};

/// Which family of log a line comes from; each rule reads one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogKind {
    /// Web server logs with W3C field names (IIS, Apache/nginx, JSON access).
    Web,
    /// Exchange CSV logs (HttpProxy, ECP Server, OAB generator).
    Exchange,
}

/// One line as rules see it.
pub struct LineCtx<'a> {
    /// The parsed record (fields by name).
    pub event: &'a dyn Event,
    /// The raw line (prefilter and evidence).
    pub raw: &'a str,
    /// The log file, as reported.
    pub path: &'a str,
    /// 1-based line number.
    pub line: u64,
    /// The log family.
    pub kind: LogKind,
}

/// Per-file state for sequence rules (ECP-02). Create one per file.
#[derive(Debug, Default)]
pub struct FileState {
    /// Time and line of the last `Set-*VirtualDirectory` with a script URL.
    pub(crate) script_set: Option<(Option<DateTime<Utc>>, u64)>,
    /// The current line, ASCII lower-cased, for the prefilter (reused).
    pub(crate) lower: Vec<u8>,
}

/// A log rule: metadata, prefilter needles and its check function.
pub(crate) struct Rule {
    pub(crate) code: &'static str,
    pub(crate) title: &'static str,
    pub(crate) indicators: &'static [&'static str],
    pub(crate) attack: &'static [&'static str],
    pub(crate) cves: &'static [&'static str],
    /// Highest severity / stage the rule reports (for the catalog).
    pub(crate) severity: Severity,
    pub(crate) stage: Stage,
    /// The log family it reads; `None` for coverage-only rules.
    pub(crate) kind: Option<LogKind>,
    /// Byte strings (ASCII case-insensitive); the check runs only on lines
    /// containing one.
    pub(crate) needles: &'static [&'static str],
    /// A cheap test of a needle occurrence (lower-cased line, start of the
    /// occurrence; the text may run on into the following lines of a block,
    /// so the test must stop at a `\n`) for a needle that is common in
    /// benign lines: the check
    /// runs only when it holds for some occurrence. It must hold whenever
    /// the check could report, so that it only saves work.
    pub(crate) needle_confirm: Option<fn(&[u8], usize) -> bool>,
    pub(crate) check: fn(&Rule, &LineCtx<'_>, &mut FileState, &mut Vec<Finding>),
    /// The rule file's source (its `//!` header is the documentation).
    pub(crate) source: &'static str,
    pub(crate) file: &'static str,
    pub(crate) remediation: &'static str,
}

impl Rule {
    pub(crate) fn info(&self) -> RuleInfo {
        RuleInfo {
            code: self.code.to_string(),
            title: self.title.to_string(),
            engine: "log",
            severity: self.severity,
            stage: self.stage,
            indicators: self.indicators.iter().map(|s| s.to_string()).collect(),
            attack: self.attack.iter().map(|s| s.to_string()).collect(),
            doc: doc_header(self.source),
            file: format!("crates/vigie-rules/src/logs/{}", self.file),
        }
    }
}

/// The leading `//!` block of a rule file, as Markdown.
pub(crate) fn doc_header(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("//!") else { break };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out
}

/// A field's text, empty when absent.
pub(crate) fn f<'a>(ev: &'a dyn Event, name: &str) -> Cow<'a, str> {
    match ev.field(name) {
        Some(v) => match v {
            vigie_model::Value::Str(s) => s,
            other => Cow::Owned(other.as_text().into_owned()),
        },
        None => Cow::Borrowed(""),
    }
}

/// The HTTP status (`sc-status` or `HttpStatus`).
pub(crate) fn status(ev: &dyn Event) -> Option<u16> {
    let s = f(ev, "sc-status");
    let s = if s.is_empty() { f(ev, "HttpStatus") } else { s };
    s.trim().parse().ok()
}

/// Whether a status is a success (2xx) or a redirect the indicator counts.
pub(crate) fn ok_status(s: Option<u16>) -> bool {
    matches!(s, Some(200..=299))
}

/// Stage and severity of an attack request by its outcome: exploitation
/// (high) when the server answered as if it worked, else an attempt (medium).
pub(crate) fn attempt_or_exploitation(worked: bool) -> (Stage, Severity) {
    if worked { (Stage::Exploitation, Severity::High) } else { (Stage::Attempt, Severity::Medium) }
}

/// ASCII case-insensitive `contains`: SIMD search for the first byte (both
/// cases), then a comparison of the rest.
pub(crate) fn icontains(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else { return true };
    let Some(last) = h.len().checked_sub(n.len()) else { return false };
    let (lo, up) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    memchr::memchr2_iter(lo, up, &h[..=last])
        .any(|i| h[i + 1..i + n.len()].eq_ignore_ascii_case(rest))
}

/// ASCII case-insensitive `starts_with`.
pub(crate) fn istarts(hay: &str, prefix: &str) -> bool {
    hay.len() >= prefix.len()
        && hay.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// For needle confirmations: the URL path starting at `at` of a lower-cased
/// block (up to a space, tab, quote, `?` or line end). When a rule tests a
/// URL path that begins with its needle, this is that path; `None` when it
/// is not UTF-8 (the confirmation must then let the line through).
pub(crate) fn path_at(lower: &[u8], at: usize) -> Option<&str> {
    let rest = lower.get(at..)?;
    let end = rest
        .iter()
        .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'?'))
        .unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end]).ok()
}

/// For needle confirmations: whether the line of a lower-cased block that
/// holds offset `at` contains `word`.
pub(crate) fn line_has(lower: &[u8], at: usize, word: &[u8]) -> bool {
    let at = at.min(lower.len());
    let start = memchr::memrchr(b'\n', &lower[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &lower[at..]).map_or(lower.len(), |i| at + i);
    // Words are short and lines are a few hundred bytes: stopping at each
    // occurrence of the first byte costs less than building a substring
    // searcher per call.
    let line = &lower[start..end];
    let Some(&first) = word.first() else { return true };
    memchr::memchr_iter(first, line).any(|i| line[i..].starts_with(word))
}

/// For tests of needle confirmations: run `confirm` at the first
/// occurrence of `needle` in `line`, lower-cased as the search does.
#[cfg(test)]
pub(crate) fn confirm_at(confirm: fn(&[u8], usize) -> bool, line: &str, needle: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    let i = lower.find(needle).unwrap_or_else(|| panic!("{needle} not in {line}"));
    confirm(lower.as_bytes(), i)
}

/// ASCII case-insensitive `ends_with`.
pub(crate) fn iends(hay: &str, suffix: &str) -> bool {
    hay.len() >= suffix.len()
        && hay.as_bytes()[hay.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// `+` as space (IIS encoding), lower-case: for comparing user agents
/// whether or not the reader decoded them.
pub(crate) fn norm_ua(s: &str) -> String {
    s.replace('+', " ").to_ascii_lowercase()
}

const WEB_FIELDS: [&str; 13] = [
    "date",
    "time",
    "s-ip",
    "s-port",
    "cs-host",
    "c-ip",
    "cs-username",
    "cs-method",
    "cs-uri-stem",
    "cs-uri-query",
    "sc-status",
    "cs(User-Agent)",
    "cs(Referer)",
];
const EXCHANGE_FIELDS: [&str; 19] = [
    "DateTime",
    "TimeStamp",
    "ClientIpAddress",
    "Method",
    "UrlHost",
    "UrlStem",
    "UrlQuery",
    "HttpStatus",
    "UserAgent",
    "AuthenticatedUser",
    "AnchorMailbox",
    "BackEndCookie",
    "RoutingHint",
    "ProtocolAction",
    "TargetServer",
    "ServerHostName",
    "ServerName",
    "EventId",
    "EventData",
];
const MAX_RAW: usize = 4096;
const MAX_FIELD: usize = 1024;

fn bounded(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// The rule reference findings of `rule` carry.
pub(crate) fn rule_ref(rule: &Rule) -> RuleRef {
    let mut rref = RuleRef::new(rule.code, rule.title, RuleSource::Log);
    rref.ruleset = Some("builtin".into());
    rref.file = Some(format!("crates/vigie-rules/src/logs/{}", rule.file));
    rref
}

/// The line as evidence: raw (bounded) and its parsed fields.
pub(crate) fn line_evidence(ctx: &LineCtx<'_>) -> Evidence {
    let mut fields = BTreeMap::new();
    let names: &[&str] = match ctx.kind {
        LogKind::Web => &WEB_FIELDS,
        LogKind::Exchange => &EXCHANGE_FIELDS,
    };
    for name in names {
        if let Some(v) = ctx.event.field(name) {
            let v = v.as_text();
            if !v.is_empty() {
                fields.insert((*name).to_string(), bounded(&v, MAX_FIELD));
            }
        }
    }
    Evidence::LogLine {
        path: ctx.path.to_string(),
        line: ctx.line,
        raw: bounded(ctx.raw, MAX_RAW),
        fields,
    }
}

/// Build a finding for `rule` on this line.
pub(crate) fn finding(
    rule: &Rule,
    ctx: &LineCtx<'_>,
    stage: Stage,
    severity: Severity,
    confidence: Confidence,
    title: String,
) -> Finding {
    let location =
        Location { path: ctx.path.to_string(), line: Some(ctx.line), ..Location::default() };
    let mut fi = Finding::new(rule_ref(rule), severity, stage, title, location)
        .with_confidence(confidence)
        .with_remediation(rule.remediation)
        .with_evidence(line_evidence(ctx));
    if let Some(t) = ctx.event.timestamp() {
        fi = fi.with_time(t);
    }
    fi.attack = rule.attack.iter().map(|s| s.to_string()).collect();
    fi.cves = rule.cves.iter().map(|s| s.to_string()).collect();
    fi.indicators = rule.indicators.iter().map(|s| s.to_string()).collect();
    fi.description = Some(doc_section(rule.source, "Why is this bad?"));
    fi
}

/// The first paragraph of a `## <name>` section of a rule header.
pub(crate) fn doc_section(source: &str, name: &str) -> String {
    let doc = doc_header(source);
    let mut out = String::new();
    let mut inside = false;
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            if inside {
                break;
            }
            inside = h.trim() == name;
            continue;
        }
        if inside {
            if line.trim().is_empty() && !out.is_empty() {
                break;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(line.trim());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::icontains;

    #[test]
    fn icontains_is_ascii_case_insensitive() {
        assert!(icontains("GET /OWA/Auth/x.aspx", "/owa/auth/"));
        assert!(icontains("abc", ""));
        assert!(icontains("xxPort=1", "port="));
        assert!(!icontains("port", "port="));
        assert!(!icontains("", "a"));
        assert!(icontains("aaB", "ab"));
    }
}
