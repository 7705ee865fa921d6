//! Streamed line reading for text logs: plain or gzip, bounded line length,
//! a reused block buffer, never the whole file in memory.
//!
//! - The reader fills a block buffer with as much input as fits and hands
//!   out the complete lines in it without copying them. A caller can look at
//!   the whole block of complete lines once ([`LineReader::block`]) — one
//!   needle search over tens of kilobytes costs far less than one per line —
//!   and then take its lines one by one.
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
use std::io::{self, BufReader, Read};
use std::ops::Range;
use std::path::Path;

/// Longest line kept, in bytes (1 MiB). Longer lines are counted as
/// malformed and skipped.
pub const MAX_LINE_LEN: usize = 1 << 20;

/// Size of the block buffer. Measured: a buffer just under 64 KiB keeps the
/// kernel's copy from the page cache and the searches over the block in the
/// CPU caches; a 128 KiB one made reading twice as slow on the benchmark
/// machine.
const BLOCK: usize = 60 * 1024;

/// What [`LineReader::next_line`] read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// A line is ready: [`LineReader::line`].
    Ok,
    /// The line was longer than the limit and was skipped.
    TooLong {
        /// Its length in bytes.
        len: u64,
    },
}

/// A bounded line reader over any [`Read`], by blocks of whole lines.
pub struct LineReader<R> {
    inner: R,
    max: usize,
    buf: Vec<u8>,
    /// Bytes of `buf` holding input.
    filled: usize,
    /// End of the complete lines in `buf` (the block).
    complete: usize,
    /// Start of the next line.
    pos: usize,
    /// The current line (without its line end).
    cur: Range<usize>,
    /// Blocks read so far.
    block_no: u64,
    eof: bool,
    line_no: u64,
    offset: u64,
}

impl<R: Read> LineReader<R> {
    /// A reader that keeps lines up to [`MAX_LINE_LEN`] bytes.
    pub fn new(inner: R) -> Self {
        Self::with_max(inner, MAX_LINE_LEN)
    }

    /// A reader that keeps lines up to `max` bytes.
    pub fn with_max(inner: R, max: usize) -> Self {
        LineReader {
            inner,
            max,
            buf: vec![0; BLOCK.min(max + 2).max(2)],
            filled: 0,
            complete: 0,
            pos: 0,
            cur: 0..0,
            block_no: 0,
            eof: false,
            line_no: 0,
            offset: 0,
        }
    }

    /// The 1-based number of the last line read (0 before the first).
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// Bytes consumed so far (decompressed bytes for gzip).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The line read by the last [`LineReader::next_line`] that returned
    /// [`Line::Ok`], without its line end.
    pub fn line(&self) -> &[u8] {
        self.buf.get(self.cur.clone()).unwrap_or_default()
    }

    /// Where the current line lies in [`LineReader::block`].
    pub fn line_span(&self) -> Range<usize> {
        self.cur.clone()
    }

    /// The block of complete lines the current line belongs to, and its
    /// number (it changes each time the reader reads more input).
    pub fn block(&self) -> (u64, &[u8]) {
        (self.block_no, self.buf.get(..self.complete).unwrap_or_default())
    }

    /// Read the next line; `Ok(None)` at the end of the input.
    pub fn next_line(&mut self) -> io::Result<Option<Line>> {
        loop {
            if self.pos < self.complete {
                let rest = &self.buf[self.pos..self.complete];
                let take = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
                let mut end = self.pos + take;
                if self.buf[end - 1] == b'\n' {
                    end -= 1;
                }
                if end > self.pos && self.buf[end - 1] == b'\r' {
                    end -= 1;
                }
                self.cur = self.pos..end;
                self.pos += take;
                self.line_no += 1;
                self.offset += take as u64;
                return Ok(Some(Line::Ok));
            }
            if self.eof {
                return Ok(None);
            }
            if let Some(len) = self.refill()? {
                self.line_no += 1;
                self.offset += len;
                self.cur = 0..0;
                return Ok(Some(Line::TooLong { len }));
            }
        }
    }

    /// Keep the unread partial line, read until the buffer is full or the
    /// input ends, and mark the complete lines. Returns the length of a line
    /// longer than the limit when one was skipped instead.
    fn refill(&mut self) -> io::Result<Option<u64>> {
        self.buf.copy_within(self.pos..self.filled, 0);
        self.filled -= self.pos;
        self.pos = 0;
        self.complete = 0;
        self.block_no += 1;
        loop {
            if self.filled == self.buf.len() {
                if memchr::memchr(b'\n', &self.buf[..self.filled]).is_some() {
                    break;
                }
                if self.buf.len() < self.max + 2 {
                    let grown = (self.buf.len() * 2).min(self.max + 2);
                    self.buf.resize(grown, 0);
                } else {
                    return self.skip_long_line().map(Some);
                }
            }
            let n = read_some(&mut self.inner, &mut self.buf[self.filled..])?;
            if n == 0 {
                self.eof = true;
                self.complete = self.filled;
                return Ok(None);
            }
            self.filled += n;
        }
        self.complete = memchr::memrchr(b'\n', &self.buf[..self.filled]).map_or(0, |i| i + 1);
        Ok(None)
    }

    /// The buffer holds the start of a line longer than the limit: read on
    /// to its end, keeping what follows. Returns its length.
    fn skip_long_line(&mut self) -> io::Result<u64> {
        let mut len = self.filled as u64;
        self.filled = 0;
        loop {
            let n = read_some(&mut self.inner, &mut self.buf)?;
            if n == 0 {
                self.eof = true;
                return Ok(len);
            }
            if let Some(i) = memchr::memchr(b'\n', &self.buf[..n]) {
                len += (i + 1) as u64;
                self.buf.copy_within(i + 1..n, 0);
                self.filled = n - i - 1;
                return Ok(len);
            }
            len += n as u64;
        }
    }
}

/// One `read`, retried when interrupted.
fn read_some(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
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
pub fn open_text(path: &Path) -> io::Result<Box<dyn Read + Send>> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 2];
    let n = read_full(&mut file, &mut magic)?;
    drop(file);
    let file = File::open(path)?;
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(MultiGzDecoder::new(BufReader::with_capacity(GZ_INPUT, file))))
    } else {
        Ok(Box::new(file))
    }
}

/// Compressed bytes read at a time from a gzip file.
const GZ_INPUT: usize = 32 * 1024;

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

    fn lines_of(data: &[u8], max: usize) -> Vec<Result<Vec<u8>, u64>> {
        let mut r = LineReader::with_max(data, max);
        let mut out = Vec::new();
        while let Ok(Some(l)) = r.next_line() {
            out.push(match l {
                Line::Ok => Ok(r.line().to_vec()),
                Line::TooLong { len } => Err(len),
            });
        }
        out
    }

    #[test]
    fn bounded_lines() {
        let mut data = b"a\r\nbb\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 100));
        data.extend_from_slice(b"\nlast");
        let got = lines_of(&data, 10);
        assert_eq!(got, [Ok(b"a".to_vec()), Ok(b"bb".to_vec()), Err(101), Ok(b"last".to_vec())]);
        let mut r = LineReader::with_max(&data[..], 10);
        while let Ok(Some(_)) = r.next_line() {}
        assert_eq!(r.line_no(), 4);
        assert_eq!(r.offset(), data.len() as u64);
    }

    #[test]
    fn lines_across_blocks_and_long_lines() {
        // Lines of every length around the block size, one over the limit,
        // and a last line without a line end.
        let mut data = Vec::new();
        let mut want = Vec::new();
        for (i, len) in
            [0usize, 1, 700, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK, 9].iter().enumerate()
        {
            let line: Vec<u8> = (0..*len).map(|k| b'a' + ((i + k) % 26) as u8).collect();
            data.extend_from_slice(&line);
            data.extend_from_slice(if i % 2 == 0 { b"\r\n" } else { b"\n" });
            want.push(Ok(line));
        }
        data.extend_from_slice(&[b'z'; 300]);
        want.push(Ok(vec![b'z'; 300]));
        let got = lines_of(&data, 2 * BLOCK + 5);
        // The 3-block line is over the limit: counted with its line end.
        want[6] = Err(3 * BLOCK as u64 + 2);
        assert_eq!(got.len(), want.len());
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "line {k}");
        }
    }

    #[test]
    fn block_holds_the_current_line() {
        let data = b"one\ntwo\nthree".to_vec();
        let mut r = LineReader::new(&data[..]);
        let mut seen = Vec::new();
        while let Ok(Some(Line::Ok)) = r.next_line() {
            let (_, block) = r.block();
            seen.push(block[r.line_span()].to_vec());
        }
        assert_eq!(seen, [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]);
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
