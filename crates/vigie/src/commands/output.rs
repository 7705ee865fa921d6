//! Output selection (`--format`, `--output`) and writing of reports.
//!
//! - `--format FMT` chooses what goes to standard output (default `text`).
//! - `--output FILE` (repeatable) writes a file; its format comes from a
//!   `FMT=` prefix (`--output html=report`), else from the extension (`.json`
//!   `.jsonl` `.ndjson` `.sarif` `.csv` `.html` `.txt`), else from `--format`.
//!   `-` as FILE means standard output.
//! - When files are given, standard output stays quiet unless `--format` is
//!   also given; a one-line note per written file goes to standard error.
//! - `SOURCE_DATE_EPOCH` pins `started`/`finished` so outputs are
//!   byte-identical across runs.

use anyhow::{Context, bail};
use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use vigie_model::ScanResult;
use vigie_report::{RenderOptions, ReportFormat, render};

/// The output options shared by `scan`, `probe` and `report`.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct OutputArgs {
    /// Format for standard output: text, json, jsonl, sarif, csv, html [default: text].
    #[arg(long, value_name = "FMT")]
    pub(crate) format: Option<String>,
    /// Write a report file: FILE (format from the extension) or FMT=FILE.
    /// Repeatable, e.g. `--output report.html --output sarif=results.sarif`.
    #[arg(long, short = 'o', value_name = "[FMT=]FILE")]
    pub(crate) output: Vec<String>,
}

/// Where one rendering goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Standard output.
    Stdout,
    /// A file.
    File(PathBuf),
}

/// One requested rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutputSpec {
    /// The format to render.
    pub(crate) format: ReportFormat,
    /// Where it goes.
    pub(crate) target: Target,
}

fn parse_format(s: &str, what: &str) -> anyhow::Result<ReportFormat> {
    s.parse::<ReportFormat>().with_context(|| format!("invalid {what}"))
}

/// Turn `--format` and `--output` values into renderings.
pub(crate) fn parse_outputs(
    format: Option<&str>,
    outputs: &[String],
) -> anyhow::Result<Vec<OutputSpec>> {
    let explicit = format.map(|f| parse_format(f, "--format")).transpose()?;
    let mut specs = Vec::new();
    for raw in outputs {
        if raw.is_empty() {
            bail!(
                "--output needs a file name, e.g. --output report.html or --output sarif=out.sarif"
            );
        }
        let (fmt, file) = match raw.split_once('=') {
            Some((f, file)) if f.parse::<ReportFormat>().is_ok() => {
                (Some(parse_format(f, "--output format")?), file)
            }
            _ => (None, raw.as_str()),
        };
        if file.is_empty() {
            bail!(
                "--output {raw}: no file name after `=`, e.g. --output {}=report.{}",
                fmt.map_or("html", |f| f.as_str()),
                fmt.map_or("html", |f| f.as_str())
            );
        }
        let format = match fmt.or_else(|| ReportFormat::from_extension(file)).or(explicit) {
            Some(f) => f,
            None => bail!(
                "--output {file}: cannot tell the format from the file name; use an extension \
                 (.json .jsonl .sarif .csv .html .txt) or a prefix such as html={file}"
            ),
        };
        let target = if file == "-" { Target::Stdout } else { Target::File(PathBuf::from(file)) };
        specs.push(OutputSpec { format, target });
    }
    let has_stdout = specs.iter().any(|s| s.target == Target::Stdout);
    if !has_stdout && (specs.is_empty() || explicit.is_some()) {
        specs.insert(
            0,
            OutputSpec { format: explicit.unwrap_or(ReportFormat::Text), target: Target::Stdout },
        );
    }
    if specs.iter().filter(|s| s.target == Target::Stdout).count() > 1 {
        bail!("only one report can go to standard output (`-`); write the others to files");
    }
    Ok(specs)
}

/// `SOURCE_DATE_EPOCH` as a time, when set.
pub(crate) fn source_date_epoch() -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
    let Some(raw) = std::env::var_os("SOURCE_DATE_EPOCH") else { return Ok(None) };
    let raw = raw.to_string_lossy();
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let secs: i64 = raw.parse().with_context(|| {
        format!("SOURCE_DATE_EPOCH={raw} is not a number of seconds since 1970; unset it or give e.g. 1700000000")
    })?;
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(t) => Ok(Some(t)),
        None => bail!("SOURCE_DATE_EPOCH={raw} is out of range; unset it or give e.g. 1700000000"),
    }
}

/// The result with `started`/`finished` pinned to `SOURCE_DATE_EPOCH` when set.
pub(crate) fn pinned(result: &ScanResult) -> anyhow::Result<Cow<'_, ScanResult>> {
    Ok(match source_date_epoch()? {
        Some(t) => {
            let mut r = result.clone();
            r.started = t;
            r.finished = t;
            Cow::Owned(r)
        }
        None => Cow::Borrowed(result),
    })
}

/// Record the SHA-256 of every input that is a single regular file (a log,
/// an event log, an export) in the result's provenance. Folders are not
/// hashed as a whole: the files behind findings carry their own hashes.
/// An input that cannot be read is left out here (the scan's coverage
/// already says why).
pub(crate) fn hash_file_inputs(result: &mut ScanResult) {
    use sha2::{Digest, Sha256};
    let mut hashes = Vec::new();
    for input in &result.inputs {
        if input.kind != vigie_model::InputKind::Path {
            continue;
        }
        let path = Path::new(&input.value);
        if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let Ok(mut file) = std::fs::File::open(path) else { continue };
        let mut hasher = Sha256::new();
        let Ok(size) = std::io::copy(&mut file, &mut hasher) else { continue };
        let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        hashes.push(vigie_model::InputHash { path: input.value.clone(), size, sha256 });
    }
    result.provenance.input_hashes = hashes;
}

/// Whether colours are wanted on standard output.
fn stdout_color() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color
        && std::io::stdout().is_terminal()
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// Terminal width from `COLUMNS`, else 80 (bounded to 40..=160).
fn stdout_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()).unwrap_or(80).clamp(40, 160)
}

/// Render `result` as asked: standard output and/or files.
pub(crate) fn write_outputs(
    result: &ScanResult,
    format: Option<&str>,
    outputs: &[String],
) -> anyhow::Result<()> {
    let specs = parse_outputs(format, outputs)?;
    let result = pinned(result)?;
    for spec in &specs {
        match &spec.target {
            Target::Stdout => {
                let tty = spec.format == ReportFormat::Text && stdout_color();
                let opts =
                    RenderOptions { color: tty, width: stdout_width(), ..RenderOptions::default() };
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                render(&result, spec.format, &opts, &mut lock)
                    .context("cannot write the report to standard output")?;
                lock.flush().context("cannot write the report to standard output")?;
            }
            Target::File(path) => {
                let size = write_file(&result, spec.format, path)?;
                eprintln!(
                    "vigie: wrote {} ({}, {})",
                    path.display(),
                    spec.format,
                    human_size(size)
                );
            }
        }
    }
    Ok(())
}

fn human_size(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.1} kB", n as f64 / 1e3),
        n => format!("{n} bytes"),
    }
}

/// Write one report file through a temporary file in the same folder, renamed
/// into place, so a failed write never leaves half a report.
fn write_file(result: &ScanResult, format: ReportFormat, path: &Path) -> anyhow::Result<u64> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        bail!(
            "cannot write {}: folder {} does not exist; create it or choose another --output path",
            path.display(),
            dir.display()
        );
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.vigie-tmp-{}", std::process::id()));
    let res = (|| -> std::io::Result<u64> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        let opts = RenderOptions { color: false, width: 100, ..RenderOptions::default() };
        render(result, format, &opts, &mut file)?;
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        let len = file.metadata()?.len();
        std::fs::rename(&tmp, path)?;
        Ok(len)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        let hint = match e.kind() {
            std::io::ErrorKind::PermissionDenied => {
                "check the folder's permissions or choose another --output path"
            }
            std::io::ErrorKind::StorageFull => "free some disk space or write to another disk",
            _ => "check the path and free space, or choose another --output path",
        };
        anyhow::anyhow!("cannot write {} ({format} report): {e}; {hint}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn default_is_text_to_stdout() {
        let specs = parse_outputs(None, &[]).expect("parse");
        assert_eq!(specs, vec![OutputSpec { format: ReportFormat::Text, target: Target::Stdout }]);
    }

    #[test]
    fn formats_from_prefix_extension_and_flag() {
        let specs = parse_outputs(None, &s(&["r.html", "sarif=out", "x.JSONL"])).expect("parse");
        let f: Vec<_> = specs.iter().map(|s| s.format).collect();
        assert_eq!(f, vec![ReportFormat::Html, ReportFormat::Sarif, ReportFormat::Jsonl]);
        assert!(specs.iter().all(|s| s.target != Target::Stdout));
        let specs = parse_outputs(Some("json"), &s(&["noext"])).expect("parse");
        assert_eq!(specs[0], OutputSpec { format: ReportFormat::Json, target: Target::Stdout });
        assert_eq!(specs[1].format, ReportFormat::Json);
    }

    #[test]
    fn files_are_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().expect("temp dir");
        let r = ScanResult::new(vec!["x".into()]);
        let path = dir.path().join("r.sarif");
        let n = write_file(&r, ReportFormat::Sarif, &path).expect("write");
        assert_eq!(std::fs::metadata(&path).expect("written").len(), n);
        let missing = dir.path().join("nope/r.html");
        let e = write_file(&r, ReportFormat::Html, &missing).expect_err("no folder");
        assert!(e.to_string().contains("does not exist; create it"), "{e}");
        let leftovers = std::fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
    }

    #[test]
    fn errors_say_what_to_do() {
        let e = parse_outputs(None, &s(&["report"])).expect_err("no extension");
        assert!(e.to_string().contains("html=report"), "{e}");
        let e = parse_outputs(Some("pdf"), &[]).expect_err("bad format");
        assert!(format!("{e:#}").contains("expected one of"), "{e:#}");
        assert!(parse_outputs(None, &s(&["json=-", "csv=-"])).is_err());
        // a file name with '=' that is not a format prefix stays a file name
        let specs = parse_outputs(None, &s(&["a=b.csv"])).expect("parse");
        assert_eq!(specs[0].target, Target::File(PathBuf::from("a=b.csv")));
    }
}
