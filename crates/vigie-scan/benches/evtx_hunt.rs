//! EVTX hunt benchmark: the 451 EVTX files of the corpus through the engine
//! with every SigmaHQ `rules/windows` rule plus the built-in pack, against a
//! parse-only floor measured in the same run (the `evtx` crate reading every
//! record with `records_json_value`, same threads), with peak RSS of each
//! mode taken in a child process, and memory flatness (corpus given once vs
//! ten times).
//!
//! Run: `cargo bench -p vigie-scan --bench evtx_hunt`. Set `VIGIE_CORPORA`
//! when the corpora are not at `../shared/corpora`.

mod common;

use common::{corpora, vm_hwm_kib};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use vigie_scan::{Engine, NoProgress, ScanOptions};

fn evtx_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            evtx_files(&p, out);
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("evtx")) {
            out.push(p);
        }
    }
}

/// Parse-only floor: every record through `records_json_value`, files
/// shared out to `threads` threads, biggest first (as the engine does).
fn floor(threads: usize) -> (f64, u64) {
    let mut files = Vec::new();
    evtx_files(&corpora().join("evtx"), &mut files);
    files.sort_by_key(|f| std::cmp::Reverse(std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)));
    let next = AtomicUsize::new(0);
    let total = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(f) = files.get(i) else { break };
                    let Ok(p) = evtx::EvtxParser::from_path(f) else { continue };
                    let mut p = p.with_configuration(evtx::ParserSettings::new().num_threads(1));
                    let n = p.records_json_value().filter(|r| r.is_ok()).count();
                    total.fetch_add(n, Ordering::Relaxed);
                }
            });
        }
    });
    (start.elapsed().as_secs_f64(), total.load(Ordering::Relaxed) as u64)
}

/// The engine: load (timed apart) then scan `paths`.
fn hunt(threads: usize, paths: Vec<PathBuf>, follow: bool) -> (f64, f64, u64, usize) {
    let mut options = ScanOptions::new(paths);
    options.threads = threads;
    options.follow_links = follow;
    options.sigma.dirs = vec![corpora().join("sigma/sigmahq/rules/windows")];
    let t = Instant::now();
    let engine = Engine::load(options).expect("rules load");
    let load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let result = engine.scan(&NoProgress);
    let scan = t.elapsed().as_secs_f64();
    (load, scan, result.coverage.records.events, result.findings.len())
}

/// A temp dir holding the EVTX corpus `n` times: symlinked roots (the same
/// files again: the engine scans each file once) or real copies (distinct
/// files: 10x the events and the findings).
fn copies(n: usize, real: bool) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    for i in 0..n {
        let dest = tmp.path().join(format!("copy{i}"));
        if real {
            copy_tree(&corpora().join("evtx"), &dest);
        } else {
            std::os::unix::fs::symlink(corpora().join("evtx"), &dest).expect("symlink");
        }
    }
    tmp
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy folder");
    for e in std::fs::read_dir(from).expect("read corpus").flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy file");
        }
    }
}

fn child(mode: &str, threads: usize) {
    match mode {
        "floor" => {
            let (secs, n) = floor(threads);
            println!("RESULT floor {threads} {secs:.3} 0 {n} 0 {}", vm_hwm_kib());
        }
        "hunt" => {
            let (load, scan, n, f) = hunt(threads, vec![corpora().join("evtx")], false);
            println!("RESULT hunt {threads} {scan:.3} {load:.3} {n} {f} {}", vm_hwm_kib());
        }
        "x1" | "x10" | "copies10" => {
            let (k, real) = match mode {
                "x1" => (1, false),
                "x10" => (10, false),
                _ => (10, true),
            };
            let tmp = copies(k, real);
            let (load, scan, n, f) = hunt(threads, vec![tmp.path().to_path_buf()], true);
            println!("RESULT {mode} {threads} {scan:.3} {load:.3} {n} {f} {}", vm_hwm_kib());
        }
        other => eprintln!("unknown mode {other}"),
    }
}

struct Row {
    mode: String,
    threads: usize,
    secs: f64,
    load: f64,
    events: u64,
    findings: u64,
    rss_kib: u64,
}

fn run(mode: &str, threads: usize) -> Option<Row> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe).args(["--child", mode, &threads.to_string()]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("RESULT "))?;
    let v: Vec<&str> = line.split_whitespace().collect();
    Some(Row {
        mode: v[1].to_string(),
        threads: v[2].parse().ok()?,
        secs: v[3].parse().ok()?,
        load: v[4].parse().ok()?,
        events: v[5].parse().ok()?,
        findings: v[6].parse().ok()?,
        rss_kib: v[7].parse().ok()?,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let threads = args.get(i + 2).and_then(|t| t.parse().ok()).unwrap_or(1);
        child(&args[i + 1], threads);
        return;
    }
    if !corpora().join("evtx").is_dir() {
        eprintln!(
            "corpora not found at {} (set VIGIE_CORPORA): nothing to measure",
            corpora().display()
        );
        return;
    }
    println!("evtx_hunt: 451 EVTX, SigmaHQ rules/windows + built-in pack");
    println!(
        "{:<7} {:>3} {:>9} {:>8} {:>9} {:>9} {:>11} {:>9} {:>8}",
        "mode", "thr", "scan s", "load s", "events", "findings", "events/s", "RSS MiB", "ratio"
    );
    for threads in [1, 2] {
        let rows: Vec<Row> = ["floor", "floor", "floor", "hunt", "hunt", "hunt"]
            .iter()
            .filter_map(|m| run(m, threads))
            .collect();
        let best =
            |m: &str| rows.iter().filter(|r| r.mode == m).min_by(|a, b| a.secs.total_cmp(&b.secs));
        let (Some(fl), Some(h)) = (best("floor"), best("hunt")) else {
            eprintln!("a child failed for {threads} thread(s)");
            continue;
        };
        for r in [fl, h] {
            println!(
                "{:<7} {:>3} {:>9.3} {:>8.3} {:>9} {:>9} {:>11.0} {:>9.1} {:>8.2}",
                r.mode,
                r.threads,
                r.secs,
                r.load,
                r.events,
                r.findings,
                r.events as f64 / r.secs.max(1e-9),
                r.rss_kib as f64 / 1024.0,
                r.secs / fl.secs.max(1e-9)
            );
        }
        println!(
            "        hunt/floor = {:.2}× (target ≤ 2×); with rule load {:.2} s total (anchors: chainsaw 9.2 s, hayabusa 10.9 s)",
            h.secs / fl.secs.max(1e-9),
            h.secs + h.load
        );
    }
    let (a, b, c) = (run("x1", 2), run("x10", 2), run("copies10", 2));
    let growth =
        |a: &Row, b: &Row| (b.rss_kib as f64 - a.rss_kib as f64) / a.rss_kib.max(1) as f64 * 100.0;
    let mib = |r: &Row| r.rss_kib as f64 / 1024.0;
    if let (Some(a), Some(b)) = (&a, &b) {
        println!(
            "memory, corpus given 10 times (10 roots linking to it; each file scanned once): ×1 {} events {:.1} MiB, ×10 {} events {:.1} MiB, growth {:+.1}% (target < 20%)",
            a.events,
            mib(a),
            b.events,
            mib(b),
            growth(a, b)
        );
    }
    if let (Some(a), Some(c)) = (&a, &c) {
        println!(
            "memory, 10 distinct copies: {} events, {} findings, {:.1} MiB, growth {:+.1}% (the findings kept for the report: {:.1} KiB per extra finding)",
            c.events,
            c.findings,
            mib(c),
            growth(a, c),
            (c.rss_kib as f64 - a.rss_kib as f64)
                / (c.findings.saturating_sub(a.findings)).max(1) as f64
        );
    }
}
