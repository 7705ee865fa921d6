//! `vigie rules` (being built).

use std::process::ExitCode;

/// Options of `vigie rules`.
#[derive(Debug, clap::Args)]
pub(crate) struct RulesArgs {}

pub(crate) fn run(_args: RulesArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`vigie rules` is not built yet")
}
