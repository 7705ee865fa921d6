//! `vigie report` (being built).

use std::process::ExitCode;

/// Options of `vigie report`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReportArgs {}

pub(crate) fn run(_args: ReportArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`vigie report` is not built yet")
}
