//! `vigie demo` (being built).

use std::process::ExitCode;

/// Options of `vigie demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {}

pub(crate) fn run(_args: DemoArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`vigie demo` is not built yet")
}
