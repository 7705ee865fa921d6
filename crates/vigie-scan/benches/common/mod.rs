//! Helpers shared by the vigie-scan bench binaries: where the corpora are,
//! the peak RSS of the running process, and running one mode in a child
//! process so that each mode's peak RSS is its own.
#![allow(dead_code, unreachable_pub, unused_imports)]

use std::process::Command;
pub use vigie_testkit::{corpora_dir as corpora, files_below, vm_hwm_kib};

/// Re-run this bench binary with `--child ARGS…` and return the words of
/// the line it prints starting with `RESULT ` (without that word). A child
/// that fails prints its stderr and gives `None`.
pub fn run_child(args: &[&str]) -> Option<Vec<String>> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe).arg("--child").args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(line) = text.lines().find(|l| l.starts_with("RESULT ")) else {
        eprintln!("child {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
        return None;
    };
    Some(line.split_whitespace().skip(1).map(str::to_string).collect())
}

/// The arguments after `--child`, when this process is a child.
pub fn child_args() -> Option<Vec<String>> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == "--child")?;
    Some(args[i + 1..].to_vec())
}
