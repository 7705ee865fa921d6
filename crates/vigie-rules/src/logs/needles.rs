//! The prefilter of the log rules: which needles occur in a lower-cased line.
//!
//! A packed (SIMD, Teddy) searcher finds the next position where some
//! needle's *window* starts, skipping the rest of the line in wide steps; at
//! each such position the needles whose window starts with that byte are
//! compared in full. This enumerates every needle occurrence, like an
//! overlapping Aho-Corasick search, at a fraction of its cost on long lines
//! (the automaton steps through every byte). Without SIMD the overlapping
//! automaton is used.
//!
//! The window of a needle is the run of it the SIMD search looks for. Teddy
//! tells candidates apart by the first four bytes of each pattern, so the
//! window starts where the needle's bytes are least common in web and
//! Exchange logs: `ooken.as` for `outlooken.aspx`, not `outl` (every
//! Outlook client's user agent). Measured on the log benchmark's IIS lines:
//! the web rules' two passes cost a quarter less than with whole needles.

use aho_corasick::packed::{Config, MatchKind as PackedKind, Searcher};
use aho_corasick::{AhoCorasick, MatchKind, Span};

/// Lower-case needles and their searchers.
pub(crate) struct Needles {
    patterns: Vec<String>,
    /// Per packed searcher, by the first byte of a window: the needles with
    /// that window and the window's offset in the needle (compared at each
    /// position the searcher stops at).
    by_first: Vec<Vec<Vec<(usize, usize)>>>,
    /// Packed searchers of at most [`GROUP`] windows each (empty without
    /// SIMD).
    packed: Vec<Searcher>,
    ac: Option<AhoCorasick>,
}

/// Windows per packed searcher: up to 32 keep the fast "slim" form, whose
/// passes cost less than one pass of the "fat" form over 33 to 64 needles.
const GROUP: usize = 32;

/// Bytes Teddy compares per pattern (its fingerprint).
const FINGERPRINT: usize = 4;

/// Longest window: enough to rule out most fingerprint matches before the
/// whole needle is compared.
const WINDOW: usize = 8;

impl Needles {
    /// `patterns` must be lower-case.
    pub(crate) fn new(patterns: Vec<String>) -> Needles {
        let at: Vec<usize> = patterns.iter().map(|p| window_start(p)).collect();
        let window = |i: usize| {
            let p = patterns[i].as_bytes();
            &p[at[i]..p.len().min(at[i] + WINDOW)]
        };
        let mut windows: Vec<&[u8]> = (0..patterns.len()).map(window).collect();
        windows.sort_unstable();
        windows.dedup();
        let groups: Vec<&[&[u8]]> = windows.chunks(GROUP).collect();
        let packed: Option<Vec<Searcher>> = groups
            .iter()
            .map(|g| {
                Config::new()
                    .match_kind(PackedKind::LeftmostFirst)
                    .builder()
                    .extend(g.iter())
                    .build()
            })
            .collect();
        let (packed, ac) = match packed {
            Some(p) if !p.is_empty() => (p, None),
            _ => (
                Vec::new(),
                AhoCorasick::builder().match_kind(MatchKind::Standard).build(&patterns).ok(),
            ),
        };
        let mut by_first = vec![vec![Vec::new(); 256]; groups.len()];
        for (i, &offset) in at.iter().enumerate() {
            let w = window(i);
            let group = groups.iter().position(|g| g.contains(&w));
            if let (Some(g), Some(&b)) = (group, w.first()) {
                by_first[g][usize::from(b)].push((i, offset));
            }
        }
        Needles { patterns, by_first, packed, ac }
    }

    /// Packed searchers run over each haystack (one SIMD pass each).
    #[cfg(test)]
    pub(crate) fn passes(&self) -> usize {
        self.packed.len()
    }

    /// Whether a search is possible (else every rule must run).
    pub(crate) fn usable(&self) -> bool {
        !self.packed.is_empty() || self.ac.is_some()
    }

    /// Call `found` with the index and start of every needle occurrence in
    /// `hay` (lower-cased).
    pub(crate) fn each(&self, hay: &[u8], mut found: impl FnMut(usize, usize)) {
        if !self.packed.is_empty() {
            for (p, by_first) in self.packed.iter().zip(&self.by_first) {
                let mut at = 0;
                while at < hay.len() {
                    let Some(m) = p.find_in(hay, Span::from(at..hay.len())) else { break };
                    let pos = m.start();
                    let first = hay.get(pos).map_or(0, |&b| usize::from(b));
                    for &(i, offset) in &by_first[first] {
                        if let Some(start) = pos.checked_sub(offset)
                            && hay[start..].starts_with(self.patterns[i].as_bytes())
                        {
                            found(i, start);
                        }
                    }
                    at = pos + 1;
                }
            }
        } else if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(hay) {
                found(m.pattern().as_usize(), m.start());
            }
        }
    }
}

/// Where a needle's window starts: the run of [`FINGERPRINT`] bytes least
/// common in log lines (the first such run on a tie).
fn window_start(needle: &str) -> usize {
    let b = needle.as_bytes();
    if b.len() <= FINGERPRINT {
        return 0;
    }
    (0..=b.len() - FINGERPRINT)
        .rev()
        .max_by_key(|&st| fingerprint_rarity(&b[st..st + FINGERPRINT]))
        .unwrap_or(0)
}

/// How rare a run of bytes is in web and Exchange log lines: the sum of its
/// bytes' rarity, much lower when it is part of a word most lines hold.
fn fingerprint_rarity(run: &[u8]) -> i32 {
    let bytes: i32 = run.iter().map(|&c| byte_rarity(c)).sum();
    let common = COMMON_WORDS.iter().any(|w| w.as_bytes().windows(run.len()).any(|x| x == run));
    if common { bytes - 10 } else { bytes }
}

/// How unusual a (lower-case) byte is in log lines, 0 to 3: digits, the
/// separators of dates, addresses, URLs and CSV rows, and the most frequent
/// letters are everywhere; `$`, `{`, `<`, `@`, `!`, … almost nowhere.
fn byte_rarity(c: u8) -> i32 {
    match c {
        b'0'..=b'9' | b' ' | b',' | b'.' | b'-' | b'/' | b':' => 0,
        b'e' | b'o' | b'a' | b't' | b'i' | b'n' | b's' | b'r' | b'c' | b'l' => 0,
        b'd' | b'm' | b'p' | b'u' | b'h' | b'g' | b'b' | b'f' | b'w' | b'y' => 1,
        b'+' | b'=' | b'&' | b';' | b'%' | b'_' | b'(' | b')' => 1,
        b'j' | b'q' | b'x' | b'z' | b'k' | b'v' | b'~' | b'\\' | b'"' | b'\'' => 2,
        _ => 3,
    }
}

/// Words that most web and Exchange log lines hold (URL paths, user
/// agents, HttpProxy columns): a window inside one would stop the SIMD
/// search on nearly every line.
const COMMON_WORDS: &[&str] = &[
    "aspx",
    "ashx",
    "auth",
    "http",
    "mozilla",
    "windows",
    "exchange",
    "service",
    "mail",
    "local",
    "/owa/",
    "/ecp/",
    "user",
    ".svc",
    "microsoft",
    "office",
    "outlook",
    "apple",
    "chrome",
    "safari",
    "gecko",
    "khtml",
    "ews/",
    "mapi",
    "sync",
    "active",
    "autodiscover",
    "word",
    "group",
    ".exe",
    ".com",
    ".js",
    ".css",
    ".htm",
    "login",
    "logon",
    "default",
    "server",
    "client",
    "request",
    "proxy",
    "token",
    "power",
    "shell",
    "error",
    "resource",
    "cookie",
    "content",
    "json",
    "xml",
    "soap",
    "application",
    "version",
];

#[cfg(test)]
mod tests {
    use super::Needles;

    #[test]
    fn every_occurrence_even_overlapping() {
        let n = Needles::new(vec!["server~".into(), "serverinfo~".into(), "info~".into()]);
        assert!(n.usable());
        let mut seen = Vec::new();
        n.each(b"x serverinfo~a server~b", |i, at| seen.push((i, at)));
        seen.sort_unstable();
        assert_eq!(seen, [(0, 15), (1, 2), (2, 8)]);
        // A needle that starts with another is found through it.
        let n = Needles::new(vec!["python-requests/".into(), "python-requests".into()]);
        let mut seen = Vec::new();
        n.each(b"a python-requests/2 python-requests", |i, at| seen.push((i, at)));
        seen.sort_unstable();
        assert_eq!(seen, [(0, 2), (1, 2), (1, 20)]);
    }

    #[test]
    fn windows_avoid_common_words_and_find_the_whole_needle() {
        // `outl`, `look` are in every Outlook user agent; `.asp` in most URLs.
        let w = super::window_start("outlooken.aspx");
        assert_eq!(&"outlooken.aspx"[w..w + 4], "ooke");
        assert_eq!(super::window_start("=${"), 0);
        let n = Needles::new(vec!["outlooken.aspx".into(), "zntwv".into()]);
        let mut seen = Vec::new();
        // The window alone at the start (no room for the needle before it),
        // the window without the needle, then both needles whole.
        n.each(b"ooken.aspx outlooken.asp outlooken.aspx zntwv", |i, at| seen.push((i, at)));
        assert_eq!(seen, [(0, 25), (1, 40)]);
    }
}
