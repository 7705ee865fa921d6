//! Loopback benchmark: 1,000 targets (one plain-HTTP listener per target on
//! 127.0.0.1). Nine in ten answer like a plain IIS (3 connections each: port
//! check, `GET /owa/auth/logon.aspx`, `GET /owa/`); one in ten answers like
//! Exchange 2016 CU23 Nov22SU (`X-OWA-Version: 15.1.2507.16`), so the whole
//! ladder runs on it (ECP, export tool, the three behavioural checks).
//!
//! Modes, each in a child process so its peak RSS (VmHWM) is its own:
//! - `floor`: rate 100,000/s — what the machine does unthrottled.
//! - `rate200`: rate 200/s — must take close to connections ÷ 200 seconds.
//!
//! Run: `cargo bench -p vigie-probe --bench loopback`

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vigie_probe::{Check, ProbeConfig, parse_all, probe};

const TARGETS: usize = 1000;

/// What a target answers: Exchange on the login page (every 10th target),
/// else a plain IIS 404.
fn answer(exchange: bool, head: &[u8]) -> &'static [u8] {
    let line = head.split(|b| *b == b'\r').next().unwrap_or(b"");
    let logon = line.starts_with(b"GET /owa/auth/logon.aspx ");
    if exchange && logon {
        b"HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\nX-OWA-Version: 15.1.2507.16\r\nX-FEServer: EX01\r\nContent-Type: text/html\r\nContent-Length: 28\r\nConnection: close\r\n\r\n<html><title>Outlook</title>"
    } else if exchange && line.starts_with(b"GET /autodiscover/autodiscover.json?@test.com") {
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    } else {
        b"HTTP/1.1 404 Not Found\r\nServer: Microsoft-IIS/10.0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    }
}

async fn serve() -> Vec<u16> {
    let mut ports = Vec::with_capacity(TARGETS);
    for i in 0..TARGETS {
        let exchange = i % 10 == 0;
        let l = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind (raise `ulimit -n` above 4096)");
        ports.push(l.local_addr().expect("addr").port());
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = l.accept().await else { return };
                tokio::spawn(async move {
                    let mut buf = [0u8; 2048];
                    let mut seen = Vec::new();
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = s.write_all(answer(exchange, &seen)).await;
                });
            }
        });
    }
    ports
}

fn child(rate: f64) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let ports = serve().await;
        let urls: Vec<String> = ports.iter().map(|p| format!("http://127.0.0.1:{p}")).collect();
        let (parsed, errors) = parse_all(&urls, &[], false);
        assert!(errors.is_empty());
        let mut cfg = ProbeConfig::default();
        cfg.net.rate = rate;
        cfg.net.concurrency = 64;
        cfg.net.timeout = Duration::from_secs(5);
        cfg.checks = Check::ALL.to_vec();
        let t = Instant::now();
        let run = probe(&cfg, parsed.targets).await.expect("probe");
        let secs = t.elapsed().as_secs_f64();
        let failed = run
            .hosts
            .iter()
            .filter(|h| {
                h.error.is_some() || h.exchange.as_ref().is_some_and(|x| !x.errors.is_empty())
            })
            .count();
        let exchange =
            run.hosts.iter().filter(|h| h.exchange.as_ref().is_some_and(|x| x.present)).count();
        assert_eq!(exchange, TARGETS / 10, "every 10th target is recognised as Exchange");
        println!("RESULT {secs:.3} {} {failed} {}", run.sent.len(), vigie_testkit::vm_hwm_kib());
    });
}

fn run_child(mode: &str) -> (f64, usize, usize, u64) {
    let exe = std::env::current_exe().expect("current exe");
    let out =
        std::process::Command::new(exe).arg("--mode").arg(mode).output().expect("spawn child");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("RESULT ")).unwrap_or_else(|| {
        panic!("child `{mode}` failed: {}", String::from_utf8_lossy(&out.stderr))
    });
    let f: Vec<&str> = line.split_whitespace().collect();
    (
        f[1].parse().unwrap_or(0.0),
        f[2].parse().unwrap_or(0),
        f[3].parse().unwrap_or(0),
        f[4].parse().unwrap_or(0),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--mode") {
        match args.get(i + 1).map(String::as_str) {
            Some("floor") => child(100_000.0),
            Some("rate200") => child(200.0),
            other => panic!("unknown mode {other:?}"),
        }
        return;
    }
    println!(
        "vigie-probe loopback bench: {TARGETS} targets (90% plain IIS, 10% Exchange 2016 CU23 Nov22SU), all checks"
    );
    let (fs, fn_, ff, frss) = run_child("floor");
    println!(
        "floor   (rate 100000/s): {fs:7.2} s  {fn_} connections  {:8.0} conn/s  failures {ff}  peak RSS {:.1} MiB",
        fn_ as f64 / fs,
        frss as f64 / 1024.0
    );
    let (rs, rn, rf, rrss) = run_child("rate200");
    let expected = rn as f64 / 200.0;
    println!(
        "rate200 (rate   200/s): {rs:7.2} s  {rn} connections  {:8.0} conn/s  failures {rf}  peak RSS {:.1} MiB",
        rn as f64 / rs,
        rrss as f64 / 1024.0
    );
    println!(
        "rate200: expected {expected:.2} s (connections ÷ 200), measured/expected = {:.3}",
        rs / expected
    );
    println!("floor headroom: unthrottled is {:.1}× faster than the 200/s budget", rs / fs);
}
