//! JSON-lines web access logs (nginx `log_format … escape=json`, Caddy,
//! Traefik, ECS-style exports). Nested objects are flattened with `.`
//! (`http.request.method`). Known keys are mapped onto the W3C names (see
//! `docs/logs.md`) and every key is also kept under its own name.

use crate::record::{Cols, Names, parse_iso};
use chrono::{DateTime, Utc};
use serde_json::Value as Json;

/// JSON key → W3C name. Compared case-insensitively.
const MAP: &[(&str, &str)] = &[
    ("remote_addr", "c-ip"),
    ("client_ip", "c-ip"),
    ("clientip", "c-ip"),
    ("client.ip", "c-ip"),
    ("source.ip", "c-ip"),
    ("request.remote_ip", "c-ip"),
    ("remote_ip", "c-ip"),
    ("request_method", "cs-method"),
    ("method", "cs-method"),
    ("http.request.method", "cs-method"),
    ("request.method", "cs-method"),
    ("status", "sc-status"),
    ("status_code", "sc-status"),
    ("http.response.status_code", "sc-status"),
    ("http_user_agent", "cs(User-Agent)"),
    ("user_agent", "cs(User-Agent)"),
    ("useragent", "cs(User-Agent)"),
    ("agent", "cs(User-Agent)"),
    ("user_agent.original", "cs(User-Agent)"),
    ("request.headers.user-agent", "cs(User-Agent)"),
    ("http_referer", "cs(Referer)"),
    ("referer", "cs(Referer)"),
    ("referrer", "cs(Referer)"),
    ("http.request.referrer", "cs(Referer)"),
    ("remote_user", "cs-username"),
    ("user", "cs-username"),
    ("user.name", "cs-username"),
    ("host", "cs-host"),
    ("http_host", "cs-host"),
    ("server_name", "cs-host"),
    ("request.host", "cs-host"),
    ("url.domain", "cs-host"),
    ("request_time", "time-taken"),
    ("body_bytes_sent", "sc-bytes"),
    ("bytes_sent", "sc-bytes"),
    ("server_port", "s-port"),
    ("server_addr", "s-ip"),
    // Traefik's access log in JSON.
    ("clienthost", "c-ip"),
    ("requestmethod", "cs-method"),
    ("downstreamstatus", "sc-status"),
    ("request_user-agent", "cs(User-Agent)"),
    ("request_referer", "cs(Referer)"),
    ("clientusername", "cs-username"),
    ("requesthost", "cs-host"),
    ("requestprotocol", "cs-version"),
    ("downstreamcontentsize", "sc-bytes"),
];

/// Keys that hold the request target (split into stem and query).
const TARGET: &[&str] = &[
    "request_uri",
    "uri",
    "url",
    "path",
    "url.original",
    "request.uri",
    "cs-uri",
    "request_url",
    "requestpath",
];
/// Keys that hold the time.
const TIME: &[&str] =
    &["@timestamp", "timestamp", "time", "time_iso8601", "time_local", "ts", "date", "startutc"];

/// Parse one JSON line into `cols.values` (interning keys); returns its time.
pub(crate) fn parse(
    line: &str,
    names: &mut Names,
    cols: &mut Cols,
) -> Result<Option<DateTime<Utc>>, String> {
    let value: Json = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let Json::Object(map) = value else {
        return Err("JSON line is not an object".into());
    };
    let mut flat: Vec<(String, String)> = Vec::with_capacity(map.len());
    flatten("", &Json::Object(map), &mut flat, 0);
    let mut time = None;
    for (key, val) in &flat {
        let lower = key.to_ascii_lowercase();
        push(names, cols, key, val);
        if let Some((_, w3c)) = MAP.iter().find(|(k, _)| *k == lower) {
            push(names, cols, w3c, val);
        }
        if TARGET.contains(&lower.as_str()) {
            push(names, cols, "cs-uri", val);
            let (stem, query) = val.split_once('?').unwrap_or((val, ""));
            let stem =
                stem.split_once("://").map_or(stem, |(_, r)| &r[r.find('/').unwrap_or(r.len())..]);
            push(names, cols, "cs-uri-stem", stem);
            push(names, cols, "cs-uri-query", query);
        }
        if lower == "request" {
            // nginx `$request`: "GET /a?b HTTP/1.1"
            let mut parts = val.splitn(3, ' ');
            if let (Some(m), Some(t)) = (parts.next(), parts.next()) {
                push(names, cols, "cs-method", m);
                let (stem, query) = t.split_once('?').unwrap_or((t, ""));
                push(names, cols, "cs-uri-stem", stem);
                push(names, cols, "cs-uri-query", query);
                push(names, cols, "cs-version", parts.next().unwrap_or(""));
            }
        }
        if time.is_none() && TIME.contains(&lower.as_str()) {
            time = parse_iso(val)
                .or_else(|| crate::access_log::parse_clf_time(val))
                .or_else(|| epoch(val));
        }
    }
    if let Some(t) = time {
        push(names, cols, "date", &t.format("%Y-%m-%d").to_string());
        push(names, cols, "time", &t.format("%H:%M:%S").to_string());
    }
    Ok(time)
}

fn push(names: &mut Names, cols: &mut Cols, key: &str, val: &str) {
    if let Some(id) = names.intern(key) {
        cols.push_owned(id, val);
    }
}

fn flatten(prefix: &str, v: &Json, out: &mut Vec<(String, String)>, depth: usize) {
    match v {
        Json::Object(m) if depth < 8 => {
            for (k, v) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out, depth + 1);
            }
        }
        Json::Null => {}
        Json::String(s) => out.push((prefix.to_string(), s.clone())),
        Json::Array(a) => {
            for v in a {
                match v {
                    Json::String(s) => out.push((prefix.to_string(), s.clone())),
                    other => out.push((prefix.to_string(), other.to_string())),
                }
            }
        }
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// Seconds (or milliseconds) since the epoch, to the microsecond (a float's
/// last digits are noise: `1614739332.123` is not `.122999906`).
fn epoch(s: &str) -> Option<DateTime<Utc>> {
    let f: f64 = s.parse().ok()?;
    let secs = if f > 1e12 { f / 1000.0 } else { f };
    DateTime::from_timestamp_micros((secs * 1e6).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> (Option<DateTime<Utc>>, Vec<(String, String)>) {
        let (mut names, mut cols) = (Names::default(), Cols::default());
        let time = parse(line, &mut names, &mut cols).unwrap_or_default();
        let out = cols
            .spans
            .iter()
            .map(|&(id, a, b)| {
                (names.name(id).to_string(), cols.values[a as usize..b as usize].to_string())
            })
            .collect();
        (time, out)
    }

    fn get<'a>(f: &'a [(String, String)], name: &str) -> Option<&'a str> {
        f.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Traefik's JSON access log and Caddy's nested one reach the W3C names.
    #[test]
    fn traefik_and_caddy_lines() {
        let traefik = r#"{"ClientHost":"203.0.113.7","ClientUsername":"-","DownstreamStatus":200,"RequestHost":"www.example.org","RequestMethod":"POST","RequestPath":"/uploads/shell.php?cmd=whoami","RequestProtocol":"HTTP/1.1","StartUTC":"2021-03-03T02:42:12.123Z","request_User-Agent":"curl/7.68.0"}"#;
        let caddy = r#"{"ts":1614739332.123,"request":{"remote_ip":"203.0.113.7","method":"POST","host":"www.example.org","uri":"/uploads/shell.php?cmd=whoami","headers":{"User-Agent":["curl/7.68.0"]}},"status":200}"#;
        for line in [traefik, caddy] {
            let (time, f) = fields(line);
            assert!(
                time.is_some_and(|t| t.to_rfc3339().starts_with("2021-03-03T02:42:12")),
                "{line}"
            );
            assert_eq!(get(&f, "c-ip"), Some("203.0.113.7"), "{line}");
            assert_eq!(get(&f, "cs-method"), Some("POST"), "{line}");
            assert_eq!(get(&f, "cs-uri-stem"), Some("/uploads/shell.php"), "{line}");
            assert_eq!(get(&f, "cs-uri-query"), Some("cmd=whoami"), "{line}");
            assert_eq!(get(&f, "sc-status"), Some("200"), "{line}");
            assert_eq!(get(&f, "cs(User-Agent)"), Some("curl/7.68.0"), "{line}");
            assert_eq!(get(&f, "cs-host"), Some("www.example.org"), "{line}");
        }
    }
}
