//! End-to-end log scanning through the engine: corrupt inputs (truncated
//! gzip, a binary file named `.log`, a 5 MB single line, mixed encodings)
//! and time coverage.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::Path;
use vigie_model::{Evidence, ProblemCode, ScanResult, Stage};
use vigie_scan::{Engine, NoProgress, ScanOptions};

const HEADER: &str = "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2021-03-20 00:00:00\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n";
const BENIGN: &str = "10.0.0.5 GET /owa/auth/logon.aspx url=https%3a%2f%2fmail%2fowa%2f&reason=0 443 - 10.1.2.3 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 15";
const PROBE: &str =
    "10.0.0.5 GET /owa/auth/zntwv.aspx - 443 - 198.51.100.9 Mozilla/5.0 - 404 0 2 1";

fn scan(root: &Path) -> ScanResult {
    let mut options = ScanOptions::new(vec![root.to_path_buf()]);
    options.threads = 2;
    options.no_cache = true;
    Engine::load(options).expect("load rules").scan(&NoProgress)
}

fn log_findings<'a>(r: &'a ScanResult, file: &str) -> Vec<&'a vigie_model::Finding> {
    r.findings
        .iter()
        .filter(|f| {
            f.rule.source == vigie_model::RuleSource::Log && f.location.path.ends_with(file)
        })
        .collect()
}

#[test]
fn corrupt_inputs_are_counted_and_the_rest_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();

    // Truncated gzip: the probe on line 10 is before the cut.
    let mut text = String::from(HEADER);
    for i in 0..50_000u32 {
        let line = if i == 5 { PROBE } else { BENIGN };
        text.push_str(&format!("2021-03-20 10:{:02}:{:02} {line}\r\n", i / 60 % 60, i % 60));
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(text.as_bytes()).expect("gzip");
    let gz = gz.finish().expect("gzip");
    std::fs::write(root.join("u_ex210320.log.gz"), &gz[..gz.len() / 2]).expect("write");

    // A binary file named .log.
    std::fs::write(root.join("binary.log"), [0u8, 1, 2, 0, 0xff, 0xfe, 0, 7].repeat(512))
        .expect("write");

    // A 5 MB single line between two good lines.
    let mut big = HEADER.as_bytes().to_vec();
    big.extend_from_slice(format!("2021-03-20 10:00:00 {BENIGN}\r\n").as_bytes());
    big.extend(std::iter::repeat_n(b'A', 5 << 20));
    big.extend_from_slice(format!("\r\n2021-03-20 10:00:02 {PROBE}\r\n").as_bytes());
    std::fs::write(root.join("huge_line.log"), &big).expect("write");

    // Mixed encodings: UTF-8 and Latin-1 in the same file.
    let mut mixed = HEADER.as_bytes().to_vec();
    mixed.extend_from_slice("2021-03-20 10:00:00 10.0.0.5 GET /owa/auth/logon.aspx - 443 - 10.1.2.3 Mozilla/5.0+(café) - 200 0 0 1\r\n".as_bytes());
    mixed.extend_from_slice(b"2021-03-20 10:00:01 10.0.0.5 GET /aspnet_client/x.aspx c=whoami&n=caf\xe9 443 - 198.51.100.4 Mozilla/5.0 - 200 0 0 1\r\n");
    std::fs::write(root.join("mixed.log"), &mixed).expect("write");

    let r = scan(root);

    let failed: Vec<_> =
        r.coverage.failed.iter().filter(|p| p.path.ends_with("u_ex210320.log.gz")).collect();
    assert_eq!(failed.len(), 1, "truncated gzip must be listed as failed: {:?}", r.coverage.failed);
    assert_eq!(failed[0].code, ProblemCode::Corrupt);
    assert!(failed[0].reason.contains("read error after line"), "{}", failed[0].reason);
    let gz_hits = log_findings(&r, "u_ex210320.log.gz");
    assert_eq!(gz_hits.len(), 1, "the probe read before the cut is kept");
    assert_eq!(gz_hits[0].rule.id, "VG-IIS010");
    assert_eq!(gz_hits[0].location.line, Some(10));

    assert!(log_findings(&r, "binary.log").is_empty());
    assert!(!r.coverage.record_errors.iter().any(|p| p.path.contains("binary.log")));

    let long: Vec<_> =
        r.coverage.record_errors.iter().filter(|p| p.path.contains("huge_line.log")).collect();
    assert_eq!(long.len(), 1, "{:?}", r.coverage.record_errors);
    assert!(long[0].path.ends_with("huge_line.log:6"), "{}", long[0].path);
    assert!(long[0].reason.contains("longer than the 1 MiB limit"), "{}", long[0].reason);
    let after = log_findings(&r, "huge_line.log");
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].location.line, Some(7));

    let enc = log_findings(&r, "mixed.log");
    assert_eq!(enc.len(), 1);
    assert_eq!(enc[0].rule.id, "VG-IIS009");
    assert_eq!(enc[0].stage, Stage::Compromise);
    match &enc[0].evidence[0] {
        Evidence::LogLine { raw, .. } => assert!(raw.contains("c=whoami&n=café"), "{raw}"),
        other => panic!("unexpected evidence {other:?}"),
    }
    assert!(!r.coverage.record_errors.iter().any(|p| p.path.contains("mixed.log")));
}

#[test]
fn time_coverage_reports_late_start_and_gaps() {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("inetpub/logs/LogFiles/W3SVC1");
    std::fs::create_dir_all(&site).expect("mkdir");
    let mut a = String::from(HEADER);
    a.push_str(&format!("2021-03-20 08:00:00 {BENIGN}\r\n2021-03-20 23:00:00 {BENIGN}\r\n"));
    std::fs::write(site.join("u_ex210320.log"), a).expect("write");
    let mut b = String::from(HEADER);
    b.push_str(&format!("2021-03-25 09:00:00 {BENIGN}\r\n"));
    std::fs::write(site.join("u_ex210325.log"), b).expect("write");

    let r = scan(dir.path());
    let span =
        r.coverage.sources.iter().find(|s| s.source == "IIS W3SVC1").expect("IIS W3SVC1 span");
    assert_eq!(span.records, 3);
    assert_eq!(span.paths.len(), 2);
    assert_eq!(span.first.map(|t| t.to_rfc3339()).as_deref(), Some("2021-03-20T08:00:00+00:00"));
    assert_eq!(span.last.map(|t| t.to_rfc3339()).as_deref(), Some("2021-03-25T09:00:00+00:00"));
    assert_eq!(span.gaps.len(), 1);
    assert!(
        span.warnings
            .iter()
            .any(|w| w.contains("logs start on 2021-03-20; anything earlier cannot be judged"))
    );
    assert_eq!(r.coverage.records.lines, 2 * 4 + 3);
}

/// A scanner's flood of one probe: the first `max_hits` findings are listed,
/// the rest are one summary finding that counts them, names the busiest
/// client addresses and keeps the rule and stage; memory does not follow the
/// number of hits. With `max_hits = 0` every hit is listed.
#[test]
fn a_flood_of_one_probe_is_listed_up_to_max_hits_then_counted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::from(HEADER);
    for i in 0..3_000u32 {
        let ip =
            if i % 3 == 0 { "198.51.100.7".to_string() } else { format!("203.0.113.{}", i % 200) };
        let probe = PROBE.replace("198.51.100.9", &ip);
        text.push_str(&format!(
            "2021-03-20 {:02}:{:02}:{:02} {probe}\r\n",
            i / 3600,
            i / 60 % 60,
            i % 60
        ));
    }
    std::fs::write(dir.path().join("u_ex210320.log"), text).expect("write");

    let r = scan(dir.path());
    let all = log_findings(&r, "u_ex210320.log");
    let rule = all.first().map(|f| f.rule.id.clone()).expect("the probe is found");
    assert!(all.iter().all(|f| f.rule.id == rule && f.stage == Stage::Attempt));
    assert_eq!(all.len(), vigie_scan::DEFAULT_MAX_HITS + 1, "listed hits and one summary");
    let summary = all.iter().find(|f| f.title.contains("more hits")).expect("a summary finding");
    assert!(summary.title.contains("2,950 more hits"), "{}", summary.title);
    let counted = summary.counted.as_ref().expect("a summary says what it counts");
    // Header lines 1-4, probes on lines 5-3004; the first 50 are listed.
    assert_eq!(
        (counted.hits, summary.location.line, counted.last_line),
        (2_950, Some(55), Some(3_004))
    );
    let fact = |name: &str| {
        summary.evidence.iter().find_map(|e| match e {
            Evidence::Fact { name: n, value } if n == name => Some(value.clone()),
            _ => None,
        })
    };
    assert_eq!(fact("hits counted, not listed").as_deref(), Some("2,950"));
    let addresses = fact("client addresses").unwrap_or_default();
    // 1,000 probes from one address, 983 of them past the first 50 hits.
    assert!(addresses.contains("busiest: 198.51.100.7 ×983"), "{addresses}");
    assert_eq!(fact("status codes").as_deref(), Some("404 ×2,950"));
    assert!(
        summary.evidence.iter().any(|e| matches!(e, Evidence::LogLine { .. })),
        "a sample line"
    );

    let mut options = ScanOptions::new(vec![dir.path().to_path_buf()]);
    options.no_cache = true;
    options.max_hits = 0;
    let every = Engine::load(options).expect("load rules").scan(&NoProgress);
    assert_eq!(log_findings(&every, "u_ex210320.log").len(), 3_000, "max_hits 0 lists all");
}
