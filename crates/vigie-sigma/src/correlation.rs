//! Correlation rules: `event_count`, `value_count`, `temporal`,
//! `temporal_ordered`, `value_sum`, `value_avg`, `value_percentile`, run
//! after matching over the hits of every thread and file, sorted by time.

use crate::value::FieldId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashSet;

/// The correlation type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum CorrKind {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile(f64),
}

/// A comparison in a correlation `condition`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

impl CmpOp {
    pub(crate) fn parse(s: &str) -> Option<CmpOp> {
        Some(match s {
            "gt" | ">" => CmpOp::Gt,
            "gte" | ">=" => CmpOp::Gte,
            "lt" | "<" => CmpOp::Lt,
            "lte" | "<=" => CmpOp::Lte,
            "eq" | "=" | "==" => CmpOp::Eq,
            "neq" | "!=" => CmpOp::Neq,
            _ => return None,
        })
    }

    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Gt => a > b,
            CmpOp::Gte => a >= b,
            CmpOp::Lt => a < b,
            CmpOp::Lte => a <= b,
            CmpOp::Eq => a == b,
            CmpOp::Neq => a != b,
        }
    }
}

/// A compiled correlation.
#[derive(Debug)]
pub(crate) struct Correlation {
    /// The correlation's rule (index into `SigmaRules::rules`).
    pub info: u32,
    pub kind: CorrKind,
    /// Compiled rules it correlates (in order, for `temporal_ordered`).
    pub rules: Vec<u32>,
    /// `group-by` names (aliases resolved per rule in `group_fields`).
    pub group_names: Vec<String>,
    /// `[rule position][group index]` → field to read.
    pub group_fields: Vec<Vec<FieldId>>,
    /// `[rule position]` → the value field (`condition.field`).
    pub value_fields: Vec<Option<FieldId>>,
    /// Window length in milliseconds.
    pub span_ms: i64,
    /// All must hold.
    pub cond: Vec<(CmpOp, f64)>,
}

/// One event as a correlation sees it: which rule matched, where and when.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRef {
    /// The rule that matched (index into [`crate::SigmaRules::rules`]).
    pub rule: usize,
    /// The caller's source tag (see [`crate::SigmaMatcher::set_source`]).
    pub source: u32,
    /// EventRecordID or record index.
    pub record_id: Option<u64>,
    /// Event time.
    pub time: Option<DateTime<Utc>>,
}

/// A base-rule match kept for correlation.
#[derive(Clone, Debug)]
pub struct CorrelationInput {
    pub(crate) corr: u32,
    pub(crate) pos: u32,
    pub(crate) time_ms: i64,
    pub(crate) group: Vec<String>,
    pub(crate) value: Option<String>,
    /// The event.
    pub event: EventRef,
}

/// A correlation that fired, with the events it grouped.
#[derive(Clone, Debug, Serialize)]
pub struct CorrelationHit {
    /// The correlation rule (index into [`crate::SigmaRules::rules`]).
    pub rule: usize,
    /// Time of the first grouped event.
    pub first: Option<DateTime<Utc>>,
    /// Time of the last grouped event.
    pub last: Option<DateTime<Utc>>,
    /// `group-by` field names and the group's values.
    pub group: Vec<(String, String)>,
    /// The measured value (count, distinct count, sum, average, percentile).
    pub value: f64,
    /// The grouped events, in time order.
    pub events: Vec<EventRef>,
}

/// Run every correlation over the inputs gathered by all matchers.
pub(crate) fn run(corrs: &[Correlation], mut inputs: Vec<CorrelationInput>) -> Vec<CorrelationHit> {
    inputs.sort_by(|a, b| (a.corr, &a.group, a.time_ms).cmp(&(b.corr, &b.group, b.time_ms)));
    let mut out = Vec::new();
    let mut start = 0;
    while start < inputs.len() {
        let mut end = start + 1;
        while end < inputs.len()
            && inputs[end].corr == inputs[start].corr
            && inputs[end].group == inputs[start].group
        {
            end += 1;
        }
        if let Some(c) = corrs.get(inputs[start].corr as usize) {
            run_group(c, &inputs[start..end], &mut out);
        }
        start = end;
    }
    out.sort_by_key(|h| (h.first, h.rule));
    out
}

fn run_group(c: &Correlation, evs: &[CorrelationInput], out: &mut Vec<CorrelationHit>) {
    let monotone = c.cond.iter().all(|(op, _)| matches!(op, CmpOp::Gt | CmpOp::Gte))
        && !matches!(c.kind, CorrKind::ValueAvg | CorrKind::ValuePercentile(_));
    let mut lo = 0;
    if monotone {
        // Sliding window: fire as soon as the condition holds, then restart.
        for hi in 0..evs.len() {
            while evs[hi].time_ms - evs[lo].time_ms > c.span_ms {
                lo += 1;
            }
            let w = &evs[lo..=hi];
            if let Some(v) = measure(c, w)
                && c.cond.iter().all(|(op, t)| op.holds(v, *t))
            {
                out.push(hit(c, w, v));
                lo = hi + 1;
            }
        }
    } else {
        // Anchored windows: each window starts at the first event not yet
        // used and is judged once complete.
        while lo < evs.len() {
            let mut hi = lo;
            while hi + 1 < evs.len() && evs[hi + 1].time_ms - evs[lo].time_ms <= c.span_ms {
                hi += 1;
            }
            let w = &evs[lo..=hi];
            if let Some(v) = measure(c, w)
                && c.cond.iter().all(|(op, t)| op.holds(v, *t))
            {
                out.push(hit(c, w, v));
            }
            lo = hi + 1;
        }
    }
}

fn measure(c: &Correlation, w: &[CorrelationInput]) -> Option<f64> {
    let nums = || w.iter().filter_map(|e| e.value.as_deref()?.trim().parse::<f64>().ok());
    Some(match c.kind {
        CorrKind::EventCount => w.len() as f64,
        CorrKind::ValueCount => {
            w.iter().filter_map(|e| e.value.as_deref()).collect::<HashSet<_>>().len() as f64
        }
        CorrKind::ValueSum => nums().sum(),
        CorrKind::ValueAvg => {
            let v: Vec<f64> = nums().collect();
            if v.is_empty() {
                return None;
            }
            v.iter().sum::<f64>() / v.len() as f64
        }
        CorrKind::ValuePercentile(p) => {
            let mut v: Vec<f64> = nums().collect();
            if v.is_empty() {
                return None;
            }
            v.sort_by(f64::total_cmp);
            let rank = ((p / 100.0) * (v.len() as f64 - 1.0)).round() as usize;
            v[rank.min(v.len() - 1)]
        }
        CorrKind::Temporal => {
            let seen: HashSet<u32> = w.iter().map(|e| e.pos).collect();
            let n = seen.len() as f64;
            if c.cond.is_empty() && seen.len() < c.rules.len() {
                return None;
            }
            n
        }
        CorrKind::TemporalOrdered => {
            let mut k = 0usize;
            for e in w {
                if e.pos as usize == k {
                    k += 1;
                    if k == c.rules.len() {
                        break;
                    }
                }
            }
            if k < c.rules.len() {
                return None;
            }
            k as f64
        }
    })
}

fn hit(c: &Correlation, w: &[CorrelationInput], value: f64) -> CorrelationHit {
    let group = c.group_names.iter().cloned().zip(w[0].group.iter().cloned()).collect();
    CorrelationHit {
        rule: c.info as usize,
        first: w.first().and_then(|e| e.event.time),
        last: w.last().and_then(|e| e.event.time),
        group,
        value,
        events: w.iter().map(|e| e.event.clone()).collect(),
    }
}

/// Parse a Sigma timespan (`30s`, `5m`, `1h`, `2d`, `1w`, `1M`, `1y`).
pub(crate) fn parse_timespan(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()].trim().parse().ok()?;
    let mult: i64 = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        'w' => 7 * 86_400_000,
        'M' => 30 * 86_400_000,
        'y' => 365 * 86_400_000,
        _ => return None,
    };
    n.checked_mul(mult)
}
