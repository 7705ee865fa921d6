//! Apache / nginx / Tomcat access logs, common and combined formats:
//!
//! ```text
//! host ident user [10/Oct/2000:13:55:36 -0700] "GET /a?b=c HTTP/1.0" 200 2326 "referer" "agent"
//! ```
//!
//! A line may start with the virtual host (Apache's `vhost_combined`, the
//! format of Debian's `other_vhosts_access.log`): `www.example.org:443 host
//! ident user [time] …`; it becomes `cs-host` and `s-port`.
//!
//! Fields are mapped onto the W3C names (see `docs/logs.md`): `c-ip`,
//! `cs-username`, `date`/`time` (converted to UTC), `cs-method`,
//! `cs-uri-stem`, `cs-uri-query`, `cs-version`, `sc-status`, `sc-bytes`,
//! `cs(Referer)`, `cs(User-Agent)`, `cs-host`, `s-port`; also `cs-uri` (the
//! request target as sent) and `cs-request` (the whole request line).

use crate::record::{Cols, Names};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Field names in the order [`parse`] fills them.
const FIELDS: [&str; 14] = [
    "c-ip",
    "cs-ident",
    "cs-username",
    "date",
    "time",
    "cs-request",
    "cs-method",
    "cs-uri",
    "cs-uri-stem",
    "cs-uri-query",
    "cs-version",
    "sc-status",
    "sc-bytes",
    "cs(Referer)",
];
/// Field names filled after [`FIELDS`] (ids 14..=16).
const MORE_FIELDS: [&str; 3] = ["cs(User-Agent)", "cs-host", "s-port"];

/// Intern the fixed access-log field names (ids 0..=16).
pub(crate) fn init(names: &mut Names) {
    names.clear();
    for f in FIELDS.iter().chain(&MORE_FIELDS) {
        names.intern(f);
    }
}

/// Parse one line into `cols.values`; returns its time.
pub(crate) fn parse(line: &str, cols: &mut Cols) -> Result<Option<DateTime<Utc>>, String> {
    let mut p = Parser { s: line.trim_end() };
    let (vhost, port) = match p.vhost() {
        Some(v) => v.rsplit_once(':').filter(|(_, p)| is_port(p)).unwrap_or((v, "")),
        None => ("", ""),
    };
    let host = p.word().ok_or("no client address")?;
    let ident = p.word().ok_or("no ident field")?;
    let user = p.word().ok_or("no user field")?;
    let ts = p.bracketed().ok_or("no [time] field")?;
    let request = p.request().ok_or("no quoted request")?;
    let status = p.word().ok_or("no status")?;
    if !is_status(status.as_bytes()) {
        return Err(format!("status {status:?} is not a 3-digit code"));
    }
    let size = p.word().unwrap_or("-");
    let referer = p.quoted().unwrap_or_default();
    let agent = p.quoted().unwrap_or_default();
    // Tomcat writes the Unix epoch for a request it could not parse: that is
    // no time at all, and would stretch the log's span back to 1970.
    let time = parse_clf_time(ts).filter(|t| t.timestamp() != 0);
    let (date_s, time_s) = match time {
        Some(t) => (t.format("%Y-%m-%d").to_string(), t.format("%H:%M:%S").to_string()),
        None => (String::new(), String::new()),
    };
    let mut parts = request.splitn(3, ' ');
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    let version = parts.next().unwrap_or("");
    let (stem, query) = target.split_once('?').unwrap_or((target, ""));
    let values: [&str; 17] = [
        host, ident, user, &date_s, &time_s, &request, method, target, stem, query, version,
        status, size, &referer, &agent, vhost, port,
    ];
    for (id, v) in values.iter().enumerate() {
        cols.push_owned(id as u32, v);
    }
    Ok(time)
}

struct Parser<'a> {
    s: &'a str,
}

impl<'a> Parser<'a> {
    /// The virtual host in front of a `vhost_combined` line: taken when the
    /// `[time]` field comes fifth instead of fourth.
    fn vhost(&mut self) -> Option<&'a str> {
        let mut words = self.s.split(' ').filter(|w| !w.is_empty());
        let is_time = |w: Option<&str>| w.is_some_and(|w| w.starts_with('['));
        let (fourth, fifth) = (words.nth(3), words.next());
        if !is_time(fourth) && is_time(fifth) { self.word() } else { None }
    }

    fn word(&mut self) -> Option<&'a str> {
        let s = self.s.trim_start_matches(' ');
        if s.is_empty() {
            return None;
        }
        let end = s.find(' ').unwrap_or(s.len());
        self.s = &s[end..];
        Some(&s[..end])
    }

    fn bracketed(&mut self) -> Option<&'a str> {
        let s = self.s.trim_start_matches(' ').strip_prefix('[')?;
        let end = s.find(']')?;
        self.s = &s[end + 1..];
        Some(&s[..end])
    }

    /// The quoted request line. Tomcat (and Apache before 2.0.46) write a
    /// `"` inside the request as is, and attack probes are full of them: the
    /// request ends at the first `"` followed by a 3-digit status, or at the
    /// first `"` when none is (so a bad status is reported as such).
    fn request(&mut self) -> Option<String> {
        let s = self.s.trim_start_matches(' ').strip_prefix('"')?;
        let end = s.match_indices('"').map(|(i, _)| i).find(|&i| status_follows(&s[i + 1..]));
        match end {
            Some(i) if s[..i].contains('"') => {
                self.s = &s[i + 1..];
                Some(unescape(&s[..i]))
            }
            _ => self.quoted(),
        }
    }

    /// A `"…"` field with `\"` and `\\` escapes (nginx, Apache).
    fn quoted(&mut self) -> Option<String> {
        let s = self.s.trim_start_matches(' ').strip_prefix('"')?;
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => {
                    self.s = &s[i + 1..];
                    return Some(unescape(&s[..i]));
                }
                _ => i += 1,
            }
        }
        None
    }
}

/// Whether `rest` (what follows a closing quote) starts with ` NNN` and then
/// a space or the end: the status of a common or combined log line.
fn status_follows(rest: &str) -> bool {
    let b = rest.as_bytes();
    b.len() >= 4 && b[0] == b' ' && is_status(&b[1..4]) && b.get(4).is_none_or(|&c| c == b' ')
}

/// A 3-digit HTTP status.
fn is_status(s: &[u8]) -> bool {
    s.len() == 3 && s.iter().all(u8::is_ascii_digit)
}

/// A TCP port number.
fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Undo the `\"` and `\\` escapes of a quoted field.
fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(n @ ('"' | '\\')) => out.push(n),
            Some(n) => {
                out.push('\\');
                out.push(n);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `10/Oct/2000:13:55:36 -0700` → UTC.
pub(crate) fn parse_clf_time(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 20 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' {
        return None;
    }
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let day: u32 = s.get(0..2)?.parse().ok()?;
    let mon = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(s.get(3..6).unwrap_or("")))? as u32;
    let year: i32 = s.get(7..11)?.parse().ok()?;
    let h: u32 = s.get(12..14)?.parse().ok()?;
    let mi: u32 = s.get(15..17)?.parse().ok()?;
    let sec: u32 = s.get(18..20)?.parse().ok()?;
    let naive = NaiveDate::from_ymd_opt(year, mon + 1, day)?.and_hms_opt(h, mi, sec)?;
    let offset = match s.get(20..).map(str::trim) {
        Some(z) if z.len() == 5 => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let hh: i32 = z.get(1..3)?.parse().ok()?;
            let mm: i32 = z.get(3..5)?.parse().ok()?;
            FixedOffset::east_opt(sign * (hh * 3600 + mm * 60))?
        }
        _ => FixedOffset::east_opt(0)?,
    };
    Some(naive.and_local_timezone(offset).single()?.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value of a line that must parse, in field-id order.
    fn values(line: &str) -> Vec<String> {
        let mut cols = Cols::default();
        assert!(parse(line, &mut cols).is_ok(), "{line}");
        cols.spans
            .iter()
            .map(|&(_, a, b)| cols.values[a as usize..b as usize].to_string())
            .collect()
    }

    #[test]
    fn clf_time() {
        let t = parse_clf_time("11/Jul/2018:08:41:28 +0300").map(|t| t.to_rfc3339());
        assert_eq!(t.as_deref(), Some("2018-07-11T05:41:28+00:00"));
    }

    #[test]
    fn combined_line() {
        let v = values(
            r#"10.0.0.1 - bob [10/Oct/2000:13:55:36 -0700] "GET /a.aspx?cmd=whoami HTTP/1.1" 200 2326 "http://x/\"q\"" "curl/7.1""#,
        );
        assert_eq!(v[6], "GET");
        assert_eq!(v[8], "/a.aspx");
        assert_eq!(v[9], "cmd=whoami");
        assert_eq!(v[13], "http://x/\"q\"");
        assert_eq!(v[14], "curl/7.1");
        assert!(parse("not a log line", &mut Cols::default()).is_err());
    }

    /// Tomcat leaves a `"` inside the request unescaped; the line is still
    /// read, with the whole request, and a bad status is still an error.
    #[test]
    fn unescaped_quote_in_request() {
        let v = values(
            r#"192.168.105.83 - - [11/Jul/2018:09:32:27 +0300] "GET /WebID/IISWebAgentIF.dll?postdata="><script>foo</script> HTTP/1.1" 404 997"#,
        );
        assert_eq!(v[9], r#"postdata="><script>foo</script>"#);
        assert_eq!(v[10], "HTTP/1.1");
        assert_eq!(v[11], "404");
        let bad = r#"10.0.0.1 - - [11/Jul/2018:09:32:27 +0300] "GET / HTTP/1.1" abc 997"#;
        let err = parse(bad, &mut Cols::default()).err().unwrap_or_default();
        assert!(err.contains("\"abc\" is not a 3-digit code"), "{err}");
    }

    /// Apache's `vhost_combined`: the virtual host and port come first.
    #[test]
    fn vhost_combined_line() {
        let v = values(
            r#"www.example.org:443 203.0.113.9 - - [11/Jul/2018:08:41:28 +0300] "GET /index.php?cmd=id HTTP/1.1" 200 11444 "-" "curl/7.68.0""#,
        );
        assert_eq!(v[0], "203.0.113.9");
        assert_eq!(v[9], "cmd=id");
        assert_eq!(v[14], "curl/7.68.0");
        assert_eq!((v[15].as_str(), v[16].as_str()), ("www.example.org", "443"));
    }

    /// Tomcat's epoch placeholder is no time.
    #[test]
    fn epoch_placeholder_has_no_time() {
        let line = r#"192.168.105.83 - - [01/Jan/1970:03:00:00 +0300] "-" 400 -"#;
        assert_eq!(parse(line, &mut Cols::default()), Ok(None));
    }
}
