//! `vigie kev import`: a small synthetic catalog in the official shape.

use vigie_probe::{KevCatalog, KevError, import_kev};

const SYNTHETIC: &str = r#"{
  "title": "CISA Catalog of Known Exploited Vulnerabilities",
  "catalogVersion": "2026.11.20",
  "dateReleased": "2026-11-20T15:02:11.0000Z",
  "count": 3,
  "vulnerabilities": [
    {"cveID": "CVE-2021-26855", "vendorProject": "Microsoft", "product": "Exchange Server",
     "vulnerabilityName": "Microsoft Exchange Server Remote Code Execution Vulnerability",
     "dateAdded": "2021-11-03", "shortDescription": "x", "requiredAction": "Apply updates per vendor instructions.",
     "dueDate": "2021-04-16", "knownRansomwareCampaignUse": "Known", "notes": "", "cwes": ["CWE-918"],
     "forensicTriage": "Yes"},
    {"cveID": "CVE-2099-0001", "vendorProject": "Example", "product": "Router",
     "vulnerabilityName": "Example Router Vulnerability", "dateAdded": "2026-11-19",
     "shortDescription": "y", "requiredAction": "Apply updates.", "dueDate": "2026-12-10"},
    {"cveID": "CVE-BAD", "vendorProject": "Example", "product": "Router", "vulnerabilityName": "bad",
     "dateAdded": "2026-11-19", "shortDescription": "z", "requiredAction": "a", "dueDate": "2026-12-10"}
  ]
}"#;

#[test]
fn import_validates_stores_and_is_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("known_exploited_vulnerabilities.json");
    std::fs::write(&src, SYNTHETIC).expect("write");
    let data = dir.path().join("data");
    let (cat, dest) = import_kev(&src, &data).expect("import");
    assert_eq!(dest, data.join("kev.json"));
    assert_eq!(cat.catalog_version, "2026.11.20");
    assert_eq!(cat.date_released, "2026-11-20");
    assert_eq!(cat.entries.len(), 2);
    assert_eq!(cat.rejected.len(), 1);
    assert!(cat.rejected[0].contains("CVE-BAD"), "{:?}", cat.rejected);
    assert_eq!(cat.exchange_entries().count(), 1);
    let used = KevCatalog::in_use(Some(&dest)).expect("load stored copy");
    assert_eq!(used.info().catalog_version, "2026.11.20");
    assert_eq!(used.info().origin, dest.display().to_string());
    assert_eq!(used.get("cve-2021-26855").map(|e| e.due_date.as_str()), Some("2021-04-16"));
}

#[test]
fn import_refuses_what_is_not_a_catalog() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    for (name, text, want) in [
        ("html.json", "<html>Access denied</html>", "JSON error"),
        ("nover.json", r#"{"dateReleased":"2026-01-01","vulnerabilities":[]}"#, "catalogVersion"),
        (
            "empty.json",
            r#"{"catalogVersion":"1","dateReleased":"2026-01-01","vulnerabilities":[]}"#,
            "no valid entry",
        ),
    ] {
        let src = dir.path().join(name);
        std::fs::write(&src, text).expect("write");
        match import_kev(&src, &data) {
            Err(KevError::Invalid { reason, .. }) => {
                assert!(reason.contains(want), "{name}: {reason}")
            }
            other => panic!("{name}: expected Invalid, got {other:?}"),
        }
    }
    assert!(!data.join("kev.json").exists(), "nothing stored after failed imports");
    let missing = import_kev(&dir.path().join("nope.json"), &data).expect_err("missing file");
    assert!(missing.to_string().contains("nope.json"), "{missing}");
}
