//! IIS W3C extended logs: the `#Fields:` directive names the space-separated
//! columns and may change mid-file (IIS rewrites the directives when the site
//! restarts or its logging fields change); `-` means empty; spaces inside user
//! agents and referers are written as `+`. Times are UTC.

use crate::record::{BEFORE_FIELDS, Cols, Names, parse_date_time};
use chrono::{DateTime, Utc};

/// Per-file W3C state: which columns hold the date and time.
#[derive(Debug, Default)]
pub(crate) struct W3cState {
    have_fields: bool,
    date: Option<u32>,
    time: Option<u32>,
    /// `#Date:` directive, for files whose `#Fields` has a time but no date.
    default_date: Option<String>,
    /// How many of IIS's default fields were assumed for data lines that
    /// came before any `#Fields` (an extract of a log, its header cut off).
    pub(crate) assumed: Option<usize>,
}

/// IIS's default logging fields (IIS 8.5 and later): what a log whose
/// `#Fields` header was cut off is read with.
const IIS_DEFAULT: [&str; 15] = [
    "date",
    "time",
    "s-ip",
    "cs-method",
    "cs-uri-stem",
    "cs-uri-query",
    "s-port",
    "cs-username",
    "c-ip",
    "cs(User-Agent)",
    "cs(Referer)",
    "sc-status",
    "sc-substatus",
    "sc-win32-status",
    "time-taken",
];

/// How many of IIS's default fields a header-less line has the shape of: a
/// readable date and time first, and 15 values in all (IIS 8.5 and later)
/// or 14 (IIS 7.x, without `cs(Referer)`).
pub(crate) fn default_layout(line: &[u8]) -> Option<usize> {
    let end = line.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
    let line = &line[..end];
    let n = bytecount::count(line, b' ') + 1;
    if n != IIS_DEFAULT.len() && n != IIS_DEFAULT.len() - 1 {
        return None;
    }
    parse_date_time(nth_value(line, 0)?, nth_value(line, 1)?)?;
    Some(n)
}

#[inline]
pub(crate) fn assume_default(line: &[u8], names: &mut Names, st: &mut W3cState) {
    if !st.have_fields {
        take_default(line, names, st);
    }
}

#[cold]
fn take_default(line: &[u8], names: &mut Names, st: &mut W3cState) {
    if let Some(n) = default_layout(line) {
        let iis7 = n < IIS_DEFAULT.len();
        let fields: Vec<&str> =
            IIS_DEFAULT.iter().copied().filter(|f| !(iis7 && *f == "cs(Referer)")).collect();
        if directive(&format!("#Fields: {}", fields.join(" ")), names, st).is_ok() {
            st.assumed = Some(n);
        }
    }
}

/// Fields whose values IIS `+`-encodes.
const PLUS_ENCODED: [&str; 3] = ["cs(User-Agent)", "cs(Referer)", "cs(Cookie)"];

/// Handle a `#` directive line. Returns an error text for a `#Fields`
/// line that names no field.
pub(crate) fn directive(line: &str, names: &mut Names, st: &mut W3cState) -> Result<(), String> {
    if let Some(fields) = line.strip_prefix("#Fields:") {
        if st.have_fields && names.read_from(fields) {
            return Ok(());
        }
        names.clear();
        st.date = None;
        st.time = None;
        for name in fields.split_ascii_whitespace() {
            let Some(id) = names.intern(name) else { continue };
            if PLUS_ENCODED.iter().any(|p| p.eq_ignore_ascii_case(name)) {
                names.set_plus_encoded(id);
            }
            match name {
                "date" => st.date = Some(id),
                "time" => st.time = Some(id),
                _ => {}
            }
        }
        names.set_read_from(fields);
        st.have_fields = names.len() > 0;
        if !st.have_fields {
            return Err("#Fields directive names no field".into());
        }
    } else if let Some(d) = line.strip_prefix("#Date:") {
        st.default_date = d.split_ascii_whitespace().next().map(str::to_string);
    }
    Ok(())
}

/// Split one data line into `cols` (spans into `line`) and return its time.
pub(crate) fn parse(
    line: &str,
    names: &Names,
    cols: &mut Cols,
    st: &W3cState,
) -> Result<Option<DateTime<Utc>>, String> {
    let line = line.trim_end();
    split(line, names, st, |id, a, b| cols.push(id, a, b))?;
    let get = |f: Option<u32>| {
        f.and_then(|f| cols.spans.get(f as usize))
            .and_then(|&(_, a, b)| line.as_bytes().get(a as usize..b as usize))
    };
    Ok(time_of(get(st.date), get(st.time), st))
}

/// Check one data line as [`parse`] does, without keeping its fields:
/// return its time. `line` has its trailing whitespace removed. The values
/// are counted by counting spaces; only the date and time values are
/// located. Works on bytes: quiet lines of an ASCII block are never
/// validated as UTF-8.
pub(crate) fn check(
    line: &[u8],
    names: &Names,
    st: &W3cState,
) -> Result<Option<DateTime<Utc>>, String> {
    if !st.have_fields {
        return Err(BEFORE_FIELDS.into());
    }
    exact_fields(bytecount::count(line, b' ') + 1, names)?;
    let value = |id: Option<u32>| id.and_then(|id| nth_value(line, id as usize));
    Ok(time_of(value(st.date), value(st.time), st))
}

/// The `n`-th space-separated value of a line. A byte loop: the date and
/// time are the first values, a few bytes in, where a SIMD search per value
/// costs more than it saves.
fn nth_value(line: &[u8], n: usize) -> Option<&[u8]> {
    let mut start = 0;
    let mut seen = 0;
    for (i, &b) in line.iter().enumerate() {
        if b == b' ' {
            if seen == n {
                return line.get(start..i);
            }
            seen += 1;
            start = i + 1;
        }
    }
    (seen == n).then(|| line.get(start..)).flatten()
}

/// Call `field` with the name id and span of every value of `line`; an
/// error when the values do not match the `#Fields` directive.
fn split(
    line: &str,
    names: &Names,
    st: &W3cState,
    mut field: impl FnMut(u32, usize, usize),
) -> Result<(), String> {
    if !st.have_fields {
        return Err(BEFORE_FIELDS.into());
    }
    let mut id = 0u32;
    let mut start = 0usize;
    let bytes = line.as_bytes();
    for i in memchr::memchr_iter(b' ', bytes).chain(std::iter::once(bytes.len())) {
        if (id as usize) < names.len() {
            field(id, start, i);
        }
        id += 1;
        start = i + 1;
    }
    exact_fields(id as usize, names)
}

/// A W3C line has exactly one value per `#Fields` name.
fn exact_fields(n: usize, names: &Names) -> Result<(), String> {
    if n != names.len() {
        return Err(format!("{n} values for the {} fields of #Fields", names.len()));
    }
    Ok(())
}

fn time_of(date: Option<&[u8]>, time: Option<&[u8]>, st: &W3cState) -> Option<DateTime<Utc>> {
    match (date.or(st.default_date.as_deref().map(str::as_bytes)), time) {
        (Some(d), Some(t)) => parse_date_time(d, t),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_agrees_with_parse() {
        let (mut names, mut st) = (Names::default(), W3cState::default());
        let early = "2021-03-02 10:00:00 GET";
        assert_eq!(
            check(early.as_bytes(), &names, &st),
            parse(early, &names, &mut Cols::default(), &st)
        );
        let fields = "#Fields: date time cs-method cs(User-Agent)";
        directive(fields, &mut names, &mut st).unwrap_or(());
        for line in [
            "2021-03-02 10:00:00 GET curl/7.68.0",
            "2021-03-02 10:00:00 GET curl/7.68.0  ",
            "2021-03-02 10:00:00 GET",
            "2021-03-02 10:00:00 GET a b",
            "2021-13-02 10:00:00 GET x",
        ] {
            let full = parse(line, &names, &mut Cols::default(), &st);
            assert_eq!(check(line.trim_end().as_bytes(), &names, &st), full, "{line}");
        }
        assert!(matches!(check(b"2021-03-02 10:00:00 GET x", &names, &st), Ok(Some(_))));
        // A time without a date column takes the `#Date` directive's day.
        directive("#Date: 2021-03-04 00:00:00", &mut names, &mut st).unwrap_or(());
        directive("#Fields: time cs-method", &mut names, &mut st).unwrap_or(());
        let line = "10:00:00 GET";
        let full = parse(line, &names, &mut Cols::default(), &st);
        assert!(matches!(full, Ok(Some(_))), "{full:?}");
        assert_eq!(check(line.as_bytes(), &names, &st), full);
    }

    /// IIS writes its header again at each restart: the same `#Fields` keeps
    /// the layout, a different one replaces it, and a `#Fields` back to the
    /// first layout after that is read again.
    #[test]
    fn fields_repeat_and_change_mid_file() {
        let (mut names, mut st) = (Names::default(), W3cState::default());
        let value = |line: &str, names: &Names, st: &W3cState, name: &str| {
            let mut cols = Cols::default();
            parse(line, names, &mut cols, st).map(|_| ()).unwrap_or(());
            let id = names.resolve(name);
            cols.spans
                .iter()
                .find(|s| Some(s.0) == id)
                .map(|&(_, a, b)| line[a as usize..b as usize].to_string())
        };
        let a = "#Fields: date time cs-method cs-uri-stem";
        let b = "#Fields: date time cs-uri-stem cs-method";
        for (fields, line, method) in [
            (a, "2021-03-02 10:00:00 POST /ecp/y.js", "POST"),
            (a, "2021-03-02 10:00:01 GET /owa/", "GET"),
            (b, "2021-03-02 10:00:02 /ecp/x.js POST", "POST"),
            (a, "2021-03-02 10:00:03 GET /owa/", "GET"),
        ] {
            directive(fields, &mut names, &mut st).unwrap_or(());
            let got = value(line, &names, &st, "cs-method");
            assert_eq!(got.as_deref(), Some(method), "{line}");
        }
    }

    /// Header-less lines take IIS's default fields: 15 values (IIS 8.5+)
    /// or 14 (IIS 7.x, no referer); anything else is not guessed.
    #[test]
    fn header_less_lines_take_the_default_fields() {
        let iis85 = "2021-03-03 02:42:11 10.0.0.5 POST /ecp/y.js - 443 - 203.0.113.7 curl/7.68.0 - 200 0 0 31";
        let iis7 = "2021-03-03 02:42:11 10.0.0.5 POST /ecp/y.js - 443 - 203.0.113.7 curl/7.68.0 200 0 0 31";
        for (line, n) in [(iis85, 15), (iis7, 14)] {
            let (mut names, mut st) = (Names::default(), W3cState::default());
            assume_default(line.as_bytes(), &mut names, &mut st);
            assert_eq!(st.assumed, Some(n));
            let mut cols = Cols::default();
            assert!(matches!(parse(line, &names, &mut cols, &st), Ok(Some(_))), "{line}");
            let status =
                names.resolve("sc-status").and_then(|id| cols.spans.iter().find(|s| s.0 == id));
            assert_eq!(
                status.map(|&(_, a, b)| &line[a as usize..b as usize]),
                Some("200"),
                "{line}"
            );
        }
        let odd = "2021-03-03 02:42:11 10.0.0.5 POST /ecp/y.js 200";
        assert_eq!(default_layout(odd.as_bytes()), None);
        assert_eq!(default_layout(b"#Fields: a b c d e f g h i j k l m n o"), None);
    }
}
