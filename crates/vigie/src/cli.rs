//! Argument definitions (clap). Each subcommand's options live with it in
//! `commands/<name>.rs`.

use crate::commands;
use clap::{Parser, Subcommand};

/// vigie — am I exposed? was I already breached?
#[derive(Debug, Parser)]
#[command(name = "vigie", version, about, long_about = None, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Hunt files, logs and event logs for signs of compromise.
    Scan(commands::scan::ScanArgs),
    /// Check network services for exposure (safe, non-destructive).
    Probe(commands::probe::ProbeArgs),
    /// Render a saved ScanResult (JSON) in other formats.
    Report(commands::report::ReportArgs),
    /// Scan a built-in demo tree of our own making and print the report.
    Demo(commands::demo::DemoArgs),
    /// List and explain the built-in rules.
    Rules(commands::rules::RulesArgs),
    /// Manage the CISA Known Exploited Vulnerabilities catalog.
    Kev(commands::kev::KevArgs),
}
