//! The vigie command line: argument parsing and wiring of the library crates.
//! No detection logic lives here.
#![deny(missing_docs)]

mod cli;
mod commands;

use clap::Parser;
use std::ffi::OsString;
use std::process::ExitCode;

/// Exit code: nothing at or above `--fail-on` was found.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: something at or above `--fail-on` was found.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage or fatal error.
pub const EXIT_ERROR: u8 = 2;

/// Run the CLI with these arguments (the first is the program name).
pub fn run<I, T>(args: I) -> anyhow::Result<ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_CLEAN };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    let command_line: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    commands::dispatch(cli, command_line)
}
