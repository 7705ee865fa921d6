//! System-root triage: from the root of a Windows system disk (live `C:\` or
//! a mounted image such as `/mnt/image`), find the Exchange install, IIS web
//! roots and logs, event logs, and the folders where web shells and dumps are
//! planted; plan to scan each (the engine then routes every file by content)
//! and report what is absent and what that leaves unjudged. Folder names are
//! matched case-insensitively (images mounted on Linux keep Windows case).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vigie_model::{AbsentArtefact, InventoryItem};

/// What to scan under a system root, and what was expected but absent.
#[derive(Debug, Default)]
pub(crate) struct TriagePlan {
    /// Paths to scan (folders and files).
    pub(crate) paths: Vec<PathBuf>,
    /// Expected artefacts that were not found.
    pub(crate) absent: Vec<AbsentArtefact>,
    /// What was found (Exchange version folder, log folders, web roots).
    pub(crate) inventory: Vec<InventoryItem>,
}

impl TriagePlan {
    fn found(&mut self, kind: &str, name: &str, path: &Path, scan: bool) {
        let mut details = BTreeMap::new();
        details.insert("path".to_string(), path.to_string_lossy().into_owned());
        self.inventory.push(InventoryItem {
            host: String::new(),
            kind: kind.to_string(),
            name: name.to_string(),
            version: None,
            details,
        });
        if scan {
            self.paths.push(path.to_path_buf());
        }
    }

    fn absent(&mut self, artefact: &str, expected: String, impact: &str) {
        self.absent.push(AbsentArtefact {
            artefact: artefact.to_string(),
            expected,
            impact: impact.to_string(),
        });
    }
}

/// A child of `dir` whose name equals `name`, ignoring ASCII case.
fn child_ci(dir: &Path, name: &str) -> Option<PathBuf> {
    let exact = dir.join(name);
    if exact.exists() {
        return Some(exact);
    }
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(name))
        .map(|e| e.path())
}

/// `root/a/b/c`, each part matched ignoring case.
fn path_ci(root: &Path, parts: &[&str]) -> Option<PathBuf> {
    parts.iter().try_fold(root.to_path_buf(), |dir, part| child_ci(&dir, part))
}

/// Sub-directories of `dir` whose lower-case name satisfies `pred`, sorted.
fn dirs_where(dir: &Path, pred: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
                .filter(|e| pred(&e.file_name().to_string_lossy().to_ascii_lowercase()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn show(root: &Path, rel: &str) -> String {
    format!("{}/{rel}", root.to_string_lossy().trim_end_matches(['/', '\\']))
}

/// Plan the triage of one system root.
pub(crate) fn plan(root: &Path) -> TriagePlan {
    let mut plan = TriagePlan::default();
    exchange(root, &mut plan);
    iis(root, &mut plan);
    windows(root, &mut plan);
    if let Some(p) = child_ci(root, "root") {
        plan.found("folder", "C:\\root (dump staging)", &p, true);
    }
    plan
}

/// `Program Files*/Microsoft/Exchange Server/V1x` and its logs and web folders.
fn exchange(root: &Path, plan: &mut TriagePlan) {
    let installs: Vec<PathBuf> = dirs_where(root, |n| n.starts_with("program files"))
        .iter()
        .filter_map(|pf| path_ci(pf, &["Microsoft", "Exchange Server"]))
        .flat_map(|es| dirs_where(&es, |n| n.starts_with("v1")))
        .collect();
    if installs.is_empty() {
        plan.absent(
            "Exchange Server installation",
            show(root, "Program Files*/Microsoft/Exchange Server/V1x"),
            "no HttpProxy, ECP or OAB logs and no Exchange web folders to judge; if Exchange is \
             installed elsewhere, pass its folder as a scan path",
        );
        return;
    }
    for install in installs {
        let version = install.file_name().map(|n| n.to_string_lossy().into_owned());
        plan.found("exchange", "Exchange Server install", &install, false);
        if let Some(last) = plan.inventory.last_mut() {
            last.version = version;
        }
        exchange_logs(&install, plan);
        for (parts, name) in [
            (&["FrontEnd", "HttpProxy"][..], "Exchange front-end web folder (owa/auth, ecp/auth)"),
            (&["ClientAccess"][..], "Exchange ClientAccess web folder (ecp, OAB)"),
        ] {
            match path_ci(&install, parts) {
                Some(p) => plan.found("web-root", name, &p, true),
                None => plan.absent(
                    name,
                    show(&install, &parts.join("/")),
                    "web shells planted there cannot be found",
                ),
            }
        }
    }
}

fn exchange_logs(install: &Path, plan: &mut TriagePlan) {
    let Some(logging) = child_ci(install, "Logging") else {
        plan.absent(
            "Exchange Logging folder",
            show(install, "Logging"),
            "ProxyLogon SSRF (HttpProxy), ECP virtual-directory changes and OAB file writes cannot be judged",
        );
        return;
    };
    match child_ci(&logging, "HttpProxy") {
        Some(hp) => {
            plan.found("log-folder", "Exchange HttpProxy logs", &hp, true);
            for proto in ["Ecp", "Owa", "Autodiscover", "Ews", "Mapi"] {
                if child_ci(&hp, proto).is_none() {
                    plan.absent(
                        &format!("HttpProxy/{proto} logs"),
                        show(&hp, proto),
                        "SSRF requests routed through this protocol cannot be judged",
                    );
                }
            }
        }
        None => plan.absent(
            "Exchange HttpProxy logs",
            show(&logging, "HttpProxy"),
            "the ProxyLogon SSRF (CVE-2021-26855) and the ECP reset (27065) cannot be judged from Exchange logs",
        ),
    }
    match path_ci(&logging, &["ECP", "Server"]) {
        Some(p) => plan.found("log-folder", "Exchange ECP Server logs", &p, true),
        None => plan.absent(
            "Exchange ECP Server logs",
            show(&logging, "ECP/Server"),
            "virtual-directory URLs set to a script (CVE-2021-27065 payload) cannot be judged",
        ),
    }
    match child_ci(&logging, "OABGeneratorLog") {
        Some(p) => plan.found("log-folder", "Exchange OAB generator logs", &p, true),
        None => plan.absent(
            "Exchange OAB generator logs",
            show(&logging, "OABGeneratorLog"),
            "OAB file writes outside the OAB folder (CVE-2021-26858) cannot be judged",
        ),
    }
}

/// `inetpub/wwwroot` (with `aspnet_client`) and `inetpub/logs/LogFiles/W3SVC*`.
fn iis(root: &Path, plan: &mut TriagePlan) {
    let Some(inetpub) = child_ci(root, "inetpub") else {
        plan.absent(
            "IIS folder (inetpub)",
            show(root, "inetpub"),
            "IIS requests (ProxyShell, web-shell use) and the IIS web root cannot be judged",
        );
        return;
    };
    match child_ci(&inetpub, "wwwroot") {
        Some(w) => {
            plan.found("web-root", "IIS web root", &w, true);
            if let Some(a) = child_ci(&w, "aspnet_client") {
                plan.found("web-root", "aspnet_client", &a, false);
            }
        }
        None => plan.absent(
            "IIS web root",
            show(&inetpub, "wwwroot"),
            "web shells in the IIS web root cannot be found",
        ),
    }
    let sites = path_ci(&inetpub, &["logs", "LogFiles"])
        .map(|lf| dirs_where(&lf, |n| n.starts_with("w3svc")))
        .unwrap_or_default();
    if sites.is_empty() {
        plan.absent(
            "IIS logs",
            show(&inetpub, "logs/LogFiles/W3SVC*"),
            "IIS requests (ProxyLogon POSTs, ProxyShell, OWASSRF, web-shell use) cannot be judged",
        );
    }
    for site in sites {
        let name = site.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        plan.found("log-folder", &format!("IIS logs {name}"), &site, true);
    }
}

/// Event logs, `Windows/Temp`, Temporary ASP.NET Files.
fn windows(root: &Path, plan: &mut TriagePlan) {
    let Some(win) = child_ci(root, "Windows") else {
        plan.absent(
            "Windows folder",
            show(root, "Windows"),
            "event logs and temporary folders cannot be judged",
        );
        return;
    };
    match path_ci(&win, &["System32", "winevt", "Logs"]) {
        Some(logs) => {
            plan.found("log-folder", "Windows event logs", &logs, true);
            for (file, impact) in [
                ("Security.evtx", "logons and process creation (4688) cannot be judged"),
                ("Application.evtx", "UM deserialization errors (CVE-2021-26857) cannot be judged"),
                (
                    "MSExchange Management.evtx",
                    "Exchange cmdlets (OAB URL set to a script, mailbox exports) cannot be judged",
                ),
                (
                    "Microsoft-Windows-Sysmon%4Operational.evtx",
                    "Sysmon process and file events cannot be judged (Sysmon may not be installed)",
                ),
            ] {
                if child_ci(&logs, file).is_none() {
                    plan.absent(file, show(&logs, file), impact);
                }
            }
        }
        None => plan.absent(
            "Windows event logs",
            show(&win, "System32/winevt/Logs"),
            "no event log can be judged (Security, Application, MSExchange Management, Sysmon)",
        ),
    }
    if let Some(t) = child_ci(&win, "Temp") {
        plan.found("folder", "Windows Temp", &t, true);
    }
    for fw in ["Framework64", "Framework"] {
        if let Some(net) = path_ci(&win, &["Microsoft.NET", fw]) {
            for v in dirs_where(&net, |n| n.starts_with('v')) {
                if let Some(t) = child_ci(&v, "Temporary ASP.NET Files") {
                    plan.found("folder", "Temporary ASP.NET Files", &t, true);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounted_image_tree() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        for d in [
            "program files/Microsoft/Exchange Server/V15/Logging/HttpProxy/Owa",
            "program files/Microsoft/Exchange Server/V15/Logging/HttpProxy/Ecp",
            "program files/Microsoft/Exchange Server/V15/FrontEnd/HttpProxy/owa/auth",
            "Inetpub/wwwroot/aspnet_client/system_web",
            "Inetpub/logs/LogFiles/W3SVC1",
            "Windows/System32/winevt/Logs",
            "Windows/Temp",
        ] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        std::fs::write(root.join("Windows/System32/winevt/Logs/Security.evtx"), b"ElfFile\0")
            .expect("write");
        let plan = plan(root);
        let names: Vec<&str> = plan.inventory.iter().map(|i| i.name.as_str()).collect();
        for want in [
            "Exchange Server install",
            "Exchange HttpProxy logs",
            "IIS web root",
            "IIS logs W3SVC1",
            "Windows event logs",
            "Windows Temp",
            "aspnet_client",
        ] {
            assert!(names.contains(&want), "{want} not found in {names:?}");
        }
        assert_eq!(plan.inventory[0].version.as_deref(), Some("V15"));
        let absent: Vec<&str> = plan.absent.iter().map(|a| a.artefact.as_str()).collect();
        for want in [
            "Exchange ECP Server logs",
            "Exchange OAB generator logs",
            "HttpProxy/Autodiscover logs",
            "Application.evtx",
            "MSExchange Management.evtx",
        ] {
            assert!(absent.contains(&want), "{want} not reported absent: {absent:?}");
        }
        assert!(!absent.contains(&"Security.evtx"));
        assert!(!absent.contains(&"IIS logs"));
        assert!(plan.paths.iter().any(|p| p.ends_with("W3SVC1")));
        assert!(plan.absent.iter().all(|a| !a.impact.is_empty()));
    }

    #[test]
    fn empty_root_reports_everything_absent() {
        let dir = tempfile::tempdir().expect("temp dir");
        let plan = plan(dir.path());
        let absent: Vec<&str> = plan.absent.iter().map(|a| a.artefact.as_str()).collect();
        assert_eq!(
            absent,
            ["Exchange Server installation", "IIS folder (inetpub)", "Windows folder"]
        );
        assert!(plan.paths.is_empty());
    }
}
