use super::*;

fn one(s: &str) -> Result<Target, TargetError> {
    let mut p = Parsed::default();
    parse_target(s, false, &mut p)?;
    assert_eq!(p.targets.len(), 1, "{s}");
    Ok(p.targets.remove(0))
}

#[test]
fn hosts_ips_and_ports() {
    let t = one("mail.example.org").expect("host");
    assert_eq!((t.host.as_str(), t.port, t.ip), ("mail.example.org", None, None));
    let t = one("192.0.2.7:8443").expect("ipv4:port");
    assert_eq!((t.host.as_str(), t.port), ("192.0.2.7", Some(8443)));
    let t = one("[2001:db8::1]:443").expect("bracketed v6");
    assert_eq!((t.host.as_str(), t.port), ("2001:db8::1", Some(443)));
    let t = one("2001:db8::1").expect("bare v6");
    assert_eq!((t.host.as_str(), t.port), ("2001:db8::1", None));
    let t = one("[::1]").expect("bracketed v6 without port");
    assert_eq!(t.ip, Some("::1".parse().expect("ip")));
}

#[test]
fn urls_keep_scheme_and_port_and_explain_paths() {
    let mut p = Parsed::default();
    parse_target("https://mail.example.org:4443/owa/auth/logon.aspx", false, &mut p).expect("url");
    assert_eq!(p.targets[0].scheme, Some(Scheme::Https));
    assert_eq!(p.targets[0].port, Some(4443));
    assert_eq!(p.notes.len(), 1);
    assert!(
        p.notes[0].contains("/owa/auth/logon.aspx") && p.notes[0].contains("ignored"),
        "{}",
        p.notes[0]
    );
    let t = one("http://[2001:db8::5]/").expect("v6 url");
    assert_eq!((t.host.as_str(), t.scheme), ("2001:db8::5", Some(Scheme::Http)));
}

#[test]
fn bad_targets_say_why() {
    let e = one("ftp://x").expect_err("scheme");
    assert!(e.reason.contains("http:// or https://"), "{e}");
    let e = one("[2001:db8::1").expect_err("bracket");
    assert!(e.reason.contains("`]`"), "{e}");
    let e = one("host:99999").expect_err("port");
    assert!(e.reason.contains("not a port"), "{e}");
    let e = one("bad_host!").expect_err("name");
    assert!(e.reason.contains("not a valid host name"), "{e}");
    let e = one("2001:db8::zz").expect_err("v6");
    assert!(e.reason.contains("IPv6"), "{e}");
}

#[test]
fn cidr_ranges_are_bounded() {
    let mut p = Parsed::default();
    parse_target("192.0.2.0/30", false, &mut p).expect("/30");
    let hosts: Vec<&str> = p.targets.iter().map(|t| t.host.as_str()).collect();
    assert_eq!(hosts, ["192.0.2.1", "192.0.2.2"]);
    let e = parse_target("10.0.0.0/8", false, &mut p).expect_err("/8 needs --allow-large");
    assert!(e.reason.contains("--allow-large"), "{e}");
    let e = parse_target("10.0.0.0/8", true, &mut p).expect_err("/8 is too large even then");
    assert!(e.reason.contains("at most"), "{e}");
    let mut p = Parsed::default();
    parse_target("10.1.0.0/16", false, &mut p).expect("/16 allowed");
    assert_eq!(p.targets.len(), 65534);
    let e = parse_target("2001:db8::/64", false, &mut p).expect_err("v6 /64");
    assert!(e.reason.contains("--allow-large"), "{e}");
}

#[test]
fn targets_file_reports_line_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("targets.txt");
    std::fs::write(
        &f,
        "# office\nmail.example.org\n\n10.0.0.0/8\n192.0.2.1 # fw\nmail.example.org\n",
    )
    .expect("write");
    let (p, errors) = parse_all(&[], &[f.as_path()], false);
    assert_eq!(p.targets.len(), 2, "duplicates are removed");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].input.ends_with("targets.txt:4: 10.0.0.0/8"), "{}", errors[0]);
}
