//! Time coverage of log sources: first and last timestamp, gaps longer than
//! a day, and a warning when a source starts after the exposure window
//! opened (ProxyLogon exploitation was seen from 2021-01-06).

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use vigie_model::{Gap, SourceSpan};
use vigie_source::LogFormat;

/// The day ProxyLogon exploitation was first seen.
pub(crate) fn exposure_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 1, 6).unwrap_or_default()
}

/// Timestamps of one source, kept per day (first and last of each day), so
/// memory grows with the number of days, not lines. Consecutive lines of the
/// same day (the usual case) only update `cur`; the map is touched when the
/// day changes.
#[derive(Debug, Default)]
pub(crate) struct SpanAcc {
    pub(crate) paths: Vec<String>,
    records: u64,
    undated: u64,
    days: BTreeMap<NaiveDate, (DateTime<Utc>, DateTime<Utc>)>,
    /// The day being added to, not yet in `days`.
    cur: Option<(NaiveDate, DateTime<Utc>, DateTime<Utc>)>,
}

impl SpanAcc {
    pub(crate) fn add(&mut self, t: Option<DateTime<Utc>>) {
        self.records += 1;
        let Some(t) = t else {
            self.undated += 1;
            return;
        };
        let day = t.naive_utc().date();
        match &mut self.cur {
            Some((d, a, b)) if *d == day => {
                if t < *a {
                    *a = t;
                }
                if t > *b {
                    *b = t;
                }
            }
            cur => {
                if let Some((d, a, b)) = cur.replace((day, t, t)) {
                    Self::put(&mut self.days, d, a, b);
                }
            }
        }
    }

    fn put(
        days: &mut BTreeMap<NaiveDate, (DateTime<Utc>, DateTime<Utc>)>,
        d: NaiveDate,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) {
        let e = days.entry(d).or_insert((a, b));
        if a < e.0 {
            e.0 = a;
        }
        if b > e.1 {
            e.1 = b;
        }
    }

    /// Move the current day into the map.
    fn flush(&mut self) {
        if let Some((d, a, b)) = self.cur.take() {
            Self::put(&mut self.days, d, a, b);
        }
    }

    pub(crate) fn merge(&mut self, mut other: SpanAcc) {
        self.flush();
        other.flush();
        self.paths.extend(other.paths);
        self.records += other.records;
        self.undated += other.undated;
        for (d, (a, b)) in other.days {
            Self::put(&mut self.days, d, a, b);
        }
    }

    fn into_span(mut self, source: String) -> SourceSpan {
        self.flush();
        self.paths.sort();
        self.paths.dedup();
        let first = self.days.values().next().map(|d| d.0);
        let last = self.days.values().next_back().map(|d| d.1);
        let mut gaps = Vec::new();
        let mut prev: Option<DateTime<Utc>> = None;
        for (a, b) in self.days.values() {
            if let Some(p) = prev
                && *a - p > chrono::Duration::days(1)
            {
                gaps.push(Gap { from: p, to: *a });
            }
            prev = Some(*b);
        }
        let mut warnings = Vec::new();
        match first {
            Some(f) if f.date_naive() > exposure_start() => warnings.push(format!(
                "{source}: logs start on {}; anything earlier cannot be judged (ProxyLogon \
                 exploitation was seen from {})",
                f.format("%Y-%m-%d"),
                exposure_start()
            )),
            None => warnings.push(format!("{source}: no line has a readable timestamp")),
            _ => {}
        }
        for g in &gaps {
            warnings.push(format!(
                "{source}: no lines from {} to {}; that period cannot be judged",
                g.from.format("%Y-%m-%d %H:%M"),
                g.to.format("%Y-%m-%d %H:%M")
            ));
        }
        if self.undated > 0 && first.is_some() {
            let lines = if self.undated == 1 { "line has" } else { "lines have" };
            warnings.push(format!("{source}: {} {lines} no readable timestamp", self.undated));
        }
        SourceSpan { source, paths: self.paths, records: self.records, first, last, gaps, warnings }
    }
}

/// Spans of every source, sorted by name.
pub(crate) fn spans(acc: BTreeMap<String, SpanAcc>) -> Vec<SourceSpan> {
    acc.into_iter().map(|(k, v)| v.into_span(k)).collect()
}

/// The log source a file belongs to, from its folder names and format:
/// `IIS W3SVC1`, `HttpProxy/Owa`, `ECP Server`, `OAB generator`, …
pub(crate) fn source_name(path: &Path, format: LogFormat, log_type: Option<&str>) -> String {
    let parts: Vec<String> = path
        .parent()
        .map(|p| p.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    let lower: Vec<String> = parts.iter().map(|p| p.to_ascii_lowercase()).collect();
    let parent = parts.last().cloned().unwrap_or_default();
    match format {
        LogFormat::W3c => {
            if let Some(site) =
                parts.iter().rev().find(|p| p.to_ascii_uppercase().starts_with("W3SVC"))
            {
                format!("IIS {site}")
            } else {
                format!("IIS W3C ({parent})")
            }
        }
        LogFormat::ExchangeCsv => {
            if let Some(i) = lower.iter().rposition(|p| p == "httpproxy") {
                match parts.get(i + 1) {
                    Some(proto) => format!("HttpProxy/{proto}"),
                    None => "HttpProxy".into(),
                }
            } else if lower.iter().any(|p| p == "ecp") && parent.eq_ignore_ascii_case("server") {
                "ECP Server".into()
            } else if lower.iter().any(|p| p == "oabgeneratorlog") {
                "OAB generator".into()
            } else {
                let lt = log_type.unwrap_or("Exchange log");
                format!("{lt} ({parent})")
            }
        }
        LogFormat::AccessLog => format!("web access log ({parent})"),
        _ => format!("JSON access log ({parent})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
    }

    #[test]
    fn span_gap_and_late_start() {
        let mut acc = SpanAcc::default();
        for s in [
            "2021-03-20T10:00:00Z",
            "2021-03-20T23:00:00Z",
            "2021-03-21T08:00:00Z",
            "2021-03-25T09:00:00Z",
        ] {
            acc.add(t(s));
        }
        let span = acc.into_span("IIS W3SVC1".into());
        assert_eq!(span.records, 4);
        assert_eq!(span.first, t("2021-03-20T10:00:00Z"));
        assert_eq!(span.last, t("2021-03-25T09:00:00Z"));
        assert_eq!(span.gaps.len(), 1);
        assert_eq!(span.gaps[0].from, t("2021-03-21T08:00:00Z").unwrap_or_default());
        assert!(
            span.warnings[0]
                .contains("logs start on 2021-03-20; anything earlier cannot be judged")
        );
    }

    #[test]
    fn names() {
        let p = Path::new(
            "/mnt/img/Program Files/Microsoft/Exchange Server/V15/Logging/HttpProxy/Owa/HttpProxy_2021030301-1.LOG",
        );
        assert_eq!(source_name(p, LogFormat::ExchangeCsv, None), "HttpProxy/Owa");
        let p = Path::new("/mnt/img/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log");
        assert_eq!(source_name(p, LogFormat::W3c, None), "IIS W3SVC1");
        let p = Path::new("/x/Logging/ECP/Server/ECPServer2021030300-1.LOG");
        assert_eq!(source_name(p, LogFormat::ExchangeCsv, None), "ECP Server");
    }
}
