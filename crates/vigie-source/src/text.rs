//! Streamed line reading for text logs: plain or gzip, bounded line length,
//! a reused buffer, never the whole file in memory.
//!
//! - Lines end at `\n`; a trailing `\r` is removed.
//! - A line longer than [`MAX_LINE_LEN`] is not buffered: the reader skips to
//!   its end and reports [`Line::TooLong`] with its length, so a 5 MB line
//!   costs nothing but a count.
//! - Text that is not valid UTF-8 is decoded as Latin-1 (every byte becomes
//!   the character of the same code point), which keeps every byte visible in
//!   evidence instead of replacing it with `�`.
//! - Gzip streams (several members allowed, as `logrotate` writes them) are
//!   decompressed on the fly with `flate2`; a truncated or corrupt stream ends
//!   the file with an [`std::io::Error`] after the lines read so far.

use crate::sniff::{SNIFF_LEN, SourceKind, sniff};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Longest line kept, in bytes (1 MiB). Longer lines are counted as
/// malformed and skipped.
pub const MAX_LINE_LEN: usize = 1 << 20;

const BUF_CAPACITY: usize = 128 * 1024;

/// What [`LineReader::read_line`] read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// A line is in the buffer.
    Ok,
    /// The line was longer than the limit and was skipped; the buffer is empty.
    TooLong {
        /// Its length in bytes.
        len: u64,
    },
}

/// A bounded line reader over any [`BufRead`].
pub struct LineReader<R> {
    inner: R,
    max: usize,
    line_no: u64,
    offset: u64,
}

impl<R: BufRead> LineReader<R> {
    /// A reader that keeps lines up to [`MAX_LINE_LEN`] bytes.
    pub fn new(inner: R) -> Self {
        Self::with_max(inner, MAX_LINE_LEN)
    }

    /// A reader that keeps lines up to `max` bytes.
    pub fn with_max(inner: R, max: usize) -> Self {
        LineReader { inner, max, line_no: 0, offset: 0 }
    }

    /// The 1-based number of the last line read (0 before the first).
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// Bytes consumed so far (decompressed bytes for gzip).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Read the next line into `buf` (cleared first), without its line end.
    /// `Ok(None)` at the end of the input.
    pub fn read_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<Line>> {
        buf.clear();
        let mut total = 0u64;
        let mut too_long = false;
        let mut any = false;
        loop {
            let avail = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                if !any {
                    return Ok(None);
                }
                break;
            }
            any = true;
            let (take, done) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            total += take as u64;
            if !too_long {
                if buf.len() + take > self.max + 2 {
                    too_long = true;
                    buf.clear();
                } else {
                    buf.extend_from_slice(&avail[..take]);
                }
            }
            self.inner.consume(take);
            if done {
                break;
            }
        }
        self.line_no += 1;
        self.offset += total;
        if too_long {
            return Ok(Some(Line::TooLong { len: total }));
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(Some(Line::Ok))
    }
}

/// Decode a line into `out` (cleared first): UTF-8 when valid (a leading BOM
/// is dropped), else Latin-1.
pub fn decode_line(bytes: &[u8], out: &mut String) {
    out.clear();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => out.push_str(s),
        Err(_) => out.extend(bytes.iter().map(|&b| char::from(b))),
    }
}

/// Open a file for line reading, decompressing gzip on the fly (detected by
/// content, not by extension).
pub fn open_text(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 2];
    let n = read_full(&mut file, &mut magic)?;
    drop(file);
    let file = File::open(path)?;
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(BufReader::with_capacity(BUF_CAPACITY, MultiGzDecoder::new(file))))
    } else {
        Ok(Box::new(BufReader::with_capacity(BUF_CAPACITY, file)))
    }
}

/// Sniff a file's kind, looking inside gzip: a gzip whose decompressed head
/// is a text log gets that log's kind; any other gzip stays
/// [`SourceKind::Gzip`].
pub fn sniff_path(path: &Path) -> io::Result<SourceKind> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    File::open(path)?.take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    let kind = sniff(&head, path);
    if kind != SourceKind::Gzip {
        return Ok(kind);
    }
    Ok(sniff_gzip(path).unwrap_or(SourceKind::Gzip))
}

/// The kind of the text inside a gzip file, when it is a text log.
fn sniff_gzip(path: &Path) -> Option<SourceKind> {
    let file = File::open(path).ok()?;
    let mut head = Vec::with_capacity(SNIFF_LEN);
    // A truncated stream may still give its first bytes: keep what came.
    let mut dec = MultiGzDecoder::new(file).take(SNIFF_LEN as u64);
    let mut chunk = [0u8; 4096];
    loop {
        match dec.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    let kind = sniff(&head, path);
    kind.is_text_log().then_some(kind)
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lines() {
        let mut data = b"a\r\nbb\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 100));
        data.extend_from_slice(b"\nlast");
        let mut r = LineReader::with_max(&data[..], 10);
        let mut buf = Vec::new();
        assert_eq!(r.read_line(&mut buf).ok().flatten(), Some(Line::Ok));
        assert_eq!(buf, b"a");
        assert_eq!(r.read_line(&mut buf).ok().flatten(), Some(Line::Ok));
        assert_eq!(buf, b"bb");
        assert_eq!(r.read_line(&mut buf).ok().flatten(), Some(Line::TooLong { len: 101 }));
        assert_eq!(r.read_line(&mut buf).ok().flatten(), Some(Line::Ok));
        assert_eq!(buf, b"last");
        assert_eq!(r.line_no(), 4);
        assert_eq!(r.read_line(&mut buf).ok().flatten(), None);
    }

    #[test]
    fn latin1_fallback() {
        let mut s = String::new();
        decode_line(b"caf\xe9", &mut s);
        assert_eq!(s, "café");
        decode_line("\u{feff}ok".as_bytes(), &mut s);
        assert_eq!(s, "ok");
    }
}
