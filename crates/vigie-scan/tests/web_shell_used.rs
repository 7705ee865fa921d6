//! VG-COR001: a script flagged on disk that answered requests in the logs of
//! the same scan is reported as planted *and used*, with the first use
//! driving the verdict. Real samples: the Tunna tunnel IIS log of the
//! corpora (`/erp/conn.aspx`, 4,298 answered requests) and a real ASPX web
//! shell placed where that URL points.

use std::path::{Path, PathBuf};
use vigie_model::{Confidence, Evidence, Finding, ScanResult};
use vigie_scan::{Engine, NoProgress, ScanOptions};

const TUNNA_LOG: &str = "weblogs/EVTX-ATTACK-SAMPLES/Command and Control/Tunna_rdp_tunnel_IIS.log";
const SHELL: &str = "webshells/tennc-webshell/Backdoor Dev Shells/Source/devilzShell.aspx";

fn scan(root: &Path) -> ScanResult {
    let mut options = ScanOptions::new(vec![root.to_path_buf()]);
    options.threads = 2;
    options.no_cache = true;
    options.host = Some("EXCH01".into());
    Engine::load(options).expect("load rules").scan(&NoProgress)
}

fn place(root: &Path, rel: &str, from: &Path) -> PathBuf {
    let to = root.join(rel);
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    std::fs::copy(from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    to
}

fn used(r: &ScanResult) -> Vec<&Finding> {
    r.findings.iter().filter(|f| f.rule.id == "VG-COR001").collect()
}

fn fact<'a>(f: &'a Finding, name: &str) -> &'a str {
    f.evidence
        .iter()
        .find_map(|e| match e {
            Evidence::Fact { name: n, value } if n == name => Some(value.as_str()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("fact {name} missing: {f:#?}"))
}

#[test]
fn real_shell_at_the_tunnel_url_is_planted_and_used() {
    let Some(corpora) = vigie_testkit::corpora(TUNNA_LOG) else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    place(root, "inetpub/logs/LogFiles/W3SVC1/u_ex190903.log", &corpora.join(TUNNA_LOG));
    let shell = place(root, "inetpub/wwwroot/erp/conn.aspx", &corpora.join(SHELL));

    let r = scan(root);
    let shell_path = shell.to_string_lossy();
    assert!(
        r.findings.iter().any(|f| f.location.path == shell_path && f.rule.id != "VG-COR001"),
        "precondition: the shell itself is flagged: {:#?}",
        r.findings
    );
    assert!(
        r.findings.iter().all(|f| f.host.as_deref() == Some("EXCH01")),
        "--host reaches file, log and correlation findings: {:#?}",
        r.findings.iter().filter(|f| f.host.is_none()).collect::<Vec<_>>()
    );
    let used = used(&r);
    assert_eq!(used.len(), 1, "{used:#?}");
    let u = used[0];
    assert_eq!(u.location.path, shell_path);
    assert_eq!(u.confidence, Confidence::Confirmed);
    assert_eq!(u.time.map(|t| t.to_rfc3339()), Some("2019-09-03T10:13:36+00:00".into()));
    assert_eq!(fact(u, "requested as"), "/erp/conn.aspx");
    assert_eq!(fact(u, "requests answered 2xx"), "4298");
    assert_eq!(fact(u, "of which POST"), "1737");
    assert_eq!(fact(u, "client addresses"), "10.0.2.17");
    assert_eq!(fact(u, "last use"), "2019-09-03 11:08:51 UTC");
    assert!(!u.related.is_empty(), "links to the file findings");
    assert!(u.evidence.iter().any(
        |e| matches!(e, Evidence::LogLine { raw, .. } if raw.contains("POST /erp/conn.aspx"))
    ));
    let sentence = r.verdict().sentence();
    assert!(
        sentence.contains("/erp/conn.aspx planted and used")
            && sentence.ends_with("on 2019-09-03."),
        "{sentence}"
    );
}

#[test]
fn no_use_without_matching_folders_a_success_or_a_flag() {
    let Some(corpora) = vigie_testkit::corpora(SHELL) else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    // Same name as the tunnel URL, other folder: only the name matches.
    place(root, "inetpub/wwwroot/other/conn.aspx", &corpora.join(SHELL));
    // A real shell whose only requests failed.
    place(root, "inetpub/wwwroot/aspnet_client/system_web/x.aspx", &corpora.join(SHELL));
    // A benign page that answered: not flagged, so not correlated.
    let page = root.join("inetpub/wwwroot/app/default.aspx");
    std::fs::create_dir_all(page.parent().expect("parent")).expect("mkdir");
    std::fs::write(&page, "<%@ Page Language=\"C#\" %><html><body>Hello</body></html>\n")
        .expect("write page");
    let log = root.join("inetpub/logs/LogFiles/W3SVC1/u_ex210303.log");
    std::fs::create_dir_all(log.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &log,
        "#Software: Microsoft Internet Information Services 10.0\r\n\
         #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n\
         2021-03-03 02:44:52 10.0.0.5 POST /erp/conn.aspx - 443 - 203.0.113.7 - - 200 0 0 46\r\n\
         2021-03-03 02:45:10 10.0.0.5 POST /aspnet_client/system_web/x.aspx - 443 - 203.0.113.7 - - 404 0 2 3\r\n\
         2021-03-03 02:46:00 10.0.0.5 GET /app/default.aspx - 443 - 10.1.2.3 Mozilla/5.0 - 200 0 0 5\r\n",
    )
    .expect("write log");

    let r = scan(root);
    assert!(
        r.findings.iter().filter(|f| f.location.path.ends_with("conn.aspx")).count() > 0,
        "precondition: the shell is flagged: {:#?}",
        r.findings
    );
    assert!(used(&r).is_empty(), "{:#?}", used(&r));
}
