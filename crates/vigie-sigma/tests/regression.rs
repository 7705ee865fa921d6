//! SigmaHQ regression cases (`corpora/sigma/MANIFEST.tsv`): each EVTX must
//! trigger its expected rule. Also runs every `rules/windows` rule over the
//! 451 EVTX of `corpora/evtx` to make sure nothing panics.

mod common;

use std::collections::HashMap;
use vigie_sigma::{SetOptions, SigmaCompiler, SigmaRules};

/// Cases that cannot pass, with the reason. Empty: every case must pass.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

fn all_sigmahq(corpora: &std::path::Path) -> SigmaRules {
    let base = corpora.join("sigma/sigmahq");
    let mut c = SigmaCompiler::new();
    for dir in ["rules/windows", "rules-emerging-threats", "rules-threat-hunting"] {
        c.add_dir(&base.join(dir), SetOptions::external(dir)).expect("rules readable");
    }
    c.build()
}

#[test]
fn regression_cases_fire_their_rule() {
    let Some(corpora) = common::corpora() else { return };
    let rules = all_sigmahq(&corpora);
    let by_id: HashMap<&str, usize> =
        rules.rules().iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    let manifest = std::fs::read_to_string(corpora.join("sigma/MANIFEST.tsv")).expect("manifest");
    let mut cases = 0;
    let mut failures = Vec::new();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, rule_id, title) = (cols[0], cols[6], cols[7]);
        cases += 1;
        let Some(&idx) = by_id.get(rule_id) else {
            failures.push(format!("{rule_id} {title}: rule not found in the loaded sets"));
            continue;
        };
        if let vigie_sigma::LoadStatus::Rejected { reason } = &rules.rules()[idx].load {
            failures.push(format!("{rule_id} {title}: rule rejected: {reason}"));
            continue;
        }
        let (events, errors) = common::evtx_events(&corpora.join("sigma").join(file));
        assert_eq!(errors, 0, "{file}: record errors");
        let mut m = rules.matcher();
        let mut hits = Vec::new();
        for e in &events {
            m.matches(e, &mut hits);
        }
        if !hits.iter().any(|h| h.rule == idx) {
            failures.push(format!(
                "{rule_id} {title}: did not fire on {file} ({} events)",
                events.len()
            ));
        }
    }
    assert_eq!(cases, 166, "manifest should list 166 cases");
    let unexpected: Vec<&String> = failures
        .iter()
        .filter(|f| !KNOWN_FAILURES.iter().any(|(id, _)| f.starts_with(id)))
        .collect();
    for f in &failures {
        println!("FAIL {f}");
    }
    println!("{} / {cases} regression cases pass", cases - failures.len());
    assert!(unexpected.is_empty(), "{} unexpected failures: {unexpected:#?}", unexpected.len());
}

#[test]
fn all_windows_rules_over_all_evtx_do_not_panic() {
    let Some(corpora) = common::corpora() else { return };
    let mut c = SigmaCompiler::new();
    c.add_dir(&corpora.join("sigma/sigmahq/rules/windows"), SetOptions::external("windows"))
        .expect("rules readable");
    c.add_dir(&corpora.join("sigma/hayabusa-rules/hayabusa"), SetOptions::external("hayabusa"))
        .expect("rules readable");
    let rules = c.build();
    let mut files = Vec::new();
    collect(&corpora.join("evtx"), &mut files);
    files.sort();
    assert_eq!(files.len(), 451, "expected the 451 EVTX files");
    let mut m = rules.matcher();
    let (mut events, mut hits) = (0usize, Vec::new());
    for (i, f) in files.iter().enumerate() {
        m.set_source(i as u32);
        let (evs, errors) = common::evtx_events(f);
        assert_eq!(errors, 0, "{}: record errors", f.display());
        events += evs.len();
        for e in &evs {
            m.matches(e, &mut hits);
        }
    }
    let corr = rules.correlate(m.take_correlation_inputs());
    println!(
        "{events} events, {} hits, {} correlation hits, {} rule evaluations",
        hits.len(),
        corr.len(),
        m.evaluations()
    );
    assert_eq!(events, 15_374);
    assert!(hits.len() > 1000, "suspiciously few hits: {}", hits.len());
    // Findings convert with their evidence.
    let f = rules.finding(&hits[0], &files[hits[0].source as usize].display().to_string());
    assert!(!f.evidence.is_empty());
    assert!(f.rule.author.is_some() || rules.rules()[hits[0].rule].author.is_none());
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("evtx dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("evtx")) {
            out.push(p);
        }
    }
}
