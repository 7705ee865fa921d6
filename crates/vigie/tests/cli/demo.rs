//! `vigie demo` and `vigie rules`.

use crate::support::{json_stdout, run, vigie};

#[test]
fn demo_finds_the_planted_shells_logs_and_ioc() {
    let out = run(vigie().args(["demo", "--format", "json"]));
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let result = json_stdout(&out);
    let findings = result["findings"].as_array().cloned().unwrap_or_default();
    let has = |needle: &str| {
        findings.iter().any(|f| f["location"]["path"].as_str().is_some_and(|p| p.contains(needle)))
    };
    assert!(
        has("aspnet_client/system_web/demo_chopper.aspx"),
        "chopper text not flagged: {findings:#?}"
    );
    assert!(has("owa/auth/demo_oab.aspx"), "OAB-config shell not flagged");
    assert!(has("ioc-test-value.txt"), "IOC test value not flagged");
    assert!(has("u_ex210303.log"), "IIS attack lines not flagged");
    assert!(has("HttpProxy_2021030302-1.LOG"), "HttpProxy SSRF not flagged");
    assert!(!has("iisstart.htm"), "benign page flagged");
    assert_eq!(result["findings"][0]["stage"], "compromise");
    assert_eq!(result["coverage"]["files"]["failed"], 0);
}

#[test]
fn demo_text_report_has_a_verdict() {
    let out = run(vigie().arg("demo"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Compromised"), "{text}");
}

#[test]
fn rules_list_and_show() {
    let out = run(vigie().args(["rules", "list", "--json"]));
    assert_eq!(out.status.code(), Some(0));
    let rules = json_stdout(&out);
    let rules = rules.as_array().cloned().unwrap_or_default();
    assert!(rules.len() >= 20, "only {} built-in rules", rules.len());
    let code = rules[0]["code"].as_str().unwrap_or_default().to_string();
    let show = run(vigie().args(["rules", "show", &code]));
    assert_eq!(show.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&show.stdout).contains(&code));
    let missing = run(vigie().args(["rules", "show", "VG-NOPE999"]));
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("rules list"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(vigie().args(["scan"])).status.code(), Some(2));
    assert_eq!(run(vigie().args(["scan", ".", "--max-file-size", "ten"])).status.code(), Some(2));
    assert_eq!(
        run(vigie().args(["scan", ".", "--yara", "/nonexistent/rules"])).status.code(),
        Some(2)
    );
}
