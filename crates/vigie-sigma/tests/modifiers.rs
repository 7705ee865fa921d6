//! Every value modifier and the condition grammar, with cases that must
//! match and cases that must not.

use vigie_sigma::{MapEvent, SetOptions, SigmaCompiler, SigmaRules};

fn rules(detection: &str) -> SigmaRules {
    let text = format!(
        "title: t\nid: 11111111-1111-1111-1111-111111111111\nlevel: high\nlogsource:\n    product: test\ndetection:\n{detection}\n"
    );
    let mut c = SigmaCompiler::new();
    c.add_source(&text, "t.yml", SetOptions::external("t"));
    let r = c.build();
    if let Some((_, reason)) = r.rejected().next() {
        panic!("rule rejected: {reason}\n{text}");
    }
    r
}

fn ev(pairs: &[(&str, &str)]) -> MapEvent {
    pairs.iter().fold(MapEvent::new(), |e, (k, v)| e.with(k, v))
}

fn hits(r: &SigmaRules, e: &MapEvent) -> bool {
    let mut m = r.matcher();
    let mut out = Vec::new();
    m.matches(e, &mut out) > 0
}

fn check(detection: &str, yes: &[&[(&str, &str)]], no: &[&[(&str, &str)]]) {
    let r = rules(detection);
    for y in yes {
        assert!(hits(&r, &ev(y)), "should match {y:?}\n{detection}");
    }
    for n in no {
        assert!(!hits(&r, &ev(n)), "should NOT match {n:?}\n{detection}");
    }
}

fn rejected(detection: &str) -> String {
    let text = format!("title: t\nid: x\nlogsource:\n    product: test\ndetection:\n{detection}\n");
    let mut c = SigmaCompiler::new();
    c.add_source(&text, "t.yml", SetOptions::external("t"));
    let r = c.build();
    r.rejected().next().map(|(_, s)| s.to_string()).expect("rule should be rejected")
}

#[test]
fn plain_values_are_case_insensitive_exact_with_wildcards() {
    check(
        "    sel:\n        Image: 'C:\\Windows\\System32\\CMD.exe'\n    condition: sel",
        &[&[("Image", r"c:\windows\system32\cmd.exe")]],
        &[
            &[("Image", r"c:\windows\system32\cmd.exe2")],
            &[("Other", r"c:\windows\system32\cmd.exe")],
        ],
    );
    check(
        "    sel:\n        Image: 'C:\\\\*\\\\sys*32\\\\?md.exe'\n    condition: sel",
        &[&[("Image", r"C:\Windows\System32\cmd.exe")]],
        &[
            &[("Image", r"C:\Windows\System32\cmdx.exe")],
            &[("Image", r"D:\Windows\System32\cmd.exe")],
        ],
    );
    // Escaped wildcard is literal.
    check(
        "    sel:\n        Value: 'a\\*b'\n    condition: sel",
        &[&[("Value", "a*b")]],
        &[&[("Value", "axxb")]],
    );
}

#[test]
fn contains_startswith_endswith_all() {
    check(
        "    sel:\n        CommandLine|contains|all:\n            - ' -enc '\n            - 'bypass'\n    condition: sel",
        &[&[("CommandLine", "powershell -ExecutionPolicy ByPass -enc AAA ")]],
        &[&[("CommandLine", "powershell -enc AAA ")]],
    );
    check(
        "    sel:\n        Image|endswith:\n            - '\\a.exe'\n            - '\\b.exe'\n    condition: sel",
        &[&[("Image", r"C:\x\B.EXE")]],
        &[&[("Image", r"C:\x\c.exe")]],
    );
    check(
        "    sel:\n        Image|startswith: 'C:\\Users\\'\n    condition: sel",
        &[&[("Image", r"c:\users\bob\x.exe")]],
        &[&[("Image", r"d:\c:\users\x.exe")]],
    );
    // Many contains values use an Aho-Corasick prefilter.
    check(
        "    sel:\n        CommandLine|contains: ['aa1', 'bb2', 'cc3', 'dd4', 'ee5', 'ff6']\n    condition: sel",
        &[&[("CommandLine", "xxEE5yy")]],
        &[&[("CommandLine", "xxee yy")]],
    );
}

#[test]
fn cased_modifier() {
    check(
        "    sel:\n        CommandLine|contains|cased: 'Invoke-Mimikatz'\n    condition: sel",
        &[&[("CommandLine", "x Invoke-Mimikatz y")]],
        &[&[("CommandLine", "x invoke-mimikatz y")]],
    );
}

#[test]
fn windash_all_dash_variants() {
    let d = "    sel:\n        CommandLine|windash|contains: ' -s '\n    condition: sel";
    check(
        d,
        &[
            &[("CommandLine", "psexec -s cmd")],
            &[("CommandLine", "psexec /s cmd")],
            &[("CommandLine", "psexec \u{2013}s cmd")],
            &[("CommandLine", "psexec \u{2014}s cmd")],
            &[("CommandLine", "psexec \u{2015}s cmd")],
        ],
        &[&[("CommandLine", "psexec +s cmd")], &[("CommandLine", "psexec s cmd")]],
    );
}

#[test]
fn base64_and_base64offset() {
    check(
        "    sel:\n        Data|base64: 'Hello'\n    condition: sel",
        &[&[("Data", "SGVsbG8=")]],
        &[&[("Data", "Hello")]],
    );
    check(
        "    sel:\n        CommandLine|base64offset|contains: 'http://'\n    condition: sel",
        &[
            &[("CommandLine", "powershell -e aHR0cDovL2V2aWw=")],
            &[("CommandLine", "x eGh0dHA6Ly9l y")],
            &[("CommandLine", "x eHhodHRwOi8v y")],
        ],
        &[&[("CommandLine", "powershell -e aHR0cHM6")]],
    );
}

#[test]
fn utf16_and_wide() {
    // `wide|base64offset|contains` is the classic encoded PowerShell test.
    let wide_b64 =
        "    sel:\n        CommandLine|wide|base64offset|contains: 'IEX'\n    condition: sel";
    check(wide_b64, &[&[("CommandLine", "-enc SQBFAFgA")]], &[&[("CommandLine", "-enc SUVY")]]);
    check(
        "    sel:\n        Data|utf16le|base64: 'ab'\n    condition: sel",
        &[&[("Data", "YQBiAA==")]],
        &[&[("Data", "AGEAYg==")]],
    );
    check(
        "    sel:\n        Data|utf16be|base64: 'ab'\n    condition: sel",
        &[&[("Data", "AGEAYg==")]],
        &[&[("Data", "YQBiAA==")]],
    );
    check(
        "    sel:\n        Data|utf16|base64: 'ab'\n    condition: sel",
        &[&[("Data", "//5hAGIA")]],
        &[&[("Data", "YQBiAA==")]],
    );
}

#[test]
fn regex_and_flags() {
    check(
        "    sel:\n        CommandLine|re: 'net\\s+user\\s+\\w+\\s+/add'\n    condition: sel",
        &[&[("CommandLine", "net  user bob /add")]],
        &[&[("CommandLine", "NET USER bob /add")], &[("CommandLine", "net user /add")]],
    );
    check(
        "    sel:\n        CommandLine|re|i: 'net\\s+user'\n    condition: sel",
        &[&[("CommandLine", "NET USER bob")]],
        &[&[("CommandLine", "netuser")]],
    );
    check(
        "    sel:\n        CommandLine|re|m: '^second$'\n    condition: sel",
        &[&[("CommandLine", "first\nsecond\nthird")]],
        &[&[("CommandLine", "first second")]],
    );
    check(
        "    sel:\n        CommandLine|re|s: 'a.b'\n    condition: sel",
        &[&[("CommandLine", "a\nb")]],
        &[&[("CommandLine", "a\n\nb")]],
    );
    assert!(rejected("    sel:\n        X|re: '(?<=a)b'\n    condition: sel").contains("regex"));
}

#[test]
fn cidr_v4_and_v6() {
    let d = "    sel:\n        DestinationIp|cidr:\n            - '10.0.0.0/8'\n            - 'fe80::/10'\n    condition: sel";
    check(
        d,
        &[
            &[("DestinationIp", "10.1.2.3")],
            &[("DestinationIp", "fe80::1")],
            &[("DestinationIp", "::ffff:10.0.0.1")],
        ],
        &[
            &[("DestinationIp", "11.0.0.1")],
            &[("DestinationIp", "2001:db8::1")],
            &[("DestinationIp", "nonsense")],
        ],
    );
}

#[test]
fn exists_null_and_empty() {
    check(
        "    sel:\n        Hashes|exists: true\n    condition: sel",
        &[&[("Hashes", "")], &[("Hashes", "x")]],
        &[&[("Other", "x")]],
    );
    check(
        "    sel:\n        Hashes|exists: false\n    condition: sel",
        &[&[("Other", "x")]],
        &[&[("Hashes", "x")]],
    );
    check(
        "    sel:\n        Description: null\n    condition: sel",
        &[&[("Other", "x")], &[("Description", "")]],
        &[&[("Description", "x")]],
    );
    check(
        "    sel:\n        Description: ''\n    condition: sel",
        &[&[("Description", "")]],
        &[&[("Description", "x")], &[("Other", "x")]],
    );
}

#[test]
fn fieldref() {
    check(
        "    sel:\n        TargetUserName|fieldref: SubjectUserName\n    condition: sel",
        &[&[("TargetUserName", "Bob"), ("SubjectUserName", "bob")]],
        &[&[("TargetUserName", "Bob"), ("SubjectUserName", "alice")], &[("TargetUserName", "Bob")]],
    );
    check(
        "    sel:\n        Image|fieldref|endswith: OriginalFileName\n    condition: sel",
        &[&[("Image", r"C:\x\evil.exe"), ("OriginalFileName", "evil.exe")]],
        &[&[("Image", r"C:\x\evil.exe"), ("OriginalFileName", "good.exe")]],
    );
}

#[test]
fn numeric_comparisons() {
    let d = "    sel:\n        Count|gt: 10\n        Size|lte: 100\n    condition: sel";
    check(
        d,
        &[&[("Count", "11"), ("Size", "100")], &[("Count", "0x20"), ("Size", " 5 ")]],
        &[
            &[("Count", "10"), ("Size", "5")],
            &[("Count", "11"), ("Size", "101")],
            &[("Count", "abc"), ("Size", "5")],
        ],
    );
    check("    sel:\n        N|gte: 5\n    condition: sel", &[&[("N", "5")]], &[&[("N", "4.9")]]);
    check("    sel:\n        N|lt: 5\n    condition: sel", &[&[("N", "4.9")]], &[&[("N", "5")]]);
}

#[test]
fn expand_placeholders() {
    let text = "title: t\nid: p\nlogsource:\n    product: test\ndetection:\n    sel:\n        Computer|expand: '%servers%'\n    condition: sel\n";
    let mut c = SigmaCompiler::new();
    c.add_source(text, "t.yml", SetOptions::external("t"));
    let r = c.build();
    assert_eq!(r.rejected().next().map(|(_, s)| s), Some("needs placeholder %servers%"));
    let mut c = SigmaCompiler::new();
    c.placeholder("servers", vec!["DC01".into(), "EXCH01".into()]);
    c.add_source(text, "t.yml", SetOptions::external("t"));
    let r = c.build();
    assert!(hits(&r, &ev(&[("Computer", "exch01")])));
    assert!(!hits(&r, &ev(&[("Computer", "%servers%")])), "placeholder matched literally");
}

#[test]
fn keywords_search_every_field() {
    check(
        "    keywords:\n        - 'mimikatz'\n        - 'sekurlsa'\n    condition: keywords",
        &[&[("A", "x"), ("B", "run MIMIKATZ now")]],
        &[&[("A", "mimi katz")]],
    );
    check(
        "    keywords:\n        '|all':\n            - 'alpha'\n            - 'beta'\n    condition: keywords",
        &[&[("A", "alpha"), ("B", "beta")]],
        &[&[("A", "alpha")]],
    );
}

#[test]
fn list_of_maps_is_or_and_all_of_patterns() {
    // `all of selection_*` where one selection is a list of maps: each
    // selection must hold, the list holds when ANY of its maps holds.
    let d = "    selection_img:\n        - Image|endswith: '\\a.exe'\n        - OriginalFileName: 'a.exe'\n    selection_cli:\n        CommandLine|contains: 'x'\n    condition: all of selection_*";
    check(
        d,
        &[
            &[("Image", r"C:\a.exe"), ("CommandLine", "x")],
            &[("OriginalFileName", "A.EXE"), ("CommandLine", "x")],
        ],
        &[&[("Image", r"C:\a.exe")], &[("Image", r"C:\b.exe"), ("CommandLine", "x")]],
    );
}

#[test]
fn condition_grammar() {
    let d = "    a:\n        A: '1'\n    b:\n        B: '1'\n    c:\n        C: '1'\n    _hidden:\n        H: '1'\n";
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
    let cases: &[Case] = &[
        ("a and b", &[("A", "1"), ("B", "1")], true),
        ("a and b", &[("A", "1")], false),
        ("a or b and c", &[("A", "1")], true),
        ("(a or b) and c", &[("A", "1")], false),
        ("not a", &[("B", "1")], true),
        ("not a", &[("A", "1")], false),
        ("a and not (b or c)", &[("A", "1"), ("C", "1")], false),
        ("1 of them", &[("C", "1")], true),
        ("1 of them", &[("H", "1")], false),
        ("all of them", &[("A", "1"), ("B", "1"), ("C", "1")], true),
        ("all of them", &[("A", "1"), ("B", "1")], false),
        ("2 of them", &[("A", "1"), ("C", "1")], true),
        ("2 of them", &[("A", "1")], false),
        ("1 of _h*", &[("H", "1")], true),
        ("a AND NOT b", &[("A", "1")], true),
    ];
    for (cond, event, want) in cases {
        let r = rules(&format!("{d}    condition: {cond}"));
        assert_eq!(hits(&r, &ev(event)), *want, "condition `{cond}` on {event:?}");
    }
    // A list of conditions is an OR.
    let r = rules(&format!("{d}    condition:\n        - a and b\n        - c"));
    assert!(hits(&r, &ev(&[("C", "1")])));
    assert!(!hits(&r, &ev(&[("A", "1")])));
}

#[test]
fn malformed_rules_are_rejected_with_reasons() {
    assert!(
        rejected("    sel:\n        A|nosuch: 'x'\n    condition: sel")
            .contains("unknown value modifier")
    );
    assert!(
        rejected("    sel:\n        A: 'x'\n    condition: sel and other")
            .contains("does not define")
    );
    assert!(rejected("    sel:\n        A: 'x'").contains("no `condition`"));
    assert!(rejected("    sel:\n        A|cidr: 'nope'\n    condition: sel").contains("CIDR"));
    assert!(rejected("    sel:\n        A|base64: 'x*'\n    condition: sel").contains("wildcards"));
}

#[test]
fn sigma_filters_narrow_their_target_rules() {
    let text = r#"
title: Whoami
id: 22222222-2222-2222-2222-222222222222
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        Image|endswith: '\whoami.exe'
    condition: sel
---
title: Not on the admin workstation
logsource:
    product: windows
    category: process_creation
filter:
    rules:
        - 22222222-2222-2222-2222-222222222222
    selection:
        Computer|startswith: 'ADMIN'
    condition: not selection
"#;
    let mut c = SigmaCompiler::new();
    c.add_source(text, "f.yml", SetOptions::external("t"));
    let r = c.build();
    assert_eq!(r.loaded_count(), 2, "{:?}", r.rejected().collect::<Vec<_>>());
    let base = [("Channel", "Microsoft-Windows-Sysmon/Operational"), ("EventID", "1")];
    let on = |computer: &str| {
        let mut e = ev(&base);
        e.set("Image", Some(r"C:\Windows\System32\whoami.exe".into()));
        e.set("Computer", Some(computer.into()));
        e
    };
    assert!(hits(&r, &on("WEB01")));
    assert!(!hits(&r, &on("ADMIN-PC")), "filter should remove the admin workstation");
}

#[test]
fn rules_route_by_channel_and_event_id() {
    let r = rules("    sel:\n        CommandLine|contains: 'x'\n    condition: sel");
    assert!(hits(&r, &ev(&[("CommandLine", "x")])), "unrestricted rule sees channel-less events");
    let text = "title: t\nid: r\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    sel:\n        CommandLine|contains: 'whoami'\n    condition: sel\n";
    let mut c = SigmaCompiler::new();
    c.add_source(text, "t.yml", SetOptions::external("t"));
    let r = c.build();
    assert_eq!(r.rules()[0].channels, ["Microsoft-Windows-Sysmon/Operational", "Security"]);
    assert_eq!(r.rules()[0].event_ids, [1, 4688]);
    let sysmon = ev(&[
        ("Channel", "Microsoft-Windows-Sysmon/Operational"),
        ("EventID", "1"),
        ("CommandLine", "whoami"),
    ]);
    let security = ev(&[("Channel", "Security"), ("EventID", "4688"), ("CommandLine", "whoami")]);
    let wrong_eid = ev(&[("Channel", "Security"), ("EventID", "4624"), ("CommandLine", "whoami")]);
    let wrong_channel = ev(&[("Channel", "System"), ("EventID", "1"), ("CommandLine", "whoami")]);
    assert!(hits(&r, &sysmon) && hits(&r, &security));
    assert!(!hits(&r, &wrong_eid) && !hits(&r, &wrong_channel));
    assert_eq!(r.blind_rules(&["Security".into()]).len(), 0);
    assert_eq!(r.blind_rules(&["System".into()]).len(), 1);
}

#[test]
fn level_status_and_tag_options_exclude_rules() {
    let doc = |id: &str, level: &str, status: &str, tag: &str| {
        format!(
            "title: {id}\nid: {id}\nlevel: {level}\nstatus: {status}\ntags:\n    - {tag}\nlogsource:\n    product: test\ndetection:\n    sel:\n        A: '1'\n    condition: sel\n"
        )
    };
    let text = [
        doc("low-rule", "low", "stable", "attack.t1059.001"),
        doc("high-rule", "high", "test", "attack.t1505.003"),
        doc("crit-rule", "critical", "experimental", "attack.t1003"),
    ]
    .join("---\n");
    let loaded = |f: &dyn Fn(&mut SigmaCompiler)| {
        let mut c = SigmaCompiler::new();
        f(&mut c);
        c.add_source(&text, "o.yml", SetOptions::external("o"));
        let r = c.build();
        let mut ids: Vec<String> =
            r.rules().iter().filter(|x| x.is_loaded()).map(|x| x.id.clone()).collect();
        ids.sort();
        let excluded = r
            .rules()
            .iter()
            .filter(|x| matches!(x.load, vigie_sigma::LoadStatus::Excluded { .. }))
            .count();
        assert_eq!(ids.len() + excluded, 3, "every rule is loaded or excluded");
        ids
    };
    assert_eq!(
        loaded(&|c| {
            c.min_level(vigie_model::Severity::High);
        }),
        ["crit-rule", "high-rule"]
    );
    assert_eq!(
        loaded(&|c| {
            c.statuses(&["stable", "test"]);
        }),
        ["high-rule", "low-rule"]
    );
    assert_eq!(
        loaded(&|c| {
            c.tags(&["attack.t1505*"]);
        }),
        ["high-rule"]
    );
}

#[test]
fn hits_become_findings_with_evidence() {
    let text = "title: Web shell child\nid: 33333333-3333-3333-3333-333333333333\nauthor: Someone\nlevel: high\nreferences:\n    - https://example.org\ntags:\n    - attack.persistence\n    - attack.t1505.003\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    sel:\n        ParentImage|endswith: '\\w3wp.exe'\n    condition: sel\n";
    let mut c = SigmaCompiler::new();
    c.add_source(text, "w.yml", SetOptions::builtin("builtin"));
    let r = c.build();
    let e = ev(&[
        ("Channel", "Security"),
        ("EventID", "4688"),
        ("Computer", "EXCH01"),
        ("EventRecordID", "42"),
        ("ParentProcessName", r"C:\Windows\System32\inetsrv\w3wp.exe"),
    ]);
    let mut m = r.matcher();
    let mut out = Vec::new();
    m.matches(&e, &mut out);
    assert_eq!(out.len(), 1);
    let f = r.finding(&out[0], "Security.evtx");
    assert_eq!(f.rule.source, vigie_model::RuleSource::Builtin);
    assert_eq!(f.rule.author.as_deref(), Some("Someone"));
    assert_eq!(f.attack, ["T1505.003"]);
    assert_eq!(f.stage, vigie_model::Stage::Compromise);
    assert_eq!(f.severity, vigie_model::Severity::High);
    assert_eq!(f.host.as_deref(), Some("EXCH01"));
    assert_eq!(f.location.record_id, Some(42));
    match &f.evidence[0] {
        vigie_model::Evidence::Event { fields, event_id, channel, .. } => {
            assert_eq!(*event_id, Some(4688));
            assert_eq!(channel.as_deref(), Some("Security"));
            assert_eq!(
                fields.get("ParentImage").map(String::as_str),
                Some(r"C:\Windows\System32\inetsrv\w3wp.exe")
            );
        }
        other => panic!("unexpected evidence {other:?}"),
    }
}

#[test]
fn sigma1_collections_global_and_repeat() {
    let text = "action: global\ntitle: Collection\nlogsource:\n    product: test\ndetection:\n    condition: sel\n---\nid: c-1\ndetection:\n    sel:\n        A: '1'\n---\naction: repeat\nid: c-2\ndetection:\n    sel:\n        A: '2'\n---\naction: bogus\n";
    let mut c = SigmaCompiler::new();
    c.add_source(text, "c.yml", SetOptions::external("c"));
    let r = c.build();
    // The unknown action rejects the whole file with a clear reason.
    assert!(r.rejected().any(|(_, s)| s.contains("unknown `action: bogus`")));
    let ok = text.replace("---\naction: bogus\n", "");
    let mut c = SigmaCompiler::new();
    c.add_source(&ok, "c.yml", SetOptions::external("c"));
    let r = c.build();
    assert_eq!(r.loaded_count(), 2, "{:?}", r.rejected().collect::<Vec<_>>());
    assert!(r.rules().iter().all(|x| x.title == "Collection"));
    let mut m = r.matcher();
    let mut out = Vec::new();
    m.matches(&ev(&[("A", "2")]), &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(r.rules()[out[0].rule].id, "c-2");
}
