//! Turn observations into `Finding`s and inventory items.

use crate::builds::{BuildTable, CveState, CveVerdict, Identification};
use crate::checks::Check;
use crate::exchange::{Behaviour, ExchangeObservation};
use crate::kev::KevCatalog;
use crate::ports::{PortObservation, PortState};
use crate::runner::HostReport;
use std::collections::BTreeMap;
use vigie_model::{
    Confidence, Evidence, Finding, InventoryItem, Location, RuleRef, RuleSource, Severity, Stage,
};

fn rule(id: &str, title: &str) -> RuleRef {
    let mut r = RuleRef::new(id, title, RuleSource::Probe);
    r.ruleset = Some("vigie-probe".into());
    r
}

fn finding(
    host: &str,
    path: &str,
    id: &str,
    title: &str,
    sev: Severity,
    conf: Confidence,
) -> Finding {
    let mut f = Finding::new(rule(id, title), sev, Stage::Exposure, title, Location::path(path));
    f.host = Some(host.to_string());
    f.id = f.compute_id();
    f.with_confidence(conf)
}

fn fact(name: &str, value: impl Into<String>) -> Evidence {
    Evidence::Fact { name: name.into(), value: value.into() }
}

/// Findings and inventory for one host.
pub(crate) fn host_findings(
    h: &HostReport,
    table: &BuildTable,
    kev: &KevCatalog,
    out: &mut Vec<Finding>,
    inv: &mut Vec<InventoryItem>,
) {
    let host = h.target.host.as_str();
    for p in &h.ports {
        port_items(host, p, out, inv);
    }
    if let Some(x) = &h.exchange {
        if let Some(c) = &x.cert {
            cert_items(host, &x.base, c, out, inv);
        }
        if x.present {
            exchange_items(host, x, table, kev, out, inv);
        }
    } else if let Some(c) = &h.cert {
        cert_items(host, &h.web.clone().unwrap_or_default(), c, out, inv);
    }
}

fn port_items(
    host: &str,
    p: &PortObservation,
    out: &mut Vec<Finding>,
    inv: &mut Vec<InventoryItem>,
) {
    if p.state != PortState::Open {
        return;
    }
    let mut details = BTreeMap::from([
        ("state".to_string(), "open".to_string()),
        ("service".to_string(), p.spec.service.to_string()),
    ]);
    if let Some(b) = &p.banner {
        details.insert("banner".into(), b.clone());
    }
    if let Some(hint) = p.product_hint() {
        details.insert("product".into(), hint);
    }
    inv.push(InventoryItem {
        host: host.into(),
        kind: "port".into(),
        name: format!("{}/tcp", p.spec.port),
        version: None,
        details,
    });
    let (id, title, sev, why, fix) = match p.spec.service {
        "rdp" => (
            "VG-PRB001",
            "Remote Desktop (RDP) reachable",
            Severity::High,
            "RDP exposed to the network is a favourite door for ransomware crews (password spraying, BlueKeep-class bugs).",
            "Close 3389 at the firewall; reach servers through a VPN or an RD Gateway with multi-factor authentication.",
        ),
        "smb" => (
            "VG-PRB002",
            "Windows file sharing (SMB) reachable",
            Severity::High,
            "SMB should never be reachable from outside the office network (EternalBlue, credential relay).",
            "Block 445 at the firewall for every address that is not inside the office network.",
        ),
        "winrm-http" | "winrm-https" => (
            "VG-PRB003",
            "Windows Remote Management (WinRM) reachable",
            Severity::Medium,
            "WinRM gives remote PowerShell to anyone with a password; attackers use it to move between servers.",
            "Allow WinRM only from management hosts (firewall), never from the internet.",
        ),
        "mssql" | "mysql" => (
            "VG-PRB004",
            "Database server reachable",
            Severity::High,
            "Database ports answer password guessing and expose the data directly.",
            "Bind the database to the local network only and block the port at the firewall.",
        ),
        "ftp" => (
            "VG-PRB005",
            "FTP reachable (clear-text passwords)",
            Severity::Medium,
            "FTP sends passwords in clear text.",
            "Turn FTP off or replace it with SFTP/FTPS, and restrict who can reach it.",
        ),
        _ => return,
    };
    let path = format!("{host}:{}", p.spec.port);
    let mut f = finding(host, &path, id, title, sev, Confidence::Confirmed).with_remediation(fix);
    f.description = Some(why.into());
    f.evidence.push(fact("port", format!("{}/tcp open ({})", p.spec.port, p.spec.service)));
    if let Some(b) = &p.banner {
        f.evidence.push(fact("banner", b.clone()));
    }
    out.push(f);
}

fn cert_items(
    host: &str,
    base: &str,
    c: &crate::tls::CertFacts,
    out: &mut Vec<Finding>,
    inv: &mut Vec<InventoryItem>,
) {
    let mut details = BTreeMap::from([
        ("subject".to_string(), c.subject.clone()),
        ("issuer".to_string(), c.issuer.clone()),
        ("not_after".to_string(), c.not_after.clone()),
        ("self_signed".to_string(), c.self_signed.to_string()),
        ("expired".to_string(), c.expired.to_string()),
    ]);
    if !c.san.is_empty() {
        details.insert("san".into(), c.san.join(", "));
    }
    inv.push(InventoryItem {
        host: host.into(),
        kind: "tls-certificate".into(),
        name: base.to_string(),
        version: None,
        details,
    });
    let mismatch = host.parse::<std::net::IpAddr>().is_err() && !c.covers(host);
    let mut problems = Vec::new();
    if c.expired {
        problems.push(format!("expired on {}", c.not_after));
    }
    if c.not_yet_valid {
        problems.push(format!("not valid before {}", c.not_before));
    }
    if c.self_signed {
        problems.push("self-signed".to_string());
    }
    if mismatch {
        problems.push(format!("does not name {host}"));
    }
    if problems.is_empty() {
        return;
    }
    let sev = if c.expired { Severity::Medium } else { Severity::Low };
    let title = format!("TLS certificate {}", problems.join(", "));
    let mut f = finding(host, base, "VG-PRB031", "TLS certificate problem", sev, Confidence::Confirmed)
        .with_remediation("Install a certificate from a public CA that names the published host and renew it before it expires; users who learn to click through warnings can be phished.");
    f.title = title;
    f.evidence.push(fact("subject", c.subject.clone()));
    f.evidence.push(fact("issuer", c.issuer.clone()));
    f.evidence.push(fact("validity", format!("{} → {}", c.not_before, c.not_after)));
    if !c.san.is_empty() {
        f.evidence.push(fact("subjectAltName", c.san.join(", ")));
    }
    out.push(f);
}

fn exchange_items(
    host: &str,
    x: &ExchangeObservation,
    table: &BuildTable,
    kev: &KevCatalog,
    out: &mut Vec<Finding>,
    inv: &mut Vec<InventoryItem>,
) {
    let mut details = BTreeMap::from([("url".to_string(), x.base.clone())]);
    if let Some(fe) = &x.fe_server {
        details.insert("x-feserver".into(), fe.clone());
    }
    if x.ecp.is_some() {
        details.insert("ecp".into(), "reachable".into());
    }
    let Some(src) = x.best_build() else {
        inv.push(InventoryItem {
            host: host.into(),
            kind: "exchange".into(),
            name: "Microsoft Exchange (build not visible)".into(),
            version: None,
            details,
        });
        let mut f = finding(host, &x.base, "VG-PRB013", "Exchange found, build not visible", Severity::Info, Confidence::Likely)
            .with_remediation("Run `vigie scan` on the server, or read ExSetup.exe's file version there, to know the exact build.");
        f.evidence.extend(x.presence.iter().cloned());
        out.push(f);
        active_findings(host, x, None, kev, out);
        return;
    };
    let id = table.identify(src.build, src.full);
    details.insert("build_source".into(), src.method.into());
    // A full build (header, manifest) is read as the server states it; an OWA
    // resource path only shows the cumulative update: likely, not confirmed.
    let conf = if src.full { Confidence::Confirmed } else { Confidence::Likely };
    details.insert("build_confidence".into(), conf.as_str().into());
    if let Some(cu) = &id.cu {
        details.insert("cu".into(), cu.clone());
    }
    if let Some(u) = id.row.as_ref().and_then(|r| r.update.clone()) {
        details.insert("update".into(), u);
    }
    let version = if src.full {
        src.build.to_string()
    } else {
        format!("{}.{}.{} (CU level only)", src.build.major, src.build.minor, src.build.build)
    };
    inv.push(InventoryItem {
        host: host.into(),
        kind: "exchange".into(),
        name: id.label(),
        version: Some(version.clone()),
        details,
    });
    eol_finding(host, x, &id, &version, out);
    if x.ecp.is_some() {
        let mut f = finding(host, &x.base, "VG-PRB030", "Exchange admin center (ECP) reachable", Severity::Low, Confidence::Confirmed)
            .with_remediation("Restrict /ecp to the internal network (Client Access Rules, or an IIS IP restriction on the ECP virtual directory of the internet-facing server).");
        f.evidence.extend(x.ecp.iter().cloned());
        out.push(f);
    }
    let verdicts = table.assess(src.build, &id);
    cve_findings(host, x, src, &id, &verdicts, table, kev, out);
    active_findings(host, x, Some(&verdicts), kev, out);
}

fn eol_finding(
    host: &str,
    x: &ExchangeObservation,
    id: &Identification,
    version: &str,
    out: &mut Vec<Finding>,
) {
    let Some(p) = &id.product else { return };
    let Some(eos) = &p.end_of_support else { return };
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    if eos.as_str() > today.as_str() {
        return;
    }
    let mut f = finding(host, &x.base, "VG-PRB010", "Exchange version out of support", Severity::High, Confidence::Confirmed)
        .with_remediation(format!("{} left extended support on {eos}: it gets no more security updates. Move to Exchange Server Subscription Edition (or Exchange Online); until then keep it off the internet behind a reverse proxy with pre-authentication.", p.name));
    f.title = format!("{} is out of support since {eos}", p.name);
    f.evidence.push(fact("installed", format!("{} ({version})", id.label())));
    f.evidence.push(fact("end of support", eos.clone()));
    out.push(f);
}

#[allow(clippy::too_many_arguments)]
fn cve_findings(
    host: &str,
    x: &ExchangeObservation,
    src: &crate::exchange::BuildSource,
    id: &Identification,
    verdicts: &[CveVerdict],
    table: &BuildTable,
    kev: &KevCatalog,
    out: &mut Vec<Finding>,
) {
    let mut groups: BTreeMap<String, Vec<&CveVerdict>> = BTreeMap::new();
    for v in verdicts
        .iter()
        .filter(|v| matches!(v.state, CveState::Vulnerable | CveState::VulnerableUnlessUpdated))
    {
        let key = if v.cve.name.is_empty() { v.cve.cve.clone() } else { v.cve.name.clone() };
        groups.entry(key).or_default().push(v);
    }
    for (name, vs) in groups {
        let unless = vs.iter().all(|v| v.state == CveState::VulnerableUnlessUpdated);
        let cves: Vec<String> = vs.iter().map(|v| v.cve.cve.clone()).collect();
        let sev = vs.iter().map(|v| v.cve.severity).max().unwrap_or(Severity::High);
        let mut conf = if unless {
            Confidence::Possible
        } else if src.full && id.row.is_some() {
            Confidence::Confirmed
        } else {
            Confidence::Likely
        };
        if vs.iter().any(|v| v.cve.caveat.is_some()) {
            conf = conf.min(Confidence::Likely);
        }
        let fixed = vs.iter().filter_map(|v| v.fixed_by.as_ref()).max_by_key(|r| r.build);
        let never = vs.iter().any(|v| v.cu_never_fixed);
        let (rid, verb) = if unless {
            ("VG-PRB012", "may be vulnerable to")
        } else {
            ("VG-PRB011", "vulnerable to")
        };
        let label = if name.starts_with("CVE-") {
            name.clone()
        } else {
            format!("{name} ({})", cves.join(", "))
        };
        let mut f = finding(
            host,
            &x.base,
            &format!("{rid}-{}", cves[0]),
            &format!("Exchange {verb} {label}"),
            sev,
            conf,
        );
        f.title = format!("Exchange {verb} {label}");
        f.description = Some(
            vs.iter()
                .map(|v| format!("{}: {}", v.cve.cve, v.cve.title))
                .collect::<Vec<_>>()
                .join("; "),
        );
        f.cves = cves.clone();
        f.evidence.push(fact(
            "installed build",
            format!(
                "{} — {} (from {})",
                if src.full {
                    src.build.to_string()
                } else {
                    format!("{}.{}.{}", src.build.major, src.build.minor, src.build.build)
                },
                id.label(),
                src.method
            ),
        ));
        if let Some(r) = fixed {
            f.evidence.push(fact("fixed build", format!("{} — {}", r.build, r.label(table))));
        }
        for v in &vs {
            f.evidence.push(fact(&format!("verdict {}", v.cve.cve), v.reason.clone()));
            if let Some(c) = &v.cve.caveat {
                f.evidence.push(fact("caveat", c.clone()));
            }
            if let Some(m) = &v.cve.mitigation {
                f.evidence.push(fact("mitigation", m.clone()));
            }
        }
        f.evidence.push(src.evidence.clone());
        if f.cves.iter().any(|c| c == "CVE-2022-41040")
            && let Some(m) = x.active.iter().find(|a| a.check == Check::ProxyNotShellMitigation)
        {
            // Judged by build; the mitigation probe says whether the known pattern is blocked meanwhile.
            f.evidence.push(fact("mitigation probe", m.detail.clone()));
            f.evidence.push(m.evidence.clone());
            if m.behaviour == Behaviour::NotVulnerable {
                f.title.push_str(" — mitigation rule answering");
                f.severity = f.severity.min(Severity::High);
            }
        }
        f.remediation = remediation(fixed, never, id, table, unless);
        kev_evidence(&mut f, &vs, kev);
        out.push(f);
    }
}

fn kev_evidence(f: &mut Finding, vs: &[&CveVerdict], kev: &KevCatalog) {
    let mut due: Option<&str> = None;
    for v in vs {
        if let Some(e) = kev.get(&v.cve.cve) {
            f.kev = true;
            due = Some(due.map_or(e.due_date.as_str(), |d| d.min(e.due_date.as_str())));
            let ransom = e.known_ransomware_campaign_use.as_deref().unwrap_or("Unknown");
            f.evidence.push(fact(
                &format!("CISA KEV {}", e.cve_id),
                format!(
                    "{} — added {}, due {}, ransomware use: {ransom}; required action: {}",
                    e.vulnerability_name, e.date_added, e.due_date, e.required_action
                ),
            ));
        } else if v.cve.kev {
            f.kev = true;
        }
    }
    if f.kev {
        f.evidence.push(fact(
            "CISA KEV data",
            format!(
                "catalog {} released {} ({})",
                kev.catalog_version, kev.date_released, kev.origin
            ),
        ));
    }
    if let Some(d) = due {
        f.remediation.push_str(&format!(
            " CISA's KEV catalog {} lists this as exploited in the wild; US federal agencies had to fix it by {d}.",
            kev.catalog_version
        ));
    }
}

fn remediation(
    fixed: Option<&crate::builds::BuildRow>,
    never: bool,
    id: &Identification,
    table: &BuildTable,
    unless: bool,
) -> String {
    let cu = id.cu.clone().unwrap_or_else(|| "this cumulative update".into());
    let latest = id.product.as_ref().and_then(|p| table.latest_in_cu(&p.key, &cu));
    let tail = "Then check the server for signs of compromise (`vigie scan` on its logs and web folders): the fix does not remove a web shell already planted.";
    match fixed {
        Some(r) if never => format!(
            "{cu} never received a security update for this: upgrade to {} (build {}) or newer and install that CU's latest security update. {tail}",
            r.label(table),
            r.build
        ),
        Some(r) => {
            let kb = r.kb.as_deref().map(|k| format!(", {k}")).unwrap_or_default();
            let newest = latest
                .filter(|l| l.build > r.build)
                .map(|l| {
                    format!(
                        " The newest update for {cu} in vigie's table is {} ({}).",
                        l.label(table),
                        l.build
                    )
                })
                .unwrap_or_default();
            let check = if unless {
                " Confirm the installed update level on the server (ExSetup.exe file version) first."
            } else {
                ""
            };
            format!(
                "Install {} (build {}{kb}) or newer.{newest}{check} {tail}",
                r.label(table),
                r.build
            )
        }
        None => format!(
            "Install the latest cumulative and security update for this Exchange version. {tail}"
        ),
    }
}

fn active_findings(
    host: &str,
    x: &ExchangeObservation,
    verdicts: Option<&[CveVerdict]>,
    kev: &KevCatalog,
    out: &mut Vec<Finding>,
) {
    let build_fixed = |cve: &str| {
        verdicts.is_some_and(|vs| vs.iter().any(|v| v.cve.cve == cve && v.state == CveState::Fixed))
    };
    for a in x.active.iter().filter(|a| a.behaviour == Behaviour::Vulnerable) {
        let (id, title, cves, sev, conf) = match a.check {
            Check::ProxyLogonSsrf => (
                "VG-PRB020",
                "Exchange answers the ProxyLogon SSRF (CVE-2021-26855)",
                vec!["CVE-2021-26855"],
                Severity::Critical,
                Confidence::Confirmed,
            ),
            Check::ProxyShellAutodiscover => (
                "VG-PRB021",
                "Exchange answers the ProxyShell path confusion (CVE-2021-34473)",
                vec!["CVE-2021-34473"],
                Severity::Critical,
                Confidence::Confirmed,
            ),
            Check::ProxyNotShellMitigation if !build_fixed("CVE-2022-41040") => (
                "VG-PRB022",
                "ProxyNotShell mitigation not in place (CVE-2022-41040)",
                vec!["CVE-2022-41040", "CVE-2022-41082"],
                Severity::High,
                Confidence::Possible,
            ),
            _ => continue,
        };
        let mut f = finding(host, &x.base, id, title, sev, conf)
            .with_remediation("Install the latest security update for the installed cumulative update (see the build finding), then check the server for compromise with `vigie scan`: these flaws were mass-exploited within days.");
        f.cves = cves.into_iter().map(String::from).collect();
        f.kev = true;
        f.description = Some(a.detail.clone());
        f.evidence.push(fact("check", format!("{} ({})", a.check.id(), a.check.safety())));
        f.evidence.push(a.evidence.clone());
        if let Some(e) = f.cves.first().and_then(|c| kev.get(c)) {
            f.evidence.push(fact(
                &format!("CISA KEV {}", e.cve_id),
                format!("added {}, due {}", e.date_added, e.due_date),
            ));
        }
        f.evidence.push(fact(
            "CISA KEV data",
            format!(
                "catalog {} released {} ({})",
                kev.catalog_version, kev.date_released, kev.origin
            ),
        ));
        out.push(f);
    }
}
