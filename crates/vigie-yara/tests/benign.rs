//! No built-in rule fires at medium or higher on real benign web
//! applications (Debian packages installed by `.ci/setup.d/yara.sh`) or on
//! the hand-written benign fixtures.

mod common;

use rayon::prelude::*;
use std::path::Path;
use vigie_model::Severity;
use vigie_yara::FileMeta;

const TREES: &[(&str, &str)] = &[
    ("roundcube-core", "/usr/share/roundcube"),
    ("phpmyadmin", "/usr/share/phpmyadmin"),
    ("wordpress", "/usr/share/wordpress"),
    ("dokuwiki", "/usr/share/dokuwiki"),
    ("adminer", "/usr/share/adminer"),
    ("asp.net-examples", "/usr/share/asp.net-demos"),
    ("tomcat10-examples", "/usr/share/tomcat10-examples"),
];

#[test]
fn no_medium_or_higher_finding_on_benign_web_applications() {
    let rules = common::builtin_rules();
    let mut total = 0usize;
    let mut bad = Vec::new();
    let mut low = Vec::new();
    for (pkg, dir) in TREES {
        if !Path::new(dir).is_dir() {
            common::absent(&format!("{dir} (Debian package {pkg}; run .ci/setup.d/yara.sh)"));
            continue;
        }
        let files = common::walk(Path::new(dir));
        let found: Vec<(Severity, String)> = files
            .par_iter()
            .map_init(
                || rules.scanner(),
                |scanner, p| {
                    let Ok(data) = std::fs::read(p) else { return Vec::new() };
                    let path = p.to_string_lossy();
                    let hits =
                        scanner.scan(&data, &FileMeta::new(&path, &data)).unwrap_or_default();
                    hits.iter()
                        .map(|h| (h.severity(), format!("{path}: {} ({})", h.rule_id(), h.rule)))
                        .collect::<Vec<_>>()
                },
            )
            .flatten()
            .collect();
        let (strong, weak): (Vec<_>, Vec<_>) =
            found.into_iter().partition(|(sev, _)| *sev >= Severity::Medium);
        println!(
            "{pkg}: {} files under {dir}, {} medium+ hits, {} low/info hits",
            files.len(),
            strong.len(),
            weak.len()
        );
        total += files.len();
        bad.extend(strong.into_iter().map(|(_, s)| s));
        low.extend(weak.into_iter().map(|(_, s)| s));
    }
    println!("benign files scanned: {total}");
    for l in &low {
        println!("  low: {l}");
    }
    assert!(bad.is_empty(), "built-in rules fired on benign code:\n{}", bad.join("\n"));
    // Low-severity review findings must stay rare too (0 when last measured).
    assert!(low.len() <= 5, "{} low-severity findings on benign code", low.len());
}

#[test]
fn no_finding_on_benign_fixtures() {
    let rules = common::builtin_rules();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/benign");
    let files = common::walk(&dir);
    assert!(files.len() >= 6, "fixtures present");
    let mut s = rules.scanner();
    for p in files {
        let data = std::fs::read(&p).expect("read");
        let hits = s.scan(&data, &FileMeta::new(&p.to_string_lossy(), &data)).expect("scan");
        assert!(
            hits.is_empty(),
            "{}: {:?}",
            p.display(),
            hits.iter().map(|h| &h.rule).collect::<Vec<_>>()
        );
    }
}
