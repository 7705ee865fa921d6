//! EVTX reading through the `evtx` crate: every record rendered to JSON
//! bytes and flattened into a reused [`EventRecord`]. A bad chunk or record
//! is reported as an [`EventItem::Error`] and the file goes on; a panic in
//! the parser on hostile input is caught and reported the same way.

use crate::event_record::EventRecord;
use crate::flatten::flatten_slice;
use chrono::{DateTime, Utc};
use evtx::{EvtxParser, ParserSettings};
use std::fs::File;
use std::io::{Cursor, Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// One item read from an event source.
#[derive(Debug)]
pub enum EventItem<'a> {
    /// A record, valid until the next item.
    Event(&'a EventRecord),
    /// A record, chunk or line that could not be read (the file goes on).
    Error(RecordError),
}

/// A record-level problem: where (`record 7184`, `chunk 3`, `line 17`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    /// Position in the file, in words (`record 7184`, `chunk 3`, `line 17`).
    pub position: String,
    /// What went wrong.
    pub reason: String,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.position, self.reason)
    }
}

/// Counts for one file (or one container member).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventReadStats {
    /// Records read and handed out.
    pub records: u64,
    /// Records, chunks or lines that could not be read.
    pub errors: u64,
}

impl EventReadStats {
    /// Add another file's counts.
    pub fn add(&mut self, other: EventReadStats) {
        self.records += other.records;
        self.errors += other.errors;
    }
}

/// A file that cannot be read as events at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventReadError {
    /// Opening or reading failed.
    #[error("cannot read {path}: {source} — check the path and permissions")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not a readable EVTX file (bad file header).
    #[error(
        "{path} is not a readable EVTX file: {reason} — the file header is damaged; try a copy exported with `wevtutil epl`"
    )]
    NotEvtx {
        /// The file.
        path: String,
        /// The parser's message.
        reason: String,
    },
    /// Not JSON events.
    #[error("{path} holds no JSON events: {reason}")]
    NotJson {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A zip archive that cannot be opened.
    #[error("cannot open zip archive {path}: {reason} — the archive is damaged or not a zip")]
    BadZip {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// Reads event sources into one reused [`EventRecord`]; one per thread.
#[derive(Debug, Default)]
pub struct EventReader {
    pub(crate) rec: EventRecord,
}

/// The error and its sources on one line.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(src) = cur {
        let t = src.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = src.source();
    }
    s
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

fn to_chrono(t: evtx::Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.as_second(), t.subsec_nanosecond().max(0) as u32)
}

impl EventReader {
    /// A reader with empty buffers.
    pub fn new() -> EventReader {
        EventReader::default()
    }

    /// Read every record of the EVTX file at `path`, in file order.
    pub fn read_evtx_path(
        &mut self,
        path: &Path,
        f: &mut dyn FnMut(EventItem<'_>),
    ) -> Result<EventReadStats, EventReadError> {
        let shown = crate::walk::display_path(path);
        let file = File::open(path)
            .map_err(|source| EventReadError::Io { path: shown.clone(), source })?;
        self.read_evtx(file, &shown, f)
    }

    /// Read every record of an EVTX file held in memory (a zip member).
    pub fn read_evtx_bytes(
        &mut self,
        bytes: Vec<u8>,
        name: &str,
        f: &mut dyn FnMut(EventItem<'_>),
    ) -> Result<EventReadStats, EventReadError> {
        self.read_evtx(Cursor::new(bytes), name, f)
    }

    fn read_evtx<R: Read + Seek + Send + 'static>(
        &mut self,
        input: R,
        name: &str,
        f: &mut dyn FnMut(EventItem<'_>),
    ) -> Result<EventReadStats, EventReadError> {
        let opened = catch_unwind(AssertUnwindSafe(|| EvtxParser::from_read_seek(input)));
        let parser = match opened {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return Err(EvtxReadFail::header(name, &e)),
            Err(p) => {
                return Err(EventReadError::NotEvtx {
                    path: name.to_string(),
                    reason: format!("the EVTX parser failed on the header ({})", panic_text(&*p)),
                });
            }
        };
        let mut parser = parser.with_configuration(ParserSettings::new().num_threads(1));
        let mut stats = EventReadStats::default();
        let mut last_id: Option<u64> = None;
        let rec = &mut self.rec;
        let run = catch_unwind(AssertUnwindSafe(|| {
            for item in parser.records_json_bytes() {
                match item {
                    Ok(r) => {
                        rec.index = stats.records + stats.errors + 1;
                        match flatten_slice(rec, &r.data) {
                            Ok(()) => {
                                rec.header_time = to_chrono(r.timestamp);
                                rec.header_id = Some(r.event_record_id);
                                last_id = Some(r.event_record_id);
                                stats.records += 1;
                                f(EventItem::Event(rec));
                            }
                            Err(e) => {
                                stats.errors += 1;
                                f(EventItem::Error(RecordError {
                                    position: format!("record {}", r.event_record_id),
                                    reason: format!("rendered JSON does not parse: {e}"),
                                }));
                            }
                        }
                    }
                    Err(e) => {
                        stats.errors += 1;
                        f(EventItem::Error(evtx_error(&e, last_id)));
                    }
                }
            }
        }));
        if let Err(p) = run {
            stats.errors += 1;
            let after = last_id.map(|id| format!(" after record {id}")).unwrap_or_default();
            f(EventItem::Error(RecordError {
                position: format!("record {}", stats.records + 1),
                reason: format!(
                    "the EVTX parser stopped on damaged data{after} ({}); the rest of the file was not read",
                    panic_text(&*p)
                ),
            }));
        }
        Ok(stats)
    }
}

struct EvtxReadFail;

impl EvtxReadFail {
    fn header(name: &str, e: &evtx::err::EvtxError) -> EventReadError {
        match e {
            evtx::err::EvtxError::IoError(io) => EventReadError::Io {
                path: name.to_string(),
                source: std::io::Error::new(io.kind(), io.to_string()),
            },
            _ => EventReadError::NotEvtx { path: name.to_string(), reason: error_chain(e) },
        }
    }
}

/// A chunk or record error with its position.
fn evtx_error(e: &evtx::err::EvtxError, last_id: Option<u64>) -> RecordError {
    use evtx::err::EvtxError as E;
    let position = match e {
        E::FailedToParseChunk { chunk_id, .. } => format!("chunk {chunk_id}"),
        E::FailedToParseRecord { record_id, .. } => format!("record {record_id}"),
        E::FailedToReadRecordAt { chunk: Some(c), offset, .. } => {
            format!("chunk {c}, offset {offset}")
        }
        _ => match last_id {
            Some(id) => format!("record after {id}"),
            None => "first record".to_string(),
        },
    };
    RecordError { position, reason: error_chain(e) }
}
