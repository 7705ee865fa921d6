//! [`LogReader`]: one streamed reader for every text-log format, yielding
//! [`LogRecord`]s and counting bad lines without stopping.

use crate::access_log;
use crate::exchange_csv::{self, CsvState};
use crate::json_access;
use crate::record::{Cols, LogFormat, LogRecord, Names};
use crate::sniff::SourceKind;
use crate::text::{Line, LineReader, decode_line, open_text, sniff_path};
use crate::w3c::{self, W3cState};
use chrono::{DateTime, Utc};
use std::io::{self, Read};
use std::ops::Range;
use std::path::Path;

/// A line that could not be used; the file goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: u64,
    /// Why (names what was expected).
    pub reason: String,
}

/// What [`LogReader::next_item`] read.
pub enum LogItem<'r> {
    /// A parsed line.
    Record(LogRecord<'r>),
    /// A malformed or overlong line (counted, skipped).
    Bad(BadLine),
    /// A well-formed line the [`LineGate`] did not want: only its time.
    Quiet {
        /// The line's time, when it has one.
        time: Option<DateTime<Utc>>,
    },
}

/// Tells [`LogReader::next_item_gated`] which lines need a full record.
///
/// The reader shows the gate each block of complete lines once (one search
/// over the whole block is far cheaper than one per line), then asks about
/// every line of it. Lines the gate does not want are still checked for
/// being well-formed and give their time ([`LogItem::Quiet`]). Only IIS W3C
/// and Exchange CSV lines are gated: the values of those formats are slices
/// of the raw line (see [`LogRecord::values_text`]); other formats always
/// give full records.
pub trait LineGate {
    /// A new block of raw lines was read.
    fn block(&mut self, block: &[u8]);
    /// Whether the line at `span` of the last block needs a full record.
    fn wants(&mut self, span: Range<usize>) -> bool;
}

/// A read error that ends the file (truncated gzip, I/O error), with where it
/// happened. Lines read before it were delivered.
#[derive(Debug, thiserror::Error)]
#[error("read error after line {line} (byte {offset} of the decompressed text): {source}")]
pub struct LogReadError {
    /// Last line read before the error.
    pub line: u64,
    /// Decompressed bytes read before the error.
    pub offset: u64,
    /// The underlying error.
    #[source]
    pub source: io::Error,
}

/// Streams the lines of one text log (plain or gzip) as [`LogRecord`]s.
///
/// ```no_run
/// use vigie_source::{LogItem, LogReader};
/// use vigie_model::Event;
/// let mut reader = LogReader::open("u_ex210302.log".as_ref())?.expect("a text log");
/// while let Some(item) = reader.next_item()? {
///     if let LogItem::Record(rec) = item {
///         println!("{:?}", rec.field("cs-uri-stem"));
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct LogReader {
    lines: LineReader<Box<dyn Read + Send>>,
    format: LogFormat,
    /// Decoded text of a line that is not plain UTF-8.
    text: String,
    /// Whether the current line is in `text` (else it is the reader's line).
    decoded: bool,
    /// The block last shown to a gate.
    gated_block: u64,
    /// Whether that block is all ASCII.
    block_ascii: bool,
    names: Names,
    cols: Cols,
    w3c: W3cState,
    csv: CsvState,
}

impl LogReader {
    /// Open `path` (plain or gzip) and sniff it. `Ok(None)` when it is not a
    /// text log this reader knows.
    pub fn open(path: &Path) -> io::Result<Option<LogReader>> {
        LogReader::open_as(path, sniff_path(path)?)
    }

    /// Open `path` (plain or gzip) as the `kind` a caller already sniffed
    /// (for a gzip, the kind of the text inside, see [`sniff_path`]).
    /// `Ok(None)` when the kind is not a text log this reader knows.
    pub fn open_as(path: &Path, kind: SourceKind) -> io::Result<Option<LogReader>> {
        let Some(format) = format_of(kind) else { return Ok(None) };
        Ok(Some(LogReader::new(open_text(path)?, format)))
    }

    /// Read `input` as `format`.
    pub fn new(input: Box<dyn Read + Send>, format: LogFormat) -> LogReader {
        let mut names = Names::default();
        if format == LogFormat::AccessLog {
            access_log::init(&mut names);
        }
        LogReader {
            lines: LineReader::new(input),
            format,
            text: String::new(),
            decoded: false,
            gated_block: 0,
            block_ascii: false,
            names,
            cols: Cols::default(),
            w3c: W3cState::default(),
            csv: CsvState::default(),
        }
    }

    /// The format being read.
    pub fn format(&self) -> LogFormat {
        self.format
    }

    /// Lines read so far (records, bad lines, directives, blank lines).
    pub fn lines_read(&self) -> u64 {
        self.lines.line_no()
    }

    /// Decompressed bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.lines.offset()
    }

    /// How many of IIS's default fields were assumed because data lines came
    /// before any `#Fields` header (a log extract): `Some(15)` or `Some(14)`.
    pub fn assumed_fields(&self) -> Option<usize> {
        self.w3c.assumed
    }

    /// The Exchange `#Log-type:` directive seen so far.
    pub fn log_type(&self) -> Option<&str> {
        self.csv.log_type.as_deref()
    }

    /// Whether [`LogReader::next_item_gated`] asks its gate about this
    /// file's lines (IIS W3C and Exchange CSV, see [`LineGate`]).
    pub fn gates_lines(&self) -> bool {
        matches!(self.format, LogFormat::W3c | LogFormat::ExchangeCsv)
    }

    /// The next record or bad line; `Ok(None)` at the end. An `Err` ends the
    /// file (truncated gzip, I/O error).
    pub fn next_item(&mut self) -> Result<Option<LogItem<'_>>, LogReadError> {
        self.next(None)
    }

    /// Like [`LogReader::next_item`], but IIS W3C and Exchange CSV lines the
    /// gate does not want come as [`LogItem::Quiet`].
    pub fn next_item_gated(
        &mut self,
        gate: &mut dyn LineGate,
    ) -> Result<Option<LogItem<'_>>, LogReadError> {
        self.next(Some(gate))
    }

    fn next(
        &mut self,
        mut gate: Option<&mut dyn LineGate>,
    ) -> Result<Option<LogItem<'_>>, LogReadError> {
        if !self.gates_lines() {
            gate = None;
        }
        let time = loop {
            match self.step(gate.as_deref_mut())? {
                Step::Skip => continue,
                Step::End => return Ok(None),
                Step::Item(item) => return Ok(Some(item)),
                Step::Record(time) => break time,
            }
        };
        let text = if self.decoded {
            self.text.as_str()
        } else {
            std::str::from_utf8(self.lines.line()).unwrap_or_default()
        };
        let src = if self.format == LogFormat::W3c { text } else { &self.cols.values };
        Ok(Some(LogItem::Record(LogRecord {
            format: self.format,
            line_no: self.lines.line_no(),
            raw: text,
            src,
            names: &self.names,
            cols: &self.cols,
            time,
            log_type: self.csv.log_type.as_deref(),
        })))
    }

    /// Read and parse one line.
    fn step<'g>(
        &mut self,
        mut gate: Option<&mut (dyn LineGate + 'g)>,
    ) -> Result<Step, LogReadError> {
        let got = self.lines.next_line().map_err(|source| LogReadError {
            line: self.lines.line_no(),
            offset: self.lines.offset(),
            source,
        })?;
        let line = self.lines.line_no();
        match got {
            None => return Ok(Step::End),
            Some(Line::TooLong { len }) => {
                let reason = format!("line of {len} bytes is longer than the 1 MiB limit; skipped");
                return Ok(Step::Item(LogItem::Bad(BadLine { line, reason })));
            }
            Some(Line::Ok) => {}
        }
        if self.format == LogFormat::W3c {
            w3c::assume_default(self.lines.line(), &mut self.names, &mut self.w3c);
        }
        let wanted = match gate.as_deref_mut().map(|g| self.gate_ascii(g, line)) {
            Some(Gated::Done(step)) => return Ok(step),
            Some(Gated::Wanted) => Some(true),
            Some(Gated::Undecided) | None => None,
        };
        let bytes = self.lines.line();
        self.decoded = false;
        let text: &str = match std::str::from_utf8(bytes) {
            Ok(t) if !t.starts_with('\u{feff}') => t,
            _ => {
                decode_line(bytes, &mut self.text);
                self.decoded = true;
                &self.text
            }
        };
        if text.trim().is_empty() {
            return Ok(Step::Skip);
        }
        self.cols.clear();
        if text.starts_with('#') && self.format != LogFormat::JsonAccess {
            let r = match self.format {
                LogFormat::W3c => w3c::directive(text, &mut self.names, &mut self.w3c),
                LogFormat::ExchangeCsv => {
                    exchange_csv::directive(text, &mut self.names, &mut self.csv)
                }
                _ => Ok(()),
            };
            return Ok(match r {
                Ok(()) => Step::Skip,
                Err(reason) => Step::Item(LogItem::Bad(self.bad(line, reason))),
            });
        }
        let wanted = match (wanted, gate) {
            (Some(w), _) => w,
            (None, Some(g)) => g.wants(self.lines.line_span()),
            (None, None) => true,
        };
        let parsed = match self.format {
            LogFormat::W3c if !wanted => {
                w3c::check(text.trim_end().as_bytes(), &self.names, &self.w3c)
            }
            LogFormat::ExchangeCsv if !wanted => {
                exchange_csv::check(text.as_bytes(), &self.names, &self.csv)
            }
            LogFormat::W3c => w3c::parse(text, &self.names, &mut self.cols, &self.w3c),
            LogFormat::ExchangeCsv => {
                exchange_csv::parse(text, &self.names, &mut self.cols, &self.csv)
            }
            LogFormat::AccessLog => access_log::parse(text, &mut self.cols),
            LogFormat::JsonAccess => json_access::parse(text, &mut self.names, &mut self.cols),
        };
        let time = match parsed {
            Err(reason) => return Ok(Step::Item(LogItem::Bad(self.bad(line, reason)))),
            Ok(time) => time,
        };
        if !wanted {
            return Ok(Step::Item(LogItem::Quiet { time }));
        }
        Ok(Step::Record(time))
    }
}

impl LogReader {
    /// Show the gate each new block. For a line of an all-ASCII block, skip
    /// it when blank; for a data line, ask the gate and, when it does not
    /// want the line, check it on its bytes (no UTF-8 validation or
    /// decoding).
    fn gate_ascii(&mut self, g: &mut dyn LineGate, line: u64) -> Gated {
        let (block_no, block) = self.lines.block();
        if block_no != self.gated_block {
            self.gated_block = block_no;
            self.block_ascii = block.is_ascii();
            g.block(block);
        }
        let bytes = self.lines.line();
        if !self.block_ascii || bytes.starts_with(b"#") {
            return Gated::Undecided;
        }
        if is_blank(bytes) {
            return Gated::Done(Step::Skip);
        }
        if g.wants(self.lines.line_span()) {
            return Gated::Wanted;
        }
        let parsed = match self.format {
            LogFormat::W3c => w3c::check(trim_end(bytes), &self.names, &self.w3c),
            _ => exchange_csv::check(bytes, &self.names, &self.csv),
        };
        Gated::Done(Step::Item(match parsed {
            Err(reason) => LogItem::Bad(self.bad(line, reason)),
            Ok(time) => LogItem::Quiet { time },
        }))
    }

    fn bad(&self, line: u64, reason: String) -> BadLine {
        BadLine { line, reason: format!("{}: {reason}", self.format.name()) }
    }
}

/// The whitespace `str::trim` removes, within ASCII.
fn is_ws(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Whether an ASCII line is blank (as `str::trim` sees it).
fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| is_ws(b))
}

/// An ASCII line without its trailing whitespace (as `str::trim_end`).
fn trim_end(line: &[u8]) -> &[u8] {
    let end = line.iter().rposition(|&b| !is_ws(b)).map_or(0, |i| i + 1);
    &line[..end]
}

/// What [`LogReader::gate_ascii`] made of a line.
enum Gated {
    /// Blank, quiet or bad: nothing more to do.
    Done(Step),
    /// The gate wants a full record.
    Wanted,
    /// Not an ASCII data line: the gate was not asked.
    Undecided,
}

/// What [`LogReader::step`] made of a line.
enum Step {
    /// A blank line or a directive.
    Skip,
    /// The end of the input.
    End,
    /// A bad or quiet line.
    Item(LogItem<'static>),
    /// A record (its fields are in the reader).
    Record(Option<DateTime<Utc>>),
}

/// The log format of a sniffed kind, when it is a text log.
pub fn format_of(kind: SourceKind) -> Option<LogFormat> {
    match kind {
        SourceKind::W3c => Some(LogFormat::W3c),
        SourceKind::ExchangeCsv => Some(LogFormat::ExchangeCsv),
        SourceKind::AccessLog => Some(LogFormat::AccessLog),
        SourceKind::JsonAccessLog => Some(LogFormat::JsonAccess),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gate that wants no line.
    struct Nothing;

    impl LineGate for Nothing {
        fn block(&mut self, _: &[u8]) {}
        fn wants(&mut self, _: Range<usize>) -> bool {
            false
        }
    }

    /// Per line item: `Err(line)` for a bad line, else the time.
    fn items(text: &str, format: LogFormat, gated: bool) -> Vec<Result<Option<i64>, u64>> {
        let input: Box<dyn Read + Send> = Box::new(io::Cursor::new(text.as_bytes().to_vec()));
        let mut reader = LogReader::new(input, format);
        let mut out = Vec::new();
        loop {
            let item =
                if gated { reader.next_item_gated(&mut Nothing) } else { reader.next_item() };
            match item {
                Ok(Some(LogItem::Bad(b))) => out.push(Err(b.line)),
                Ok(Some(LogItem::Quiet { time })) => out.push(Ok(time.map(|t| t.timestamp()))),
                Ok(Some(LogItem::Record(r))) => {
                    out.push(Ok(vigie_model::Event::timestamp(&r).map(|t| t.timestamp())))
                }
                Ok(None) | Err(_) => return out,
            }
        }
    }

    #[test]
    fn quiet_lines_of_ascii_blocks_agree_with_full_records() {
        let w3c = "#Fields: date time cs-method\r\n\
            2021-03-02 10:00:00 GET\r\n\
            \x0b \t\r\n\
            2021-03-02 10:00:01 GET  \r\n\
            2021-03-02 10:00:02 GET extra\r\n\
            2021-02-30 10:00:03 GET\r\n\
            2021-03-03 10:00:04\r\n\
            2021-03-03 1:00:05 POST\r\n";
        let csv = "#Fields: DateTime,RequestId,UserAgent\r\n\
            2021-03-02T10:00:00.123Z,r1,curl\r\n\
            \"2021-03-02T10:00:01Z\",r2,x\r\n\
            2021-03-02T10:00:02Z,r3,\"a,b\"\r\n\
            2021-03-02T10:00:03Z,r4,\"open\r\n\
            2021-03-02T10:00:04Z,r5,x,extra\r\n";
        for (text, format) in [(w3c, LogFormat::W3c), (csv, LogFormat::ExchangeCsv)] {
            let full = items(text, format, false);
            assert_eq!(items(text, format, true), full, "{format:?}");
            assert!(
                full.iter().any(Result::is_err) && full.iter().any(|i| matches!(i, Ok(Some(_))))
            );
            // The same lines in a block holding a non-ASCII byte take the
            // decoding path; the answers stay the same.
            let mixed = format!("{text}2021-03-04 10:00:00 é\r\n");
            let (a, b) = (items(&mixed, format, true), items(&mixed, format, false));
            assert_eq!(a[..full.len()], full[..], "{format:?}");
            assert_eq!(a, b, "{format:?}");
        }
    }
}
