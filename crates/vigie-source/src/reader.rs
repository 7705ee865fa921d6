//! [`LogReader`]: one streamed reader for every text-log format, yielding
//! [`LogRecord`]s and counting bad lines without stopping.

use crate::access_log;
use crate::exchange_csv::{self, CsvState};
use crate::json_access;
use crate::record::{Cols, LogFormat, LogRecord, Names};
use crate::sniff::SourceKind;
use crate::text::{Line, LineReader, decode_line, open_text, sniff_path};
use crate::w3c::{self, W3cState};
use std::io::{self, BufRead};
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
    lines: LineReader<Box<dyn BufRead + Send>>,
    format: LogFormat,
    bytes: Vec<u8>,
    text: String,
    names: Names,
    cols: Cols,
    w3c: W3cState,
    csv: CsvState,
}

impl LogReader {
    /// Open `path` (plain or gzip) and sniff it. `Ok(None)` when it is not a
    /// text log this reader knows.
    pub fn open(path: &Path) -> io::Result<Option<LogReader>> {
        let Some(format) = format_of(sniff_path(path)?) else { return Ok(None) };
        Ok(Some(LogReader::new(open_text(path)?, format)))
    }

    /// Read `input` as `format`.
    pub fn new(input: Box<dyn BufRead + Send>, format: LogFormat) -> LogReader {
        let mut names = Names::default();
        if format == LogFormat::AccessLog {
            access_log::init(&mut names);
        }
        LogReader {
            lines: LineReader::new(input),
            format,
            bytes: Vec::with_capacity(4096),
            text: String::with_capacity(4096),
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

    /// The Exchange `#Log-type:` directive seen so far.
    pub fn log_type(&self) -> Option<&str> {
        self.csv.log_type.as_deref()
    }

    /// The next record or bad line; `Ok(None)` at the end. An `Err` ends the
    /// file (truncated gzip, I/O error).
    pub fn next_item(&mut self) -> Result<Option<LogItem<'_>>, LogReadError> {
        loop {
            let got = self.lines.read_line(&mut self.bytes).map_err(|source| LogReadError {
                line: self.lines.line_no(),
                offset: self.lines.offset(),
                source,
            })?;
            let line = self.lines.line_no();
            match got {
                None => return Ok(None),
                Some(Line::TooLong { len }) => {
                    let reason =
                        format!("line of {len} bytes is longer than the 1 MiB limit; skipped");
                    return Ok(Some(LogItem::Bad(BadLine { line, reason })));
                }
                Some(Line::Ok) => {}
            }
            self.decode();
            if self.text.trim().is_empty() {
                continue;
            }
            self.cols.clear();
            let parsed = if self.text.starts_with('#') && self.format != LogFormat::JsonAccess {
                let r = match self.format {
                    LogFormat::W3c => w3c::directive(&self.text, &mut self.names, &mut self.w3c),
                    LogFormat::ExchangeCsv => {
                        exchange_csv::directive(&self.text, &mut self.names, &mut self.csv)
                    }
                    _ => Ok(()),
                };
                match r {
                    Ok(()) => continue,
                    Err(reason) => Err(reason),
                }
            } else {
                match self.format {
                    LogFormat::W3c => {
                        w3c::parse(&self.text, &self.names, &mut self.cols, &self.w3c)
                    }
                    LogFormat::ExchangeCsv => {
                        exchange_csv::parse(&self.text, &self.names, &mut self.cols, &self.csv)
                    }
                    LogFormat::AccessLog => access_log::parse(&self.text, &mut self.cols),
                    LogFormat::JsonAccess => {
                        json_access::parse(&self.text, &mut self.names, &mut self.cols)
                    }
                }
            };
            return Ok(Some(match parsed {
                Err(reason) => LogItem::Bad(BadLine {
                    line,
                    reason: format!("{}: {reason}", self.format.name()),
                }),
                Ok(time) => {
                    let src =
                        if self.format == LogFormat::W3c { &self.text } else { &self.cols.values };
                    LogItem::Record(LogRecord {
                        format: self.format,
                        line_no: line,
                        raw: &self.text,
                        src,
                        names: &self.names,
                        cols: &self.cols,
                        time,
                        log_type: self.csv.log_type.as_deref(),
                    })
                }
            }));
        }
    }
}

impl LogReader {
    /// The line in `bytes` as text in `text`: valid UTF-8 without a BOM (the
    /// usual case) swaps the two buffers instead of copying.
    fn decode(&mut self) {
        if self.bytes.starts_with(b"\xEF\xBB\xBF") {
            decode_line(&self.bytes, &mut self.text);
            return;
        }
        let spare = std::mem::take(&mut self.text).into_bytes();
        match String::from_utf8(std::mem::replace(&mut self.bytes, spare)) {
            Ok(text) => self.text = text,
            Err(e) => {
                let raw = e.into_bytes();
                decode_line(&raw, &mut self.text);
                self.bytes = raw;
            }
        }
    }
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
