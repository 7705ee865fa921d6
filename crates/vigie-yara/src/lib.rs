//! YARA scanning for vigie through the pure-Rust `yara-x` engine: the
//! built-in pack and external rule sets (`--yara DIR`, `--signature-base
//! DIR`), external variables set per file, compile errors kept per rule, and
//! an on-disk cache of compiled rules keyed by content.
//!
//! # Overview
//!
//! - [`YaraCompiler`] collects rule sets (one yara-x namespace per file) and
//!   builds [`YaraRules`], or loads them from the cache when the same sources
//!   were compiled before. [`LoadReport`] lists every set (as
//!   `vigie_model::RuleSetInfo`) and every rejected rule with file, line and
//!   the yara-x message.
//! - [`YaraRules`] is `Send + Sync`; each worker thread takes a
//!   [`YaraScanner`] and calls [`YaraScanner::scan`] with the bytes of a file
//!   (read once by the engine, which hashes the same bytes) and its
//!   [`FileMeta`] (path, name, extension, [`guess_filetype`], owner), which
//!   set the external variables `filename`, `filepath`, `extension`,
//!   `filetype` and `owner`.
//! - A [`YaraHit`] becomes a `vigie_model::Finding` with
//!   [`YaraHit::to_finding`]: rule id, title, author, references, licence,
//!   severity, stage and matched strings with excerpts.
//!
//! # Example
//!
//! ```
//! use vigie_yara::{FileMeta, YaraCompiler};
//! let mut c = YaraCompiler::new();
//! c.cache_dir(None).add_builtin(&[(
//!     "demo.yar",
//!     r#"rule demo_aspx {
//!          meta: vigie_code = "VG-DEMO1" description = "demo" severity = "high" stage = "compromise"
//!          strings: $a = "eval(Request" condition: $a and extension == ".aspx" }"#,
//! )]);
//! let rules = c.build()?;
//! let mut scanner = rules.scanner();
//! let data = b"<% eval(Request.Item[\"x\"]) %>";
//! let hits = scanner.scan(data, &FileMeta::new("/srv/x.aspx", data))?;
//! assert_eq!(hits[0].rule_id(), "VG-DEMO1");
//! let none = scanner.scan(data, &FileMeta::new("/srv/x.txt", data))?;
//! assert!(none.is_empty());
//! let finding = hits[0].to_finding("/srv/x.aspx");
//! assert_eq!(finding.severity, vigie_model::Severity::High);
//! # Ok::<(), vigie_yara::YaraError>(())
//! ```
#![deny(missing_docs)]

mod cache;
mod compile;
mod error;
mod filetype;
mod finding;
mod scan;

pub use crate::cache::default_dir as default_cache_dir;
pub use crate::compile::{EXTERNAL_VARIABLES, LoadReport, NamespaceInfo, SetOrigin, YaraCompiler};
pub use crate::error::YaraError;
pub use crate::filetype::guess_filetype;
pub use crate::finding::DEFAULT_REMEDIATION;
pub use crate::scan::{
    DEFAULT_TIMEOUT, EXCERPT_LEN, FileMeta, MAX_STRINGS_PER_HIT, MetaVal, StringMatch, YaraHit,
    YaraRules, YaraScanner,
};

/// The yara-x version rules are compiled with (part of the cache key).
pub const YARA_X_VERSION: &str = yara_x::VERSION;
