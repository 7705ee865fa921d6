//! A small JSON writer for the page's data block: values are written straight
//! into a byte buffer (no intermediate tree), and strings are escaped so that
//! nothing quoted can end a `<script type="application/json">` block: `<`,
//! `>` and `&` become `\u003c`, `\u003e`, `\u0026`, and U+2028/U+2029 (line
//! separators older JavaScript parsers choke on) become `\u2028`/`\u2029`.

/// JSON text under construction.
#[derive(Default)]
pub(crate) struct Json {
    pub(crate) buf: Vec<u8>,
}

use crate::common::{TimeStyle, write_rfc3339};

const HEX: &[u8; 16] = b"0123456789abcdef";

impl Json {
    /// Raw JSON punctuation or a literal.
    pub(crate) fn raw(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// A JSON string.
    pub(crate) fn str(&mut self, s: &str) {
        let b = s.as_bytes();
        self.buf.reserve(b.len() + 2);
        self.buf.push(b'"');
        let mut start = 0;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let esc: Option<&[u8]> = match c {
                b'"' => Some(b"\\\""),
                b'\\' => Some(b"\\\\"),
                b'\n' => Some(b"\\n"),
                b'\r' => Some(b"\\r"),
                b'\t' => Some(b"\\t"),
                b'<' => Some(b"\\u003c"),
                b'>' => Some(b"\\u003e"),
                b'&' => Some(b"\\u0026"),
                0xE2 if b.get(i + 1) == Some(&0x80)
                    && matches!(b.get(i + 2), Some(0xA8 | 0xA9)) =>
                {
                    Some(if b[i + 2] == 0xA8 { b"\\u2028" } else { b"\\u2029" })
                }
                c if c < 0x20 => {
                    self.buf.extend_from_slice(&b[start..i]);
                    self.buf.extend_from_slice(b"\\u00");
                    self.buf.push(HEX[usize::from(c >> 4)]);
                    self.buf.push(HEX[usize::from(c & 15)]);
                    i += 1;
                    start = i;
                    continue;
                }
                _ => None,
            };
            match esc {
                Some(e) => {
                    self.buf.extend_from_slice(&b[start..i]);
                    self.buf.extend_from_slice(e);
                    i += if c == 0xE2 { 3 } else { 1 };
                    start = i;
                }
                None => i += 1,
            }
        }
        self.buf.extend_from_slice(&b[start..]);
        self.buf.push(b'"');
    }

    /// A string or `null`.
    pub(crate) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.raw("null"),
        }
    }

    /// A number.
    pub(crate) fn num(&mut self, n: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        let mut n = n;
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
    }

    /// A number or `null`.
    pub(crate) fn opt_num(&mut self, n: Option<u64>) {
        match n {
            Some(n) => self.num(n),
            None => self.raw("null"),
        }
    }

    /// A time as `DateTime::to_rfc3339` writes it
    /// (`2021-03-03T04:12:55+00:00`, fractions only when non-zero), or `null`.
    pub(crate) fn opt_time(&mut self, t: Option<chrono::DateTime<chrono::Utc>>) {
        match t {
            Some(t) => {
                self.buf.push(b'"');
                write_rfc3339(&mut self.buf, t, TimeStyle::Auto);
                self.buf.push(b'"');
            }
            None => self.raw("null"),
        }
    }

    /// An array of strings.
    pub(crate) fn strs(&mut self, list: &[String]) {
        self.buf.push(b'[');
        for (i, s) in list.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.str(s);
        }
        self.buf.push(b']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_valid_json_and_cannot_close_the_block() {
        let nasty = "a\"b\\c\n\r\t\u{1}</script><!--&\u{2028}\u{2029}é€😀";
        let mut j = Json::default();
        j.str(nasty);
        let text = String::from_utf8(j.buf).expect("utf-8");
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        assert!(!text.contains('\u{2028}') && !text.contains('\u{2029}'));
        let back: String = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back, nasty);
        let mut j = Json::default();
        j.num(0);
        j.raw(",");
        j.num(18_446_744_073_709_551_615);
        assert_eq!(j.buf, b"0,18446744073709551615");
    }
}
