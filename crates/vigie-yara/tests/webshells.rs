//! The built-in pack and signature-base on the real web-shell corpus.

mod common;

use common::{builtin_rules, corpora, webshell_manifest};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;
use vigie_yara::{FileMeta, SetOrigin, YaraCompiler, YaraRules};

fn language_group(lang: &str) -> String {
    if lang.starts_with("text") { "text".into() } else { lang.to_string() }
}

/// (flagged, total, per language (flagged, total), missed files).
type Rates = (usize, usize, BTreeMap<String, (usize, usize)>, Vec<String>);

/// Flag rate per language and overall, for hits passing `keep`.
fn rates(rules: &YaraRules, corpora: &Path, keep: impl Fn(&vigie_yara::YaraHit) -> bool) -> Rates {
    let mut scanner = rules.scanner();
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut flagged, mut total) = (0, 0);
    let mut missed = Vec::new();
    for (file, lang) in webshell_manifest(corpora) {
        let path = corpora.join("webshells").join(&file);
        let data = std::fs::read(&path).expect("read shell");
        let meta = FileMeta::new(&path.to_string_lossy(), &data);
        let hits = scanner.scan(&data, &meta).expect("scan");
        let hit = hits.iter().any(&keep);
        let e = per.entry(language_group(&lang)).or_default();
        e.1 += 1;
        total += 1;
        if hit {
            e.0 += 1;
            flagged += 1;
        } else {
            missed.push(file);
        }
    }
    (flagged, total, per, missed)
}

fn print_rates(label: &str, flagged: usize, total: usize, per: &BTreeMap<String, (usize, usize)>) {
    println!("{label}: {flagged}/{total} = {:.1}%", 100.0 * flagged as f64 / total as f64);
    for (lang, (f, t)) in per {
        println!("  {lang:6} {f:4}/{t:4} = {:5.1}%", 100.0 * *f as f64 / *t as f64);
    }
}

#[test]
fn builtin_pack_flags_at_least_80_percent_of_real_shells() {
    let Some(corpora) = corpora() else { return };
    let rules = builtin_rules();
    let (flagged, total, per, missed) = rates(&rules, &corpora, |_| true);
    print_rates("built-in pack", flagged, total, &per);
    println!("missed: {missed:#?}");
    assert_eq!(total, 630, "the manifest lists 630 shells");
    // The contract is 80% (504/630). Reached: 567/630 (90.0%) with every
    // rule, 560/630 (88.9%) with findings of medium or higher only (the rest
    // are low "encoded ASP page, review" findings). Per language: asp 91%,
    // aspx 89%, cfm 100%, jsp 92%, php 90%, text 78% (8 of the 40 "text"
    // entries are read-me, changelog or licence files, not shells).
    assert!(flagged >= BUILTIN_FLOOR, "built-in pack flagged only {flagged}/{total}");
    // The rate must not rest on low-severity review findings.
    let (strong, _, strong_per, _) =
        rates(&rules, &corpora, |h| h.severity() >= vigie_model::Severity::Medium);
    print_rates("built-in pack, medium or higher only", strong, total, &strong_per);
    assert!(strong >= BUILTIN_FLOOR, "medium+ findings on only {strong}/{total}");
    // Every language keeps a useful rate.
    for (lang, (f, t)) in &per {
        assert!(f * 100 >= t * 70, "{lang}: only {f}/{t} flagged");
    }
    every_web_rule_fires_on_a_real_shell(&rules, &corpora);
}

/// Each VG-WEB rule of the pack flags at least one real shell, so that a
/// rule broken by an edit (a typo in a regex, a condition that can no longer
/// hold) shows up here. VG-WEB005 (JScript `Page_Load` eval, the Exchange
/// OAB variant) has no sample in the corpus; its own test is in `pack.rs`.
fn every_web_rule_fires_on_a_real_shell(rules: &YaraRules, corpora: &Path) {
    let mut fired: BTreeMap<String, usize> = BTreeMap::new();
    let mut scanner = rules.scanner();
    for (file, _) in webshell_manifest(corpora) {
        let path = corpora.join("webshells").join(&file);
        let data = std::fs::read(&path).expect("read shell");
        let meta = FileMeta::new(&path.to_string_lossy(), &data);
        for hit in scanner.scan(&data, &meta).expect("scan") {
            *fired.entry(hit.rule_id()).or_default() += 1;
        }
    }
    println!("shells flagged per rule: {fired:?}");
    let codes: std::collections::BTreeSet<String> = common::builtin_sources()
        .iter()
        .flat_map(|(_, src)| {
            src.lines()
                .filter_map(|l| l.trim().strip_prefix("vigie_code = \"VG-WEB"))
                .map(|rest| format!("VG-WEB{}", rest.trim_end_matches('"')))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(codes.len() >= 42, "VG-WEB codes found: {codes:?}");
    for code in codes.iter().filter(|c| c.as_str() != "VG-WEB005") {
        assert!(fired.get(code).copied().unwrap_or(0) >= 1, "{code} flags no real shell");
    }
}

fn with_signature_base(corpora: &Path) -> &'static YaraRules {
    static RULES: OnceLock<YaraRules> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut c = common::builtin_compiler();
        c.add_signature_base(&corpora.join("yara/signature-base")).expect("signature-base dir");
        c.build().expect("compile")
    })
}

#[test]
fn builtin_plus_signature_base_flags_at_least_95_percent() {
    let Some(corpora) = corpora() else { return };
    let rules = with_signature_base(&corpora);
    let (flagged, total, per, missed) = rates(rules, &corpora, |_| true);
    print_rates("built-in + signature-base", flagged, total, &per);
    println!("missed: {missed:#?}");
    // The contract is 95% (599/630); reached 610/630 (96.8%). The 20 left
    // include 9 files that are not shells (read-me, changelog, licence and
    // usage notes saved next to the shells, and a PHP file holding only
    // configuration variables).
    assert!(flagged >= COMBINED_FLOOR, "flagged only {flagged}/{total}");
    // signature-base alone, for the record (the anchor `yr` run found 90.0%).
    let (sb, _, _, _) = rates(rules, &corpora, |h| h.origin == SetOrigin::External);
    println!("signature-base alone: {sb}/{total} = {:.1}%", 100.0 * sb as f64 / total as f64);
    assert!(sb * 100 >= total * 85, "signature-base alone flagged {sb}/{total}");
}

#[test]
fn signature_base_load_counts() {
    let Some(corpora) = corpora() else { return };
    let rules = with_signature_base(&corpora);
    let report = rules.report();
    let sb = report.sets.iter().find(|s| s.name == "signature-base").expect("set");
    println!("signature-base: {} loaded, {} rejected", sb.loaded, sb.rejected);
    for r in &report.rejected {
        println!("  rejected {} {:?}: {}", r.file, r.rule, r.reason);
    }
    assert_eq!(sb.loaded, SB_LOADED, "rules loaded from signature-base");
    assert_eq!(sb.rejected, SB_REJECTED, "rules rejected from signature-base");
    assert_eq!(sb.sha256.len(), 64);
    // Every rejection carries the yara-x error code and a line.
    assert!(
        report.rejected.iter().all(|r| r.reason.starts_with("line ") && r.reason.contains("[E"))
    );
    let builtin = report.sets.iter().find(|s| s.name == "builtin").expect("builtin set");
    assert_eq!(builtin.rejected, 0);
    assert_eq!(
        builtin.loaded as usize,
        common::builtin_sources().iter().map(|(_, s)| s.matches("\nrule ").count()).sum::<usize>()
    );
}

/// Shells the built-in pack alone must flag (of 630): 80%.
const BUILTIN_FLOOR: usize = 504;
/// Shells built-in + signature-base must flag (of 630): 95%.
const COMBINED_FLOOR: usize = 599;
const SB_LOADED: u64 = 5883;
const SB_REJECTED: u64 = 0;

#[test]
fn finding_of_a_signature_base_hit_keeps_author_and_licence() {
    let Some(corpora) = corpora() else { return };
    let rules = with_signature_base(&corpora);
    let path = corpora.join("webshells/tennc-webshell/caidao-shell/ice.aspx");
    let data = std::fs::read(&path).expect("read");
    let hits =
        rules.scanner().scan(&data, &FileMeta::new(&path.to_string_lossy(), &data)).expect("scan");
    let ext = hits
        .iter()
        .find(|h| h.origin == SetOrigin::External)
        .expect("a signature-base rule fires on ice.aspx");
    let f = ext.to_finding(&path.to_string_lossy());
    let licence = f.rule.license.clone().unwrap_or_default();
    assert!(licence.contains("Detection Rule License 1.1") || licence == "DRL 1.1", "{licence}");
    assert!(f.rule.author.is_some(), "author kept: {:?}", f.rule);
    assert!(f.rule.id.contains(':'), "namespace:name id, got {}", f.rule.id);
    let ours = hits.iter().find(|h| h.origin == SetOrigin::Builtin).expect("built-in fires too");
    assert_eq!(ours.rule_id(), "VG-WEB001");
    let f = ours.to_finding(&path.to_string_lossy());
    assert_eq!(f.severity, vigie_model::Severity::Critical);
    match &f.evidence[0] {
        vigie_model::Evidence::Match { excerpt, highlight: Some((a, b)), .. } => {
            assert!(excerpt[*a..*b].to_ascii_lowercase().contains("eval"), "{excerpt}");
        }
        other => panic!("unexpected evidence {other:?}"),
    }
    let _ = YaraCompiler::new();
}
