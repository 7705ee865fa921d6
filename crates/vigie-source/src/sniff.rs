//! Format sniffing by content: the first bytes decide, not the extension.

use std::path::Path;

/// How many leading bytes [`sniff`] wants.
pub const SNIFF_LEN: usize = 8192;

/// What a file is, as far as readers are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceKind {
    /// Windows EVTX (`ElfFile\0` header).
    Evtx,
    /// JSON lines or a JSON array of Windows events (winlogbeat/ECS, OTRF/Mordor, NXLog).
    JsonEvents,
    /// A zip archive (may hold event exports or logs).
    Zip,
    /// A gzip stream (may hold a log).
    Gzip,
    /// W3C extended log (IIS): `#Fields:` with space-separated names.
    W3c,
    /// Exchange CSV log with a `#Fields:` header (HttpProxy, ECP, OAB, …).
    ExchangeCsv,
    /// Apache/nginx combined or common log format.
    AccessLog,
    /// JSON-lines web access log.
    JsonAccessLog,
    /// Anything else: scanned as a file (hashes, YARA, IOCs).
    File,
}

impl SourceKind {
    /// Whether the kind is a text log read line by line.
    pub fn is_text_log(self) -> bool {
        matches!(
            self,
            SourceKind::W3c
                | SourceKind::ExchangeCsv
                | SourceKind::AccessLog
                | SourceKind::JsonAccessLog
        )
    }

    /// Whether the kind holds Windows events.
    pub fn is_event_log(self) -> bool {
        matches!(self, SourceKind::Evtx | SourceKind::JsonEvents)
    }

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Evtx => "EVTX",
            SourceKind::JsonEvents => "JSON events",
            SourceKind::Zip => "zip",
            SourceKind::Gzip => "gzip",
            SourceKind::W3c => "W3C log",
            SourceKind::ExchangeCsv => "Exchange CSV log",
            SourceKind::AccessLog => "web access log",
            SourceKind::JsonAccessLog => "JSON access log",
            SourceKind::File => "file",
        }
    }
}

/// Tell the kind of a file from its first bytes (`head`, up to [`SNIFF_LEN`]).
/// The path is only a tie-breaker for text that looks like several things.
pub fn sniff(head: &[u8], path: &Path) -> SourceKind {
    if head.starts_with(b"ElfFile\0") {
        return SourceKind::Evtx;
    }
    if head.starts_with(b"PK\x03\x04") {
        return SourceKind::Zip;
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return SourceKind::Gzip;
    }
    let text = strip_bom(head);
    if looks_binary(text) {
        return SourceKind::File;
    }
    if let Some(kind) = sniff_fields_header(text) {
        return kind;
    }
    let first = first_line(text);
    if first.trim_start().starts_with('{') || first.trim_start().starts_with('[') {
        return sniff_json(text, path);
    }
    let lines = head_lines(text);
    if mostly(&lines, |l| crate::w3c::default_layout(l.as_bytes()).is_some()) {
        // An IIS log extract whose `#Fields` header was cut off.
        return SourceKind::W3c;
    }
    if mostly(&lines, is_access_log_line) {
        return SourceKind::AccessLog;
    }
    SourceKind::File
}

/// The first ten whole, non-blank lines of the head: a log copied while it
/// was written, or cut by rotation, may start with half a line, and the last
/// line of a full sniff buffer may be cut.
fn head_lines(head: &[u8]) -> Vec<std::borrow::Cow<'_, str>> {
    let whole = match head.iter().rposition(|&c| c == b'\n') {
        Some(end) if head.len() == SNIFF_LEN => &head[..end],
        _ => head,
    };
    whole
        .split(|&c| c == b'\n')
        .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)))
        .filter(|l| !l.trim().is_empty())
        .take(10)
        .collect()
}

/// Whether at least half of `lines` (and at least one) pass `test`: a note
/// quoting one example line is still a file.
fn mostly(lines: &[std::borrow::Cow<'_, str>], test: impl Fn(&str) -> bool) -> bool {
    let hits = lines.iter().filter(|l| test(l)).count();
    hits > 0 && hits * 2 >= lines.len()
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

fn looks_binary(b: &[u8]) -> bool {
    memchr::memchr(0, &b[..b.len().min(1024)]).is_some()
}

fn first_line(b: &[u8]) -> &str {
    let end = b.iter().position(|&c| c == b'\n').unwrap_or(b.len());
    std::str::from_utf8(&b[..end]).unwrap_or("")
}

/// W3C and Exchange logs both start with `#` directives; the `#Fields:` line
/// (or `#Software:`) tells which.
fn sniff_fields_header(b: &[u8]) -> Option<SourceKind> {
    if !b.starts_with(b"#") {
        return None;
    }
    let mut exchange = false;
    // Only the first lines are read (no lossy copy of the whole head: this
    // runs on every file of a folder of thousands of small logs).
    for line in b.split(|&c| c == b'\n').take(12) {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        if let Some(rest) = line.strip_prefix("#Software:") {
            exchange |= rest.contains("Exchange");
        } else if let Some(fields) = line.strip_prefix("#Fields:") {
            return Some(if fields.contains(',') || exchange {
                SourceKind::ExchangeCsv
            } else {
                SourceKind::W3c
            });
        } else if !line.starts_with('#') {
            break;
        }
    }
    None
}

fn sniff_json(b: &[u8], _path: &Path) -> SourceKind {
    let text = String::from_utf8_lossy(b);
    const EVENT_KEYS: [&str; 8] = [
        "\"EventID\"",
        "\"EventId\"",
        "\"event_id\"",
        "\"winlog\"",
        "\"Channel\"",
        "\"SourceName\"",
        "\"EventRecordID\"",
        "\"ProviderName\"",
    ];
    const ACCESS_KEYS: [&str; 8] = [
        "\"remote_addr\"",
        "\"request_uri\"",
        "\"http_user_agent\"",
        "\"cs-uri-stem\"",
        "\"status\"",
        "\"url\"",
        "\"RequestPath\"",
        "\"DownstreamStatus\"",
    ];
    if EVENT_KEYS.iter().any(|k| text.contains(k)) {
        SourceKind::JsonEvents
    } else if ACCESS_KEYS.iter().any(|k| text.contains(k)) {
        SourceKind::JsonAccessLog
    } else {
        SourceKind::File
    }
}

/// `host ident user [time] "request" status size …`, maybe after a virtual
/// host (`www.example.org:443 host ident user [time] …`).
fn is_access_log_line(line: &str) -> bool {
    match line.split_once(' ') {
        Some((vhost, rest)) if is_host(vhost) && is_clf_line(rest) => true,
        _ => is_clf_line(line),
    }
}

/// A host name or address, maybe with a port.
fn is_host(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || ".:-_".contains(c))
}

/// `host ident user [time] "request" …`
fn is_clf_line(line: &str) -> bool {
    let mut parts = line.splitn(4, ' ');
    let (Some(host), Some(_), Some(_), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    is_host(host) && rest.starts_with('[') && rest.contains("] \"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &[u8]) -> SourceKind {
        sniff(s, Path::new("x"))
    }

    #[test]
    fn kinds() {
        assert_eq!(k(b"ElfFile\0rest"), SourceKind::Evtx);
        assert_eq!(k(b"PK\x03\x04.."), SourceKind::Zip);
        assert_eq!(k(&[0x1f, 0x8b, 8]), SourceKind::Gzip);
        assert_eq!(
            k(b"#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Fields: date time s-ip cs-method\r\n"),
            SourceKind::W3c
        );
        assert_eq!(
            k(b"#Software: Microsoft Exchange Server\r\n#Version: 15.01.2106.002\r\n#Log-type: HttpProxy Logs\r\n#Fields: DateTime,RequestId,MajorVersion\r\n"),
            SourceKind::ExchangeCsv
        );
        assert_eq!(
            k(b"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 200 2326\n"),
            SourceKind::AccessLog
        );
        assert_eq!(
            k(b"www.example.org:443 10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 2\n"),
            SourceKind::AccessLog
        );
        let cut = b"1:28 +0300] \"GET / HTTP/1.1\" 200 1\n10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 2\n";
        assert_eq!(k(cut), SourceKind::AccessLog, "a first line cut by rotation");
        let note = b"How to read a log:\n10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 2\nThe first field is the client.\nThen ident.\n";
        assert_eq!(k(note), SourceKind::File, "a note quoting one line");
        let extract = b"2021-03-03 02:42:11 10.0.0.5 POST /ecp/y.js - 443 - 203.0.113.77 python-requests/2.25.1 - 200 0 0 31\r\n2021-03-03 02:42:12 10.0.0.5 GET /owa/ - 443 - 10.1.2.3 Mozilla/5.0 - 200 0 0 15\r\n";
        assert_eq!(k(extract), SourceKind::W3c, "an IIS extract without its header");
        let traefik =
            b"{\"ClientHost\":\"203.0.113.7\",\"DownstreamStatus\":200,\"RequestPath\":\"/a\"}\n";
        assert_eq!(k(traefik), SourceKind::JsonAccessLog);
        assert_eq!(k(b"{\"EventID\": 4688, \"Channel\": \"Security\"}\n"), SourceKind::JsonEvents);
        assert_eq!(k(b"<%@ Page Language=\"C#\" %>"), SourceKind::File);
        assert_eq!(k(b"\x00\x01binary"), SourceKind::File);
    }
}
