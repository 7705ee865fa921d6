//! Render a ScanResult of 100,000 findings in every format: time per format,
//! ratio to the JSON floor (plain serde serialisation of the same result),
//! output size and peak RSS, each format in its own child process.
//! The HTML report must stay under 20 MB: checked here, and the bench fails
//! if it does not.
//!
//! Run: `cargo bench -p vigie-report --bench render` (`VIGIE_BENCH_N` to
//! change the number of findings, `VIGIE_BENCH_HTML=FILE` to keep the HTML
//! page for a browser).

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;
use std::time::Instant;
use vigie_report::{RenderOptions, ReportFormat, render};

const HTML_LIMIT: u64 = 20_000_000;

fn n() -> usize {
    std::env::var("VIGIE_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// A writer that only counts bytes (measures rendering, not disk).
struct Count(u64);

impl std::io::Write for Count {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn child(mode: &str) {
    let r = common::big(n());
    let start = Instant::now();
    let mut sink = Count(0);
    match mode {
        "build" => {}
        "floor" => serde_json::to_writer(&mut sink, &r).expect("serialise"),
        fmt => {
            let f: ReportFormat = fmt.parse().expect("format name");
            render(&r, f, &RenderOptions::default(), &mut sink).expect("render");
        }
    }
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    println!("RESULT {mode} {ms:.1} {} {}", sink.0, vm_hwm_kb());
    // VIGIE_BENCH_HTML=FILE keeps the 100,000-finding page to open in a browser.
    if let (Some(path), "html") = (std::env::var_os("VIGIE_BENCH_HTML"), mode) {
        let mut file = std::fs::File::create(&path).expect("create VIGIE_BENCH_HTML file");
        render(&r, ReportFormat::Html, &RenderOptions::default(), &mut file).expect("write html");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(args.get(i + 1).map(String::as_str).unwrap_or("build"));
        return;
    }
    let exe = std::env::current_exe().expect("current exe");
    let modes = ["build", "floor", "json", "jsonl", "sarif", "csv", "html", "text"];
    println!("vigie-report render bench: {} findings, one child process per format", n());
    println!(
        "{:<7} {:>10} {:>9} {:>12} {:>13}",
        "mode", "time ms", "x floor", "output", "peak RSS MB"
    );
    let mut floor = None;
    let mut failed = false;
    for mode in modes {
        let out = Command::new(&exe).args(["--child", mode]).output().expect("run child");
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(line) = text.lines().find(|l| l.starts_with("RESULT ")) else {
            eprintln!("{mode}: child failed: {}", String::from_utf8_lossy(&out.stderr));
            failed = true;
            continue;
        };
        let p: Vec<&str> = line.split_whitespace().collect();
        let ms: f64 = p[2].parse().unwrap_or(0.0);
        let bytes: u64 = p[3].parse().unwrap_or(0);
        let rss: u64 = p[4].parse().unwrap_or(0);
        if mode == "floor" {
            floor = Some(ms.max(0.001));
        }
        let ratio = match (mode, floor) {
            ("build", _) | (_, None) => "-".to_string(),
            (_, Some(f)) => format!("{:.2}", ms / f),
        };
        println!(
            "{mode:<7} {ms:>10.1} {ratio:>9} {:>9.1} MB {:>13.1}",
            bytes as f64 / 1e6,
            rss as f64 / 1024.0
        );
        if mode == "html" {
            let ok = bytes < HTML_LIMIT;
            println!(
                "HTML size {:.1} MB < 20 MB: {}",
                bytes as f64 / 1e6,
                if ok { "PASS" } else { "FAIL" }
            );
            failed |= !ok;
        }
    }
    if failed {
        std::process::exit(1);
    }
}
