//! Log-scan benchmark: generate a ≥ 1 GB synthetic IIS + HttpProxy log set
//! (mostly benign, sparse attacks) in a temporary directory, scan it with
//! every built-in log rule (and the SigmaHQ web rules when the corpora are
//! available), and compare with a floor measured in the same run: reading the
//! same files line by line and counting lines. Two more modes show where the
//! time goes: `search` (the floor plus only the SigmaHQ keyword prefilter,
//! run once per block of lines as the scan does) and `builtin` (the scan
//! without the SigmaHQ rules). Each mode
//! runs in a child process that reports its peak RSS (`VmHWM`).
//!
//! `cargo bench -p vigie-scan --bench logs` (size: `VIGIE_BENCH_MB`, default 1024;
//! `VIGIE_BENCH_DIR=DIR` generates the set there and keeps it).

mod common;

use common::vm_hwm_kib;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use vigie_scan::{Engine, NoProgress, ScanOptions};
use vigie_source::{LineReader, open_text};

const FILE_MB: usize = 64;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let (mode, dir, threads) =
            (&args[i + 1], PathBuf::from(&args[i + 2]), args[i + 3].parse().unwrap_or(1));
        child(mode, &dir, threads);
        return;
    }
    let mb: usize =
        std::env::var("VIGIE_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(1024);
    // `VIGIE_BENCH_DIR`: generate there and keep it (to profile a child run).
    let keep = std::env::var_os("VIGIE_BENCH_DIR").map(PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("vigie-logs-bench-{}", std::process::id()))
    });
    let bytes = generate(&dir, mb)
        .unwrap_or_else(|e| panic!("cannot write the bench logs in {}: {e}", dir.display()));
    println!("log set: {:.0} MB in {}", bytes as f64 / 1e6, dir.display());
    let mut floor1 = 0.0;
    // `search`: the floor plus only the SigmaHQ keyword prefilter on every
    // line — the least work any scan with these rules must do on a line.
    // `builtin`: the whole scan with the built-in rules only.
    let modes =
        [("floor", 1), ("search", 1), ("builtin", 1), ("scan", 1), ("floor", 2), ("scan", 2)];
    for (mode, threads) in modes {
        let Some((secs, rss, findings)) = run_child(mode, &dir, threads) else { continue };
        let mbs = bytes as f64 / 1e6 / secs;
        if mode == "floor" && threads == 1 {
            floor1 = secs;
        }
        println!(
            "{mode:7} threads={threads}: {secs:7.2} s  {mbs:8.1} MB/s  peak RSS {:6.1} MB  ratio to 1-thread floor {:5.2}x  findings {findings}",
            rss as f64 / 1024.0,
            if floor1 > 0.0 { secs / floor1 } else { 0.0 }
        );
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn run_child(mode: &str, dir: &Path, threads: usize) -> Option<(f64, u64, u64)> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .args(["--child", mode, &dir.to_string_lossy(), &threads.to_string()])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("RESULT "))?;
    let v: Vec<&str> = line.split_whitespace().collect();
    Some((v.get(1)?.parse().ok()?, v.get(2)?.parse().ok()?, v.get(3)?.parse().ok()?))
}

fn child(mode: &str, dir: &Path, threads: usize) {
    let (secs, findings) = match mode {
        "floor" => {
            let start = Instant::now();
            let lines = floor(dir, threads);
            (start.elapsed().as_secs_f64(), lines)
        }
        "search" => search(dir),
        _ => scan(dir, threads, mode != "builtin"),
    };
    println!("RESULT {secs} {} {findings}", vm_hwm_kib());
}

/// Read every file line by line (same reader as the scan) and count lines.
fn floor(dir: &Path, threads: usize) -> u64 {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|r| r.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    files.sort();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let total = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(p) = files.get(i) else { break };
                    let Ok(input) = open_text(p) else { continue };
                    let mut lines = LineReader::new(input);
                    while let Ok(Some(_)) = lines.next_line() {}
                    total.fetch_add(lines.line_no(), std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    total.into_inner()
}

/// Read every line (one thread) and run only the Sigma web rules' keyword
/// prefilter on it: (seconds, lines that pass the prefilter).
fn search(dir: &Path) -> (f64, u64) {
    let mut compiler = vigie_sigma::SigmaCompiler::new();
    // The same files the scan loads from the same directory.
    for p in common::files_below(&common::corpora().join("sigma/sigmahq/rules/web")) {
        let yaml = p.extension().is_some_and(|e| e == "yml" || e == "yaml");
        if yaml
            && let Ok(text) = std::fs::read_to_string(&p)
            && vigie_sigma::is_webserver_rule(&text)
        {
            let origin = p.display().to_string();
            compiler.add_source(&text, &origin, vigie_sigma::SetOptions::external("web"));
        }
    }
    let rules = compiler.build();
    let mut files = common::files_below(dir);
    files.sort();
    let start = Instant::now();
    let (mut lower, mut passed, mut block_no) = (Vec::new(), 0u64, 0u64);
    for p in &files {
        let Ok(input) = open_text(p) else { continue };
        let mut lines = LineReader::new(input);
        while let Ok(Some(_)) = lines.next_line() {
            let (no, block) = lines.block();
            if no != block_no {
                // As the scan does: the block lower-cased once, one search.
                block_no = no;
                lower.clear();
                lower.extend_from_slice(block);
                lower.make_ascii_lowercase();
                rules.block_candidates(&lower, |_| passed += 1);
            }
        }
    }
    (start.elapsed().as_secs_f64(), passed)
}

/// Load the rules (not timed), then scan: (scan seconds, findings).
fn scan(dir: &Path, threads: usize, sigma: bool) -> (f64, u64) {
    let mut options = ScanOptions::new(vec![dir.to_path_buf()]);
    options.threads = threads;
    options.no_cache = true;
    let web = common::corpora().join("sigma/sigmahq/rules/web");
    if sigma && web.is_dir() {
        options.sigma.dirs.push(web);
    }
    let engine = match Engine::load(options) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot load rules: {e}");
            return (f64::NAN, 0);
        }
    };
    let start = Instant::now();
    let result = engine.scan(&NoProgress);
    (start.elapsed().as_secs_f64(), result.findings.len() as u64)
}

const IIS_HEADER: &str = "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2021-03-01 00:00:00\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n";
const HP_FIELDS: &str = "DateTime,RequestId,MajorVersion,MinorVersion,BuildVersion,RevisionVersion,ClientRequestId,Protocol,UrlHost,UrlStem,ProtocolAction,AuthenticationType,IsAuthenticated,AuthenticatedUser,Organization,AnchorMailbox,UserAgent,ClientIpAddress,ServerHostName,HttpStatus,BackEndStatus,ErrorCode,Method,ProxyAction,TargetServer,TargetServerVersion,RoutingType,RoutingHint,BackEndCookie,ServerLocatorHost,ServerLocatorLatency,RequestBytes,ResponseBytes,TargetOutstandingRequests,AuthModulePerfContext,HttpPipelineLatency,CalculateTargetBackEndLatency,GlsLatencyBreakup,TotalGlsLatency,UrlQuery,BackEndGenericInfo,GenericInfo,GenericErrors";

const IIS_BENIGN: [&str; 6] = [
    "GET /owa/auth/logon.aspx url=https%3a%2f%2fmail.corp.local%2fowa%2f&reason=0 443 - 10.1.2.3 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36 - 200 0 0 15",
    "POST /owa/service.svc action=GetItem&EP=1&ID=-42&AC=1 443 CORP\\jane 10.1.2.4 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 200 0 0 31",
    "POST /EWS/Exchange.asmx &CorrelationID=<empty>;&cafeReqId=b; 443 CORP\\bob 10.1.2.5 Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.13801) - 200 0 0 46",
    "POST /Microsoft-Server-ActiveSync/default.eas Cmd=Sync&User=jane&DeviceId=ABC&DeviceType=iPhone 443 CORP\\jane 10.1.2.6 Apple-iPhone12C1/1803.617 - 200 0 0 120",
    "POST /mapi/emsmdb/ mailboxId=3b2e@corp.local&CorrelationID=<empty>; 443 CORP\\bob 10.1.2.7 Microsoft+Office/16.0 - 200 0 0 9",
    "GET /owa/auth/Current/themes/resources/logon.css - 443 - 10.1.2.8 Mozilla/5.0+(Macintosh;+Intel+Mac+OS+X+10_15_7) - 200 0 0 0",
];
const IIS_ATTACK: &str = "POST /ecp/DDI/DDIService.svc/SetObject schema=ResetOABVirtualDirectory&msExchEcpCanary=x 443 CORP\\EXCH01$ 203.0.113.7 python-requests/2.25.1 - 200 0 0 1890";

fn generate(dir: &Path, mb: usize) -> std::io::Result<u64> {
    std::fs::create_dir_all(dir)?;
    let files = mb.div_ceil(FILE_MB).max(2);
    let mut total = 0u64;
    for f in 0..files {
        let iis = f % 2 == 0;
        let path = dir.join(if iis {
            format!("u_ex2103{:02}.log", f + 1)
        } else {
            format!("HttpProxy_2021030{}-{f}.LOG", f % 9)
        });
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        let mut written = 0usize;
        if iis {
            w.write_all(IIS_HEADER.as_bytes())?;
        } else {
            write!(
                w,
                "#Software: Microsoft Exchange Server\r\n#Version: 15.01.2106.002\r\n#Log-type: HttpProxy Logs\r\n#Date: 2021-03-01T00:00:00.000Z\r\n#Fields: {HP_FIELDS}\r\n"
            )?;
        }
        let mut i = 0u64;
        while written < FILE_MB << 20 {
            let secs = i % 86_400;
            let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
            let line = if iis {
                let body =
                    if i % 200_000 == 199_999 { IIS_ATTACK } else { IIS_BENIGN[(i % 6) as usize] };
                format!("2021-03-{:02} {h:02}:{m:02}:{s:02} 10.0.0.5 {body}\r\n", f % 28 + 1)
            } else {
                let anchor = if i % 200_000 == 199_999 {
                    "ServerInfo~a]@exch01.corp.local:444/mapi/emsmdb/?#"
                } else {
                    "SMTP:jane@corp.local"
                };
                format!(
                    "2021-03-{:02}T{h:02}:{m:02}:{s:02}.123Z,3c1b2a6e-0f5e-4f7d-9a1e-8d6b7c0a1f21,15,1,2106,2,,Owa,mail.corp.local,/owa/service.svc,GetItem,Negotiate,true,CORP\\jane,,{anchor},\"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\",10.1.2.{},EXCH01,200,200,,POST,Proxy,exch01.corp.local,15.01.2106.002,DatabaseGuid,Mailbox-Cookie,Server~EXCH01.corp.local~1942062522,,,,,,,,,,,action=GetItem,,\"OnEndRequest.End.ContentType=application/json;charset=utf-8\",\r\n",
                    f % 28 + 1,
                    i % 250
                )
            };
            w.write_all(line.as_bytes())?;
            written += line.len();
            i += 1;
        }
        w.flush()?;
        total += std::fs::metadata(&path)?.len();
    }
    Ok(total)
}
