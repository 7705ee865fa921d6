//! `vigie report`: render saved results (`vigie scan … --output result.json`)
//! in any format without rescanning. Several results are merged (a `probe`
//! and a `scan` of the same server become one report).

use super::output::{OutputArgs, write_outputs};
use anyhow::{Context, bail};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vigie_model::{SCHEMA_VERSION, ScanResult, Severity};

/// Options of `vigie report`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReportArgs {
    /// Saved results (JSON written by `vigie scan`/`vigie probe`); several are
    /// merged into one report. `-` reads standard input.
    #[arg(required = true, value_name = "RESULT.json")]
    pub(crate) inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    /// Exit with code 1 when a finding is at or above this severity
    /// (info, low, medium, high, critical).
    #[arg(long, default_value = "high", value_name = "SEVERITY")]
    pub(crate) fail_on: Severity,
}

pub(crate) fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let mut merged: Option<ScanResult> = None;
    for path in &args.inputs {
        let r = load(path)?;
        match &mut merged {
            None => merged = Some(r),
            Some(m) => m.merge(r),
        }
    }
    let Some(mut result) = merged else { bail!("no result given: vigie report RESULT.json") };
    result.finalize();
    write_outputs(&result, args.output.format.as_deref(), &args.output.output)?;
    let code = if result.has_finding_at_or_above(args.fail_on) {
        crate::EXIT_FINDINGS
    } else {
        crate::EXIT_CLEAN
    };
    Ok(ExitCode::from(code))
}

/// Read one saved result, with errors that name the file, the line and
/// column, and what to do.
pub(crate) fn load(path: &Path) -> anyhow::Result<ScanResult> {
    let shown = path.display();
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the result from standard input")?;
    } else {
        let mut f = std::fs::File::open(path).with_context(|| {
            format!("cannot open {shown}: give the JSON file written by `vigie scan … --output result.json`")
        })?;
        f.read_to_string(&mut text)
            .with_context(|| format!("cannot read {shown}: is it a UTF-8 JSON file?"))?;
    }
    // Check the contract version first, for a clearer message than a missing field.
    let probe: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!("{shown}: line {}, column {}: not valid JSON ({e}); is it a result written by `vigie scan --output result.json`?", e.line(), e.column())
    })?;
    let schema = probe.get("schema").and_then(|s| s.as_str()).unwrap_or("");
    let family = SCHEMA_VERSION.rsplit_once('/').map_or(SCHEMA_VERSION, |(f, _)| f);
    if !schema.starts_with(family) {
        bail!(
            "{shown}: not a vigie result (its `schema` is `{schema}`, expected `{SCHEMA_VERSION}`); give a file written by `vigie scan --output result.json`"
        );
    }
    if schema != SCHEMA_VERSION {
        bail!(
            "{shown}: written by another vigie version (`{schema}`, this vigie reads `{SCHEMA_VERSION}`); render it with the vigie that wrote it"
        );
    }
    drop(probe);
    serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!("{shown}: line {}, column {}: {e}; the file is a vigie result but does not match `{SCHEMA_VERSION}` (edited or truncated?)", e.line(), e.column())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write test file");
        p
    }

    #[test]
    fn load_reports_file_line_and_column() {
        let dir = tempfile::tempdir().expect("temp dir");
        let bad =
            write(dir.path(), "bad.json", "{\n  \"schema\": \"vigie.scan-result/1\",\n  oops\n}");
        let e = format!("{:#}", load(&bad).expect_err("bad JSON"));
        assert!(e.contains("bad.json: line 3, column 3"), "{e}");
        let other = write(dir.path(), "other.json", "{\"version\": \"2.1.0\"}");
        let e = format!("{:#}", load(&other).expect_err("not a result"));
        assert!(e.contains("not a vigie result"), "{e}");
        let r = ScanResult::new(vec!["x".into()]);
        let mut json = serde_json::to_string(&r).expect("serialise");
        json.truncate(json.len() / 2);
        let cut = write(dir.path(), "cut.json", &json);
        assert!(format!("{:#}", load(&cut).expect_err("truncated")).contains("cut.json: line 1"));
        let good = write(dir.path(), "good.json", &serde_json::to_string(&r).expect("serialise"));
        assert_eq!(load(&good).expect("loads"), r);
    }
}
