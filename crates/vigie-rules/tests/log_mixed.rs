//! Ten thousand benign Exchange/OWA IIS lines (generated deterministically)
//! with five attacks at known lines: exactly those five findings.

use std::io::Cursor;
use vigie_model::{Finding, Stage};
use vigie_rules::logs::LogKind;
use vigie_source::{LogFormat, LogReader};

mod common;

const HEADER: &str = "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2021-03-01 00:00:00\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n";

/// (method, stem, query, user, user agent, status) of ordinary Exchange traffic.
const BENIGN: [(&str, &str, &str, &str, &str, u16); 14] = [
    (
        "GET",
        "/owa/auth/logon.aspx",
        "url=https%3a%2f%2fmail.corp.local%2fowa%2f&reason=0",
        "-",
        "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36",
        200,
    ),
    (
        "POST",
        "/owa/auth.owa",
        "&CorrelationID=<empty>;&cafeReqId=a;",
        "-",
        "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)",
        302,
    ),
    (
        "POST",
        "/owa/service.svc",
        "action=GetItem&EP=1&ID=-42&AC=1",
        "CORP\\jane",
        "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)",
        200,
    ),
    (
        "GET",
        "/owa/auth/Current/themes/resources/logon.css",
        "-",
        "-",
        "Mozilla/5.0+(Macintosh;+Intel+Mac+OS+X+10_15_7)",
        200,
    ),
    (
        "POST",
        "/EWS/Exchange.asmx",
        "&CorrelationID=<empty>;&cafeReqId=b;",
        "CORP\\bob",
        "Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.13801)",
        200,
    ),
    (
        "POST",
        "/Microsoft-Server-ActiveSync/default.eas",
        "Cmd=Sync&User=jane&DeviceId=ABC&DeviceType=iPhone",
        "CORP\\jane",
        "Apple-iPhone12C1/1803.617",
        200,
    ),
    (
        "POST",
        "/mapi/emsmdb/",
        "mailboxId=3b2e@corp.local&CorrelationID=<empty>;",
        "CORP\\bob",
        "Microsoft+Office/16.0",
        200,
    ),
    (
        "POST",
        "/autodiscover/autodiscover.xml",
        "&CorrelationID=<empty>;&cafeReqId=c;",
        "CORP\\jane",
        "Microsoft+Office/16.0",
        200,
    ),
    (
        "RPC_IN_DATA",
        "/rpc/rpcproxy.dll",
        "d2c4@corp.local:6001&CorrelationID=<empty>;&RequestId=1",
        "CORP\\bob",
        "MSRPC",
        200,
    ),
    (
        "POST",
        "/ecp/DDI/DDIService.svc/GetList",
        "schema=MailboxService&msExchEcpCanary=x",
        "CORP\\admin",
        "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)",
        200,
    ),
    (
        "GET",
        "/OAB/4f1b0e37-3c5d-4f39-a1ad-0a7b6b8e62a1/oab.xml",
        "-",
        "CORP\\bob",
        "Microsoft+Office/16.0",
        200,
    ),
    (
        "GET",
        "/owa/auth/errorFE.aspx",
        "httpCode=500",
        "-",
        "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)",
        200,
    ),
    (
        "GET",
        "/autodiscover/autodiscover.json",
        "Email=jane%40corp.local&Protocol=ActiveSync&RedirectCount=1",
        "-",
        "Microsoft+Office/16.0",
        200,
    ),
    (
        "POST",
        "/powershell",
        "clientApplication=ActiveMonitor;PSVersion=5.1",
        "CORP\\HealthMailbox1",
        "Microsoft+WinRM+Client",
        200,
    ),
];

/// (line index among data lines, line, expected code, expected stage).
fn attacks() -> Vec<(usize, &'static str, &'static str, Stage)> {
    vec![
        (
            1234,
            "POST /ecp/y.js &CorrelationID=<empty>;&cafeReqId=d; 443 - 203.0.113.7 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 31",
            "VG-IIS001",
            Stage::Exploitation,
        ),
        (
            5000,
            "POST /ecp/DDI/DDIService.svc/SetObject schema=ResetOABVirtualDirectory&msExchEcpCanary=x 443 CORP\\EXCH01$ 203.0.113.7 python-requests/2.28.0 - 200 0 0 1890",
            "VG-IIS003",
            Stage::Exploitation,
        ),
        (
            7777,
            "POST /autodiscover/autodiscover.json @evil.corp/powershell/?X-Rps-CAT=VgEA&Email=autodiscover/autodiscover.json%3F@evil.corp 443 - 198.51.100.4 python-requests/2.26.0 - 200 0 0 62",
            "VG-IIS005",
            Stage::Exploitation,
        ),
        (
            9000,
            "GET /aspnet_client/system_web/a1b2c3d4.aspx c=whoami&x=cmd+/c+whoami 443 - 198.51.100.4 Mozilla/5.0 - 200 0 0 15",
            "VG-IIS009",
            Stage::Compromise,
        ),
        (
            9999,
            "GET /owa/auth/zntwv.aspx - 443 - 198.51.100.9 Mozilla/5.0 - 404 0 2 1",
            "VG-IIS010",
            Stage::Attempt,
        ),
    ]
}

fn generate(n: usize) -> String {
    let mut out = String::from(HEADER);
    let mut seed: u64 = 0x5eed;
    let attacks = attacks();
    for i in 0..n {
        let secs = i as u64 * 7;
        let time = format!(
            "2021-03-{:02} {:02}:{:02}:{:02}",
            1 + secs / 86_400,
            secs / 3600 % 24,
            secs / 60 % 60,
            secs % 60
        );
        if let Some((_, line, _, _)) = attacks.iter().find(|a| a.0 == i) {
            out.push_str(&format!("{time} 10.0.0.5 {line}\r\n"));
            continue;
        }
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let (m, stem, q, user, ua, status) = BENIGN[(seed >> 33) as usize % BENIGN.len()];
        let ip = format!("10.1.{}.{}", (seed >> 20) % 250, (seed >> 12) % 250);
        out.push_str(&format!(
            "{time} 10.0.0.5 {m} {stem} {q} 443 {user} {ip} {ua} - {status} 0 0 {}\r\n",
            (seed >> 40) % 500
        ));
    }
    out
}

fn run(text: String) -> (Vec<Finding>, u64) {
    let mut reader = LogReader::new(Box::new(Cursor::new(text.into_bytes())), LogFormat::W3c);
    let run = common::run_rules(&mut reader, LogKind::Web, "mixed.log");
    assert!(run.bad.is_empty(), "bad lines: {:?}", run.bad);
    (run.findings, run.records)
}

#[test]
fn ten_thousand_benign_lines_and_five_attacks() {
    let (findings, records) = run(generate(10_000));
    assert_eq!(records, 10_000);
    let mut got: Vec<(u64, String, Stage)> = findings
        .iter()
        .map(|f| (f.location.line.unwrap_or(0), f.rule.id.clone(), f.stage))
        .collect();
    got.sort();
    // Data line i is file line i + 5 (four header lines, 1-based).
    let want: Vec<(u64, String, Stage)> = attacks()
        .into_iter()
        .map(|(i, _, code, stage)| (i as u64 + 5, code.to_string(), stage))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn benign_lines_alone_raise_nothing() {
    let text: String = generate(3_000)
        .lines()
        .filter(|l| !l.contains("203.0.113.") && !l.contains("198.51.100."))
        .map(|l| format!("{l}\r\n"))
        .collect();
    let (findings, _) = run(text);
    assert!(findings.is_empty(), "{:?}", findings.iter().map(|f| &f.title).collect::<Vec<_>>());
}
