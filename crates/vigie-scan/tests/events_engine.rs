//! The event-log side of the engine on real data: the built-in Exchange
//! rules on the OTRF ProxyLogon capture, the SigmaHQ regression cases, blind
//! rules, damaged EVTX and coverage counts.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use vigie_model::{Evidence, Finding, ScanResult};
use vigie_scan::{Engine, NoProgress, ScanOptions};

fn corpora() -> Option<PathBuf> {
    vigie_testkit::corpora("sigma/MANIFEST.tsv")
}

fn scan(paths: Vec<PathBuf>, sigma_dirs: Vec<PathBuf>, builtin: bool) -> ScanResult {
    let mut options = ScanOptions::new(paths);
    options.sigma.dirs = sigma_dirs;
    options.builtin_rules = builtin;
    Engine::load(options).expect("rules load").scan(&NoProgress)
}

fn event_fields(f: &Finding) -> HashMap<String, String> {
    f.evidence
        .iter()
        .find_map(|e| match e {
            Evidence::Event { fields, .. } => Some(fields.clone().into_iter().collect()),
            _ => None,
        })
        .unwrap_or_default()
}

const EV02: &str = "124a0fd2-de0f-477c-b1b6-072e20a3b50d";
const EV07: &str = "1aaa518d-290e-45f9-bf3f-f6859d7abd60";
const EV08: &str = "8c7fca1a-d08e-4d5e-855d-853fe134a2e2";

#[test]
fn builtin_rules_fire_on_the_otrf_proxylogon_capture() {
    let Some(dir) = corpora() else { return };
    let zip = dir.join("eventlog-json/OTRF-Security-Datasets/proxylogon_ssrf_rce_poc.zip");
    let result = scan(vec![zip.clone()], Vec::new(), true);
    let c = &result.coverage;
    assert_eq!(c.records.events, 10_487);
    assert_eq!(c.records.errors, 0);
    assert_eq!(c.files.scanned, 1, "the zip counts once");
    assert!(
        c.rules.sets.iter().any(|s| s.name == "builtin" && s.kind == "sigma" && s.loaded == 12)
    );
    let by_rule = |id: &str| -> Vec<&Finding> {
        result.findings.iter().filter(|f| f.rule.id == id).collect()
    };

    let oab = by_rule(EV02);
    assert_eq!(oab.len(), 1, "one Set-OabVirtualDirectory with a script");
    assert_eq!(oab[0].location.record_id, Some(10_485));
    assert_eq!(
        oab[0].location.member.as_deref(),
        Some("proxylogon_ssrf_rce_poc_2021-03-14T01401970.json")
    );
    assert_eq!(oab[0].host.as_deref(), Some("MXS01.azsentinel.local"));
    assert_eq!(oab[0].rule.author.as_deref(), Some("vigie"));

    let shells = by_rule(EV07);
    let records: HashSet<u64> = shells.iter().filter_map(|f| f.location.record_id).collect();
    for want in [4050, 4062, 4966] {
        assert!(records.contains(&want), "w3wp.exe → cmd /c whoami at record {want}: {records:?}");
    }
    let sysmon = shells.iter().find(|f| f.location.record_id == Some(4050)).expect("record 4050");
    let fields = event_fields(sysmon);
    assert!(fields["ParentImage"].ends_with(r"\inetsrv\w3wp.exe"), "{fields:?}");
    assert!(fields["Image"].ends_with(r"\cmd.exe"));

    let drops = by_rule(EV08);
    assert_eq!(drops.len(), 1, "{drops:?}");
    assert_eq!(drops[0].location.record_id, Some(3733));
    assert!(
        event_fields(drops[0])["TargetFilename"]
            .ends_with(r"FrontEnd\HttpProxy\owa\auth\ohyeah.aspx")
    );
    assert_eq!(drops[0].severity, vigie_model::Severity::Critical);
}

/// Regression cases that cannot pass, with the reason.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

#[test]
fn sigmahq_regression_cases_fire_their_rule() {
    let Some(dir) = corpora() else { return };
    let text = std::fs::read_to_string(dir.join("sigma/MANIFEST.tsv")).expect("manifest");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).expect("column");
    let (file_c, rule_c) = (col("file"), col("rule_id"));
    let cases: Vec<(PathBuf, String, String)> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let name = Path::new(c[file_c])
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (dir.join("sigma").join(c[file_c]), c[rule_c].to_string(), name)
        })
        .collect();
    assert_eq!(cases.len(), 166);
    let hq = dir.join("sigma/sigmahq");
    let dirs =
        vec![hq.join("rules"), hq.join("rules-emerging-threats"), hq.join("rules-threat-hunting")];
    let result = scan(cases.iter().map(|(p, _, _)| p.clone()).collect(), dirs, false);
    assert_eq!(result.coverage.files.scanned, 166);
    // File names are unique (`<rule id>.evtx`): match on the name.
    let fired: HashSet<(String, String)> = result
        .findings
        .iter()
        .map(|f| {
            let name = f.location.path.rsplit(['/', '\\']).next().unwrap_or("").to_string();
            (name, f.rule.id.clone())
        })
        .collect();
    let mut failed = Vec::new();
    for (_, rule, name) in &cases {
        let ok = fired.contains(&(name.clone(), rule.clone()));
        let known = KNOWN_FAILURES.iter().any(|(id, _)| id == rule);
        if !ok && !known {
            failed.push(format!("{rule} on {name}"));
        }
    }
    let passed = cases.len() - failed.len() - KNOWN_FAILURES.len();
    eprintln!("SigmaHQ regression: {passed}/{} pass", cases.len());
    assert!(failed.is_empty(), "{} cases failed:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn blind_rules_reported_when_only_sysmon_is_given() {
    let Some(dir) = corpora() else { return };
    let sysmon = dir.join(
        "evtx/EVTX-ATTACK-SAMPLES/Lateral Movement/LM_typical_IIS_webshell_sysmon_1_10_traces.evtx",
    );
    let result =
        scan(vec![sysmon], vec![dir.join("sigma/sigmahq/rules/windows/builtin/security")], true);
    let blind = &result.coverage.rules.blind;
    assert!(!blind.is_empty());
    assert!(
        blind.iter().all(|b| !b.reason.contains("Sysmon")),
        "a Sysmon rule is not blind on a Sysmon log"
    );
    assert!(blind.iter().any(|b| b.reason.contains("channel Security")), "{blind:?}");
    assert!(blind.iter().any(|b| b.rule == EV02 && b.reason.contains("MSExchange Management")));
    assert!(!blind.iter().any(|b| b.rule == EV07), "EV-07 reads Sysmon");
    assert!(
        result
            .coverage
            .sources
            .iter()
            .any(|s| s.source == "Microsoft-Windows-Sysmon/Operational" && s.records > 0)
    );
}

#[test]
fn no_event_log_is_said_once() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("a.txt"), b"hello").expect("write");
    let result = scan(vec![tmp.path().to_path_buf()], Vec::new(), true);
    assert!(result.coverage.rules.blind.is_empty());
    let said = result.coverage.warnings.iter().filter(|w| w.contains("no event log")).count();
    assert_eq!(said, 1, "{:?}", result.coverage.warnings);
}

#[test]
fn damaged_evtx_is_counted_and_the_scan_goes_on() {
    let Some(dir) = corpora() else { return };
    let src = dir.join(
        "evtx/EVTX-ATTACK-SAMPLES/Lateral Movement/LM_typical_IIS_webshell_sysmon_1_10_traces.evtx",
    );
    let mut bytes = std::fs::read(&src).expect("read");
    for b in bytes.iter_mut().skip(4096 + 512 + 300).step_by(97).take(400) {
        *b ^= 0x5a;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("damaged.evtx"), &bytes).expect("write");
    std::fs::copy(&src, tmp.path().join("intact.evtx")).expect("copy");
    let result = scan(vec![tmp.path().to_path_buf()], Vec::new(), true);
    let c = &result.coverage;
    assert_eq!(c.files.scanned, 2);
    assert!(c.records.errors > 0);
    assert!(
        c.record_errors.iter().all(|p| p.path.ends_with("damaged.evtx")),
        "{:?}",
        c.record_errors
    );
    assert!(c.records.events > 0);
    // The intact copy is read in full next to the damaged one.
    let sysmon = c
        .sources
        .iter()
        .find(|s| s.source == "Microsoft-Windows-Sysmon/Operational")
        .expect("span");
    assert!(sysmon.paths.iter().any(|p| p.ends_with("intact.evtx")), "{:?}", sysmon.paths);
}

/// SigmaHQ `rules/web` holds `webserver` and `proxy` rules: the web ones
/// run on web-log lines only, the rest on events, and each rule is counted
/// once.
#[test]
fn web_rules_are_loaded_once_on_the_log_side() {
    let Some(dir) = corpora() else { return };
    let web = dir.join("sigma/sigmahq/rules/web");
    let files = vigie_testkit::files_below(&web);
    let texts: Vec<String> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let webserver = texts.iter().filter(|t| vigie_sigma::is_webserver_rule(t)).count();
    assert!(webserver > 0 && webserver < texts.len(), "{webserver} of {}", texts.len());
    let empty = tempfile::tempdir().expect("temp dir");
    let result = scan(vec![empty.path().to_path_buf()], vec![web], false);
    let rules = &result.coverage.rules;
    assert!(rules.rejected.is_empty(), "{:?}", rules.rejected);
    assert_eq!(rules.loaded as usize, texts.len(), "every rule counted once");
    let events: u64 = rules.sets.iter().filter(|s| s.kind == "sigma").map(|s| s.loaded).sum();
    assert_eq!(events as usize, texts.len() - webserver, "no web rule on the event side");
}
