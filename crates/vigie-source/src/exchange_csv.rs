//! Exchange CSV logs (HttpProxy for every protocol folder, ECP Server, OAB
//! generator, …): `#Software`, `#Version`, `#Log-type`, `#Date` and
//! `#Fields:` directives, then comma-separated rows with `"`-quoted fields
//! (`""` inside quotes is a quote). Column names come from `#Fields` and are
//! never hard-coded; the time is `DateTime` (HttpProxy) or `TimeStamp` (ECP).

use crate::record::{BEFORE_FIELDS, Cols, Names, parse_iso};
use chrono::{DateTime, Utc};
use std::borrow::Cow;

/// Per-file Exchange CSV state.
#[derive(Debug, Default)]
pub(crate) struct CsvState {
    have_fields: bool,
    time: Option<u32>,
    /// `#Log-type:` (`HttpProxy Logs`, `ECP Server Logs`, …).
    pub(crate) log_type: Option<String>,
}

const TIME_FIELDS: [&str; 4] = ["DateTime", "TimeStamp", "date-time", "Timestamp"];

/// Handle a `#` directive line.
pub(crate) fn directive(line: &str, names: &mut Names, st: &mut CsvState) -> Result<(), String> {
    if let Some(fields) = line.strip_prefix("#Fields:") {
        if st.have_fields && names.read_from(fields) {
            return Ok(());
        }
        names.clear();
        st.time = None;
        for name in fields.split(',') {
            let name = name.trim();
            let Some(id) = names.intern(name) else { continue };
            if st.time.is_none() && TIME_FIELDS.iter().any(|t| t.eq_ignore_ascii_case(name)) {
                st.time = Some(id);
            }
        }
        names.set_read_from(fields);
        st.have_fields = names.len() > 0;
        if !st.have_fields {
            return Err("#Fields directive names no field".into());
        }
    } else if let Some(t) = line.strip_prefix("#Log-type:") {
        st.log_type = Some(t.trim().to_string());
    }
    Ok(())
}

/// Split one CSV row into `cols.values` and return its time.
pub(crate) fn parse(
    line: &str,
    names: &Names,
    cols: &mut Cols,
    st: &CsvState,
) -> Result<Option<DateTime<Utc>>, String> {
    if !st.have_fields {
        return Err(BEFORE_FIELDS.into());
    }
    let n = split_csv(line, names.len(), cols)?;
    within_fields(n, names)?;
    let time = st.time.and_then(|t| {
        cols.spans.get(t as usize).and_then(|&(_, a, b)| cols.values.get(a as usize..b as usize))
    });
    Ok(time.and_then(parse_iso))
}

/// Check one CSV row as [`parse`] does, without keeping its values: return
/// its time. Rows whose time is their first, unquoted value (HttpProxy and
/// the other Exchange logs) are checked by counting the commas outside
/// quotes; other rows are walked value by value.
pub(crate) fn check(
    line: &[u8],
    names: &Names,
    st: &CsvState,
) -> Result<Option<DateTime<Utc>>, String> {
    if !st.have_fields {
        return Err(BEFORE_FIELDS.into());
    }
    if st.time != Some(0) || line.starts_with(b"\"") {
        let text = std::str::from_utf8(line).map_err(|e| format!("not UTF-8 text: {e}"))?;
        return check_walk(text, names, st);
    }
    let n = count_values(line)?;
    within_fields(n, names)?;
    let first = memchr::memchr(b',', line).map_or(line, |end| &line[..end]);
    Ok(std::str::from_utf8(first).ok().and_then(parse_iso))
}

/// [`check`] by walking every value (any position of the time, quoted time).
fn check_walk(line: &str, names: &Names, st: &CsvState) -> Result<Option<DateTime<Utc>>, String> {
    let mut time: Option<Cow<'_, str>> = None;
    let n = walk_csv(line, |i, raw, quoted| {
        if Some(i as u32) == st.time {
            time = Some(if quoted && raw.contains("\"\"") {
                Cow::Owned(raw.replace("\"\"", "\""))
            } else {
                Cow::Borrowed(raw)
            });
        }
    })?;
    within_fields(n, names)?;
    Ok(time.as_deref().and_then(parse_iso))
}

/// The number of values of a row, with the errors of [`walk_csv`], found by
/// jumping from quote to quote and counting the commas outside quotes. A
/// quote opens a quoted value only at the start of a value (start of the
/// row or after a comma outside quotes); elsewhere it is text.
fn count_values(line: &[u8]) -> Result<usize, String> {
    let mut count = 1;
    let mut pos = 0;
    while let Some(k) = memchr::memchr(b'"', &line[pos..]) {
        let q = pos + k;
        count += bytecount::count(&line[pos..q], b',');
        pos = q + 1;
        if q > 0 && line[q - 1] != b',' {
            continue;
        }
        // Inside a quoted value: `""` is a quote, a lone `"` closes it.
        loop {
            let Some(k) = memchr::memchr(b'"', &line[pos..]) else {
                return Err("unterminated quoted field".into());
            };
            let close = pos + k;
            match line.get(close + 1) {
                Some(b'"') => pos = close + 2,
                None => return Ok(count),
                Some(b',') => {
                    pos = close + 1;
                    break;
                }
                Some(_) => return Err("text after a closing quote".into()),
            }
        }
    }
    Ok(count + bytecount::count(&line[pos..], b','))
}

/// A row may have fewer values than `#Fields` names (trailing empty
/// columns), not more.
fn within_fields(n: usize, names: &Names) -> Result<(), String> {
    if n > names.len() {
        return Err(format!("{n} values for the {} fields of #Fields", names.len()));
    }
    Ok(())
}

/// RFC 4180-style split; values go to `cols.values`. Returns the number of
/// values (those beyond `max` are counted, not kept).
fn split_csv(line: &str, max: usize, cols: &mut Cols) -> Result<usize, String> {
    walk_csv(line, |i, raw, quoted| {
        if i < max {
            let start = cols.values.len();
            if quoted {
                let mut parts = raw.split("\"\"");
                cols.values.push_str(parts.next().unwrap_or_default());
                for p in parts {
                    cols.values.push('"');
                    cols.values.push_str(p);
                }
            } else {
                cols.values.push_str(raw);
            }
            let end = cols.values.len();
            cols.push(i as u32, start, end);
        }
    })
}

/// Call `value` with the index, raw text (inside the quotes, `""` kept) and
/// quoting of every value of a row. Returns the number of values.
fn walk_csv<'a>(
    line: &'a str,
    mut value: impl FnMut(usize, &'a str, bool),
) -> Result<usize, String> {
    let mut count = 0usize;
    let mut rest = line;
    loop {
        if let Some(q) = rest.strip_prefix('"') {
            let mut i = 0;
            let end = loop {
                let Some(k) = memchr::memchr(b'"', &q.as_bytes()[i..]) else {
                    return Err("unterminated quoted field".into());
                };
                if q.as_bytes().get(i + k + 1) == Some(&b'"') {
                    i += k + 2;
                } else {
                    break i + k;
                }
            };
            value(count, &q[..end], true);
            rest = &q[end + 1..];
            if !(rest.is_empty() || rest.starts_with(',')) {
                return Err("text after a closing quote".into());
            }
        } else {
            let end = memchr::memchr(b',', rest.as_bytes()).unwrap_or(rest.len());
            value(count, &rest[..end], false);
            rest = &rest[end..];
        }
        count += 1;
        match rest.strip_prefix(',') {
            Some(r) => rest = r,
            None => break,
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted() {
        let mut cols = Cols::default();
        let n = split_csv(r#"a,"b,c","d""e",,f"#, 10, &mut cols).unwrap_or(0);
        assert_eq!(n, 5);
        let vals: Vec<&str> =
            cols.spans.iter().map(|&(_, a, b)| &cols.values[a as usize..b as usize]).collect();
        assert_eq!(vals, ["a", "b,c", "d\"e", "", "f"]);
        assert!(split_csv(r#"a,"b"#, 10, &mut Cols::default()).is_err());
    }

    #[test]
    fn check_agrees_with_parse() {
        let (mut names, mut st) = (Names::default(), CsvState::default());
        let early = "2021-03-02T10:00:00.000Z,a";
        assert_eq!(
            check(early.as_bytes(), &names, &st),
            parse(early, &names, &mut Cols::default(), &st)
        );
        directive("#Fields: RequestId,DateTime,UserAgent", &mut names, &mut st).unwrap_or(());
        for line in [
            "r1,2021-03-02T10:00:00.123Z,curl",
            "r2,\"2021-03-02T10:00:01.000Z\",\"a \"\"b\"\", c\"",
            "r3,,x",
            "r4,2021-03-02T10:00:00.123Z,x,extra",
            "r5,2021-03-02T10:00:00.123Z,\"open",
            "r6,\"2021-03-02T10:00:00Z\"x,y",
            "r7,not a time,y",
        ] {
            assert_check_agrees(line, &names, &st);
        }
        let ok = check(b"r1,2021-03-02T10:00:00.123Z,curl", &names, &st);
        assert!(matches!(ok, Ok(Some(_))), "{ok:?}");
    }

    /// The comma count gives the value count and errors of the full walk on
    /// every arrangement of commas, quotes and text up to six bytes long,
    /// and `check` (time first, as in HttpProxy) agrees with `parse`.
    #[test]
    fn count_values_agrees_with_walk() {
        let alphabet = [b',', b'"', b'a'];
        let mut row = Vec::new();
        for len in 0..=6u32 {
            for mut code in 0..3usize.pow(len) {
                row.clear();
                for _ in 0..len {
                    row.push(alphabet[code % 3]);
                    code /= 3;
                }
                let text = std::str::from_utf8(&row).unwrap_or_default();
                assert_eq!(count_values(&row), walk_csv(text, |_, _, _| {}), "{text}");
            }
        }
        let (mut names, mut st) = (Names::default(), CsvState::default());
        directive("#Fields: DateTime,UserAgent,Info", &mut names, &mut st).unwrap_or(());
        for line in [
            "2021-03-02T10:00:00.123Z,\"Mozilla/5.0 (X, Y)\",\"a=b,c\"",
            "2021-03-02T10:00:00.123Z,a\"b,c",
            "2021-03-02T10:00:00.123Z,\"a\"\"b\",c,d",
            "2021-03-02T10:00:00.123Z,\"a\"b,c",
            "2021-03-02T10:00:00.123Z,\"a",
            "\"2021-03-02T10:00:00.123Z\",a,b",
            "garbage,a,b",
            "",
        ] {
            assert_check_agrees(line, &names, &st);
        }
    }

    /// `check` gives the errors and time of `parse` on `line`.
    fn assert_check_agrees(line: &str, names: &Names, st: &CsvState) {
        let full = parse(line, names, &mut Cols::default(), st);
        assert_eq!(check(line.as_bytes(), names, st), full, "{line}");
    }
}
