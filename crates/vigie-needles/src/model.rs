//! How common each byte, and each run of bytes, is in web and Exchange log
//! lines (lower-cased): the model the planner chooses windows and buckets
//! by.
//!
//! The weights are byte classes, not measurements of one log: digits and
//! the separators of dates, addresses, URLs and CSV rows are everywhere, the
//! most frequent English letters nearly so, `$`, `{`, `<`, `@`, `!` almost
//! nowhere. Only their order matters much: the planner compares costs.

/// Probability of each byte value in a lower-cased log line.
pub(crate) struct ByteModel {
    /// `p[hi][lo]`: the byte `hi << 4 | lo`.
    p: [[f64; 16]; 16],
}

impl ByteModel {
    /// The model of web and Exchange log lines.
    pub(crate) fn logs() -> ByteModel {
        let mut p = [[0.0; 16]; 16];
        let mut total = 0.0;
        for b in 0..=255u8 {
            total += weight(b);
        }
        for b in 0..=255u8 {
            p[usize::from(b >> 4)][usize::from(b & 15)] = weight(b) / total;
        }
        ByteModel { p }
    }

    /// Probability that a byte has its low nibble in `lo` and its high
    /// nibble in `hi` (bit sets): what one fingerprint position of a Teddy
    /// bucket lets through.
    pub(crate) fn nibbles(&self, lo: u16, hi: u16) -> f64 {
        let mut sum = 0.0;
        let mut h = hi;
        while h != 0 {
            let row = &self.p[h.trailing_zeros() as usize];
            h &= h - 1;
            let mut l = lo;
            while l != 0 {
                sum += row[l.trailing_zeros() as usize];
                l &= l - 1;
            }
        }
        sum
    }
}

/// Relative weight of a lower-case byte in log lines.
fn weight(c: u8) -> f64 {
    match c {
        b'0'..=b'9' | b' ' | b',' | b'.' | b'-' | b'/' | b':' => 30.0,
        b'e' | b'o' | b'a' | b't' | b'i' | b'n' | b's' | b'r' | b'c' | b'l' => 25.0,
        b'd' | b'm' | b'p' | b'u' | b'h' | b'g' | b'b' | b'f' | b'w' | b'y' => 10.0,
        b'+' | b'=' | b'&' | b';' | b'%' | b'_' | b'(' | b')' => 6.0,
        b'j' | b'q' | b'x' | b'z' | b'k' | b'v' | b'~' | b'\\' | b'"' | b'\'' => 2.0,
        0x21..=0x7e => 0.5,
        _ => 0.05,
    }
}

/// Whether `run` is part of a word most web and Exchange log lines hold
/// (URL paths, user agents, HttpProxy columns): a window starting with it
/// would stop the SIMD search on nearly every line, whatever its bytes.
pub(crate) fn in_common_word(run: &[u8]) -> bool {
    COMMON_WORDS.iter().any(|w| w.as_bytes().windows(run.len()).any(|x| x == run))
}

/// Words that most web and Exchange log lines hold.
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
    "database",
    "mailbox",
];

#[cfg(test)]
mod tests {
    use super::{ByteModel, in_common_word};

    #[test]
    fn probabilities_sum_to_one_and_rank_bytes() {
        let m = ByteModel::logs();
        let all = m.nibbles(0xffff, 0xffff);
        assert!((all - 1.0).abs() < 1e-9, "{all}");
        let byte = |b: u8| m.nibbles(1 << (b & 15), 1 << (b >> 4));
        assert!(byte(b'$') < byte(b'q'));
        assert!(byte(b'q') < byte(b'e'));
        assert!(byte(b'e') < byte(b'0'));
        // Low nibble of `e` with the high nibbles of `e` and `u`: `e`, `u`.
        let eu = m.nibbles(1 << 5, 1 << 6 | 1 << 7);
        assert!((eu - byte(b'e') - byte(b'u')).abs() < 1e-12);
    }

    #[test]
    fn common_words() {
        assert!(in_common_word(b"look"));
        assert!(in_common_word(b"/owa"));
        assert!(!in_common_word(b"${jn"));
    }
}
