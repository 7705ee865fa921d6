//! Loading: rejected rules are reported and the rest loads; external
//! variables are set per file; the compiled-rule cache is used and a corrupt
//! entry is rebuilt.

mod common;

use std::fs;
use vigie_yara::{FileMeta, YaraCompiler};

const GOOD: &str = r#"
rule good_one { strings: $a = "alpha" condition: $a }
"#;
const MIXED: &str = r#"
rule fine_rule { strings: $a = "beta" condition: $a }

rule broken_rule {
    strings: $a = "gamma"
    condition: $a and no_such_identifier
}
"#;
const EXT: &str = r#"
rule by_name { condition: filename == "web.config" and extension == ".config" }
rule by_dir { condition: filepath contains "aspnet_client" and filetype == "ASPX" }
rule by_owner { condition: owner == "IUSR" }
"#;

#[test]
fn a_bad_rule_is_reported_with_file_and_line_and_the_rest_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("sub")).expect("mkdir");
    fs::write(dir.path().join("a.yar"), GOOD).expect("write");
    fs::write(dir.path().join("sub/b.yara"), MIXED).expect("write");
    fs::write(dir.path().join("notes.txt"), "rule x {").expect("write");
    let mut c = YaraCompiler::new();
    c.cache_dir(None).add_dir(dir.path()).expect("dir");
    let rules = c.build().expect("build");
    let r = rules.report();
    assert_eq!(r.rejected.len(), 1, "{:?}", r.rejected);
    let rej = &r.rejected[0];
    assert!(rej.file.ends_with("sub/b.yara"), "{}", rej.file);
    assert_eq!(rej.rule.as_deref(), Some("broken_rule"));
    assert!(rej.reason.starts_with("line 6:"), "{}", rej.reason);
    assert!(rej.reason.contains("no_such_identifier"), "{}", rej.reason);
    assert_eq!(r.sets[0].loaded, 2, "good_one and fine_rule load");
    assert_eq!(r.sets[0].rejected, 1);
    let hits = rules.scanner().scan(b"alpha beta gamma", &FileMeta::new("x", b"")).expect("scan");
    let mut names: Vec<_> = hits.iter().map(|h| h.rule.as_str()).collect();
    names.sort();
    assert_eq!(names, ["fine_rule", "good_one"]);
    assert_eq!(
        hits.iter().find(|h| h.rule == "fine_rule").map(|h| h.namespace.as_str()),
        Some("sub/b")
    );
}

#[test]
fn external_variables_are_set_per_file() {
    let mut c = YaraCompiler::new();
    c.cache_dir(None).add_builtin(&[("ext.yar", EXT)]);
    let rules = c.build().expect("build");
    let mut s = rules.scanner();
    let names =
        |hits: Vec<vigie_yara::YaraHit>| hits.into_iter().map(|h| h.rule).collect::<Vec<_>>();
    let m = FileMeta::new("/mnt/img/inetpub/wwwroot/web.config", b"<configuration/>");
    assert_eq!(names(s.scan(b"", &m).expect("scan")), ["by_name"]);
    let m = FileMeta::new(r"C:\inetpub\wwwroot\aspnet_client\x.aspx", b"<%@ Page %>");
    assert_eq!(names(s.scan(b"", &m).expect("scan")), ["by_dir"]);
    let m = FileMeta::new("/srv/a.txt", b"").with_owner("IUSR");
    assert_eq!(names(s.scan(b"", &m).expect("scan")), ["by_owner"]);
    // The previous file's values do not leak into the next scan.
    let m = FileMeta::new("/srv/b.txt", b"");
    assert!(s.scan(b"", &m).expect("scan").is_empty());
}

#[test]
fn second_load_comes_from_the_cache_and_a_corrupt_entry_is_rebuilt() {
    let cache = tempfile::tempdir().expect("tempdir");
    let build = || {
        let mut c = common::builtin_compiler();
        c.cache_dir(Some(cache.path().to_path_buf()));
        c.build().expect("build")
    };
    let first = build();
    assert!(!first.report().from_cache);
    let file = first.report().cache_file.clone().expect("cache written");
    assert!(file.is_file());
    let second = build();
    assert!(second.report().from_cache, "second load must come from the cache");
    assert_eq!(second.rule_count(), first.rule_count());
    assert_eq!(second.report().sets, first.report().sets);
    // Same detections from cached rules.
    let data = b"<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"z\"],\"unsafe\");%>";
    let m = FileMeta::new("x.aspx", data);
    assert_eq!(second.scanner().scan(data, &m).expect("scan")[0].rule_id(), "VG-WEB001");
    // Corrupt the entry: it is ignored (with a warning) and rewritten.
    let mut bytes = fs::read(&file).expect("read");
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    fs::write(&file, &bytes).expect("write");
    let third = build();
    assert!(!third.report().from_cache);
    assert!(
        third.report().warnings.iter().any(|w| w.contains("checksum")),
        "{:?}",
        third.report().warnings
    );
    assert!(build().report().from_cache, "rebuilt entry is used again");
    // A different source set is a different key.
    let mut c = YaraCompiler::new();
    c.cache_dir(Some(cache.path().to_path_buf())).add_builtin(&[("g.yar", GOOD)]);
    assert!(!c.build().expect("build").report().from_cache);
}
