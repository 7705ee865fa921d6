//! Text helpers: case folding, Sigma wildcard patterns, string matchers and
//! the value encodings (`base64`, `base64offset`, `utf16*`, `windash`).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use memchr::memmem::Finder;

/// Lower-case `s` into `out` (ASCII fast path, Unicode otherwise).
pub(crate) fn lower_into(s: &str, out: &mut String) {
    out.clear();
    if s.is_ascii() {
        out.push_str(s);
        out.make_ascii_lowercase();
    } else {
        for c in s.chars() {
            out.extend(c.to_lowercase());
        }
    }
}

/// Lower-case `s` into a new string.
pub(crate) fn lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    lower_into(s, &mut out);
    out
}

/// One piece of a Sigma value after wildcard parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Literal text.
    Lit(String),
    /// `*`: any run of characters.
    Star,
    /// `?`: exactly one character.
    One,
}

/// Parse a Sigma string value: `*` and `?` are wildcards, `\*`, `\?` and
/// `\\` are escapes, any other backslash is literal.
pub(crate) fn parse_wildcards(s: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    lit.push(n);
                    chars.next();
                }
                _ => lit.push('\\'),
            },
            '*' | '?' => {
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                let p = if c == '*' { Piece::Star } else { Piece::One };
                if !(p == Piece::Star && out.last() == Some(&Piece::Star)) {
                    out.push(p);
                }
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    out
}

/// Pieces holding only literal text (no wildcard), as one string.
pub(crate) fn literal_only(pieces: &[Piece]) -> Option<String> {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Lit(l) => s.push_str(l),
            _ => return None,
        }
    }
    Some(s)
}

/// One string test on (case-folded unless cased) text.
#[derive(Debug)]
pub(crate) enum StrOp {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(Box<Finder<'static>>),
    /// A value that is only `*`: any text (including empty).
    Any,
    Glob(Vec<Piece>),
}

impl StrOp {
    /// Build the cheapest test for `pieces` (already case-folded if needed).
    pub(crate) fn from_pieces(pieces: Vec<Piece>) -> StrOp {
        use Piece::*;
        let n = pieces.len();
        match pieces.as_slice() {
            [] => StrOp::Exact(String::new()),
            [Star] => StrOp::Any,
            [Lit(l)] => StrOp::Exact(l.clone()),
            [Lit(l), Star] => StrOp::Prefix(l.clone()),
            [Star, Lit(l)] => StrOp::Suffix(l.clone()),
            [Star, Lit(l), Star] => {
                StrOp::Contains(Box::new(Finder::new(l.as_bytes()).into_owned()))
            }
            _ if n > 0 => StrOp::Glob(pieces),
            _ => StrOp::Any,
        }
    }

    /// The longest literal every accepted text contains.
    pub(crate) fn literal(&self) -> Option<String> {
        match self {
            StrOp::Exact(s) | StrOp::Prefix(s) | StrOp::Suffix(s) => Some(s.clone()),
            StrOp::Contains(f) => String::from_utf8(f.needle().to_vec()).ok(),
            StrOp::Any => None,
            StrOp::Glob(p) => p
                .iter()
                .filter_map(|x| match x {
                    Piece::Lit(l) => Some(l.clone()),
                    _ => None,
                })
                .max_by_key(String::len),
        }
        .filter(|s| !s.is_empty())
    }

    /// Does `text` pass?
    pub(crate) fn is_match(&self, text: &str) -> bool {
        match self {
            StrOp::Exact(s) => text == s,
            StrOp::Prefix(s) => text.starts_with(s.as_str()),
            StrOp::Suffix(s) => text.ends_with(s.as_str()),
            StrOp::Contains(f) => f.find(text.as_bytes()).is_some(),
            StrOp::Any => true,
            StrOp::Glob(p) => glob_match(p, text),
        }
    }
}

/// Wildcard match with backtracking to the last `*` (linear in practice).
pub(crate) fn glob_match(pat: &[Piece], text: &str) -> bool {
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < pat.len() {
            match &pat[pi] {
                Piece::Star => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                Piece::One if ti < t.len() => {
                    ti += utf8_len(t[ti]);
                    pi += 1;
                    continue;
                }
                Piece::Lit(l) if t[ti.min(t.len())..].starts_with(l.as_bytes()) => {
                    ti += l.len();
                    pi += 1;
                    continue;
                }
                _ => {}
            }
        } else if ti >= t.len() {
            return true;
        }
        // Mismatch: retry from the last star, one character further.
        match star {
            Some((sp, st)) if st < t.len() => {
                let next = st + utf8_len(t[st]);
                star = Some((sp, next));
                pi = sp + 1;
                ti = next;
            }
            _ => return false,
        }
    }
}

fn utf8_len(b: u8) -> usize {
    match b {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xff => 4,
        _ => 1,
    }
}

/// A set of string tests matched as OR (any) or AND (all), with an
/// Aho-Corasick automaton for many `contains` needles in OR mode.
#[derive(Debug)]
pub(crate) struct StrSet {
    ops: Vec<StrOp>,
    ac: Option<AhoCorasick>,
    /// The needles inside `ac` (kept for the prefilter).
    ac_needles: Vec<String>,
    all: bool,
}

impl StrSet {
    /// Build from the tests; `all` requires every test to pass.
    pub(crate) fn new(ops: Vec<StrOp>, all: bool) -> StrSet {
        if all {
            return StrSet { ops, ac: None, ac_needles: Vec::new(), all };
        }
        let needles: Vec<Vec<u8>> = ops
            .iter()
            .filter_map(|o| match o {
                StrOp::Contains(f) => Some(f.needle().to_vec()),
                _ => None,
            })
            .collect();
        if needles.len() < 4 {
            return StrSet { ops, ac: None, ac_needles: Vec::new(), all };
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&needles)
            .ok();
        let (ops, ac_needles) = if ac.is_some() {
            let strs = needles.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
            (ops.into_iter().filter(|o| !matches!(o, StrOp::Contains(_))).collect(), strs)
        } else {
            (ops, Vec::new())
        };
        StrSet { ops, ac, ac_needles, all }
    }

    /// Does `text` pass?
    pub(crate) fn is_match(&self, text: &str) -> bool {
        if self.all {
            return self.ops.iter().all(|o| o.is_match(text));
        }
        if let Some(ac) = &self.ac
            && ac.is_match(text)
        {
            return true;
        }
        self.ops.iter().any(|o| o.is_match(text))
    }

    /// Literals of which at least one occurs in any text this set accepts
    /// (for `all`: the longest literal of one test), or `None` when some
    /// accepted text needs no literal (e.g. `*`).
    pub(crate) fn witness_literals(&self) -> Option<Vec<String>> {
        if self.all {
            return self
                .ops
                .iter()
                .filter_map(StrOp::literal)
                .max_by_key(String::len)
                .map(|l| vec![l]);
        }
        let mut out = self.ac_needles.clone();
        for op in &self.ops {
            out.push(op.literal()?);
        }
        (!out.is_empty() && out.iter().all(|l| !l.is_empty())).then_some(out)
    }

    /// Whether every test must pass (`|all`).
    pub(crate) fn is_all(&self) -> bool {
        self.all
    }

    /// The exact values, when every test is an exact comparison (used by the
    /// rule index for `EventID` and `Channel`).
    pub(crate) fn exact_values(&self) -> Option<Vec<&str>> {
        if self.all || self.ac.is_some() {
            return None;
        }
        self.ops
            .iter()
            .map(|o| match o {
                StrOp::Exact(s) => Some(s.as_str()),
                _ => None,
            })
            .collect()
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(crate) fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { B64[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { B64[n as usize & 63] as char } else { '=' });
    }
    out
}

/// The three `base64offset` variants: the stable middle part of the
/// encoding of `data` placed at offsets 0, 1 and 2 of a 3-byte group.
pub(crate) fn base64_offsets(data: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END_TRIM: [usize; 3] = [0, 3, 2];
    let mut out = Vec::with_capacity(3);
    for i in 0..3 {
        let mut buf = vec![b' '; i];
        buf.extend_from_slice(data);
        let enc = base64(&buf);
        let end_trim = END_TRIM[(data.len() + i) % 3];
        let start = START[i];
        if enc.len() >= start + end_trim {
            out.push(enc[start..enc.len() - end_trim].to_string());
        }
    }
    out
}

/// UTF-16 little-endian bytes of `s`.
pub(crate) fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// UTF-16 big-endian bytes of `s`.
pub(crate) fn utf16be(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// The dash characters `windash` tries in place of `-` or `/`.
pub(crate) const WINDASH: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// Expand a value for `windash`: every `-` or `/` that starts a word-like
/// flag (at the start or after a non-word character, and followed by a word
/// character) is tried as each of [`WINDASH`], in all combinations.
pub(crate) fn windash_variants(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let pos: Vec<usize> = (0..chars.len())
        .filter(|&i| {
            (chars[i] == '-' || chars[i] == '/')
                && (i == 0 || !is_word(chars[i - 1]))
                && chars.get(i + 1).is_some_and(|&c| is_word(c))
        })
        .take(4)
        .collect();
    let mut out = vec![chars.clone()];
    for &p in &pos {
        let mut next = Vec::with_capacity(out.len() * WINDASH.len());
        for v in &out {
            for d in WINDASH {
                let mut w = v.clone();
                w[p] = d;
                next.push(w);
            }
        }
        out = next;
    }
    out.into_iter().map(|v| v.into_iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_escapes() {
        assert_eq!(
            parse_wildcards(r"a\*b*c?\\d\e"),
            vec![
                Piece::Lit("a*b".into()),
                Piece::Star,
                Piece::Lit("c".into()),
                Piece::One,
                Piece::Lit(r"\d\e".into())
            ]
        );
    }

    #[test]
    fn glob() {
        let p = parse_wildcards(r"c:\\*\\sys*32\\?md.exe");
        assert!(glob_match(&p, "c:\\windows\\system32\\cmd.exe"));
        assert!(!glob_match(&p, "c:\\windows\\system32\\cmdx.exe"));
        assert!(glob_match(&parse_wildcards("*a*b*"), "xxaxxbxx"));
        assert!(!glob_match(&parse_wildcards("*a*b"), "xxaxxbxx"));
        assert!(glob_match(&parse_wildcards("?é?"), "aéb"));
    }

    #[test]
    fn base64_known() {
        assert_eq!(base64(b"Hello"), "SGVsbG8=");
        assert_eq!(base64_offsets(b"/bin/sh"), vec!["L2Jpbi9za", "9iaW4vc2", "vYmluL3No"]);
        assert_eq!(base64_offsets(b"http://"), vec!["aHR0cDovL", "h0dHA6Ly", "odHRwOi8v"]);
    }

    #[test]
    fn windash() {
        let v = windash_variants("-enc ");
        assert_eq!(v.len(), 5);
        assert!(v.contains(&"/enc ".to_string()));
        assert!(v.contains(&"\u{2015}enc ".to_string()));
        assert_eq!(windash_variants("a-b").len(), 1);
    }
}
