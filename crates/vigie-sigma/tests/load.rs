//! Load the real rule sets: SigmaHQ `rules/windows`, `rules/web`,
//! `rules-emerging-threats`, `rules-threat-hunting`, `rules-placeholder`
//! and hayabusa's native rules; assert load ratios and counts.

mod common;

use vigie_sigma::{LoadStatus, RuleKind, SetOptions, SigmaCompiler, SigmaRules};

fn report(name: &str, rules: &SigmaRules) -> (usize, usize) {
    let total = rules.rules().len();
    let loaded = rules.loaded_count();
    println!("{name}: {loaded}/{total} loaded");
    for (r, reason) in rules.rejected() {
        println!("  REJECTED {} ({}): {reason}", r.file, r.id);
    }
    (loaded, total)
}

#[test]
fn sigmahq_windows_loads_at_least_99_percent() {
    let Some(c) = common::corpora() else { return };
    let rules = common::load(&c.join("sigma/sigmahq/rules/windows"), "sigmahq-windows");
    let (loaded, total) = report("rules/windows", &rules);
    assert!(total >= 2400, "expected the whole windows set, got {total} rules");
    let ratio = loaded as f64 / total as f64;
    assert!(ratio >= 0.99, "load ratio {ratio:.4} below 99%");
    // Every loaded windows rule is routed to at least one channel.
    let unrestricted: Vec<_> = rules
        .rules()
        .iter()
        .filter(|r| r.is_loaded() && r.channels.is_empty())
        .map(|r| (&r.file, r.unrestricted.clone()))
        .collect();
    println!("unrestricted: {unrestricted:#?}");
    assert!(unrestricted.len() <= 1, "windows rules without channel: {unrestricted:?}");
    let set = &rules.sets()[0];
    assert_eq!(set.loaded as usize, loaded);
    assert_eq!(set.sha256.len(), 64);
    assert_eq!(set.files as usize, total);
}

#[test]
fn other_sigmahq_sets_load() {
    let Some(c) = common::corpora() else { return };
    let base = c.join("sigma/sigmahq");
    for (dir, min_ratio) in [
        ("rules/web", 0.99),
        ("rules/category", 0.99),
        ("rules-emerging-threats", 0.99),
        ("rules-threat-hunting", 0.99),
    ] {
        let rules = common::load(&base.join(dir), dir);
        let (loaded, total) = report(dir, &rules);
        assert!(total > 0, "{dir} is empty");
        assert!(loaded as f64 / total as f64 >= min_ratio, "{dir}: {loaded}/{total}");
    }
}

#[test]
fn webserver_rules_are_not_restricted_by_channel() {
    let Some(c) = common::corpora() else { return };
    let rules = common::load(&c.join("sigma/sigmahq/rules/web"), "web");
    let web: Vec<_> = rules
        .rules()
        .iter()
        .filter(|r| r.logsource.category.as_deref() == Some("webserver"))
        .collect();
    assert!(web.len() >= 10, "few webserver rules: {}", web.len());
    for r in web {
        assert!(r.is_loaded(), "{} not loaded: {:?}", r.file, r.load);
        assert!(r.channels.is_empty(), "{} restricted to {:?}", r.file, r.channels);
    }
}

#[test]
fn placeholder_rules_need_their_values() {
    let Some(c) = common::corpora() else { return };
    let dir = c.join("sigma/sigmahq/rules-placeholder");
    let rules = common::load(&dir, "placeholder");
    let (loaded, total) = report("rules-placeholder (no values)", &rules);
    let needs: Vec<_> =
        rules.rejected().filter(|(_, r)| r.starts_with("needs placeholder %")).collect();
    assert_eq!(total, 14, "rules-placeholder holds 14 rules");
    assert!(needs.len() >= 14, "only {} rules rejected for placeholders", needs.len());
    assert_eq!(loaded + needs.len(), total, "other rejections in rules-placeholder");

    let mut comp = SigmaCompiler::new();
    for name in [
        "Workstations",
        "dc_machine_accounts",
        "dc_ip_addresses",
        "Admins_Workstations",
        "DC-MACHINE-NAME",
        "Administrators",
        "ServerSystems",
        "DomainControllers",
        "userdomain",
        "internal_domains",
        "legit_ips",
        "domain_controller_hostnames",
    ] {
        comp.placeholder(name, vec![format!("value-of-{name}")]);
    }
    comp.add_dir(&dir, SetOptions::external("placeholder")).expect("readable");
    let rules = comp.build();
    let (loaded2, total2) = report("rules-placeholder (with values)", &rules);
    assert_eq!(loaded2, total2, "placeholder rules still rejected with values given");
}

#[test]
fn hayabusa_native_rules_load() {
    let Some(c) = common::corpora() else { return };
    let dir = c.join("sigma/hayabusa-rules/hayabusa");
    let rules = common::load(&dir, "hayabusa");
    let (loaded, total) = report("hayabusa", &rules);
    assert!(total >= 193, "hayabusa: {total}");
    assert_eq!(loaded, total, "every hayabusa native rule should load");
    let corr = rules.rules().iter().filter(|r| r.kind == RuleKind::Correlation).count();
    assert_eq!(corr, 3, "hayabusa correlation documents");
    // 3 correlation base rules + 3 legacy `| count() by` rules report only
    // through their correlation.
    let silent = rules.rules().iter().filter(|r| !r.generates).count();
    assert_eq!(silent, 6, "rules feeding correlations only");
    assert!(rules.rules().iter().all(|r| r.load == LoadStatus::Loaded));
    assert!(rules.rules().iter().filter(|r| r.hayabusa).count() >= 190);
}
