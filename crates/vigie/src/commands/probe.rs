//! `vigie probe` (being built).

use std::process::ExitCode;

/// Options of `vigie probe`.
#[derive(Debug, clap::Args)]
pub(crate) struct ProbeArgs {}

pub(crate) fn run(_args: ProbeArgs, _command_line: Vec<String>) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`vigie probe` is not built yet")
}
