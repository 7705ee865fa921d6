//! File indicators of compromise for vigie: hashes (MD5, SHA-1, SHA-256) and
//! file-name/path patterns, from signature-base's `iocs/` lists, from files
//! given with `--ioc`, and from vigie's own built-in lists.
//!
//! # Overview
//!
//! - [`IocSetBuilder`] (from [`IocSet::builder`]) loads lists; a malformed
//!   line is reported in [`IocLoadReport::rejected`] (file, line, reason)
//!   and the rest loads.
//! - [`IocSet::match_path`] tests a path against every pattern in one pass
//!   (a `regex::RegexSet`). Paths and patterns are normalised so Windows
//!   patterns match files on a mounted image: `\` and `/` are the same,
//!   matching is case-insensitive, drive letters and `^` anchors before a
//!   separator are dropped ([`normalize_path`], [`normalize_pattern`]).
//! - [`IocSet::match_hashes`] looks the file's digests up in a hash index.
//! - [`IocHit::to_finding`] makes a `vigie_model::Finding`.
//! - [`parse_vigie_list`] reads vigie's own list format (header + entries).
//!
//! # Example
//!
//! ```
//! use vigie_ioc::IocSet;
//! let list = "# Demo list\ncode: VG-IOC999\ntitle: demo\nseverity: high\nstage: compromise\n\
//!             path;\\\\inetpub\\\\wwwroot\\\\aspnet_client\\\\[^\\\\]+\\.aspx;demo\n";
//! let mut b = IocSet::builder();
//! b.add_builtin("demo.ioc", list);
//! let set = b.build();
//! let hits = set.match_path("/mnt/image/inetpub/wwwroot/aspnet_client/x.aspx");
//! assert_eq!(hits.len(), 1);
//! assert_eq!(hits[0].to_finding("/mnt/image/inetpub/wwwroot/aspnet_client/x.aspx").rule.id, "VG-IOC999");
//! ```
#![deny(missing_docs)]

mod finding;
mod parse;
mod path;
mod prefilter;
mod set;

pub use crate::finding::DEFAULT_REMEDIATION;
pub use crate::parse::{HashAlgo, LineProblem, ListMeta, VigieList, parse_vigie_list};
pub use crate::path::{normalize_path, normalize_pattern};
pub use crate::set::{IocError, IocHit, IocKind, IocLoadReport, IocSet, IocSetBuilder, IocSource};
