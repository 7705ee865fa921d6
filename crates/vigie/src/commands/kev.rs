//! `vigie kev`: import and show the CISA Known Exploited Vulnerabilities
//! catalog used by `vigie probe`. Logic lives in `vigie-probe`.

use std::path::PathBuf;
use std::process::ExitCode;
use vigie_probe::{KevCatalog, data_dir, import_kev};

/// Options of `vigie kev`.
#[derive(Debug, clap::Args)]
pub(crate) struct KevArgs {
    #[command(subcommand)]
    action: KevAction,
}

#[derive(Debug, clap::Subcommand)]
enum KevAction {
    /// Validate a downloaded known_exploited_vulnerabilities.json and use it from now on.
    Import {
        /// The catalog file (JSON, as published by CISA).
        file: PathBuf,
        /// Where to store it [default: $VIGIE_DATA_DIR, $XDG_DATA_HOME/vigie or ~/.local/share/vigie].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Show which catalog is in use, its date and its Exchange entries.
    Show {
        /// Show this file instead of the catalog in use.
        #[arg(long, value_name = "FILE")]
        kev: Option<PathBuf>,
        /// List every entry, not only Microsoft Exchange ones.
        #[arg(long)]
        all: bool,
    },
}

pub(crate) fn run(args: KevArgs) -> anyhow::Result<ExitCode> {
    match args.action {
        KevAction::Import { file, data_dir: dir } => {
            let Some(dir) = dir.or_else(data_dir) else {
                eprintln!("vigie kev: no data directory: set VIGIE_DATA_DIR or pass --data-dir");
                return Ok(ExitCode::from(crate::EXIT_ERROR));
            };
            match import_kev(&file, &dir) {
                Ok((cat, dest)) => {
                    println!(
                        "imported CISA KEV catalog {} ({}): {} entries, {} Microsoft Exchange, stored as {}",
                        cat.catalog_version,
                        cat.date_released,
                        cat.entries.len(),
                        cat.exchange_entries().count(),
                        dest.display()
                    );
                    for r in &cat.rejected {
                        eprintln!("vigie kev: skipped {r}");
                    }
                    Ok(ExitCode::from(crate::EXIT_CLEAN))
                }
                Err(e) => {
                    eprintln!("vigie kev: {e}");
                    Ok(ExitCode::from(crate::EXIT_ERROR))
                }
            }
        }
        KevAction::Show { kev, all } => {
            let cat = match KevCatalog::in_use(kev.as_deref()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("vigie kev: {e}");
                    return Ok(ExitCode::from(crate::EXIT_ERROR));
                }
            };
            println!("catalog:  {} released {}", cat.catalog_version, cat.date_released);
            println!("origin:   {}", cat.origin);
            println!(
                "entries:  {} ({} Microsoft Exchange)",
                cat.entries.len(),
                cat.exchange_entries().count()
            );
            if !cat.rejected.is_empty() {
                println!("rejected: {} entries failed validation", cat.rejected.len());
            }
            println!();
            let list: Vec<_> =
                if all { cat.entries.iter().collect() } else { cat.exchange_entries().collect() };
            for e in list {
                println!(
                    "{:<16} added {}  due {}  ransomware {:<7}  {}",
                    e.cve_id,
                    e.date_added,
                    e.due_date,
                    e.known_ransomware_campaign_use.as_deref().unwrap_or("Unknown"),
                    e.vulnerability_name
                );
            }
            Ok(ExitCode::from(crate::EXIT_CLEAN))
        }
    }
}
