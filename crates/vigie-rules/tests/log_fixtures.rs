//! Every log rule against its fixture `tests/fixtures/logs/<CODE>.log`:
//! lines after `#Expect: fire <stage>` must raise the rule at that stage,
//! lines after `#Expect: none` must not raise it. The meta-test checks that
//! every line rule has a fixture with both kinds of lines.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vigie_model::{Finding, Stage};
use vigie_rules::logs::{FileState, LineCtx, LogKind, LogRules};
use vigie_source::{LogFormat, LogItem, LogReader};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs")
}

/// Line number → expected stage (`None` = must not fire).
fn expectations(text: &str) -> BTreeMap<u64, Option<Stage>> {
    let mut out = BTreeMap::new();
    let mut current: Option<Option<Stage>> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(e) = line.strip_prefix("#Expect: ") {
            current = Some(match e.trim() {
                "none" => None,
                "fire attempt" => Some(Stage::Attempt),
                "fire exploitation" => Some(Stage::Exploitation),
                "fire compromise" => Some(Stage::Compromise),
                other => panic!("bad #Expect: {other}"),
            });
        } else if !line.starts_with('#')
            && !line.trim().is_empty()
            && let Some(c) = current
        {
            out.insert(i as u64 + 1, c);
        }
    }
    out
}

/// Run every rule on a file; findings by line.
pub fn run(path: &Path) -> BTreeMap<u64, Vec<Finding>> {
    let rules = LogRules::new();
    let mut reader = LogReader::open(path).expect("open fixture").expect("fixture is a text log");
    let kind =
        if reader.format() == LogFormat::ExchangeCsv { LogKind::Exchange } else { LogKind::Web };
    let mut state = FileState::default();
    let mut by_line: BTreeMap<u64, Vec<Finding>> = BTreeMap::new();
    let shown = path.display().to_string();
    while let Some(item) = reader.next_item().expect("read fixture") {
        match item {
            LogItem::Record(rec) => {
                let ctx = LineCtx {
                    event: &rec,
                    raw: rec.raw(),
                    path: &shown,
                    line: rec.line_no(),
                    kind,
                };
                let mut out = Vec::new();
                rules.check(&ctx, &mut state, &mut out);
                by_line.entry(rec.line_no()).or_default().extend(out);
            }
            LogItem::Bad(bad) => panic!("{shown}: bad line {}: {}", bad.line, bad.reason),
            LogItem::Quiet { .. } => panic!("{shown}: an ungated reader gave a quiet line"),
        }
    }
    by_line
}

#[test]
fn every_rule_fires_on_its_fixture_and_not_on_near_misses() {
    let mut checked = 0;
    for info in vigie_rules::logs::catalog() {
        if info.code == "VG-HP008" || info.code == "VG-COR001" {
            // Coverage rule and files × logs correlation: tested by the
            // scan's time-coverage and `web_shell_used` tests.
            continue;
        }
        let path = fixtures().join(format!("{}.log", info.code));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let want = expectations(&text);
        assert!(want.values().any(Option::is_some), "{}: no line that must fire", info.code);
        assert!(
            want.values().any(Option::is_none),
            "{}: no near miss that must not fire",
            info.code
        );
        let got = run(&path);
        for (line, stage) in &want {
            let hits: Vec<&Finding> =
                got.get(line).into_iter().flatten().filter(|f| f.rule.id == info.code).collect();
            match stage {
                Some(stage) => {
                    assert_eq!(hits.len(), 1, "{} line {line}: expected one finding", info.code);
                    assert_eq!(hits[0].stage, *stage, "{} line {line}: stage", info.code);
                    assert_eq!(hits[0].location.line, Some(*line));
                    assert!(hits[0].time.is_some(), "{} line {line}: no time", info.code);
                }
                None => assert!(
                    hits.is_empty(),
                    "{} line {line}: must not fire: {:?}",
                    info.code,
                    hits[0].title
                ),
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 20);
}

#[test]
fn findings_carry_evidence() {
    let got = run(&fixtures().join("VG-IIS003.log"));
    let f = got.values().flatten().find(|f| f.rule.id == "VG-IIS003").expect("a finding");
    assert_eq!(f.rule.source, vigie_model::RuleSource::Log);
    assert_eq!(f.confidence, vigie_model::Confidence::Confirmed);
    match &f.evidence[0] {
        vigie_model::Evidence::LogLine { raw, fields, line, .. } => {
            assert!(raw.contains("ResetOABVirtualDirectory"));
            assert_eq!(fields.get("cs-method").map(String::as_str), Some("POST"));
            assert_eq!(fields.get("c-ip").map(String::as_str), Some("203.0.113.7"));
            assert_eq!(fields.get("sc-status").map(String::as_str), Some("200"));
            assert_eq!(fields.get("cs-username").map(String::as_str), Some("CORP\\EXCH01$"));
            assert_eq!(*line, f.location.line.unwrap_or(0));
        }
        other => panic!("unexpected evidence {other:?}"),
    }
}

/// An IIS log extract whose header was cut off is read with IIS's default
/// fields: every IIS fixture (all written with that layout) gives the same
/// findings, on the same lines, once its `#` lines are blanked out.
#[test]
fn iis_fixtures_without_their_header_give_the_same_findings() {
    let dir = std::env::temp_dir().join(format!("vigie-headerless-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut compared = 0;
    for n in 1..=10 {
        let path = fixtures().join(format!("VG-IIS{n:03}.log"));
        let text = std::fs::read_to_string(&path).expect("fixture");
        // Blank lines keep the line numbers.
        let cut: String = text
            .lines()
            .map(|l| if l.starts_with('#') { "\n".to_string() } else { format!("{l}\n") })
            .collect();
        let copy = dir.join(format!("VG-IIS{n:03}.log"));
        std::fs::write(&copy, cut).expect("write copy");
        let summary = |m: BTreeMap<u64, Vec<Finding>>| -> Vec<(u64, String, Stage)> {
            m.into_iter()
                .flat_map(|(line, fs)| {
                    fs.into_iter().map(move |f| (line, f.rule.id.clone(), f.stage))
                })
                .collect()
        };
        let (want, got) = (summary(run(&path)), summary(run(&copy)));
        assert!(!want.is_empty(), "{}: no finding", path.display());
        assert_eq!(got, want, "{}", path.display());
        let reader = LogReader::open(&copy).expect("open").expect("an IIS log");
        assert_eq!(reader.format(), LogFormat::W3c);
        compared += 1;
    }
    assert_eq!(compared, 10);
    let _ = std::fs::remove_dir_all(&dir);
}
