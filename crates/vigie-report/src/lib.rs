//! Renderers for a [`ScanResult`]: terminal text, JSON, JSONL (Elastic Common
//! Schema), SARIF 2.1.0, a CSV timeline and a self-contained HTML report.
//!
//! # Overview
//!
//! - [`render`] writes one [`ScanResult`] in one [`ReportFormat`] to any
//!   [`std::io::Write`]. Renderers read only the `ScanResult`: a saved result
//!   (`vigie report result.json`) renders exactly like a fresh scan.
//! - [`RenderOptions`] holds what depends on the output device (colours,
//!   terminal width, how many findings the terminal lists).
//! - Every format is deterministic: the same `ScanResult` gives the same bytes
//!   (pin `started`/`finished` with `SOURCE_DATE_EPOCH` upstream).
//! - Evidence is hostile (web-shell source, attacker-sent log lines): every
//!   renderer escapes it for its medium (HTML, CSV formula injection, terminal
//!   control sequences).
//!
//! # Example
//!
//! ```
//! use vigie_model::{Finding, Location, RuleRef, RuleSource, ScanResult, Severity, Stage};
//! use vigie_report::{render, RenderOptions, ReportFormat};
//!
//! let mut result = ScanResult::new(vec!["inetpub".into()]);
//! result.push(Finding::new(
//!     RuleRef::new("VG-WEB001", "China Chopper one-liner", RuleSource::Builtin),
//!     Severity::Critical,
//!     Stage::Compromise,
//!     "China Chopper web shell",
//!     Location::path("inetpub/wwwroot/aspnet_client/x.aspx"),
//! ));
//! result.finalize();
//! let mut out = Vec::new();
//! render(&result, "text".parse()?, &RenderOptions::default(), &mut out)?;
//! assert!(String::from_utf8(out)?.contains("Compromised: China Chopper web shell"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod common;
mod csv_timeline;
mod ecs;
mod facets;
mod fixfirst;
mod html;
mod jsonl;
mod sarif;
mod sarif_result;
mod text;

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;
use vigie_model::ScanResult;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReportFormat {
    /// Terminal summary (verdict, counts, top findings, coverage).
    Text,
    /// The ScanResult itself, pretty-printed JSON (re-readable by `vigie report`).
    Json,
    /// One alert per line in Elastic Common Schema names.
    Jsonl,
    /// SARIF 2.1.0 (GitHub code scanning, IDEs, SARIF viewers).
    Sarif,
    /// A CSV timeline: one row per evidence event, sorted by time.
    Csv,
    /// One self-contained HTML file for people (works offline).
    Html,
}

impl ReportFormat {
    /// Every format, in documentation order.
    pub const ALL: [ReportFormat; 6] = [
        ReportFormat::Text,
        ReportFormat::Json,
        ReportFormat::Jsonl,
        ReportFormat::Sarif,
        ReportFormat::Csv,
        ReportFormat::Html,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Text => "text",
            ReportFormat::Json => "json",
            ReportFormat::Jsonl => "jsonl",
            ReportFormat::Sarif => "sarif",
            ReportFormat::Csv => "csv",
            ReportFormat::Html => "html",
        }
    }

    /// The format a file name implies by its extension (`.json`, `.jsonl`,
    /// `.ndjson`, `.sarif`, `.csv`, `.html`/`.htm`, `.txt`), if any.
    pub fn from_extension(path: &str) -> Option<ReportFormat> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(ReportFormat::Json),
            "jsonl" | "ndjson" => Some(ReportFormat::Jsonl),
            "sarif" => Some(ReportFormat::Sarif),
            "csv" => Some(ReportFormat::Csv),
            "html" | "htm" => Some(ReportFormat::Html),
            "txt" | "text" => Some(ReportFormat::Text),
            _ => None,
        }
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown format name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseFormatError(String);

impl fmt::Display for ParseFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown report format `{}`: expected one of text, json, jsonl, sarif, csv, html",
            self.0
        )
    }
}

impl std::error::Error for ParseFormatError {}

impl FromStr for ReportFormat {
    type Err = ParseFormatError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" | "txt" | "terminal" => Ok(ReportFormat::Text),
            "json" => Ok(ReportFormat::Json),
            "jsonl" | "ndjson" | "ecs" => Ok(ReportFormat::Jsonl),
            "sarif" => Ok(ReportFormat::Sarif),
            "csv" => Ok(ReportFormat::Csv),
            "html" | "htm" => Ok(ReportFormat::Html),
            _ => Err(ParseFormatError(s.to_string())),
        }
    }
}

/// Options that depend on where the report goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours in the terminal format (only when writing to a terminal
    /// and `NO_COLOR` is unset).
    pub color: bool,
    /// Width the terminal format fits in (columns, at least 40).
    pub width: usize,
    /// How many findings the terminal format lists before "… and N more".
    pub max_terminal_findings: usize,
    /// Findings per page in the HTML report.
    pub html_page_size: usize,
    /// Above this many bytes of findings JSON, the HTML report embeds it
    /// gzipped (base64) and the page unpacks it; below, it is plain JSON.
    pub html_inline_limit: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: 80,
            max_terminal_findings: 10,
            html_page_size: 50,
            html_inline_limit: 4_000_000,
        }
    }
}

/// Render `result` in `format` to `out`.
///
/// Errors are I/O errors of `out` only; every `ScanResult` renders.
pub fn render(
    result: &ScanResult,
    format: ReportFormat,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(64 * 1024, out);
    match format {
        ReportFormat::Text => text::render(result, opts, &mut out)?,
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, result)?;
            out.write_all(b"\n")?;
        }
        ReportFormat::Jsonl => jsonl::render(result, &mut out)?,
        ReportFormat::Sarif => sarif::render(result, &mut out)?,
        ReportFormat::Csv => csv_timeline::render(result, &mut out)?,
        ReportFormat::Html => html::render(result, opts, &mut out)?,
    }
    out.flush()
}
