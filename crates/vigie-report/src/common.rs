//! Helpers shared by the renderers: counting, grouping, number formatting and
//! making hostile text safe for a given medium.

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use std::collections::BTreeMap;
use vigie_model::{InputKind, Location, Problem, ProblemCode, ScanResult};

/// What the `coverage.files` counters of a result count: files for a scan,
/// network targets for a probe, both in a report merged from the two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counted {
    /// `vigie scan` inputs only.
    Files,
    /// `vigie probe` inputs only.
    Targets,
    /// A merged report: files and targets together.
    Both,
}

impl Counted {
    /// From the kinds of the result's inputs (files when there are none).
    pub(crate) fn of(r: &ScanResult) -> Counted {
        let targets = r.inputs.iter().any(|i| i.kind == InputKind::Target);
        let paths = r.inputs.iter().any(|i| i.kind == InputKind::Path);
        match (paths, targets) {
            (false, true) => Counted::Targets,
            (true, true) => Counted::Both,
            _ => Counted::Files,
        }
    }

    /// Capitalised plural noun: `Files`, `Targets`, `Files and targets`.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Counted::Files => "Files",
            Counted::Targets => "Targets",
            Counted::Both => "Files and targets",
        }
    }

    /// Past participle of the work done: `scanned`, `probed`, `scanned or probed`.
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Counted::Files => "scanned",
            Counted::Targets => "probed",
            Counted::Both => "scanned or probed",
        }
    }
}

/// What the summary findings of a result count (`--max-hits`): hits beyond
/// those listed, as " · N more hits counted in summaries", or nothing.
pub(crate) fn counted_note(r: &ScanResult) -> String {
    let hits: u64 = r.findings.iter().filter_map(|f| f.counted.as_ref()).map(|c| c.hits).sum();
    if hits == 0 {
        return String::new();
    }
    let noun = if hits == 1 { "hit" } else { "hits" };
    format!(" · {} more {noun} counted in summaries", vigie_model::thousands(hits))
}

/// `path`, `path:line`, `path#record`, `path@offset`, with `!member` for
/// container members: the place a responder opens.
pub(crate) fn location_string(loc: &Location) -> String {
    let mut s = loc.path.clone();
    if let Some(m) = &loc.member {
        s.push('!');
        s.push_str(m);
    }
    if let Some(l) = loc.line {
        s.push_str(&format!(":{l}"));
    } else if let Some(r) = loc.record_id {
        s.push_str(&format!(" record {r}"));
    } else if let Some(o) = loc.offset {
        s.push_str(&format!(" @{o}"));
    }
    s
}

/// How [`write_rfc3339`] writes a time.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeStyle {
    /// As `DateTime::to_rfc3339`: fractions only when non-zero, `+00:00`.
    Auto,
    /// As `to_rfc3339_opts(SecondsFormat::Millis, true)`: `.mmm` and `Z`.
    Millis,
}

/// Append `n` in `width` decimal digits (zero-padded), then `sep`.
fn num(buf: &mut Vec<u8>, n: u32, width: usize, sep: Option<u8>) {
    let mut tmp = [b'0'; 9];
    let mut v = n;
    for i in (0..width).rev() {
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    buf.extend_from_slice(&tmp[..width]);
    if let Some(c) = sep {
        buf.push(c);
    }
}

/// Append `t` in RFC 3339 to `buf`, byte for byte as chrono writes it, without
/// going through `fmt` (hundreds of thousands of times per report).
pub(crate) fn write_rfc3339(buf: &mut Vec<u8>, t: DateTime<Utc>, style: TimeStyle) {
    let (year, nanos) = (t.year(), t.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        // Leap seconds and far years: let chrono write them.
        let text = match style {
            TimeStyle::Auto => t.to_rfc3339(),
            TimeStyle::Millis => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        };
        buf.extend_from_slice(text.as_bytes());
        return;
    }
    num(buf, year as u32, 4, Some(b'-'));
    num(buf, t.month(), 2, Some(b'-'));
    num(buf, t.day(), 2, Some(b'T'));
    num(buf, t.hour(), 2, Some(b':'));
    num(buf, t.minute(), 2, Some(b':'));
    num(buf, t.second(), 2, None);
    match style {
        TimeStyle::Millis => {
            buf.push(b'.');
            num(buf, nanos / 1_000_000, 3, Some(b'Z'));
        }
        TimeStyle::Auto => {
            if nanos != 0 {
                buf.push(b'.');
                if nanos % 1_000_000 == 0 {
                    num(buf, nanos / 1_000_000, 3, None);
                } else if nanos % 1_000 == 0 {
                    num(buf, nanos / 1_000, 6, None);
                } else {
                    num(buf, nanos, 9, None);
                }
            }
            buf.extend_from_slice(b"+00:00");
        }
    }
}

/// Bytes in a human unit (`1.5 MB`), decimal units.
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[unit]) }
}

/// The snake_case name of a problem code (as in JSON).
pub(crate) fn code_name(code: ProblemCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{code:?}"))
}

/// A plain-words label for a problem code.
pub(crate) fn code_label(code: ProblemCode) -> String {
    code_name(code).replace('_', " ")
}

/// Problems grouped by code: (code, count, first example), most frequent first.
pub(crate) fn group_problems(problems: &[Problem]) -> Vec<(ProblemCode, usize, &Problem)> {
    let mut m: BTreeMap<ProblemCode, (usize, &Problem)> = BTreeMap::new();
    for p in problems {
        m.entry(p.code).and_modify(|e| e.0 += 1).or_insert((1, p));
    }
    let mut v: Vec<_> = m.into_iter().map(|(c, (n, p))| (c, n, p)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Replace control characters (ANSI escapes, carriage returns, bidi
/// overrides) so hostile text cannot drive the terminal.
pub(crate) fn terminal_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                if c == '\t' { ' ' } else { '\u{fffd}' }
            } else {
                c
            }
        })
        .collect()
}

/// Unicode bidirectional controls (used to disguise file names).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// Shorten `s` to at most `max` characters, keeping the start and the end
/// (the file name) and putting `…` in the middle.
pub(crate) fn truncate_middle(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    if max <= 1 {
        return "…".chars().take(max).collect();
    }
    let keep = max - 1;
    let tail = keep * 2 / 3;
    let head = keep - tail;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// Shorten `s` to at most `max` characters, cutting at the end with `…`.
pub(crate) fn truncate_end(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Word-wrap `s` to lines of at most `width` characters (long words are cut).
pub(crate) fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let mut word: String = word.to_string();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        let need = if line.is_empty() { 0 } else { 1 } + word.chars().count();
        if line.chars().count() + need > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_truncation() {
        assert_eq!(vigie_model::thousands(1_234_567), "1,234,567");
        assert_eq!(vigie_model::thousands(12), "12");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
        let t = truncate_middle("C:/inetpub/wwwroot/aspnet_client/system_web/shell.aspx", 30);
        assert_eq!(t.chars().count(), 30);
        assert!(t.ends_with("shell.aspx"));
        assert_eq!(
            wrap("aaa bbbb cccc ddddddddddddd", 10),
            vec!["aaa bbbb", "cccc", "dddddddddd", "ddd"]
        );
    }

    #[test]
    fn times_are_written_as_chrono_writes_them() {
        use chrono::TimeZone;
        let base = Utc.with_ymd_and_hms(2021, 3, 3, 4, 5, 6).single().expect("valid");
        for nanos in [0, 120_000_000, 123_456_000, 123_456_789, 7] {
            let t = base + chrono::Duration::nanoseconds(nanos);
            for (style, want) in [
                (TimeStyle::Auto, t.to_rfc3339()),
                (TimeStyle::Millis, t.to_rfc3339_opts(SecondsFormat::Millis, true)),
            ] {
                let mut buf = Vec::new();
                write_rfc3339(&mut buf, t, style);
                assert_eq!(String::from_utf8(buf).expect("ascii"), want);
            }
        }
        let far = Utc.with_ymd_and_hms(12021, 1, 1, 0, 0, 0).single().expect("valid");
        let mut buf = Vec::new();
        write_rfc3339(&mut buf, far, TimeStyle::Auto);
        assert_eq!(String::from_utf8(buf).expect("ascii"), far.to_rfc3339());
    }

    #[test]
    fn terminal_safe_strips_escapes() {
        assert_eq!(terminal_safe("a\x1b[2Jb\r\n"), "a\u{fffd}[2Jb\u{fffd}\u{fffd}");
        assert_eq!(terminal_safe("x\u{202e}gpj.aspx"), "x\u{fffd}gpj.aspx");
    }
}
