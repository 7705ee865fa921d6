//! Helpers: run the binary, find the corpora.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `vigie` binary built for these tests.
pub(crate) fn vigie() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigie"));
    cmd.env("NO_COLOR", "1").env_remove("SOURCE_DATE_EPOCH");
    cmd
}

/// Run and return the output, with stderr shown on failure to run.
pub(crate) fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the vigie binary runs")
}

/// Parse stdout as a ScanResult JSON value.
pub(crate) fn json_stdout(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr:\n{}\nstdout:\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The shared corpora, or `None` (with a message) when absent; fails under CI.
#[allow(dead_code)]
pub(crate) fn corpora() -> Option<PathBuf> {
    let dir = std::env::var_os("VIGIE_CORPORA").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
    });
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "corpora missing at {} under CI",
        dir.display()
    );
    eprintln!("corpora not found at {}: test skipped", dir.display());
    None
}
