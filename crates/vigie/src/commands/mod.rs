//! One module per subcommand.

pub(crate) mod demo;
pub(crate) mod kev;
pub(crate) mod output;
pub(crate) mod probe;
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
