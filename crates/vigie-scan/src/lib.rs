//! The vigie scan engine: walk the inputs, route each file to the matchers
//! that fit its content (files → hashes, YARA and IOCs; event logs → Sigma;
//! text logs → log detections and Sigma `webserver` rules), in parallel, and
//! build the [`vigie_model::ScanResult`] with full coverage.
//!
//! # Overview
//!
//! - [`ScanOptions`] says what to scan and with which rules.
//! - [`Engine::load`] compiles every rule set once (built-in pack, external
//!   YARA, signature-base, Sigma); rules that fail are recorded as rejected.
//! - [`Engine::scan`] walks, scans on all cores and returns the result.
//!   [`Progress`] lets a front end show a progress bar.
//!
//! # Example
//!
//! ```no_run
//! use vigie_scan::{Engine, ScanOptions, NoProgress};
//! let options = ScanOptions::new(vec!["/var/www".into()]);
//! let engine = Engine::load(options)?;
//! let result = engine.scan(&NoProgress);
//! println!("{}", result.verdict().sentence());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod dispatch;
mod engine;
mod events;
mod files;
mod logs;
mod options;
mod summary;
mod triage;

pub use crate::engine::{Engine, NoProgress, Progress, ScanError};
pub use crate::options::{DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_HITS, ScanOptions, SigmaOptions};
