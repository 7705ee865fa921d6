//! One parsed log line, whatever its format, seen through
//! [`vigie_model::Event`] with W3C/IIS field names (web logs) or the Exchange
//! CSV column names (Exchange logs).

use chrono::{DateTime, NaiveDate, Utc};
use foldhash::HashMap;
use std::borrow::Cow;
use std::cell::Cell;
use vigie_model::{Event, Value};

/// The format a log line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LogFormat {
    /// IIS / W3C extended.
    W3c,
    /// Exchange CSV log (HttpProxy, ECP, OAB generator, …).
    ExchangeCsv,
    /// Apache / nginx combined or common.
    AccessLog,
    /// JSON lines access log.
    JsonAccess,
}

impl LogFormat {
    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            LogFormat::W3c => "IIS W3C",
            LogFormat::ExchangeCsv => "Exchange CSV",
            LogFormat::AccessLog => "access log",
            LogFormat::JsonAccess => "JSON access log",
        }
    }
}

/// Field names of a file (from its `#Fields` line, a fixed layout, or JSON
/// keys), interned so a record is a list of (name id, value range).
#[derive(Debug, Default)]
pub(crate) struct Names {
    names: Vec<String>,
    exact: HashMap<String, u32>,
    lower: HashMap<String, u32>,
    /// Whether the field's value is `+`-encoded (IIS user agent, referer).
    plus: Vec<bool>,
    /// The `#Fields` text the names were read from.
    from: String,
}

/// Bound on distinct names (JSON logs with unbounded keys).
const MAX_NAMES: usize = 4096;

impl Names {
    pub(crate) fn clear(&mut self) {
        self.names.clear();
        self.exact.clear();
        self.lower.clear();
        self.plus.clear();
        self.from.clear();
    }

    /// Whether the names were read from this `#Fields` text: IIS repeats
    /// its header at each restart, and the names need not be read again.
    pub(crate) fn read_from(&self, fields: &str) -> bool {
        !self.names.is_empty() && self.from == fields
    }

    /// Remember the `#Fields` text the names were just read from.
    pub(crate) fn set_read_from(&mut self, fields: &str) {
        self.from.clear();
        self.from.push_str(fields);
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    pub(crate) fn intern(&mut self, name: &str) -> Option<u32> {
        if let Some(&id) = self.exact.get(name) {
            return Some(id);
        }
        if self.names.len() >= MAX_NAMES {
            return None;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.exact.insert(name.to_string(), id);
        self.lower.entry(name.to_ascii_lowercase()).or_insert(id);
        self.plus.push(false);
        Some(id)
    }

    pub(crate) fn set_plus_encoded(&mut self, id: u32) {
        if let Some(p) = self.plus.get_mut(id as usize) {
            *p = true;
        }
    }

    pub(crate) fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map(String::as_str).unwrap_or("")
    }

    fn lookup(&self, name: &str) -> Option<u32> {
        if let Some(&id) = self.exact.get(name) {
            return Some(id);
        }
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            let mut buf = [0u8; SHORT];
            match ascii_lower(name, &mut buf) {
                Some(l) => self.lower.get(l).copied(),
                None => self.lower.get(&name.to_ascii_lowercase()).copied(),
            }
        } else {
            self.lower.get(name).copied()
        }
    }

    /// Resolve a field name: exact, then aliases, then case-insensitive.
    pub(crate) fn resolve(&self, name: &str) -> Option<u32> {
        if let Some(&id) = self.exact.get(name) {
            return Some(id);
        }
        for alias in aliases(name) {
            if let Some(id) = self.lookup(alias) {
                return Some(id);
            }
        }
        self.lookup(name)
    }
}

/// Other names the same data has. Web logs use the W3C names; Sigma rules
/// use `cs-user-agent`/`cs-referer`; Exchange HttpProxy logs have their own
/// column names, reachable through the W3C ones so `webserver` rules read
/// them too.
fn aliases(name: &str) -> &'static [&'static str] {
    let mut buf = [0u8; SHORT];
    // Every aliased name is short: a longer one has no alias.
    let Some(lower) = ascii_lower(name, &mut buf) else { return &[] };
    match lower {
        "cs-user-agent" | "c-useragent" | "user-agent" | "useragent" => {
            &["cs(User-Agent)", "UserAgent"]
        }
        "cs(user-agent)" => &["UserAgent"],
        "cs-referer" | "cs-referrer" | "referer" => &["cs(Referer)"],
        "cs-uri-stem" => &["UrlStem"],
        "cs-uri-query" => &["UrlQuery"],
        "cs-method" => &["Method"],
        "sc-status" => &["HttpStatus"],
        "c-ip" => &["ClientIpAddress"],
        "cs-host" | "cs(host)" => &["cs(Host)", "cs-host", "UrlHost"],
        "cs-username" => &["AuthenticatedUser"],
        "s-computername" => &["ServerHostName"],
        _ => &[],
    }
}

/// Longest name lower-cased on the stack (longer names allocate).
const SHORT: usize = 64;

/// `name` ASCII-lower-cased into `buf`, when it fits.
fn ascii_lower<'b>(name: &str, buf: &'b mut [u8; SHORT]) -> Option<&'b str> {
    let out = buf.get_mut(..name.len())?;
    out.copy_from_slice(name.as_bytes());
    out.make_ascii_lowercase();
    std::str::from_utf8(out).ok()
}

/// The parsed columns of the current line: (name id, start, end) into a text.
#[derive(Debug, Default)]
pub(crate) struct Cols {
    pub(crate) spans: Vec<(u32, u32, u32)>,
    /// Unescaped values (CSV, JSON) when they are not slices of the line.
    pub(crate) values: String,
    /// name id → index in `spans` (u32::MAX when absent).
    slot: Vec<u32>,
}

impl Cols {
    pub(crate) fn clear(&mut self) {
        for &(id, _, _) in &self.spans {
            if let Some(s) = self.slot.get_mut(id as usize) {
                *s = u32::MAX;
            }
        }
        self.spans.clear();
        self.values.clear();
    }

    pub(crate) fn push(&mut self, id: u32, start: usize, end: usize) {
        let idx = id as usize;
        if self.slot.len() <= idx {
            self.slot.resize(idx + 1, u32::MAX);
        }
        self.slot[idx] = self.spans.len() as u32;
        self.spans.push((id, start as u32, end as u32));
    }

    /// Append a value to `values` and record it.
    pub(crate) fn push_owned(&mut self, id: u32, value: &str) {
        let start = self.values.len();
        self.values.push_str(value);
        let end = self.values.len();
        self.push(id, start, end);
    }

    fn get(&self, id: u32) -> Option<(u32, u32)> {
        let s = *self.slot.get(id as usize)?;
        self.spans.get(s as usize).map(|&(_, a, b)| (a, b))
    }
}

/// One log line: its raw text, parsed fields and time. Borrowed from the
/// [`crate::LogReader`] until the next line is read.
pub struct LogRecord<'r> {
    pub(crate) format: LogFormat,
    pub(crate) line_no: u64,
    pub(crate) raw: &'r str,
    /// Text the spans index: the line itself or `cols.values`.
    pub(crate) src: &'r str,
    pub(crate) names: &'r Names,
    pub(crate) cols: &'r Cols,
    pub(crate) time: Option<DateTime<Utc>>,
    pub(crate) log_type: Option<&'r str>,
}

impl<'r> LogRecord<'r> {
    /// The format of the line.
    pub fn format(&self) -> LogFormat {
        self.format
    }

    /// 1-based line number in the (decompressed) file.
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// The raw line (UTF-8, or Latin-1 decoded).
    pub fn raw(&self) -> &'r str {
        self.raw
    }

    /// The text every field value is a slice of: the raw line (W3C) or the
    /// unescaped values one after another (CSV, access log, JSON). A value as
    /// [`LogRecord::text`] gives it is empty or this text's slice with `+`
    /// read as a space: a whole-line prefilter can search this text once
    /// instead of every field.
    pub fn values_text(&self) -> &'r str {
        self.src
    }

    /// The Exchange `#Log-type:` directive (`HttpProxy Logs`, `ECP Server
    /// Logs`, …), when the file has one.
    pub fn log_type(&self) -> Option<&'r str> {
        self.log_type
    }

    /// A field's text as stored (no `+` decoding, `-` kept), for evidence.
    pub fn raw_field(&self, name: &str) -> Option<&'r str> {
        let id = self.names.resolve(name)?;
        let (a, b) = self.cols.get(id)?;
        self.src.get(a as usize..b as usize)
    }

    /// A field's text as matchers see it: `-` is empty, IIS `+` in user
    /// agents and referers is a space.
    pub fn text(&self, name: &str) -> Option<Cow<'r, str>> {
        let id = self.names.resolve(name)?;
        let (a, b) = self.cols.get(id)?;
        let v = self.src.get(a as usize..b as usize)?;
        Some(self.clean(id, v))
    }

    fn clean(&self, id: u32, v: &'r str) -> Cow<'r, str> {
        if v == "-" {
            Cow::Borrowed("")
        } else if self.names.plus.get(id as usize).copied().unwrap_or(false) && v.contains('+') {
            Cow::Owned(v.replace('+', " "))
        } else {
            Cow::Borrowed(v)
        }
    }
}

impl Event for LogRecord<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        self.text(name).map(Value::Str)
    }

    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        for &(id, a, b) in &self.cols.spans {
            if let Some(v) = self.src.get(a as usize..b as usize) {
                f(self.names.name(id), Value::Str(self.clean(id, v)));
            }
        }
    }

    fn timestamp(&self) -> Option<DateTime<Utc>> {
        self.time
    }
}

/// The error of a W3C or Exchange CSV data line met before any `#Fields`
/// directive (its values cannot be named).
pub(crate) const BEFORE_FIELDS: &str = "data line before any #Fields directive";

/// `YYYY-MM-DD` and `HH:MM:SS[.fff]` (UTC), parsed by hand: this runs on
/// every line.
pub(crate) fn parse_date_time(date: &[u8], t: &[u8]) -> Option<DateTime<Utc>> {
    if t.len() < 8 || t[2] != b':' || t[5] != b':' {
        return None;
    }
    let (h, mi, s) = (num(&t[0..2])?, num(&t[3..5])?, num(&t[6..8])?);
    let mut nanos = 0u32;
    if t.len() > 9 && t[8] == b'.' {
        let frac = &t[9..t.len().min(18)];
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 {
            nanos = num(&frac[..digits])? * 10u32.pow(9 - digits as u32);
        }
    }
    let naive = day(date)?.and_hms_nano_opt(h, mi, s, nanos)?;
    Some(naive.and_utc())
}

thread_local! {
    /// The last `YYYY-MM-DD` parsed on this thread and its day: consecutive
    /// log lines almost always share their date.
    static LAST_DAY: Cell<([u8; 10], Option<NaiveDate>)> = const { Cell::new(([0; 10], None)) };
}

/// The day of a `YYYY-MM-DD` date (`None` when it is not one).
fn day(d: &[u8]) -> Option<NaiveDate> {
    let key: [u8; 10] = d.try_into().ok()?;
    let (last, known) = LAST_DAY.get();
    if last == key {
        return known;
    }
    let parsed = parse_day(&key);
    LAST_DAY.set((key, parsed));
    parsed
}

fn parse_day(d: &[u8; 10]) -> Option<NaiveDate> {
    if d[4] != b'-' || d[7] != b'-' {
        return None;
    }
    let y = num(&d[0..4])?;
    let mo = num(&d[5..7])?;
    let da = num(&d[8..10])?;
    NaiveDate::from_ymd_opt(y as i32, mo, da)
}

/// ISO 8601 `YYYY-MM-DDTHH:MM:SS[.fff][Z|±hh:mm]`.
pub(crate) fn parse_iso(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.len() >= 19 && matches!(s.as_bytes()[10], b'T' | b' ') {
        // Bytes: `Z`, `+` and `-` are ASCII, and this runs on every row (a
        // plain loop: the rest is a dozen bytes, too short for SIMD to pay).
        let rest = &s.as_bytes()[11..];
        let tz = rest
            .iter()
            .position(|&b| b == b'Z' || b == b'+')
            .or_else(|| rest.iter().rposition(|&b| b == b'-'));
        match tz {
            Some(i) if &rest[i..] != b"Z" => DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1))
                .ok()
                .map(|d| d.with_timezone(&Utc)),
            _ => parse_date_time(&s.as_bytes()[..10], &rest[..tz.unwrap_or(rest.len())]),
        }
    } else {
        None
    }
}

fn num(b: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let t = parse_date_time(b"2021-03-03", b"05:52:54.927").map(|t| t.to_rfc3339());
        assert_eq!(t.as_deref(), Some("2021-03-03T05:52:54.927+00:00"));
        let t = parse_iso("2021-03-03T05:52:54.927Z").map(|t| t.timestamp());
        assert_eq!(t, Some(1614750774));
        let t = parse_iso("2021-03-03T07:52:54+02:00").map(|t| t.timestamp());
        assert_eq!(t, Some(1614750774));
        // A negative offset, a space separator, no zone (UTC), a `Z` that
        // does not end the text, a non-ASCII tail (ignored, as any tail).
        for (text, want) in [
            ("2021-03-03T00:52:54-05:00", Some(1614750774)),
            (" 2021-03-03 05:52:54.927Z ", Some(1614750774)),
            ("2021-03-03T05:52:54", Some(1614750774)),
            ("2021-03-03T05:52:54Zx", None),
            ("2021-03-03T05:52:54é", Some(1614750774)),
        ] {
            assert_eq!(parse_iso(text).map(|t| t.timestamp()), want, "{text}");
        }
        assert_eq!(parse_date_time(b"2021-13-03", b"00:00:00"), None);
    }

    #[test]
    fn the_day_cache_follows_the_date() {
        // Same date twice, a bad one, a short one, then back: each answer is
        // the one a fresh parse gives.
        let seq =
            ["2021-03-03", "2021-03-03", "2021-02-30", "2021-02-30", "2021-3-3", "2021-03-04"];
        let got: Vec<_> = seq
            .iter()
            .map(|d| parse_date_time(d.as_bytes(), b"01:02:03").map(|t| t.timestamp()))
            .collect();
        let want: Vec<_> = seq
            .iter()
            .map(|d| {
                let key: Option<[u8; 10]> = d.as_bytes().try_into().ok();
                key.and_then(|k| parse_day(&k))
                    .and_then(|day| day.and_hms_opt(1, 2, 3))
                    .map(|t| t.and_utc().timestamp())
            })
            .collect();
        assert_eq!(got, want);
        assert_eq!(got.iter().filter(|t| t.is_some()).count(), 3);
        assert_eq!(parse_date_time(&[0; 10], b"01:02:03"), None);
    }
}
