//! A file reached by several paths is scanned once, and every other path is
//! listed as a `duplicate` skip that still gets the name and path checks:
//! a hard link named like a known Exchange web shell is reported.

use std::path::Path;
use vigie_model::{ProblemCode, ScanResult};
use vigie_scan::{Engine, NoProgress, ScanOptions};

fn scan(root: &Path) -> ScanResult {
    let mut options = ScanOptions::new(vec![root.to_path_buf(), root.to_path_buf()]);
    options.threads = 2;
    options.no_cache = true;
    Engine::load(options).expect("load rules").scan(&NoProgress)
}

#[cfg(unix)]
#[test]
fn hard_link_is_scanned_once_and_its_name_still_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let plain = root.join("a_plain/notes.txt");
    let shell = root.join("z/FrontEnd/HttpProxy/owa/auth/errorPage.aspx");
    for p in [&plain, &shell] {
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    }
    std::fs::write(&plain, "meeting notes\n").expect("write");
    std::fs::hard_link(&plain, &shell).expect("hard link");

    let r = scan(root);
    assert_eq!(r.coverage.files.scanned, 1, "content read once: {:?}", r.coverage);
    let dup: Vec<_> =
        r.coverage.skipped.iter().filter(|p| p.code == ProblemCode::Duplicate).collect();
    assert_eq!(dup.len(), 1, "{:?}", r.coverage.skipped);
    assert!(dup[0].path.ends_with("errorPage.aspx") && dup[0].reason.contains("notes.txt"));
    let named: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule.id == "VG-IOC011" && f.location.path.ends_with("errorPage.aspx"))
        .collect();
    assert_eq!(named.len(), 1, "path IOC on the duplicate path: {:#?}", r.findings);
}
