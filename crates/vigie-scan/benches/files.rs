//! File-scan benchmark: the whole engine (walk, one read, MD5/SHA-1/SHA-256,
//! built-in + signature-base YARA with per-file external variables, hash and
//! path IOCs, findings) over the real web-shell corpus, against a floor
//! measured in the same run: a plain loop that reads the same files and runs
//! the same compiled yara-x rules on them. Rules come from a primed cache in
//! every mode, and rule load is timed apart from the scan. Each mode runs in
//! a child process that reports its peak RSS (`VmHWM`); best of 3 runs.
//!
//! Run: `cargo bench -p vigie-scan --bench files`. Set `VIGIE_CORPORA` when
//! the corpora are not at `../shared/corpora`.

mod common;

use common::{child_args, corpora, files_below, run_child, vm_hwm_kib};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use vigie_scan::{Engine, NoProgress, ScanOptions};
use vigie_yara::{YaraCompiler, YaraRules};

const REPS: usize = 3;

fn shells() -> PathBuf {
    corpora().join("webshells")
}

fn signature_base() -> PathBuf {
    corpora().join("yara/signature-base")
}

/// The same rule sets as the engine's, through the same cache.
fn floor_rules(cache: &Path) -> YaraRules {
    let mut c = YaraCompiler::new();
    c.cache_dir(Some(cache.to_path_buf())).add_builtin(&vigie_rules::yara_pack::yara_sources());
    c.add_signature_base(&signature_base()).expect("signature-base folder");
    c.build().expect("rules compile")
}

/// Read every file and run the compiled rules on it, `threads` threads,
/// biggest files first. Returns (seconds, bytes, matching rules).
fn floor_once(rules: &YaraRules, files: &[(PathBuf, u64)], threads: usize) -> (f64, u64, u64) {
    let next = AtomicUsize::new(0);
    let (bytes, hits) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut scanner = yara_x::Scanner::new(rules.as_yara_x());
                while let Some((path, _)) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let Ok(data) = std::fs::read(path) else { continue };
                    bytes.fetch_add(data.len(), Ordering::Relaxed);
                    if let Ok(r) = scanner.scan(&data) {
                        hits.fetch_add(r.matching_rules().len(), Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let secs = start.elapsed().as_secs_f64();
    (secs, bytes.load(Ordering::Relaxed) as u64, hits.load(Ordering::Relaxed) as u64)
}

fn floor(cache: &Path, threads: usize) -> String {
    let t = Instant::now();
    let rules = floor_rules(cache);
    let load = t.elapsed().as_secs_f64();
    let mut files: Vec<(PathBuf, u64)> = files_below(&shells())
        .into_iter()
        .map(|p| {
            let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            (p, len)
        })
        .collect();
    files.sort_by_key(|(_, len)| std::cmp::Reverse(*len));
    let runs: Vec<_> = (0..REPS).map(|_| floor_once(&rules, &files, threads)).collect();
    let (secs, bytes, hits) =
        runs.into_iter().min_by(|a, b| a.0.total_cmp(&b.0)).unwrap_or_default();
    format!("{secs:.4} {load:.3} {bytes} {} {hits}", files.len())
}

fn engine(cache: &Path, threads: usize) -> String {
    let mut options = ScanOptions::new(vec![shells()]);
    options.threads = threads;
    options.signature_base = Some(signature_base());
    options.cache_dir = Some(cache.to_path_buf());
    let t = Instant::now();
    let engine = Engine::load(options).expect("rules load");
    let load = t.elapsed().as_secs_f64();
    let mut best: Option<(f64, vigie_model::ScanResult)> = None;
    for _ in 0..REPS {
        let t = Instant::now();
        let result = engine.scan(&NoProgress);
        let secs = t.elapsed().as_secs_f64();
        if best.as_ref().is_none_or(|(b, _)| secs < *b) {
            best = Some((secs, result));
        }
    }
    let Some((secs, r)) = best else { return String::new() };
    let c = &r.coverage;
    format!("{secs:.4} {load:.3} {} {} {}", c.files.bytes, c.files.scanned, r.findings.len())
}

fn main() {
    if let Some(args) = child_args() {
        let (mode, cache, threads) = (&args[0], Path::new(&args[1]), args[2].parse().unwrap_or(1));
        let line = if mode == "floor" { floor(cache, threads) } else { engine(cache, threads) };
        println!("RESULT {line} {}", vm_hwm_kib());
        return;
    }
    if !shells().join("MANIFEST.tsv").is_file() {
        eprintln!("corpora not found at {} (set VIGIE_CORPORA)", corpora().display());
        return;
    }
    let cache = std::env::temp_dir().join(format!("vigie-files-bench-{}", std::process::id()));
    let _ = floor_rules(&cache); // prime the compiled-rule cache
    let cache_arg = cache.to_string_lossy().into_owned();
    println!("files: webshells/ with built-in + signature-base (rules from cache, best of {REPS})");
    println!(
        "{:<7} {:>3} {:>8} {:>7} {:>6} {:>8} {:>8} {:>7} {:>8} {:>8}",
        "mode", "thr", "scan s", "load s", "files", "MB/s", "files/s", "hits", "RSS MiB", "/floor1"
    );
    let mut rows = Vec::new();
    for (mode, threads) in [("floor", "1"), ("engine", "1"), ("floor", "2"), ("engine", "2")] {
        let Some(v) = run_child(&[mode, &cache_arg, threads]) else { continue };
        let num = |i: usize| v.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
        rows.push((mode, threads, num(0)));
        let floor1 = rows.first().map(|r| r.2).unwrap_or(f64::NAN);
        println!(
            "{mode:<7} {threads:>3} {:>8.3} {:>7.2} {:>6} {:>8.2} {:>8.0} {:>7} {:>8.1} {:>8.2}",
            num(0),
            num(1),
            num(3),
            num(2) / 1e6 / num(0),
            num(3) / num(0),
            num(4),
            num(5) / 1024.0,
            num(0) / floor1
        );
    }
    let get = |m: &str, t: &str| rows.iter().find(|r| r.0 == m && r.1 == t).map(|r| r.2);
    if let (Some(f1), Some(e1), Some(e2)) =
        (get("floor", "1"), get("engine", "1"), get("engine", "2"))
    {
        println!("engine/floor on 1 thread = {:.2}x (target <= 1.3x)", e1 / f1);
        println!("engine speed-up 1 -> 2 threads = {:.2}x (target close to 2x)", e1 / e2);
    }
    let _ = std::fs::remove_dir_all(&cache);
}
