//! `vigie scan` (being built).

use std::process::ExitCode;

/// Options of `vigie scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct ScanArgs {}

pub(crate) fn run(_args: ScanArgs, _command_line: Vec<String>) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`vigie scan` is not built yet")
}
