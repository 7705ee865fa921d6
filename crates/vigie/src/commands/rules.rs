//! `vigie rules list` and `vigie rules show ID`: the built-in pack as a user sees it.

use anyhow::bail;
use std::io::Write;
use std::process::ExitCode;

/// Options of `vigie rules`.
#[derive(Debug, clap::Args)]
pub(crate) struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, clap::Subcommand)]
enum RulesCommand {
    /// List the built-in rules: code, engine, severity, stage, indicators, title.
    List {
        /// Only rules of this engine (yara, ioc, sigma, log).
        #[arg(long)]
        engine: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one rule's documentation (what it detects, why, example, false positives, response).
    Show {
        /// Rule code, e.g. VG-WEB001.
        id: String,
    },
}

pub(crate) fn run(args: RulesArgs) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.command {
        RulesCommand::List { engine, json } => {
            let rules: Vec<_> = vigie_rules::catalog()
                .into_iter()
                .filter(|r| engine.as_deref().is_none_or(|e| r.engine.eq_ignore_ascii_case(e)))
                .collect();
            if json {
                serde_json::to_writer_pretty(&mut out, &rules)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "{:<14} {:<6} {:<9} {:<13} {:<14} TITLE",
                    "CODE", "ENGINE", "SEVERITY", "STAGE", "INDICATORS"
                )?;
                for r in &rules {
                    writeln!(
                        out,
                        "{:<14} {:<6} {:<9} {:<13} {:<14} {}",
                        r.code,
                        r.engine,
                        r.severity.as_str(),
                        r.stage.as_str(),
                        r.indicators.join(","),
                        r.title
                    )?;
                }
                writeln!(
                    out,
                    "\n{} built-in rules. `vigie rules show CODE` explains one.",
                    rules.len()
                )?;
            }
        }
        RulesCommand::Show { id } => {
            let Some(r) = vigie_rules::find(&id) else {
                bail!("no built-in rule `{id}` — `vigie rules list` shows the codes");
            };
            writeln!(out, "{} — {}", r.code, r.title)?;
            writeln!(
                out,
                "engine: {} · severity: {} · stage: {} · indicators: {} · ATT&CK: {}",
                r.engine,
                r.severity,
                r.stage,
                if r.indicators.is_empty() { "-".into() } else { r.indicators.join(", ") },
                if r.attack.is_empty() { "-".into() } else { r.attack.join(", ") }
            )?;
            writeln!(out, "file: {}\n", r.file)?;
            writeln!(out, "{}", r.doc.trim_end())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
