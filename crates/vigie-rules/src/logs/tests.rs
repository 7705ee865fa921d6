use super::*;

#[test]
fn every_rule_is_documented() {
    let sections = [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "Not flagged:",
        "## Known false positives",
        "## Response",
        "## References",
    ];
    for info in catalog() {
        for s in sections {
            assert!(info.doc.contains(s), "{} lacks {s}", info.code);
        }
        assert!(info.doc.contains(&info.code), "{} header does not name its code", info.code);
        // One checklist id per line rule; the correlation rule joins two.
        let want = if info.code == "VG-COR001" { 2 } else { 1 };
        assert_eq!(info.indicators.len(), want, "{}", info.code);
    }
}

#[test]
fn codes_are_unique_and_complete() {
    let codes: Vec<String> = catalog().into_iter().map(|r| r.code).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 22);
    for want in [
        "VG-COR001",
        "VG-HP001",
        "VG-HP008",
        "VG-IIS001",
        "VG-IIS010",
        "VG-ECP001",
        "VG-ECP002",
        "VG-OAB001",
    ] {
        assert!(codes.iter().any(|c| c == want), "{want} missing");
    }
    assert!(LogRules::new().len() == 20);
}

#[test]
fn exchange_logs_are_searched_in_one_simd_pass() {
    // A block is searched once per SIMD pass (48 needles each): the
    // Exchange rules' needles fit in one, the web rules' in two. One more
    // needle past a multiple of 48 costs a whole pass over every block.
    let rules = LogRules::new();
    let passes = |k| rules.search(k).needles.passes();
    assert_eq!(passes(LogKind::Exchange), 1);
    assert_eq!(passes(LogKind::Web), 2);
    assert!(rules.searches.iter().all(|s| s.needles.usable()));
}
