//! IOC lists on real data: signature-base's hash and file-name lists, the
//! built-in lists, Windows patterns on mounted-image paths, false-positive
//! regexes, malformed lines.

use std::path::{Path, PathBuf};
use vigie_ioc::{IocKind, IocSet};
use vigie_model::{Severity, Stage};

fn corpora() -> Option<PathBuf> {
    vigie_testkit::corpora("yara/signature-base/iocs")
}

fn builtin() -> IocSet {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vigie-rules/rules/ioc");
    let mut b = IocSet::builder();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("built-in lists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read list");
        b.add_builtin(&f.file_name().expect("name").to_string_lossy(), &text);
    }
    b.build()
}

#[test]
fn signature_base_lists_load_with_counts() {
    let Some(c) = corpora() else { return };
    let mut b = IocSet::builder();
    b.add_signature_base(&c.join("yara/signature-base")).expect("iocs folder");
    let t = std::time::Instant::now();
    let set = b.build();
    println!("build {:?}", t.elapsed());
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        let _ = set.match_path("/mnt/image/Program Files/Microsoft/Exchange Server/V15/FrontEnd/HttpProxy/owa/auth/logon.aspx");
    }
    println!("1000 matches {:?}", t.elapsed());
    let r = set.report();
    println!(
        "hashes {} paths {} rejected {}",
        set.hash_count(),
        set.path_count(),
        r.rejected.len()
    );
    for x in &r.rejected {
        println!("  {} {:?}: {}", x.file, x.rule, x.reason);
    }
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(set.hash_count(), SB_HASHES);
    assert_eq!(set.path_count(), SB_PATHS);
    assert_eq!(r.rejected.len(), SB_REJECTED);
    assert_eq!(r.sets.len(), 1);
    assert_eq!(r.sets[0].loaded as usize, SB_HASHES + SB_PATHS);

    // A HAFNIUM web-shell hash from the list, on an .aspx: critical compromise.
    let hits = set.match_hashes(
        "",
        "",
        "B75F163CA9B9240BF4B37AD92BC7556B40A17E27C2B8ED5C8991385FE07D17D0",
    );
    assert_eq!(hits.len(), 1);
    assert!(hits[0].description.contains("HAFNIUM"));
    let f = hits[0].to_finding("/mnt/img/inetpub/wwwroot/aspnet_client/supp0rt.aspx");
    assert_eq!((f.severity, f.stage), (Severity::Critical, Stage::Compromise));
    assert_eq!(f.rule.license.as_deref(), Some("DRL 1.1"));

    // The signature-base Exchange pattern (score 90) on a mounted image.
    let hits = set.match_path("/mnt/image/inetpub/wwwroot/aspnet_client/x.aspx");
    assert!(
        hits.iter().any(|h| h.indicator.contains("aspnet_client") && h.score == Some(90)),
        "{hits:?}"
    );
    let f = hits[0].to_finding("/mnt/image/inetpub/wwwroot/aspnet_client/x.aspx");
    assert_eq!(f.severity, Severity::High);

    // False-positive regex: `\\foo\.jsp;75;(examples|/demo-base/|test\.war)`.
    assert!(
        set.match_path("/opt/app/webapps/ROOT/foo.jsp")
            .iter()
            .any(|h| h.indicator == r"\\foo\.jsp")
    );
    assert!(
        !set.match_path("/opt/tomcat/webapps/examples/foo.jsp")
            .iter()
            .any(|h| h.indicator == r"\\foo\.jsp")
    );
}

const SB_HASHES: usize = 3224;
const SB_PATHS: usize = 3828;
const SB_REJECTED: usize = 0;

#[test]
fn builtin_lists_load_and_match() {
    let set = builtin();
    let r = set.report();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert!(set.hash_count() >= 45, "{}", set.hash_count());
    // Demo test value.
    let hits = set.match_hashes(
        "",
        "",
        "28f6731c186c010cf569f0009539efe59e09bb66b1c85c7079b8e7517b147c40",
    );
    assert_eq!(hits.len(), 1);
    let f = hits[0].to_finding("/tmp/demo/demo.txt");
    assert_eq!(f.rule.id, "VG-IOC900");
    assert_eq!(f.severity, Severity::High);
    assert!(f.title.contains("test indicator"));
    // Hafnium hash from Appendix A: critical.
    let hits = set.match_hashes(
        "",
        "",
        "811157f9c7003ba8d17b45eb3cf09bef2cecd2701cedb675274949296a6a183d",
    );
    assert_eq!(hits[0].to_finding("x.aspx").severity, Severity::Critical);
    // ProxyShell MD5.
    let hits = set.match_hashes("4d812c34ab1ad038cec7bc83c909680b", "", "");
    assert_eq!(hits[0].kind, IocKind::Hash(vigie_ioc::HashAlgo::Md5));
}

fn codes(set: &IocSet, path: &str) -> Vec<String> {
    let mut v: Vec<String> = set.match_path(path).iter().map(|h| h.rule_id()).collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn builtin_paths_match_windows_and_mounted_images() {
    let set = builtin();
    let exch = "Program Files/Microsoft/Exchange Server/V15/FrontEnd/HttpProxy";
    for (path, code) in [
        ("/mnt/image/inetpub/wwwroot/aspnet_client/x.aspx", "VG-IOC010"),
        (r"C:\inetpub\wwwroot\aspnet_client\system_web\Ab3dEf7h.aspx", "VG-IOC010"),
        (&format!("/mnt/c/{exch}/owa/auth/shel90.aspx"), "VG-IOC011"),
        (&format!("/mnt/c/{exch}/owa/auth/15.1.2176/x.aspx"), "VG-IOC011"),
        (&format!("/mnt/c/{exch}/ecp/auth/ab.aspx"), "VG-IOC011"),
        ("/mnt/c/root/lsass.dmp", "VG-IOC012"),
        (r"D:\evidence\C\Windows\Temp\lsass_624.dmp", "VG-IOC012"),
        ("/mnt/c/ProgramData/COM1/a.aspx", "VG-IOC013"),
        ("/mnt/c/ProgramData/it.zip", "VG-IOC013"),
        ("/mnt/c/ProgramData/a.7z", "VG-IOC014"),
    ] {
        assert!(
            codes(&set, path).contains(&code.to_string()),
            "{path} should match {code}: {:?}",
            codes(&set, path)
        );
    }
    // Legitimate Exchange files and ordinary paths do not match.
    for path in [
        format!("/mnt/c/{exch}/ecp/auth/TimeoutLogout.aspx"),
        format!("/mnt/c/{exch}/owa/auth/logon.aspx"),
        format!("/mnt/c/{exch}/owa/auth/errorFE.aspx"),
        format!("/mnt/c/{exch}/owa/auth/RedirSuiteServiceProxy.aspx"),
        "/mnt/c/inetpub/wwwroot/aspnet_client/system_web/4_0_30319/".to_string(),
        "/mnt/c/inetpub/wwwroot/iisstart.htm".to_string(),
        "/mnt/c/ProgramData/Microsoft/backup.zip".to_string(),
    ] {
        assert!(codes(&set, &path).is_empty(), "{path}: {:?}", codes(&set, &path));
    }
}

#[test]
fn malformed_lines_are_reported_and_the_rest_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hashes = dir.path().join("my-hash-iocs.txt");
    std::fs::write(
        &hashes,
        "# test\nd41d8cd98f00b204e9800998ecf8427e;empty file\nnot-a-hash;x\n\nda39a3ee5e6b4b0d3255bfef95601890afd80709;80;sha1 with score\n",
    )
    .expect("write");
    let names = dir.path().join("my-filename-iocs.txt");
    std::fs::write(
        &names,
        "# Group A\n\\\\evil\\.exe;80\n(?<=x)look;70\nnoscore\n\\\\tool\\.exe;sixty\n",
    )
    .expect("write");
    let mut b = IocSet::builder();
    b.add_file(&hashes).expect("hash list");
    b.add_file(&names).expect("filename list");
    assert!(b.add_file(&dir.path().join("other.txt")).is_err(), "unknown kind is an error");
    let set = b.build();
    assert_eq!(set.hash_count(), 2);
    assert_eq!(set.path_count(), 1);
    let mut lines: Vec<(String, String)> = set
        .report()
        .rejected
        .iter()
        .map(|r| {
            (
                r.file.rsplit('/').next().unwrap_or_default().to_string(),
                r.rule.clone().unwrap_or_default(),
            )
        })
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            ("my-filename-iocs.txt".to_string(), "line 3".to_string()),
            ("my-filename-iocs.txt".to_string(), "line 4".to_string()),
            ("my-filename-iocs.txt".to_string(), "line 5".to_string()),
            ("my-hash-iocs.txt".to_string(), "line 3".to_string()),
        ]
    );
    let h = set.match_path(r"C:\Temp\EVIL.EXE");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].description, "Group A");
    assert_eq!(
        set.match_hashes("", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", "")[0].score,
        Some(80)
    );
}

/// The literal prefilter must find exactly what one regex per pattern finds.
/// Paths: every file of the corpora, plus, for each signature-base pattern
/// that is a plain literal once unescaped, a Windows path and a mounted-image
/// path ending with it (so hundreds of paths do match). One path in 16 is
/// checked: the one-regex-per-pattern side is slow.
#[test]
fn path_prefilter_agrees_with_one_regex_per_pattern() {
    let Some(c) = corpora() else { return };
    let list = c.join("yara/signature-base/iocs/filename-iocs.txt");
    let text = std::fs::read_to_string(&list).expect("filename-iocs.txt");
    let mut b = IocSet::builder();
    b.add_file(&list).expect("load list");
    let set = b.build();
    let mut entries = Vec::new();
    let mut paths: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let mut parts = line.split(';');
        let pattern = parts.next().unwrap_or_default().to_string();
        let _score = parts.next();
        let fp: Vec<&str> = parts.collect();
        let compile = |p: &str| {
            regex::bytes::RegexBuilder::new(&vigie_ioc::normalize_pattern(p))
                .case_insensitive(true)
                .build()
                .ok()
        };
        let Some(re) = compile(&pattern) else { continue };
        let fp = if fp.is_empty() { None } else { compile(&fp.join(";")) };
        let plain = pattern.trim_start_matches("(?i)").trim_start_matches('^').replace("\\.", ".");
        let plain = plain.trim_end_matches('$').replace("\\\\", "\\");
        if !plain.contains(['(', '[', '*', '+', '?', '|', '{', '^', '$']) {
            let tail = plain.trim_start_matches('\\');
            paths.push(format!("C:\\Windows\\x\\{tail}"));
            paths.push(format!("/mnt/image/data/{}", tail.replace('\\', "/")));
        }
        entries.push((pattern, re, fp));
    }
    let mut stack = vec![c.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read corpora").flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                paths.push(e.path().to_string_lossy().into_owned());
            }
        }
    }
    let (mut matched_paths, mut hits) = (0, 0);
    let paths: Vec<String> = paths.into_iter().step_by(16).collect();
    for path in &paths {
        let norm = vigie_ioc::normalize_path(path);
        let mut want: Vec<&str> = entries
            .iter()
            .filter(|(_, re, fp)| {
                re.is_match(norm.as_bytes())
                    && !fp.as_ref().is_some_and(|f| f.is_match(norm.as_bytes()))
            })
            .map(|(p, _, _)| p.as_str())
            .collect();
        let got_hits = set.match_path(path);
        let mut got: Vec<&str> = got_hits.iter().map(|h| h.indicator.as_str()).collect();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want, "{path}");
        matched_paths += usize::from(!got.is_empty());
        hits += got.len();
    }
    println!("{} paths, {matched_paths} matched, {hits} hits", paths.len());
    assert!(matched_paths > 300, "the test paths must exercise the patterns: {matched_paths}");
}
