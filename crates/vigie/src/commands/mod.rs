//! One module per subcommand.

pub(crate) mod demo;
pub(crate) mod kev;
pub(crate) mod output;
pub(crate) mod probe;
pub(crate) mod progress;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod scan;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

pub(crate) fn dispatch(cli: Cli, command_line: Vec<String>) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan::run(args, command_line),
        Command::Probe(args) => probe::run(args, command_line),
        Command::Report(args) => report::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Kev(args) => kev::run(args),
    }
}

/// Exit code 1 when a finding at or above `fail_on` exists, else 0.
pub(crate) fn exit_code(
    result: &vigie_model::ScanResult,
    fail_on: vigie_model::Severity,
) -> ExitCode {
    if result.has_finding_at_or_above(fail_on) {
        ExitCode::from(crate::EXIT_FINDINGS)
    } else {
        ExitCode::from(crate::EXIT_CLEAN)
    }
}
