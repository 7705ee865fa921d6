//! The usual doors: open ports with banners, closed and filtered ports,
//! remote-administration services reachable, bad targets.

mod common;

use common::{Rude, start_rude};
use std::time::Duration;
use vigie_model::{ProblemCode, Severity, Stage};
use vigie_probe::{
    BuildTable, Check, KevCatalog, PortState, ProbeConfig, parse_all, parse_ports, probe, to_result,
};

fn config(timeout_ms: u64, ports: &str) -> ProbeConfig {
    let mut c = ProbeConfig::default();
    c.net.timeout = Duration::from_millis(timeout_ms);
    c.net.rate = 1000.0;
    c.ports = Some(parse_ports(ports).expect("ports"));
    c
}

/// A loopback port that accepts every connection and never writes.
async fn accepting(ip: &str) -> u16 {
    let l = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let port = l.local_addr().expect("addr").port();
    tokio::spawn(async move { while l.accept().await.is_ok() {} });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_closed_and_banner_ports() {
    let ip = "127.0.0.1";
    let (smtp, _) = start_rude(Rude::SmtpBanner, ip).await;
    // Ports that accept connections, named as RDP, SMB and WinRM.
    let rdp_port = accepting(ip).await;
    let smb_port = accepting(ip).await;
    let winrm_port = accepting(ip).await;
    // A closed port: bound, then released, so the kernel refuses connections.
    let closed_port = {
        let l = std::net::TcpListener::bind((ip, 0)).expect("bind");
        l.local_addr().expect("addr").port()
    };
    let spec = format!(
        "{}/smtp,{rdp_port}/rdp,{smb_port}/smb,{winrm_port}/winrm-http,{closed_port}",
        smtp.port()
    );
    let cfg = config(2000, &spec);
    let (parsed, errors) = parse_all(&[ip.to_string()], &[], false);
    assert!(errors.is_empty());
    let run = probe(&cfg, parsed.targets).await.expect("probe");
    let ports = &run.hosts[0].ports;
    let get = |p: u16| ports.iter().find(|o| o.spec.port == p).expect("port observed");
    let s = get(smtp.port());
    assert_eq!(s.state, PortState::Open);
    assert!(
        s.banner
            .as_deref()
            .is_some_and(|b| b.starts_with("220 mail.contoso.local Microsoft ESMTP")),
        "{s:?}"
    );
    assert_eq!(s.product_hint().as_deref(), Some("Microsoft Exchange / IIS SMTP"));
    assert_eq!(get(rdp_port).state, PortState::Open);
    assert_eq!(get(closed_port).state, PortState::Closed);
    let r = to_result(
        &run,
        BuildTable::embedded().expect("table"),
        &KevCatalog::embedded().expect("kev"),
        &[ip.into()],
        vec![],
    );
    let rdp_f: Vec<_> = r.findings.iter().filter(|f| f.rule.id == "VG-PRB001").collect();
    assert_eq!(rdp_f.len(), 1);
    assert_eq!(rdp_f[0].severity, Severity::High);
    assert_eq!(rdp_f[0].location.path, format!("{ip}:{rdp_port}"));
    // RDP, SMB and WinRM reachable are findings of stage exposure.
    for (rule, port, sev) in
        [("VG-PRB002", smb_port, Severity::High), ("VG-PRB003", winrm_port, Severity::Medium)]
    {
        let f: Vec<_> = r.findings.iter().filter(|f| f.rule.id == rule).collect();
        assert_eq!(f.len(), 1, "{rule}: {:#?}", r.findings);
        assert_eq!((f[0].severity, f[0].stage), (sev, Stage::Exposure), "{rule}");
        assert_eq!(f[0].location.path, format!("{ip}:{port}"));
    }
    assert_eq!(rdp_f[0].stage, Stage::Exposure);
    let smtp_inv = r
        .inventory
        .iter()
        .find(|i| i.name == format!("{}/tcp", smtp.port()))
        .expect("smtp inventory");
    assert!(smtp_inv.details.get("banner").is_some_and(|b| b.contains("ESMTP")));
    assert!(
        r.inventory.iter().all(|i| i.name != format!("{closed_port}/tcp")),
        "closed ports are not inventory"
    );
    // Only TCP connects: no HTTP request at all (no web port open).
    assert!(run.sent.iter().all(|s| s.kind == "CONNECT"), "{:?}", run.sent);
}

/// A filtered port is one that never answers (a firewall drops the SYN).
/// Simulated with a listener that never accepts and whose accept queue is
/// full: Linux then drops new SYNs instead of answering, so a connect gets no
/// answer and times out. (A non-routable address such as 192.0.2.1 is not
/// reliable: some networks answer it with a reset or "unreachable".)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_answering_port_is_filtered() {
    let sock = tokio::net::TcpSocket::new_v4().expect("socket");
    sock.bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let listener = sock.listen(1).expect("listen");
    let addr = listener.local_addr().expect("addr");
    let mut fillers = Vec::new();
    while let Ok(Ok(s)) =
        tokio::time::timeout(Duration::from_millis(300), tokio::net::TcpStream::connect(addr)).await
    {
        fillers.push(s);
        assert!(fillers.len() < 64, "the accept queue never filled up");
    }
    let cfg = config(400, &addr.port().to_string());
    let (parsed, _) = parse_all(&["127.0.0.1".to_string()], &[], false);
    let run = probe(&cfg, parsed.targets).await.expect("probe");
    assert_eq!(run.hosts[0].ports[0].state, PortState::Filtered, "{:?}", run.hosts[0].ports);
    drop(listener);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unresolvable_names_are_counted_with_a_reason() {
    let mut cfg = config(2000, "443");
    cfg.checks = vec![Check::Ports];
    let (parsed, _) = parse_all(&["no-such-host.invalid".to_string()], &[], false);
    let run = probe(&cfg, parsed.targets).await.expect("probe");
    let r = to_result(
        &run,
        BuildTable::embedded().expect("table"),
        &KevCatalog::embedded().expect("kev"),
        &[],
        vec![],
    );
    assert_eq!(r.coverage.files.failed, 1);
    let p = &r.coverage.failed[0];
    assert_eq!(p.code, ProblemCode::NotFound);
    assert!(p.reason.contains("cannot resolve `no-such-host.invalid`"), "{}", p.reason);
    assert!(run.sent.is_empty(), "nothing is sent to a name that does not resolve");
}
