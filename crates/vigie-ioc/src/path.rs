//! Path normalisation so Windows-style patterns match files on a mounted
//! image: both the path and the pattern use `\` as the only separator, drive
//! letters are dropped from patterns, and a pattern anchored at the start of
//! an absolute path matches at any directory boundary. Matching is
//! case-insensitive.

/// Normalise a path for matching: `/` → `\`, and a leading `\` so that a
/// pattern starting with `\\dir` matches a relative path `dir/...` too.
pub fn normalize_path(path: &str) -> String {
    let mut s = String::with_capacity(path.len() + 1);
    if !path.starts_with(['/', '\\']) {
        s.push('\\');
    }
    for c in path.chars() {
        s.push(if c == '/' { '\\' } else { c });
    }
    s
}

/// Rewrite a pattern (regex text) to the normalised path form:
/// - an escaped slash `\/` and a plain `/` become an escaped backslash `\\`;
/// - a drive `C:\\` (any letter) at the start of the pattern or of an
///   alternative becomes `\\`, so `C:\\root\\x` matches `/mnt/img/root/x`;
/// - a `^` anchor before a separator or drive is dropped (the path may sit
///   below any mount point).
pub fn normalize_pattern(pattern: &str) -> String {
    let src: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        let at_alt_start = out.is_empty()
            || out.ends_with('(')
            || out.ends_with('|')
            || out.ends_with("(?i)")
            || out.ends_with("?:");
        // `^` before a separator or a drive: drop it.
        if c == '^' && at_alt_start {
            let next = src.get(i + 1).copied();
            let drive = next.is_some_and(|n| n.is_ascii_alphabetic())
                && src.get(i + 2) == Some(&':')
                && src.get(i + 3) == Some(&'\\');
            if next == Some('/') || next == Some('\\') || drive {
                i += 1;
                continue;
            }
        }
        // Drive letter `X:\\` at the start of an alternative.
        if at_alt_start
            && c.is_ascii_alphabetic()
            && src.get(i + 1) == Some(&':')
            && src.get(i + 2) == Some(&'\\')
            && src.get(i + 3) == Some(&'\\')
        {
            out.push_str("\\\\");
            i += 4;
            continue;
        }
        if c == '\\' {
            // Keep escapes as they are, except `\/`.
            match src.get(i + 1) {
                Some('/') => out.push_str("\\\\"),
                Some(&n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
            i += 2;
            continue;
        }
        if c == '/' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::RegexBuilder;

    fn matches(pattern: &str, path: &str) -> bool {
        RegexBuilder::new(&normalize_pattern(pattern))
            .case_insensitive(true)
            .build()
            .map(|r| r.is_match(&normalize_path(path)))
            .unwrap_or(false)
    }

    #[test]
    fn windows_pattern_on_mounted_image() {
        let p = r"\\inetpub\\wwwroot\\aspnet_client\\[^\\]+\.aspx";
        assert!(matches(p, "/mnt/image/inetpub/wwwroot/aspnet_client/x.aspx"));
        assert!(matches(p, r"C:\inetpub\wwwroot\aspnet_client\x.aspx"));
        assert!(matches(p, "inetpub/wwwroot/ASPNET_CLIENT/X.ASPX"));
        assert!(!matches(p, "/mnt/image/inetpub/wwwroot/aspnet_client/system_web/x.aspx"));
    }

    #[test]
    fn drive_and_anchor_are_dropped() {
        assert!(matches(r"C:\\root\\lsass\.dmp", "/mnt/c/root/lsass.dmp"));
        assert!(matches(r"(?i)C:\\ProgramData\\it\.zip", "/evidence/ProgramData/it.zip"));
        assert!(matches(r"^/bin/rdt$", "/mnt/img/bin/rdt"));
        assert!(!matches(r"^/bin/rdt$", "/mnt/img/bin/rdt2"));
        assert!(matches(r"/var/tmp/\.ur-", r"D:\img\var\tmp\.ur-x"));
        assert_eq!(normalize_pattern(r"a\/b"), r"a\\b");
    }
}
