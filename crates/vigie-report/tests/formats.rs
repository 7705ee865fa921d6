//! Golden snapshots of the canonical result in every format, determinism, and
//! format-specific checks (CSV order and quoting, text width and escaping,
//! HTML escaping).

mod common;

use vigie_model::ScanResult;
use vigie_report::{RenderOptions, ReportFormat, render};

fn out(r: &ScanResult, f: ReportFormat, opts: &RenderOptions) -> String {
    let mut buf = Vec::new();
    render(r, f, opts, &mut buf).expect("render to memory");
    String::from_utf8(buf).expect("every format is UTF-8")
}

fn plain() -> RenderOptions {
    RenderOptions::default()
}

#[test]
fn golden_snapshots_of_every_format() {
    let r = common::canonical();
    for f in ReportFormat::ALL {
        let text = out(&r, f, &plain());
        insta::assert_snapshot!(format!("canonical_{f}"), text);
    }
}

#[test]
fn renders_are_byte_identical_and_survive_a_json_round_trip() {
    let r = common::canonical();
    let json = out(&r, ReportFormat::Json, &plain());
    let back: ScanResult = serde_json::from_str(&json).expect("JSON output parses as a ScanResult");
    assert_eq!(back, r);
    for f in ReportFormat::ALL {
        let a = out(&r, f, &plain());
        let b = out(&r, f, &plain());
        let c = out(&back, f, &plain());
        assert_eq!(a, b, "{f} differs between two renders");
        assert_eq!(a, c, "{f} differs after a JSON round trip");
    }
}

#[test]
fn csv_is_a_sorted_timeline_with_defused_formulas() {
    let r = common::canonical();
    let text = out(&r, ReportFormat::Csv, &plain());
    assert!(text.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    assert!(text.contains("\r\n"), "RFC 4180 line ends");
    let mut rd = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = rd.headers().expect("header row").clone();
    assert_eq!(headers.get(0), Some("time"));
    let rows: Vec<csv::StringRecord> = rd.records().collect::<Result<_, _>>().expect("valid CSV");
    let evidence: usize = r.findings.iter().map(|f| f.evidence.len().max(1)).sum();
    assert_eq!(rows.len(), evidence, "one row per evidence event");
    let times: Vec<&str> = rows.iter().map(|r| r.get(0).unwrap_or("")).collect();
    let dated: Vec<&str> = times.iter().copied().take_while(|t| !t.is_empty()).collect();
    assert!(dated.windows(2).all(|w| w[0] <= w[1]), "sorted by time: {dated:?}");
    assert!(times[dated.len()..].iter().all(|t| t.is_empty()), "undated rows last");
    for row in &rows {
        for cell in row.iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "formula cell not defused: {cell}");
        }
    }
    assert!(
        text.contains("'=HYPERLINK") || !text.contains("HYPERLINK"),
        "remediation formula defused"
    );
    assert!(rows.iter().any(|r| r.get(6) == Some("'-1+1 probe of /autodiscover")));
    let log_row = rows.iter().find(|r| r.get(10) == Some("log_line")).expect("a log row");
    assert_eq!(log_row.get(15), Some("203.0.113.7"));
    assert_eq!(log_row.get(19), Some("200"));
}

#[test]
fn text_fits_80_columns_and_cannot_drive_the_terminal() {
    let clean = out(&common::canonical(), ReportFormat::Text, &plain());
    assert!(clean.contains("Verdict  Compromised: China Chopper web shell on 2021-03-03."));
    let mut r = common::canonical();
    r.findings[0].location.path = format!("/very/long/{}/path/shell\x1b[31m.aspx", "x".repeat(200));
    r.findings[0].title = "evil\x1b]0;pwned\x07title".into();
    let text = out(&r, ReportFormat::Text, &plain());
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "line over 80 columns: {line}");
    }
    assert!(!text.contains('\x1b'), "no escape sequences without colour");
    assert!(text.contains("shell\u{fffd}[31m.aspx"), "path tail kept");
    let colored = out(&r, ReportFormat::Text, &RenderOptions { color: true, ..plain() });
    assert!(colored.contains("\x1b[1;37;41m"), "critical painted");
    assert!(!colored.contains("\x1b]0;"), "hostile OSC sequence neutralised");
    assert!(text.contains("rule by Jane Doe (@jdoe)"), "external rule author shown");
    assert!(text.contains("1 rejected · 1 blind"));
    assert!(text.contains("Exchange HttpProxy logs"));
}

/// A thousand hits of one rule on one host are one entry in the terminal
/// list, with how many more and their time span; the count after the list
/// is of findings, not entries.
#[test]
fn text_shows_alike_findings_once() {
    let r = common::big(1000);
    let title = "ECP SetObject on OAB virtual directory";
    let hits = r.findings.iter().filter(|f| f.title == title).count();
    let text = out(&r, ReportFormat::Text, &plain());
    let lines: Vec<&str> = text.lines().collect();
    // How many findings the entry whose title is on line `i` stands for.
    let size = |i: usize| {
        let place = lines.get(i + 1).copied().unwrap_or_default();
        let more = place.rsplit_once("(+").and_then(|(_, m)| m.strip_suffix(" more)"));
        1 + more.and_then(|m| m.parse::<usize>().ok()).unwrap_or(0)
    };
    let tags = ["  CRITICAL ", "  HIGH ", "  MEDIUM ", "  LOW ", "  INFO "];
    let entries: Vec<usize> =
        (0..lines.len()).filter(|&i| tags.iter().any(|t| lines[i].starts_with(t))).collect();
    assert_eq!(entries.len(), 10, "ten entries: {text}");
    // `big` spreads the ECP hits over four hosts: four entries.
    let ecp: Vec<usize> = entries.iter().copied().filter(|&i| lines[i].contains(title)).collect();
    assert_eq!(ecp.len(), 4, "{text}");
    assert_eq!(ecp.iter().map(|&i| size(i)).sum::<usize>(), hits, "each hit once: {text}");
    assert!(text.contains("VG-LOG007 · 2021-03-01 00:00 → 01:55 UTC\n"), "time span: {text}");
    // The count after the list is of the findings not shown.
    let shown: usize = entries.iter().map(|&i| size(i)).sum();
    let rest = format!("… and {} more:", vigie_model::thousands((r.findings.len() - shown) as u64));
    assert!(text.contains(&rest), "{rest}: {text}");
}

/// Hits counted by summary findings (`--max-hits`) are said under the
/// severity counts and in the HTML header, within 80 columns.
#[test]
fn counted_hits_are_said_next_to_the_counts() {
    let mut r = common::canonical();
    r.findings[1].counted = Some(vigie_model::Counted { hits: 199_950, ..Default::default() });
    let text = out(&r, ReportFormat::Text, &plain());
    assert!(text.contains("\n         199,950 more hits counted in summaries\n"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 80));
    let html = out(&r, ReportFormat::Html, &plain());
    assert!(html.contains(" · 199,950 more hits counted in summaries · "));
    let plain_text = out(&common::canonical(), ReportFormat::Text, &plain());
    assert!(!plain_text.contains("counted in summaries"));
}

#[test]
fn html_escapes_all_quoted_text() {
    let r = common::canonical();
    let html = out(&r, ReportFormat::Html, &plain());
    assert_eq!(html.matches("<script").count(), 2, "only our two script elements");
    assert!(!html.contains("<img src=x"), "hostile markup escaped");
    assert!(!html.contains("onerror=\"window"), "hostile handler escaped");
    assert!(html.contains("http-equiv=\"Content-Security-Policy\""));
    for bad in ["url(", "@import", "src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(!html.contains(bad), "external resource `{bad}` in the page");
    }
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "no external resource");
}

#[test]
fn empty_result_renders_in_every_format() {
    let mut r = ScanResult::new(vec![]);
    r.started = common::t(2026, 1, 1, 0, 0, 0);
    r.finished = r.started;
    for f in ReportFormat::ALL {
        let text = out(&r, f, &plain());
        assert!(!text.is_empty(), "{f} empty");
    }
    assert!(out(&r, ReportFormat::Text, &plain()).contains("Nothing found"));
}
