//! Hunt benchmark: all 451 EVTX of `corpora/evtx` × all SigmaHQ
//! `rules/windows` rules, against the parse-only floor (the `evtx` crate
//! reading every record as JSON, same threads, same run).
//!
//! Run: `cargo bench -p vigie-sigma --bench hunt`. Each mode runs in a
//! child process (this binary re-executed) so its peak RSS (`VmHWM`) is its
//! own. Modes:
//! - `parse`: `records_json_value` for every record (the floor);
//! - `hunt`: parse + every rule on a lazy event over the parsed JSON (no
//!   copies: what a streaming reader gives), plus correlation;
//! - `hunt-map`: the same through the test adapter that first copies every
//!   record into a map event (what the regression tests use).

#[path = "../tests/common/mod.rs"]
mod common;

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use vigie_sigma::{SetOptions, SigmaCompiler};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("evtx")) {
            out.push(p);
        }
    }
}

/// CPU seconds (user + system) used by this process so far.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn parse_only(f: &Path) -> usize {
    let settings = evtx::ParserSettings::default().num_threads(1);
    let Ok(p) = evtx::EvtxParser::from_path(f) else { return 0 };
    let mut p = p.with_configuration(settings);
    p.records_json_value().filter(|r| r.is_ok()).count()
}

fn hunt_json(
    f: &Path,
    m: &mut vigie_sigma::SigmaMatcher<'_>,
    hits: &mut Vec<vigie_sigma::Hit>,
) -> usize {
    let settings = evtx::ParserSettings::default().num_threads(1);
    let Ok(p) = evtx::EvtxParser::from_path(f) else { return 0 };
    let mut p = p.with_configuration(settings);
    let mut n = 0;
    for r in p.records_json_value().flatten() {
        let ev = common::JsonEvent::new(&r.data, r.timestamp.as_millisecond());
        m.matches(&ev, hits);
        n += 1;
    }
    n
}

fn child(mode: &str, threads: usize, corpora: &Path) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    let mut list = Vec::new();
    files(&corpora.join("evtx"), &mut list);
    list.sort();
    let t_compile = Instant::now();
    let cpu0 = cpu_secs();
    let rules = if mode.starts_with("hunt") {
        let mut c = SigmaCompiler::new();
        c.add_dir(&corpora.join("sigma/sigmahq/rules/windows"), SetOptions::external("windows"))
            .expect("rules readable");
        Some(c.build())
    } else {
        None
    };
    let compile_s = t_compile.elapsed().as_secs_f64();
    let compile_cpu = cpu_secs() - cpu0;
    let start = Instant::now();
    let cpu_start = cpu_secs();
    let (events, hits, evals) = pool.install(|| match (mode, &rules) {
        ("parse", _) => (list.par_iter().map(|f| parse_only(f)).sum::<usize>(), 0, 0),
        (_, Some(rules)) => {
            let per_file: Vec<(usize, usize, u64, Vec<_>)> = list
                .par_iter()
                .enumerate()
                .map(|(i, f)| {
                    let mut m = rules.matcher();
                    m.set_source(i as u32);
                    let mut hits = Vec::new();
                    let n = if mode == "hunt-map" {
                        let (evs, _) = common::evtx_events(f);
                        evs.iter().for_each(|e| {
                            m.matches(e, &mut hits);
                        });
                        evs.len()
                    } else {
                        hunt_json(f, &mut m, &mut hits)
                    };
                    (n, hits.len(), m.evaluations(), m.take_correlation_inputs())
                })
                .collect();
            let mut inputs = Vec::new();
            let (mut ev, mut h, mut n) = (0, 0, 0);
            for (e, hh, nn, inp) in per_file {
                ev += e;
                h += hh;
                n += nn;
                inputs.extend(inp);
            }
            let corr = rules.correlate(inputs);
            (ev, h + corr.len(), n)
        }
        _ => (0, 0, 0),
    });
    let secs = start.elapsed().as_secs_f64();
    let run_cpu = cpu_secs() - cpu_start;
    let loaded = rules.as_ref().map(|r| r.loaded_count()).unwrap_or(0);
    println!(
        "RESULT {mode} {threads} {secs:.4} {events} {hits} {evals} {loaded} {compile_s:.4} {} {compile_cpu:.2} {run_cpu:.2}",
        vigie_testkit::vm_hwm_kib()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(corpora) = common::corpora() else { return };
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let mode = &args[i + 1];
        let threads: usize = args[i + 2].parse().expect("thread count");
        child(mode, threads, &corpora);
        return;
    }
    let exe = std::env::current_exe().expect("current exe");
    println!(
        "vigie-sigma hunt benchmark: 451 EVTX x SigmaHQ rules/windows (best of 3 runs per mode)"
    );
    for threads in [1usize, 2] {
        let mut results = std::collections::HashMap::new();
        let mut cpu = std::collections::HashMap::new();
        for mode in ["parse", "hunt", "hunt-map"] {
            let mut best: Option<Vec<String>> = None;
            for _ in 0..3 {
                let out = Command::new(&exe)
                    .args(["--child", mode, &threads.to_string()])
                    .output()
                    .expect("run child");
                let text = String::from_utf8_lossy(&out.stdout);
                let Some(line) = text.lines().find(|l| l.starts_with("RESULT")) else {
                    eprintln!("child {mode} failed: {}", String::from_utf8_lossy(&out.stderr));
                    continue;
                };
                let cols: Vec<String> = line.split_whitespace().map(str::to_string).collect();
                let secs: f64 = cols[3].parse().unwrap_or(f64::MAX);
                if best.as_ref().is_none_or(|b| secs < b[3].parse().unwrap_or(f64::MAX)) {
                    best = Some(cols);
                }
            }
            let Some(cols) = best else { continue };
            let secs: f64 = cols[3].parse().unwrap_or(0.0);
            let events: f64 = cols[4].parse().unwrap_or(0.0);
            let run_cpu: f64 = cols.get(11).and_then(|c| c.parse().ok()).unwrap_or(0.0);
            println!(
                "threads={threads} mode={mode:<8} wall={secs:.3}s cpu={}s events={} ({:.0} ev/s) hits={} rule-evals={} rules={} compile={}s (cpu {}s) peak-rss={} MiB",
                run_cpu,
                cols[4],
                events / secs.max(1e-9),
                cols[5],
                cols[6],
                cols[7],
                cols[8],
                cols.get(10).map(String::as_str).unwrap_or("?"),
                cols[9].parse::<u64>().unwrap_or(0) / 1024
            );
            results.insert(mode, secs);
            cpu.insert(mode, run_cpu);
        }
        if let (Some(p), Some(h), Some(hm)) =
            (results.get("parse"), results.get("hunt"), results.get("hunt-map"))
        {
            println!(
                "threads={threads} ratio hunt/parse-floor = {:.2}x   hunt-map/parse-floor = {:.2}x",
                h / p,
                hm / p,
            );
        }
        if let (Some(p), Some(h)) = (cpu.get("parse"), cpu.get("hunt")) {
            println!("threads={threads} CPU-time ratio hunt/parse-floor = {:.2}x", h / p.max(1e-9));
        }
    }
}
