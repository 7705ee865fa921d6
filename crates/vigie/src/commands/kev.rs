//! `vigie kev` (being built).

use std::process::ExitCode;

/// Options of `vigie kev`.
#[derive(Debug, clap::Args)]
pub(crate) struct KevArgs {}

pub(crate) fn run(_args: KevArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`vigie kev` is not built yet")
}
