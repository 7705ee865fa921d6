//! `vigie scan PATH…`: hunt files, logs and event logs.

use crate::commands::output;
use crate::commands::progress::BarProgress;
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use vigie_model::Severity;
use vigie_scan::{Engine, ScanOptions, SigmaOptions};

/// Options of `vigie scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct ScanArgs {
    /// Files and directories to scan (a live host's folders or a mounted image).
    #[arg(value_name = "PATH", required_unless_present = "system_root")]
    pub(crate) paths: Vec<PathBuf>,

    /// Root of a Windows system disk (live `C:\` or a mounted image) to triage:
    /// finds the Exchange install, IIS logs and web roots, event logs, and
    /// reports expected artefacts that are absent. Repeatable.
    #[arg(long = "system-root", value_name = "DIR")]
    pub(crate) system_root: Vec<PathBuf>,

    /// Skip files and folders matching this glob (`*.bak`, `**/node_modules`).
    /// Repeatable. Nothing else is ever hidden: dot-files and .gitignore rules
    /// are scanned.
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,

    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    pub(crate) follow: bool,

    /// Files above this size get name, path and hash checks only (e.g. 100MB, 2G).
    #[arg(long, value_name = "SIZE", default_value = "100MB", value_parser = parse_size)]
    pub(crate) max_file_size: u64,

    /// Per log file, rule, stage and title, list at most N findings; further
    /// hits (a scanner's hundred thousand probes) are counted into one
    /// summary finding with their lines, time span, busiest client addresses
    /// and status codes. 0 lists every hit.
    #[arg(long, value_name = "N", default_value_t = vigie_scan::DEFAULT_MAX_HITS)]
    pub(crate) max_hits: usize,

    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub(crate) threads: usize,

    /// Load every .yar/.yara file below DIR as an external YARA set. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub(crate) yara: Vec<PathBuf>,

    /// A signature-base checkout: loads DIR/yara and DIR/iocs.
    #[arg(long, value_name = "DIR")]
    pub(crate) signature_base: Option<PathBuf>,

    /// Extra IOC file (signature-base hash-iocs / filename-iocs format). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) ioc: Vec<PathBuf>,

    /// Do not use the built-in rule pack (external sets only).
    #[arg(long)]
    pub(crate) no_builtin: bool,

    /// Load a Sigma rule tree (SigmaHQ rules/, rules-emerging-threats/, …,
    /// hayabusa rules) as it is. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub(crate) sigma: Vec<PathBuf>,

    /// Values for Sigma placeholders: NAME=VALUE[,VALUE…]. Repeatable. Rules
    /// with placeholders that have no value are rejected, never matched literally.
    #[arg(long = "sigma-placeholder", value_name = "NAME=VALUE,…")]
    pub(crate) sigma_placeholder: Vec<String>,

    /// Only Sigma rules at or above this level (informational, low, medium, high, critical).
    #[arg(long, value_name = "LEVEL")]
    pub(crate) min_level: Option<Severity>,

    /// Only Sigma rules with this status (stable, test, experimental…). Repeatable.
    #[arg(long, value_name = "STATUS")]
    pub(crate) status: Vec<String>,

    /// Only Sigma rules with this tag (e.g. attack.persistence). Repeatable.
    #[arg(long, value_name = "TAG")]
    pub(crate) tag: Vec<String>,

    /// Exit with code 1 when a finding at or above this severity is found.
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    pub(crate) fail_on: Severity,

    #[command(flatten)]
    pub(crate) out: output::OutputArgs,

    /// Compiled-rule cache directory (default: the user cache directory).
    #[arg(long, value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,

    /// Do not read or write the compiled-rule cache.
    #[arg(long)]
    pub(crate) no_cache: bool,

    /// YARA timeout per file, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub(crate) yara_timeout: u64,

    /// Host name to put on findings from files (default: none).
    #[arg(long, value_name = "NAME")]
    pub(crate) host: Option<String>,

    /// No progress bar.
    #[arg(long)]
    pub(crate) no_progress: bool,
}

/// Parse `100MB`, `2G`, `512k`, `1048576` (binary multiples).
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 =
        num.parse().map_err(|_| format!("`{text}` is not a size: use e.g. 100MB, 2G, 512k"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => return Err(format!("unknown size unit `{other}` in `{text}`: use k, MB, G or T")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("size `{text}` is too large"))
}

/// Parse `--sigma-placeholder NAME=V1,V2` values into a map.
fn parse_placeholders(specs: &[String]) -> anyhow::Result<BTreeMap<String, Vec<String>>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for spec in specs {
        let (name, values) = spec.split_once('=').with_context(|| {
            format!("--sigma-placeholder `{spec}`: expected NAME=VALUE[,VALUE…]")
        })?;
        let name = name.trim().trim_matches('%').to_string();
        anyhow::ensure!(!name.is_empty(), "--sigma-placeholder `{spec}`: the name is empty");
        map.entry(name)
            .or_default()
            .extend(values.split(',').map(str::trim).filter(|v| !v.is_empty()).map(String::from));
    }
    Ok(map)
}

impl ScanArgs {
    /// The engine options these arguments describe.
    pub(crate) fn to_options(&self) -> anyhow::Result<ScanOptions> {
        let mut o = ScanOptions::new(self.paths.clone());
        o.system_roots = self.system_root.clone();
        o.excludes = self.exclude.clone();
        o.follow_links = self.follow;
        o.threads = self.threads;
        o.max_file_size = self.max_file_size;
        o.builtin_rules = !self.no_builtin;
        o.yara_dirs = self.yara.clone();
        o.signature_base = self.signature_base.clone();
        o.ioc_files = self.ioc.clone();
        o.cache_dir = self.cache_dir.clone();
        o.no_cache = self.no_cache;
        o.yara_timeout = Duration::from_secs(self.yara_timeout.max(1));
        o.host = self.host.clone();
        o.max_hits = self.max_hits;
        o.sigma = SigmaOptions {
            dirs: self.sigma.clone(),
            placeholders: parse_placeholders(&self.sigma_placeholder)?,
            min_level: self.min_level,
            status: self.status.clone(),
            tags: self.tag.clone(),
        };
        for dir in self.yara.iter().chain(&self.sigma).chain(&self.signature_base) {
            anyhow::ensure!(
                dir.is_dir(),
                "rule directory {} does not exist or is not a directory",
                dir.display()
            );
        }
        Ok(o)
    }
}

pub(crate) fn run(args: ScanArgs, command_line: Vec<String>) -> anyhow::Result<ExitCode> {
    let options = args.to_options()?;
    let engine = Engine::load(options).context("cannot load the rules")?;
    let progress = BarProgress::new(!args.no_progress);
    let mut result = engine.scan(&progress);
    result.provenance.command_line = command_line;
    output::hash_file_inputs(&mut result);
    output::write_outputs(&result, args.out.format.as_deref(), &args.out.output)?;
    Ok(crate::commands::exit_code(&result, args.fail_on))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("100MB"), Ok(100 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("512"), Ok(512));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }

    #[test]
    fn placeholders_parse() -> anyhow::Result<()> {
        let m = parse_placeholders(&["%admins%=alice,bob".into(), "admins=carol".into()])?;
        assert_eq!(m.get("admins").map(Vec::len), Some(3));
        assert!(parse_placeholders(&["novalue".into()]).is_err());
        Ok(())
    }
}
