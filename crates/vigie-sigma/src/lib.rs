//! The vigie Sigma engine: parse, compile and evaluate Sigma (v2.x) and
//! hayabusa rules on any record that exposes named fields, with Sigma
//! filters and correlations.
//!
//! # Overview
//!
//! The API has the compile-once, scan-many shape of yara-x:
//!
//! - [`SigmaCompiler`] gathers rule directories, files or text, each as a
//!   rule set with [`SetOptions`] (external or built-in), plus global options
//!   (placeholders for `|expand`, minimum level, status and tag filters).
//! - [`SigmaCompiler::build`] compiles them into [`SigmaRules`]: immutable,
//!   `Send + Sync`, with every rule's [`RuleInfo`] (loaded, rejected with a
//!   reason, or excluded), the channels and event ids it needs (for "blind"
//!   reporting), load statistics per set with a SHA-256, and an index from
//!   (channel, event id) to rules.
//! - [`SigmaMatcher`] (one per thread, from [`SigmaRules::matcher`]) evaluates
//!   the relevant rules on one [`vigie_model::Event`] at a time and appends
//!   [`Hit`]s; it also gathers [`CorrelationInput`]s, which
//!   [`SigmaRules::correlate`] turns into [`CorrelationHit`]s once every
//!   thread is done.
//! - [`SigmaRules::finding`] and [`SigmaRules::correlation_finding`] turn hits
//!   into [`vigie_model::Finding`]s.
//!
//! The log-source mapping table is [`MAPPINGS`]; `docs/sigma.md` documents it.
//!
//! # Example
//!
//! ```
//! use vigie_sigma::{SetOptions, SigmaCompiler};
//! use vigie_model::{Event, Value};
//! use std::borrow::Cow;
//!
//! struct Ev(Vec<(&'static str, &'static str)>);
//! impl Event for Ev {
//!     fn field(&self, name: &str) -> Option<Value<'_>> {
//!         self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| Value::Str(Cow::Borrowed(*v)))
//!     }
//!     fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
//!         for (k, v) in &self.0 { f(k, Value::Str(Cow::Borrowed(*v))) }
//!     }
//!     fn timestamp(&self) -> Option<chrono::DateTime<chrono::Utc>> { None }
//! }
//!
//! let rule = r#"
//! title: Whoami run by IIS
//! id: 00000000-0000-0000-0000-000000000001
//! level: high
//! logsource: { product: windows, category: process_creation }
//! detection:
//!     selection:
//!         ParentImage|endswith: '\w3wp.exe'
//!         Image|endswith: '\whoami.exe'
//!     condition: selection
//! "#;
//! let mut compiler = SigmaCompiler::new();
//! compiler.add_source(rule, "example.yml", SetOptions::external("example"));
//! let rules = compiler.build();
//! assert_eq!(rules.loaded_count(), 1);
//!
//! let event = Ev(vec![
//!     ("Channel", "Security"), ("EventID", "4688"),
//!     ("NewProcessName", r"C:\Windows\System32\whoami.exe"),
//!     ("ParentProcessName", r"C:\Windows\System32\inetsrv\w3wp.exe"),
//! ]);
//! let mut matcher = rules.matcher();
//! let mut hits = Vec::new();
//! matcher.matches(&event, &mut hits);
//! assert_eq!(hits.len(), 1);
//! let finding = rules.finding(&hits[0], "Security.evtx");
//! assert_eq!(finding.rule.id, "00000000-0000-0000-0000-000000000001");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod build;
mod build_corr;
mod compiler;
mod condition;
mod correlation;
mod detection;
mod finding;
mod info;
mod line_filter;
mod logsource;
mod map_event;
mod matcher;
mod prefilter;
mod rules;
mod text;
mod value;

pub use crate::compiler::{SigmaCompiler, SigmaError};
pub use crate::correlation::{CorrelationHit, CorrelationInput, EventRef};
pub use crate::finding::{attack_ids, default_stage};
pub use crate::info::{LoadStatus, LogSource, RuleInfo, RuleKind, RuleSetStats, SetOptions};
pub use crate::logsource::{ChannelSpec, LogSourceMapping, MAPPINGS, Rename, is_webserver_rule};
pub use crate::map_event::MapEvent;
pub use crate::matcher::{Hit, SigmaMatcher};
pub use crate::rules::SigmaRules;
