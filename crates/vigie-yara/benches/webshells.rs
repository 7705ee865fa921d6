//! Benchmark: rule load (cold compile vs cached start) and scanning the real
//! web-shell corpus with the built-in pack + signature-base, against a floor
//! (a plain loop reading the same files and running the same compiled
//! yara-x rules, single thread). Each mode runs in a child process that
//! prints its peak RSS (`VmHWM`).
//!
//! Run: `cargo bench -p vigie-yara --bench webshells`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use vigie_yara::{FileMeta, YaraCompiler, YaraRules};

fn corpora() -> Option<PathBuf> {
    vigie_testkit::corpora("webshells/MANIFEST.tsv")
}

fn load(corpora: &Path, cache: Option<PathBuf>) -> YaraRules {
    let src = vigie_testkit::builtin_yara_sources();
    let refs: Vec<(&str, &str)> = src.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let mut c = YaraCompiler::new();
    c.cache_dir(cache).add_builtin(&refs);
    c.add_signature_base(&corpora.join("yara/signature-base")).expect("signature-base");
    c.build().expect("compile")
}

fn shells(corpora: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(corpora.join("webshells/MANIFEST.tsv")).expect("manifest");
    text.lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .map(|f| corpora.join("webshells").join(f))
        .collect()
}

/// Child modes print one line: `RESULT <mode> <seconds> <bytes> <files> <hits> <vmhwm_kib>`.
fn child(mode: &str, corpora: &Path, cache: &Path) {
    let reps = 3;
    match mode {
        "cold" | "cached" => {
            let mut best = f64::MAX;
            for _ in 0..reps {
                let t = Instant::now();
                let r = load(corpora, (mode == "cached").then(|| cache.to_path_buf()));
                best = best.min(t.elapsed().as_secs_f64());
                assert_eq!(r.report().from_cache, mode == "cached", "cache state in mode {mode}");
            }
            println!("RESULT {mode} {best:.4} 0 0 0 {}", vigie_testkit::vm_hwm_kib());
        }
        "engine" | "floor" => {
            let rules = load(corpora, Some(cache.to_path_buf()));
            let files = shells(corpora);
            let mut best = f64::MAX;
            let (mut bytes, mut hits) = (0usize, 0usize);
            for _ in 0..reps {
                let t = Instant::now();
                bytes = 0;
                hits = 0;
                if mode == "engine" {
                    let mut s = rules.scanner();
                    for p in &files {
                        let data = std::fs::read(p).expect("read");
                        bytes += data.len();
                        let path = p.to_string_lossy();
                        let found = s.scan(&data, &FileMeta::new(&path, &data)).expect("scan");
                        let findings: Vec<_> = found.iter().map(|h| h.to_finding(&path)).collect();
                        hits += findings.len();
                    }
                } else {
                    let mut s = yara_x::Scanner::new(rules.as_yara_x());
                    for p in &files {
                        let data = std::fs::read(p).expect("read");
                        bytes += data.len();
                        hits += s.scan(&data).expect("scan").matching_rules().len();
                    }
                }
                best = best.min(t.elapsed().as_secs_f64());
            }
            println!(
                "RESULT {mode} {best:.4} {bytes} {} {hits} {}",
                files.len(),
                vigie_testkit::vm_hwm_kib()
            );
        }
        other => panic!("unknown mode {other}"),
    }
}

fn run_child(mode: &str, cache: &Path) -> Vec<String> {
    let out = Command::new(std::env::current_exe().expect("exe"))
        .args(["--mode", mode, "--cache"])
        .arg(cache)
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .unwrap_or_else(|| panic!("mode {mode} failed: {}", String::from_utf8_lossy(&out.stderr)));
    line.split_whitespace().map(str::to_string).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(corpora) = corpora() else {
        println!("SKIPPED: corpora not found (set VIGIE_CORPORA)");
        return;
    };
    if let Some(i) = args.iter().position(|a| a == "--mode") {
        let cache = args.iter().position(|a| a == "--cache").map(|j| PathBuf::from(&args[j + 1]));
        child(&args[i + 1], &corpora, &cache.expect("--cache"));
        return;
    }
    let cache = std::env::temp_dir().join(format!("vigie-yara-bench-{}", std::process::id()));
    // Prime the cache once.
    let _ = load(&corpora, Some(cache.clone()));
    let cold = run_child("cold", &cache);
    let cached = run_child("cached", &cache);
    let engine = run_child("engine", &cache);
    let floor = run_child("floor", &cache);
    let _ = std::fs::remove_dir_all(&cache);
    let secs = |r: &[String]| r[2].parse::<f64>().unwrap_or(f64::NAN);
    let mib = |r: &[String]| r[6].parse::<f64>().unwrap_or(0.0) / 1024.0;
    println!("rule load (built-in + signature-base, best of 3):");
    println!("  cold compile  {:8.3} s   peak RSS {:6.1} MiB", secs(&cold), mib(&cold));
    println!("  cached start  {:8.3} s   peak RSS {:6.1} MiB", secs(&cached), mib(&cached));
    println!("  ratio cached/cold = {:.1}% (target <= 25%)", 100.0 * secs(&cached) / secs(&cold));
    println!("scan of webshells/ (single thread, best of 3, rules loaded from cache):");
    for (name, r) in [("vigie-yara", &engine), ("floor (read + yara-x scan)", &floor)] {
        let bytes = r[3].parse::<f64>().unwrap_or(0.0);
        let files = r[4].parse::<f64>().unwrap_or(0.0);
        println!(
            "  {name:28} {:7.3} s  {:7.1} MB/s  {:7.0} files/s  hits {:5}  peak RSS {:6.1} MiB",
            secs(r),
            bytes / 1e6 / secs(r),
            files / secs(r),
            r[5],
            mib(r)
        );
    }
    println!("  ratio vigie-yara/floor = {:.2}x time", secs(&engine) / secs(&floor));
}
