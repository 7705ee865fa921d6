//! Hostile inputs: each is counted and reported while the scan completes.

use crate::support::{json_stdout, run, vigie};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Command;

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn problems<'a>(result: &'a serde_json::Value, bucket: &str) -> Vec<(&'a str, &'a str)> {
    result["coverage"][bucket]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| (p["path"].as_str().unwrap_or(""), p["code"].as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default()
}

fn build_hostile_tree(root: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(root.join("loop/inner"))?;
    std::os::unix::fs::symlink("..", root.join("loop/inner/up"))?;
    let fifo = root.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status()?;
    assert!(made.success(), "mkfifo failed");
    std::fs::write(root.join("empty.aspx"), b"")?;
    let locked = root.join("locked.aspx");
    std::fs::write(&locked, b"<%@ Page Language=\"C#\" %>")?;
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000))?;
    let sparse = std::fs::File::create(root.join("sparse.bin"))?;
    sparse.set_len(20 << 20)?;
    let odd = root.join(OsStr::from_bytes(b"odd-\xff\xfe-name.aspx"));
    std::fs::write(
        odd,
        b"<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"z\"],\"unsafe\");%>",
    )?;
    std::fs::write(root.join("ok.txt"), b"hello")?;
    Ok(())
}

#[test]
fn hostile_inputs_are_counted_and_the_scan_completes() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    // World-readable so an unprivileged user can walk it when we run as root.
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let root = dir.path().join("tree");
    std::fs::create_dir(&root)?;
    build_hostile_tree(&root)?;
    let root_text = root.to_string_lossy().into_owned();
    let mut cmd = if is_root() {
        // Root reads mode-000 files: drop privileges so "unreadable" is real.
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_vigie")]);
        c.env("NO_COLOR", "1");
        c
    } else {
        vigie()
    };
    cmd.args([
        "scan",
        &root_text,
        "--follow",
        "--max-file-size",
        "1MB",
        "--no-cache",
        "--format",
        "json",
    ]);
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let result = json_stdout(&out);
    let skipped = problems(&result, "skipped");
    let failed = problems(&result, "failed");
    let has = |list: &[(&str, &str)], name: &str, code: &str| {
        list.iter().any(|(p, c)| p.contains(name) && *c == code)
    };
    assert!(has(&skipped, "loop/inner/up", "symlink_loop"), "{skipped:?}");
    assert!(has(&skipped, "pipe", "special_file"), "{skipped:?}");
    assert!(has(&skipped, "empty.aspx", "empty"), "{skipped:?}");
    assert!(has(&skipped, "sparse.bin", "too_large"), "{skipped:?}");
    assert!(has(&failed, "locked.aspx", "permission_denied"), "{failed:?}");
    let findings = result["findings"].as_array().cloned().unwrap_or_default();
    assert!(
        findings.iter().any(|f| f["location"]["path"]
            .as_str()
            .is_some_and(|p| p.contains("odd-\u{fffd}\u{fffd}-name.aspx"))),
        "non-UTF-8 file name not scanned: {findings:#?}"
    );
    let files = &result["coverage"]["files"];
    assert_eq!(files["skipped"].as_u64(), Some(skipped.len() as u64));
    assert_eq!(files["failed"].as_u64(), Some(failed.len() as u64));
    assert!(files["scanned"].as_u64() >= Some(2));
    Ok(())
}

#[test]
fn symlinks_are_reported_not_followed_by_default() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("real.txt"), b"x")?;
    std::os::unix::fs::symlink("real.txt", dir.path().join("link.txt"))?;
    let out = run(vigie().args([
        "scan",
        &dir.path().to_string_lossy(),
        "--no-cache",
        "--format",
        "json",
    ]));
    assert_eq!(out.status.code(), Some(0));
    let result = json_stdout(&out);
    assert!(
        problems(&result, "skipped")
            .iter()
            .any(|(p, c)| p.ends_with("link.txt") && *c == "symlink")
    );
    Ok(())
}
