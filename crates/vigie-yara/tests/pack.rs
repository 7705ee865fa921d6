//! Built-in rules on synthetic samples of what the corpus lacks (Exchange
//! exploitation products, credential dumping, tunnels), each with a near
//! miss. Samples are assembled at run time so this source holds no working
//! shell.

mod common;

use vigie_yara::{FileMeta, YaraRules};

fn codes(rules: &YaraRules, name: &str, data: &[u8]) -> Vec<String> {
    let mut s = rules.scanner();
    let mut v: Vec<String> = s
        .scan(data, &FileMeta::new(name, data))
        .expect("scan")
        .iter()
        .map(|h| h.rule_id())
        .collect();
    v.sort();
    v
}

fn has(rules: &YaraRules, name: &str, data: &[u8], code: &str) -> bool {
    codes(rules, name, data).iter().any(|c| c == code)
}

#[test]
fn proxylogon_oab_config_with_script_tag() {
    let rules = common::builtin_rules();
    let script = [
        "<scr",
        "ipt language=\"JScript\" runat=\"server\">function Page_Load(){",
        "ev",
        "al(Request[\"p\"],\"unsafe\");}</script>",
    ]
    .concat();
    let mut text = String::from("OfflineAddressBooks : \\Default Offline Address Book\n");
    text.push_str(&format!("ExternalUrl : http://f/{script}\n"));
    text.push_str("InternalUrl : https://exch01.contoso.local/OAB\n");
    text.push_str("InternalAuthenticationMethods : {WindowsIntegrated}\n");
    text.push_str("ExtendedProtectionTokenChecking : None\n");
    let found = codes(&rules, "/mnt/c/inetpub/wwwroot/aspnet_client/a.aspx", text.as_bytes());
    assert!(found.contains(&"VG-EXC001".to_string()), "{found:?}");
    assert!(found.contains(&"VG-WEB005".to_string()), "{found:?}");
    // Near miss: the same settings exported by an administrator (no script).
    let export = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/benign/oab_settings_export.txt"
    ))
    .expect("fixture");
    assert!(codes(&rules, "oab.aspx", &export).is_empty());
    // Too big to be the 27065 product (> 50 KB).
    let mut big = text.clone().into_bytes();
    big.extend(std::iter::repeat_n(b' ', 60_000));
    assert!(!has(&rules, "a.aspx", &big, "VG-EXC001"));
}

#[test]
fn proxyshell_pst_with_page_directive() {
    let rules = common::builtin_rules();
    let mut pst = b"!BDN\x8f\x2a\x00\x00SM\x17\x00".to_vec();
    pst.extend(std::iter::repeat_n(0u8, 512));
    pst.extend_from_slice(["<%@ Page Lan", "guage=\"Jscript\"%>"].concat().as_bytes());
    pst.extend(std::iter::repeat_n(0xabu8, 512));
    assert!(has(&rules, "/mnt/c/inetpub/wwwroot/aspnet_client/x.aspx", &pst, "VG-EXC002"));
    // A real PST without a page directive.
    let plain = [&b"!BDN\x8f\x2a\x00\x00SM"[..], &[0u8; 600][..]].concat();
    assert!(codes(&rules, "archive.pst", &plain).is_empty());
}

#[test]
fn credential_dumping_tools_and_dumps() {
    let rules = common::builtin_rules();
    let bat = [
        "rundll32.exe C:\\windows\\system32\\comsvcs.dll, Mini",
        "Dump 624 C:\\root\\lsass.dmp full\r\n",
    ]
    .concat();
    assert!(has(&rules, "C:\\Windows\\Temp\\xx.bat", bat.as_bytes(), "VG-CRD002"));
    let pd =
        ["procdump64.exe -accepteula -ma ", "lsass.exe C:\\windows\\temp\\lsass.dmp\r\n"].concat();
    assert!(has(&rules, "run.cmd", pd.as_bytes(), "VG-CRD002"));
    assert!(!has(
        &rules,
        "run.cmd",
        b"procdump64.exe -ma w3wp.exe c:\\dumps\\w3wp.dmp\r\n",
        "VG-CRD002"
    ));
    let out = ["mimikatz # sekurlsa::logon", "passwords\nmimikatz # lsadump::", "sam\n"].concat();
    assert!(has(&rules, "out.txt", out.as_bytes(), "VG-CRD001"));
    assert!(!has(&rules, "notes.txt", b"Mimikatz is a well-known tool.\n", "VG-CRD001"));
    let wide = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
    let mut dmp = b"MDMP\x93\xa7\x00\x00".to_vec();
    dmp.extend(std::iter::repeat_n(0u8, 256));
    dmp.extend(wide("C:\\Windows\\System32\\lsass.exe"));
    dmp.extend(wide("C:\\Windows\\System32\\lsasrv.dll"));
    assert!(has(&rules, "/mnt/c/root/a.dmp", &dmp, "VG-CRD003"));
    let mut other = b"MDMP\x93\xa7\x00\x00".to_vec();
    other.extend(wide("C:\\Windows\\System32\\inetsrv\\w3wp.exe"));
    assert!(codes(&rules, "w3wp.dmp", &other).is_empty());
}

#[test]
fn http_tunnel_needs_socket_and_protocol_verbs() {
    let rules = common::builtin_rules();
    let tunnel = [
        "<%@ Page Language=\"C#\" %><%@ Import Namespace=\"System.Net.Sockets\" %><% string cmd = Request.Headers[\"X-CMD\"];",
        "if (cmd == \"CONNECT\") { } else if (cmd == \"DISCONNECT\") { } else if (cmd == \"FORWARD\") { } else if (cmd == \"READ\") { }",
        "Response.AddHeader(\"X-STATUS\", \"OK\"); %>",
    ]
    .concat();
    assert!(has(&rules, "tunnel.aspx", tunnel.as_bytes(), "VG-WEB010"));
    let no_socket = tunnel.replace("System.Net.Sockets", "System.Text");
    assert!(!has(&rules, "tunnel.aspx", no_socket.as_bytes(), "VG-WEB010"));
}
