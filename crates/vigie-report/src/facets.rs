//! Well-known facts pulled out of a finding's evidence (client IP, user, URL,
//! process, hashes, time) whatever the log format named them. Used by the
//! JSONL (ECS) and CSV renderers.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::IpAddr;
use vigie_model::{Evidence, Finding};

/// Field names, lowercased, tried in order for each fact.
const IP: &[&str] = &[
    "c-ip",
    "clientipaddress",
    "client-ip",
    "client_ip",
    "clientip",
    "src_ip",
    "source.ip",
    "sourceaddress",
    "ipaddress",
    "remote_addr",
    "remoteaddr",
    "ip",
    "x-forwarded-for",
];
const USER: &[&str] = &[
    "cs-username",
    "authenticateduser",
    "user",
    "username",
    "user.name",
    "targetusername",
    "subjectusername",
    "remote_user",
];
const METHOD: &[&str] = &["cs-method", "method", "http.request.method", "requestmethod"];
const URI_STEM: &[&str] = &["cs-uri-stem", "urlstem", "uri-stem", "url.path", "uri", "path"];
const URI_QUERY: &[&str] = &["cs-uri-query", "urlquery", "uri-query", "url.query", "query"];
const URL: &[&str] = &["url", "request_url", "url.original", "targeturl"];
const STATUS: &[&str] = &["sc-status", "status", "httpstatus", "http.response.status_code"];
const UA: &[&str] = &["cs(user-agent)", "useragent", "user-agent", "user_agent", "http_user_agent"];
const CMD: &[&str] = &["commandline", "process.command_line", "command_line"];
const IMAGE: &[&str] = &["image", "newprocessname", "process.executable", "processname"];
const PARENT_IMAGE: &[&str] = &["parentimage", "parentprocessname", "process.parent.executable"];
const PARENT_CMD: &[&str] = &["parentcommandline", "process.parent.command_line"];
const PID: &[&str] = &["processid", "newprocessid", "process.pid"];
const TIME: &[&str] = &["time", "timestamp", "datetime", "@timestamp", "date-time", "eventtime"];

/// The facts a renderer maps to columns or ECS fields.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Facets<'a> {
    pub(crate) time: Option<DateTime<Utc>>,
    pub(crate) source_ip: Option<Cow<'a, str>>,
    pub(crate) user: Option<Cow<'a, str>>,
    pub(crate) method: Option<Cow<'a, str>>,
    pub(crate) url_path: Option<Cow<'a, str>>,
    pub(crate) url_query: Option<Cow<'a, str>>,
    pub(crate) url_original: Option<Cow<'a, str>>,
    pub(crate) status: Option<u16>,
    pub(crate) user_agent: Option<Cow<'a, str>>,
    pub(crate) command_line: Option<Cow<'a, str>>,
    pub(crate) executable: Option<Cow<'a, str>>,
    pub(crate) pid: Option<u64>,
    pub(crate) parent_executable: Option<Cow<'a, str>>,
    pub(crate) parent_command_line: Option<Cow<'a, str>>,
    pub(crate) md5: Option<Cow<'a, str>>,
    pub(crate) sha1: Option<Cow<'a, str>>,
    pub(crate) sha256: Option<Cow<'a, str>>,
    pub(crate) size: Option<u64>,
    pub(crate) mtime: Option<DateTime<Utc>>,
    pub(crate) log_path: Option<Cow<'a, str>>,
    pub(crate) event_code: Option<u32>,
    pub(crate) provider: Option<Cow<'a, str>>,
    pub(crate) channel: Option<Cow<'a, str>>,
    pub(crate) computer: Option<Cow<'a, str>>,
    pub(crate) record_id: Option<u64>,
}

fn lookup<'a>(fields: &'a BTreeMap<String, String>, names: &[&str]) -> Option<&'a str> {
    for want in names {
        for (k, v) in fields {
            if k.eq_ignore_ascii_case(want) {
                let v = v.trim();
                if !v.is_empty() && v != "-" {
                    return Some(v);
                }
            }
        }
    }
    None
}

fn text<'a>(fields: &'a BTreeMap<String, String>, names: &[&str]) -> Option<Cow<'a, str>> {
    lookup(fields, names).map(Cow::Borrowed)
}

fn set<T>(slot: &mut Option<T>, v: Option<T>) {
    if slot.is_none() {
        *slot = v;
    }
}

/// Parse a log timestamp: RFC 3339, `YYYY-MM-DD HH:MM:SS[.fff]` (UTC, as IIS
/// writes), or IIS `date` + `time` fields.
pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

/// The time of a log line from its parsed fields.
pub(crate) fn fields_time(fields: &BTreeMap<String, String>) -> Option<DateTime<Utc>> {
    if let Some(t) = lookup(fields, TIME).and_then(parse_time) {
        return Some(t);
    }
    let date = lookup(fields, &["date"])?;
    let time = lookup(fields, &["time"])?;
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let t = chrono::NaiveTime::parse_from_str(time, "%H:%M:%S%.f").ok()?;
    Some(d.and_time(t).and_utc())
}

impl<'a> Facets<'a> {
    /// Facts of one evidence item.
    pub(crate) fn of_evidence(e: &'a Evidence) -> Facets<'a> {
        let mut f = Facets::default();
        match e {
            Evidence::File { size, md5, sha1, sha256, modified, .. } => {
                f.size = Some(*size);
                f.md5 = md5.as_deref().map(Cow::Borrowed);
                f.sha1 = sha1.as_deref().map(Cow::Borrowed);
                f.sha256 = sha256.as_deref().map(Cow::Borrowed);
                f.mtime = *modified;
            }
            Evidence::LogLine { path, line: _, fields, .. } => {
                f.log_path = Some(Cow::Borrowed(path));
                f.fill_fields(fields);
                f.time = fields_time(fields);
            }
            Evidence::Event {
                path,
                record_id,
                time,
                channel,
                computer,
                event_id,
                provider,
                fields,
            } => {
                f.log_path = Some(Cow::Borrowed(path));
                f.record_id = *record_id;
                f.time = *time;
                f.channel = channel.as_deref().map(Cow::Borrowed);
                f.computer = computer.as_deref().map(Cow::Borrowed);
                f.event_code = *event_id;
                f.provider = provider.as_deref().map(Cow::Borrowed);
                f.fill_fields(fields);
            }
            Evidence::Http { request, status, .. } => {
                let (method, url) = match request.split_once(' ') {
                    Some((m, u)) if m.chars().all(|c| c.is_ascii_uppercase()) => {
                        (Some(m), u.trim())
                    }
                    _ => (None, request.as_str()),
                };
                f.method = method.map(Cow::Borrowed);
                f.url_original = Some(Cow::Borrowed(url));
                f.status = *status;
            }
            Evidence::Match { .. } | Evidence::Fact { .. } => {}
        }
        f
    }

    fn fill_fields(&mut self, fields: &'a BTreeMap<String, String>) {
        set(&mut self.source_ip, lookup(fields, IP).and_then(clean_ip));
        set(&mut self.user, text(fields, USER));
        set(&mut self.method, text(fields, METHOD));
        set(&mut self.url_path, text(fields, URI_STEM));
        set(&mut self.url_query, text(fields, URI_QUERY));
        set(&mut self.url_original, text(fields, URL));
        set(&mut self.status, lookup(fields, STATUS).and_then(|s| s.parse().ok()));
        set(&mut self.user_agent, text(fields, UA));
        set(&mut self.command_line, text(fields, CMD));
        set(&mut self.executable, text(fields, IMAGE));
        set(&mut self.parent_executable, text(fields, PARENT_IMAGE));
        set(&mut self.parent_command_line, text(fields, PARENT_CMD));
        set(&mut self.pid, lookup(fields, PID).and_then(parse_pid));
    }

    /// Merge facts of all the finding's evidence (first evidence wins).
    pub(crate) fn of_finding(finding: &'a Finding) -> Facets<'a> {
        let mut f = Facets::default();
        for e in &finding.evidence {
            f.fill_from(Facets::of_evidence(e));
        }
        set(&mut f.time, finding.time);
        if f.url_original.is_none()
            && let Some(p) = &f.url_path
        {
            f.url_original = Some(match &f.url_query {
                Some(q) => Cow::Owned(format!("{p}?{q}")),
                None => p.clone(),
            });
        }
        f
    }

    fn fill_from(&mut self, o: Facets<'a>) {
        macro_rules! fill {
            ($($name:ident),*) => { $( set(&mut self.$name, o.$name); )* };
        }
        fill!(
            time,
            source_ip,
            user,
            method,
            url_path,
            url_query,
            url_original,
            status,
            user_agent,
            command_line,
            executable,
            pid,
            parent_executable,
            parent_command_line,
            md5,
            sha1,
            sha256,
            size,
            mtime,
            log_path,
            event_code,
            provider,
            channel,
            computer,
            record_id
        );
    }
}

/// An IP address as ECS wants it (`ip` type), or `None` when it is not one
/// (`-`, a host name, `ip:port` is reduced to the ip).
pub(crate) fn clean_ip(s: &str) -> Option<Cow<'_, str>> {
    let s = s.trim().trim_matches(|c| c == '[' || c == ']');
    let s = s.split(',').next().unwrap_or(s).trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        let canonical = ip.to_string();
        return Some(if canonical == s { Cow::Borrowed(s) } else { Cow::Owned(canonical) });
    }
    let (host, _) = s.rsplit_once(':')?;
    host.trim_matches(|c| c == '[' || c == ']')
        .parse::<IpAddr>()
        .ok()
        .map(|ip| Cow::Owned(ip.to_string()))
}

fn parse_pid(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iis_fields_are_found() {
        let fields: BTreeMap<String, String> = [
            ("date", "2021-03-03"),
            ("time", "04:12:55"),
            ("c-ip", "203.0.113.7"),
            ("cs-method", "POST"),
            ("cs-uri-stem", "/aspnet_client/x.aspx"),
            ("cs-uri-query", "-"),
            ("sc-status", "200"),
            ("cs(User-Agent)", "Mozilla/5.0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let e = Evidence::LogLine {
            path: "u_ex210303.log".into(),
            line: 9,
            raw: String::new(),
            fields,
        };
        let f = Facets::of_evidence(&e);
        assert_eq!(f.source_ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(f.status, Some(200));
        assert_eq!(f.url_query, None);
        assert_eq!(f.time.map(|t| t.to_rfc3339()), Some("2021-03-03T04:12:55+00:00".into()));
    }

    #[test]
    fn ips_are_validated() {
        assert_eq!(clean_ip("10.0.0.1:443").as_deref(), Some("10.0.0.1"));
        assert_eq!(clean_ip("[::1]:80").as_deref(), Some("::1"));
        assert_eq!(clean_ip("-"), None);
        assert_eq!(clean_ip("example.org"), None);
        assert_eq!(parse_pid("0x1a4"), Some(420));
    }
}
