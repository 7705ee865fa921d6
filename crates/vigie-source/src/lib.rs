//! Inputs for vigie: walk the paths a user gives without hiding anything,
//! sniff each file's format by content, and read records from it.
//!
//! # Overview
//!
//! - [`Walker`] walks files and directories in parallel (the `ignore` crate)
//!   with **none** of its default filters: hidden files and `.gitignore` rules
//!   never hide anything, since attackers hide shells in dot-folders. Only the
//!   user's `--exclude` globs apply. Symlinks are not followed unless asked,
//!   and then loops are detected. Every entry ends as a [`FileEntry`] to scan
//!   or a [`vigie_model::Problem`] (skipped or failed, with a reason).
//! - [`sniff`] tells a file's [`SourceKind`] from its first bytes, so readers
//!   are chosen by content, never by extension alone.
//!
//! - [`LogReader`] streams text logs (IIS W3C, Exchange CSV, Apache/nginx
//!   access logs, JSON-lines access logs; plain or gzip) as [`LogRecord`]s,
//!   which implement [`vigie_model::Event`] with W3C field names (web logs)
//!   or the Exchange column names. Bad lines are [`BadLine`]s; the file goes
//!   on. See `docs/logs.md`.
//!
//! - [`EventReader`] reads Windows event logs — EVTX (through the `evtx`
//!   crate), JSON event exports (winlogbeat/ECS, OTRF/Mordor, NXLog,
//!   `Event.System`/`EventData` trees; JSON lines or arrays) and zip archives
//!   holding them ([`zip_event_members`]) — into one reused [`EventRecord`]
//!   per thread, which answers the same field names for every format. Bad
//!   chunks, records and lines are counted as [`RecordError`]s and the file
//!   goes on. See `docs/event-logs.md`.
//!
//! # Example
//!
//! ```no_run
//! use vigie_source::{Walker, WalkOptions};
//! let walk = Walker::new(WalkOptions::default()).walk(&["/var/www".into()])?;
//! println!("{} files, {} skipped", walk.files.len(), walk.skipped.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod access_log;
mod containers;
mod event_record;
mod evtx;
mod exchange_csv;
mod flatten;
mod json_access;
mod json_events;
mod reader;
mod record;
mod sniff;
mod text;
mod w3c;
mod walk;

pub use crate::containers::{ZipLimits, ZipListing, ZipMember, zip_event_members};
pub use crate::event_record::{EventRecord, parse_time};
pub use crate::evtx::{EventItem, EventReadError, EventReadStats, EventReader, RecordError};
pub use crate::json_events::MAX_JSON_LINE;
pub use crate::reader::{BadLine, LineGate, LogItem, LogReadError, LogReader, format_of};
pub use crate::record::{LogFormat, LogRecord};
pub use crate::sniff::{SNIFF_LEN, SourceKind, sniff};
pub use crate::text::{Line, LineReader, MAX_LINE_LEN, decode_line, open_text, sniff_path};
pub use crate::walk::{FileEntry, WalkError, WalkOptions, WalkOutcome, Walker, display_path};
