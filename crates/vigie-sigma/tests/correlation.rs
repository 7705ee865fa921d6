//! Every correlation type on events built here, `aliases`, `generate`, the
//! legacy `| count() by` syntax, and the correlation rules of the shared sets.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use vigie_sigma::{CorrelationHit, MapEvent, RuleKind, SetOptions, SigmaCompiler, SigmaRules};

const BASE: &str = r#"
title: Failed logon
id: 00000000-0000-0000-0000-00000000000a
name: failed_logon
level: low
logsource:
    product: windows
    service: security
detection:
    sel:
        EventID: 4625
    condition: sel
---
title: Successful logon
id: 00000000-0000-0000-0000-00000000000b
name: good_logon
level: low
logsource:
    product: windows
    service: security
detection:
    sel:
        EventID: 4624
    condition: sel
"#;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 2, 10, 0, 0).single().expect("valid time")
}

fn logon(eid: u32, secs: i64, ip: &str, user: &str, bytes: &str) -> MapEvent {
    MapEvent::new()
        .with("Channel", "Security")
        .with("EventID", &eid.to_string())
        .with("IpAddress", ip)
        .with("SourceAddr", ip)
        .with("TargetUserName", user)
        .with("Bytes", bytes)
        .at(t0() + Duration::seconds(secs))
}

fn compile(correlation: &str) -> SigmaRules {
    let mut c = SigmaCompiler::new();
    c.add_source(&format!("{BASE}---\n{correlation}"), "corr.yml", SetOptions::external("t"));
    let r = c.build();
    let rejected: Vec<_> = r.rejected().map(|(i, s)| format!("{}: {s}", i.title)).collect();
    assert!(rejected.is_empty(), "{rejected:?}");
    r
}

fn run(rules: &SigmaRules, events: &[MapEvent]) -> (usize, Vec<CorrelationHit>) {
    let mut m = rules.matcher();
    let mut hits = Vec::new();
    for e in events {
        m.matches(e, &mut hits);
    }
    (hits.len(), rules.correlate(m.take_correlation_inputs()))
}

fn corr(ty: &str, rules: &str, cond: &str, extra: &str) -> String {
    format!(
        "title: C\nid: 00000000-0000-0000-0000-0000000000cc\nlevel: high\ncorrelation:\n    type: {ty}\n    rules: {rules}\n    group-by:\n        - IpAddress\n    timespan: 5m\n{cond}{extra}"
    )
}

#[test]
fn event_count() {
    let r = compile(&corr("event_count", "[failed_logon]", "    condition:\n        gte: 3\n", ""));
    let burst = [
        logon(4625, 0, "10.0.0.9", "a", "1"),
        logon(4625, 60, "10.0.0.9", "a", "1"),
        logon(4625, 120, "10.0.0.9", "a", "1"),
        logon(4625, 130, "10.0.0.7", "a", "1"),
    ];
    let (base_hits, c) = run(&r, &burst);
    assert_eq!(base_hits, 0, "base rule must not emit without generate");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].events.len(), 3);
    assert_eq!(c[0].group, vec![("IpAddress".to_string(), "10.0.0.9".to_string())]);
    let f = r.correlation_finding(&c[0], &|_| "Security.evtx".into());
    assert_eq!(f.rule.id, "00000000-0000-0000-0000-0000000000cc");
    // Spread over 20 minutes: no window holds 3.
    let slow: Vec<_> = (0..3).map(|i| logon(4625, i * 600, "10.0.0.9", "a", "1")).collect();
    assert!(run(&r, &slow).1.is_empty());
}

#[test]
fn event_count_lower_bound_uses_closed_windows() {
    let r = compile(&corr("event_count", "[failed_logon]", "    condition:\n        lt: 2\n", ""));
    let evs = [
        logon(4625, 0, "10.0.0.1", "a", "1"),
        logon(4625, 10, "10.0.0.2", "a", "1"),
        logon(4625, 20, "10.0.0.2", "a", "1"),
    ];
    let (_, c) = run(&r, &evs);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].group[0].1, "10.0.0.1");
}

#[test]
fn value_count() {
    let cond = "    condition:\n        gt: 2\n        field: TargetUserName\n";
    let r = compile(&corr("value_count", "[failed_logon]", cond, ""));
    let spray: Vec<_> = ["alice", "bob", "carol"]
        .iter()
        .enumerate()
        .map(|(i, u)| logon(4625, i as i64 * 10, "10.0.0.9", u, "1"))
        .collect();
    assert_eq!(run(&r, &spray).1.len(), 1);
    let same: Vec<_> = (0..5).map(|i| logon(4625, i * 10, "10.0.0.9", "alice", "1")).collect();
    assert!(run(&r, &same).1.is_empty());
}

#[test]
fn temporal_and_temporal_ordered() {
    let r = compile(&corr("temporal", "[failed_logon, good_logon]", "", ""));
    let both = [logon(4624, 0, "10.0.0.9", "a", "1"), logon(4625, 30, "10.0.0.9", "a", "1")];
    assert_eq!(run(&r, &both).1.len(), 1);
    let one = [logon(4625, 0, "10.0.0.9", "a", "1"), logon(4625, 30, "10.0.0.9", "a", "1")];
    assert!(run(&r, &one).1.is_empty());
    let other_group = [logon(4624, 0, "10.0.0.8", "a", "1"), logon(4625, 30, "10.0.0.9", "a", "1")];
    assert!(run(&r, &other_group).1.is_empty());

    let r = compile(&corr("temporal_ordered", "[failed_logon, good_logon]", "", ""));
    let ordered = [logon(4625, 0, "10.0.0.9", "a", "1"), logon(4624, 30, "10.0.0.9", "a", "1")];
    assert_eq!(run(&r, &ordered).1.len(), 1);
    let reversed = [logon(4624, 0, "10.0.0.9", "a", "1"), logon(4625, 30, "10.0.0.9", "a", "1")];
    assert!(run(&r, &reversed).1.is_empty());
}

#[test]
fn value_sum_avg_percentile() {
    let evs: Vec<_> = [100, 200, 900]
        .iter()
        .enumerate()
        .map(|(i, b)| logon(4625, i as i64 * 10, "10.0.0.9", "a", &b.to_string()))
        .collect();
    let sum = compile(&corr(
        "value_sum",
        "[failed_logon]",
        "    condition:\n        gt: 1000\n        field: Bytes\n",
        "",
    ));
    let (_, c) = run(&sum, &evs);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].value, 1200.0);
    let sum_high = compile(&corr(
        "value_sum",
        "[failed_logon]",
        "    condition:\n        gt: 5000\n        field: Bytes\n",
        "",
    ));
    assert!(run(&sum_high, &evs).1.is_empty());
    let avg = compile(&corr(
        "value_avg",
        "[failed_logon]",
        "    condition:\n        gte: 400\n        field: Bytes\n",
        "",
    ));
    let (_, c) = run(&avg, &evs);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].value, 400.0);
    let avg_high = compile(&corr(
        "value_avg",
        "[failed_logon]",
        "    condition:\n        gt: 400\n        field: Bytes\n",
        "",
    ));
    assert!(run(&avg_high, &evs).1.is_empty());
    let pct = compile(&corr(
        "value_percentile",
        "[failed_logon]",
        "    condition:\n        gte: 900\n        field: Bytes\n        percentile: 90\n",
        "",
    ));
    assert_eq!(run(&pct, &evs).1.len(), 1);
    let pct50 = compile(&corr(
        "value_percentile",
        "[failed_logon]",
        "    condition:\n        gte: 900\n        field: Bytes\n        percentile: 50\n",
        "",
    ));
    assert!(run(&pct50, &evs).1.is_empty());
}

#[test]
fn aliases_and_generate() {
    let text = "title: C\nid: c2\nlevel: high\ncorrelation:\n    type: temporal\n    rules: [failed_logon, good_logon]\n    group-by:\n        - src\n    aliases:\n        src:\n            failed_logon: IpAddress\n            good_logon: SourceAddr\n    timespan: 1m\n    generate: true\n";
    let r = compile(text);
    let evs = [logon(4625, 0, "10.0.0.9", "a", "1"), logon(4624, 10, "10.0.0.9", "a", "1")];
    let (base_hits, c) = run(&r, &evs);
    assert_eq!(base_hits, 2, "generate: true keeps the base rules' own hits");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].group, vec![("src".to_string(), "10.0.0.9".to_string())]);
}

#[test]
fn legacy_count_aggregation() {
    let text = "title: Legacy\nid: legacy\nlevel: medium\nlogsource:\n    product: windows\n    service: security\ndetection:\n    sel:\n        EventID: 4625\n    timeframe: 5m\n    condition: sel | count(TargetUserName) by IpAddress > 2\n";
    let mut c = SigmaCompiler::new();
    c.add_source(text, "legacy.yml", SetOptions::external("t"));
    let r = c.build();
    assert_eq!(r.loaded_count(), 1);
    let evs: Vec<_> = ["a", "b", "c"]
        .iter()
        .enumerate()
        .map(|(i, u)| logon(4625, i as i64, "10.0.0.9", u, "1"))
        .collect();
    let (base, hits) = run(&r, &evs);
    assert_eq!((base, hits.len()), (0, 1));
    assert_eq!(r.rules()[hits[0].rule].id, "legacy");
}

#[test]
fn broken_correlations_are_rejected() {
    for (bad, why) in [
        (corr("event_count", "[nope]", "    condition:\n        gte: 3\n", ""), "unknown rule"),
        (corr("event_count", "[failed_logon]", "", ""), "needs a `condition`"),
        (
            corr("value_count", "[failed_logon]", "    condition:\n        gte: 3\n", ""),
            "condition.field",
        ),
        (
            corr("bogus", "[failed_logon]", "    condition:\n        gte: 3\n", ""),
            "unknown correlation type",
        ),
    ] {
        let mut c = SigmaCompiler::new();
        c.add_source(&format!("{BASE}---\n{bad}"), "corr.yml", SetOptions::external("t"));
        let r = c.build();
        let reasons: Vec<_> = r.rejected().map(|(_, s)| s.to_string()).collect();
        assert!(reasons.iter().any(|s| s.contains(why)), "{why}: {reasons:?}");
    }
}

#[test]
fn shared_rule_sets_correlations_load_and_fire() {
    let Some(corpora) = common::corpora() else { return };
    let rules = common::load(&corpora.join("sigma/hayabusa-rules/hayabusa"), "hayabusa");
    let corrs: Vec<_> = rules.rules().iter().filter(|r| r.kind == RuleKind::Correlation).collect();
    assert_eq!(corrs.len(), 3);
    assert!(corrs.iter().all(|r| r.is_loaded() && r.channels == ["Security"]));
    // Password guessing: many 4625 with a wrong password from one address.
    let evs: Vec<_> = (0..6)
        .map(|i| {
            logon(4625, i * 5, "10.0.0.66", "administrator", "1")
                .with("SubStatus", "0xc000006a")
                .with("LogonType", "3")
        })
        .collect();
    let (_, c) = run(&rules, &evs);
    assert!(!c.is_empty(), "hayabusa password-guessing correlations should fire");
}
