//! `vigie probe`: am I exposed? Safe network checks of the given targets.
//! All logic lives in `vigie-probe`; this module only maps options.

use super::output::write_outputs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use vigie_model::Severity;
use vigie_probe::{
    BuildTable, Check, DEFAULT_CONCURRENCY, DEFAULT_RATE, KevCatalog, ProbeConfig, parse_all,
    parse_checks, parse_ports,
};

/// Options of `vigie probe`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Sends only TCP connects, TLS handshakes, banner reads and GET requests without a body, \
only to the targets. Safety classes and every request are listed in docs/probe.md and by --list-checks."
)]
pub(crate) struct ProbeArgs {
    /// Host names, IPv4/IPv6 addresses ([v6]:port), host:port, http(s):// URLs, CIDR ranges (at most /16).
    #[arg(value_name = "TARGET")]
    targets: Vec<String>,
    /// Read targets from a file (one per line, `#` comments). Repeatable.
    #[arg(long = "targets", value_name = "FILE")]
    targets_files: Vec<PathBuf>,
    /// Accept CIDR ranges larger than a /16 (up to a /12).
    #[arg(long)]
    allow_large: bool,
    /// Connections in flight at most.
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_name = "N")]
    concurrency: usize,
    /// New connections (requests) per second at most.
    #[arg(long, default_value_t = DEFAULT_RATE, value_name = "PER_SECOND")]
    rate: f64,
    /// Seconds allowed for each connection and answer.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    timeout: f64,
    /// HTTP proxy for every connection (http://host:port, CONNECT).
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// Ports to check instead of the default list (e.g. 443,80,8000-8010).
    #[arg(long, value_name = "LIST")]
    ports: Option<String>,
    /// Checks to run: all, passive, safe-active, or ids (prefix `-` to drop one).
    #[arg(long, default_value = "all", value_name = "LIST")]
    checks: String,
    /// List the checks with their safety class and exit.
    #[arg(long)]
    list_checks: bool,
    /// KEV catalog file to use instead of the imported or embedded one.
    #[arg(long, value_name = "FILE")]
    kev: Option<PathBuf>,
    /// Format for standard output: text, json, jsonl, sarif, csv, html [default: text].
    #[arg(long, value_name = "FMT")]
    format: Option<String>,
    /// Write a report file: FILE (format from the extension) or FMT=FILE. Repeatable.
    #[arg(long, short = 'o', value_name = "[FMT=]FILE")]
    output: Vec<String>,
    /// Exit with 1 when a finding is at or above this severity (info, low, medium, high, critical).
    #[arg(long, default_value = "high", value_name = "SEVERITY")]
    fail_on: String,
}

fn usage(msg: impl std::fmt::Display) -> anyhow::Result<ExitCode> {
    eprintln!("vigie probe: {msg}");
    Ok(ExitCode::from(crate::EXIT_ERROR))
}

pub(crate) fn run(args: ProbeArgs, command_line: Vec<String>) -> anyhow::Result<ExitCode> {
    if args.list_checks {
        for c in Check::ALL {
            println!("{:<26} {:<12} {}", c.id(), c.safety().as_str(), c.description());
        }
        return Ok(ExitCode::from(crate::EXIT_CLEAN));
    }
    let fail_on: Severity = match args.fail_on.parse() {
        Ok(s) => s,
        Err(e) => return usage(format!("--fail-on: {e}")),
    };
    let checks = match parse_checks(&args.checks) {
        Ok(c) => c,
        Err(e) => return usage(format!("--checks: {e}")),
    };
    let ports = match args.ports.as_deref().map(parse_ports).transpose() {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let timeout_ok = args.timeout > 0.0 && args.timeout <= 300.0;
    // NaN rates are refused too: `rate > 0.0` is false for NaN.
    let rate_ok = args.rate.partial_cmp(&0.0) == Some(std::cmp::Ordering::Greater);
    if !timeout_ok || !rate_ok || args.concurrency == 0 {
        return usage(
            "--timeout must be in (0, 300] seconds, --rate above 0 and --concurrency at least 1",
        );
    }
    let files: Vec<&std::path::Path> = args.targets_files.iter().map(PathBuf::as_path).collect();
    if args.targets.is_empty() && files.is_empty() {
        return usage("no target: give host names, addresses, URLs or ranges, or --targets FILE");
    }
    let (parsed, errors) = parse_all(&args.targets, &files, args.allow_large);
    for e in &errors {
        eprintln!("vigie probe: {e}");
    }
    for n in &parsed.notes {
        eprintln!("vigie probe: note: {n}");
    }
    if parsed.targets.is_empty() {
        return usage("no valid target left to probe");
    }
    let kev = match KevCatalog::in_use(args.kev.as_deref()) {
        Ok(k) => k,
        Err(e) => return usage(e),
    };
    let table = BuildTable::embedded()?;
    let mut config = ProbeConfig { checks, ports, ..ProbeConfig::default() };
    config.net.concurrency = args.concurrency;
    config.net.rate = args.rate;
    config.net.timeout = Duration::from_secs_f64(args.timeout);
    config.net.proxy = args.proxy;
    let mut inputs = args.targets.clone();
    inputs.extend(args.targets_files.iter().map(|f| format!("@{}", f.display())));
    let run = vigie_probe::probe_blocking(&config, parsed.targets).map_err(anyhow::Error::msg)?;
    let mut result = vigie_probe::to_result(&run, table, &kev, &inputs, command_line);
    for e in &errors {
        result.coverage.warnings.push(format!("target refused: {e}"));
    }
    result.coverage.warnings.extend(parsed.notes.iter().cloned());
    write_outputs(&result, args.format.as_deref(), &args.output)?;
    Ok(ExitCode::from(if result.has_finding_at_or_above(fail_on) {
        crate::EXIT_FINDINGS
    } else {
        crate::EXIT_CLEAN
    }))
}
