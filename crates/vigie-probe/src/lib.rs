//! Safe network exposure checks: which doors are open, which Exchange build
//! answers, which known-exploited CVEs that build carries, and whether the
//! server behaves as a vulnerable one does.
//!
//! # Overview
//!
//! - [`parse_all`] turns user input (names, IPs, `host:port`, URLs, bounded
//!   CIDR ranges, target files) into [`Target`]s, with clear errors.
//! - [`probe`] runs the [`Check`]s under a [`ProbeConfig`]: bounded
//!   concurrency, a rate limit, time-outs, an optional HTTP proxy. Only
//!   TCP connects, TLS handshakes, banner reads and body-less GET requests
//!   are ever sent, and only to the targets.
//! - [`BuildTable`] is the embedded Exchange build → CVE table; [`KevCatalog`]
//!   the embedded CISA KEV extract or the catalog imported with [`import_kev`].
//! - [`to_result`] turns a [`ProbeRun`] into the common `vigie_model::ScanResult`
//!   (findings of stage `exposure`, inventory, KEV and table dates in provenance).
//!
//! # Example
//!
//! ```
//! use vigie_probe::{BuildTable, Build, CveState};
//! let table = BuildTable::embedded()?;
//! let build: Build = "15.1.2507.13".parse()?; // Exchange 2016 CU23 Oct22SU
//! let id = table.identify(build, true);
//! let pns = table.assess(build, &id).into_iter().find(|v| v.cve.cve == "CVE-2022-41082").unwrap();
//! assert_eq!(pns.state, CveState::Vulnerable);
//! assert_eq!(pns.fixed_by.unwrap().build.to_string(), "15.1.2507.16"); // Nov22SU
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod builds;
mod checks;
mod exchange;
mod kev;
mod net;
mod ports;
mod report;
mod runner;
mod target;
mod tls;
mod version;

pub use crate::builds::{
    BuildRow, BuildTable, CveInfo, CveState, CveVerdict, Identification, Product, TableError,
    date_key,
};
pub use crate::checks::{Check, Safety, parse_checks};
pub use crate::exchange::{ActiveResult, Behaviour, BuildSource, ExchangeObservation, paths};
pub use crate::kev::{
    KEV_FILE_NAME, KevCatalog, KevEntry, KevError, data_dir, import as import_kev,
};
pub use crate::net::{DEFAULT_MAX_BODY, HttpResponse, NetConfig, NetError, SentRequest};
pub use crate::ports::{
    DEFAULT_PORTS, PortObservation, PortSpec, PortState, parse_ports, spec_for,
};
pub use crate::runner::{
    DEFAULT_CONCURRENCY, DEFAULT_RATE, DEFAULT_TIMEOUT_SECS, HostReport, ProbeConfig, ProbeRun,
    probe, probe_blocking, to_result, user_agent,
};
pub use crate::target::{
    MAX_RANGE, MAX_RANGE_LARGE, Parsed, Scheme, Target, TargetError, parse_all, parse_target,
};
pub use crate::tls::CertFacts;
pub use crate::version::{Build, BuildParseError};
