//! [`SigmaMatcher`]: evaluates the indexed rules on one event at a time,
//! with a per-event field cache and no allocation on the no-match path.

use crate::condition::Cond;
use crate::correlation::{CorrelationInput, EventRef};
use crate::detection::{Item, Selection};
use crate::line_filter::{LineFilter, LineMarks};
use crate::prefilter::Bucket;
use crate::rules::{Compiled, SigmaRules, Slot};
use crate::text::lower_into;
use crate::value::{FieldId, RefKind, Test};
use chrono::{DateTime, Utc};
use std::fmt::Write;
use vigie_model::{Event, Value};

/// One rule that matched one event.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The rule (index into [`SigmaRules::rules`]).
    pub rule: usize,
    /// The caller's source tag (see [`SigmaMatcher::set_source`]).
    pub source: u32,
    /// Event time.
    pub time: Option<DateTime<Utc>>,
    /// Channel.
    pub channel: Option<String>,
    /// Computer name.
    pub computer: Option<String>,
    /// EventRecordID.
    pub record_id: Option<u64>,
    /// Event id.
    pub event_id: Option<u32>,
    /// Provider name.
    pub provider: Option<String>,
    /// The fields the rule reads that the event has, with their values.
    pub fields: Vec<(String, String)>,
    /// hayabusa `details` rendered with the event's fields.
    pub details: Option<String>,
}

#[derive(Default)]
struct FieldSlot {
    epoch: u32,
    /// 0 absent, 1 null, 2 value.
    state: u8,
    orig: String,
    lower: String,
    num: Option<f64>,
}

/// Per-event field values, resolved once and reused by every rule.
#[derive(Default)]
struct Cache {
    epoch: u32,
    slots: Vec<FieldSlot>,
    kw_epoch: u32,
    kw_orig: String,
    kw_lower: String,
    kw_ranges: Vec<(usize, usize, usize, usize)>,
    tmp: String,
}

/// Evaluates rules on events; one per thread. Hits are appended to the
/// caller's vector; correlation inputs accumulate inside until
/// [`SigmaMatcher::take_correlation_inputs`].
pub struct SigmaMatcher<'r> {
    rules: &'r SigmaRules,
    cache: Cache,
    chan: String,
    source: u32,
    corr: Vec<CorrelationInput>,
    evaluated: u64,
    /// Per-rule marks (cache epoch) for the prefilter.
    marks: Vec<u32>,
    cand: Vec<u32>,
    /// Needle marks of the whole-line prefilter.
    line_marks: LineMarks,
}

impl<'r> SigmaMatcher<'r> {
    pub(crate) fn new(rules: &'r SigmaRules) -> Self {
        let mut cache = Cache::default();
        cache.slots.resize_with(rules.fields.len(), FieldSlot::default);
        SigmaMatcher {
            rules,
            cache,
            chan: String::new(),
            source: 0,
            corr: Vec::new(),
            evaluated: 0,
            marks: vec![0; rules.compiled.len()],
            cand: Vec::new(),
            line_marks: LineMarks::default(),
        }
    }

    /// Tag the following events with `source` (e.g. the input file's index)
    /// so hits and correlation events can be traced back.
    pub fn set_source(&mut self, source: u32) {
        self.source = source;
    }

    /// Number of rule evaluations so far (a measure of index efficiency).
    pub fn evaluations(&self) -> u64 {
        self.evaluated
    }

    /// Whole-line prefilter for text logs: `false` when no rule can match an
    /// event whose every value (fields and keywords, as the matcher reads
    /// them) is empty or a substring of `text` — possibly with some
    /// characters turned into spaces, as IIS `+`-encoding is decoded. On
    /// `false`, [`SigmaMatcher::matches`] would find nothing and may be
    /// skipped; `true` means "evaluate". A text with a non-ASCII byte always
    /// gives `true`. The needles are built on first use (once per rule set).
    ///
    /// For a log line, `text` is the line itself or, when values are
    /// unescaped (CSV, JSON), the concatenation of every value.
    pub fn may_match_text(&mut self, text: &str) -> bool {
        let filter = self.rules.line_filter.get_or_init(|| LineFilter::new(self.rules));
        filter.may_match(text, &mut self.line_marks)
    }

    /// Evaluate every rule that applies to `event` (by channel and event id)
    /// and append a [`Hit`] per matching rule to `out`. Returns the number
    /// of hits added.
    pub fn matches(&mut self, event: &dyn Event, out: &mut Vec<Hit>) -> usize {
        let before = out.len();
        self.cache.epoch = self.cache.epoch.wrapping_add(1);
        if self.cache.epoch == 0 {
            self.cache.slots.iter_mut().for_each(|s| s.epoch = 0);
            self.marks.iter_mut().for_each(|m| *m = 0);
            self.cache.kw_epoch = 0;
            self.cache.epoch = 1;
        }
        let index = &self.rules.index;
        let eid = event.event_id();
        let slot: Option<&Slot> = match event.channel() {
            Some(c) => {
                lower_into(&c, &mut self.chan);
                index.channels.get(self.chan.as_str())
            }
            None => None,
        };
        let buckets: [Option<&Bucket>; 4] = [
            slot.and_then(|s| eid.and_then(|e| s.by_eid.get(&e))),
            slot.map(|s| &s.any),
            eid.and_then(|e| index.any.by_eid.get(&e)),
            Some(&index.any.any),
        ];
        let mut cand = std::mem::take(&mut self.cand);
        cand.clear();
        for bucket in buckets.into_iter().flatten() {
            self.candidates(event, bucket, &mut cand);
        }
        cand.sort_unstable();
        cand.dedup();
        for &ci in &cand {
            let comp = &self.rules.compiled[ci as usize];
            self.evaluated += 1;
            let mut ev = Eval { event, cache: &mut self.cache, rules: self.rules };
            if ev.cond(&comp.cond, comp) {
                self.record(event, ci, out);
            }
        }
        self.cand = cand;
        out.len() - before
    }

    /// Add the rules of `bucket` worth evaluating: those without a witness,
    /// and those one of whose witness literals occurs in its field.
    fn candidates(&mut self, event: &dyn Event, bucket: &Bucket, cand: &mut Vec<u32>) {
        cand.extend_from_slice(&bucket.always);
        let epoch = self.cache.epoch;
        for scan in &bucket.scans {
            let mut ev = Eval { event, cache: &mut self.cache, rules: self.rules };
            ev.load(scan.field);
            let slot = &self.cache.slots[scan.field as usize];
            if slot.state != 2 {
                continue;
            }
            for m in scan.ac.find_overlapping_iter(slot.lower.as_str()) {
                for &r in &scan.rules[m.pattern().as_usize()] {
                    let mark = &mut self.marks[r as usize];
                    if *mark != epoch {
                        *mark = epoch;
                        cand.push(r);
                    }
                }
            }
        }
    }

    /// Take the correlation inputs gathered so far (give them, from every
    /// thread, to [`SigmaRules::correlate`]).
    pub fn take_correlation_inputs(&mut self) -> Vec<CorrelationInput> {
        std::mem::take(&mut self.corr)
    }

    fn record(&mut self, event: &dyn Event, ci: u32, out: &mut Vec<Hit>) {
        let comp = &self.rules.compiled[ci as usize];
        let time = event.timestamp();
        let record_id = event.field("EventRecordID").and_then(|v| v.as_f64()).map(|n| n as u64);
        if !comp.feeds.is_empty() {
            let eref = EventRef { rule: comp.info as usize, source: self.source, record_id, time };
            for &corr in &comp.feeds {
                let c = &self.rules.correlations[corr as usize];
                let Some(pos) = c.rules.iter().position(|&r| r == ci) else {
                    continue;
                };
                let mut ev = Eval { event, cache: &mut self.cache, rules: self.rules };
                let group =
                    c.group_fields[pos].iter().map(|&f| ev.text(f).unwrap_or_default()).collect();
                let value = c.value_fields[pos].and_then(|f| ev.text(f));
                self.corr.push(CorrelationInput {
                    corr,
                    pos: pos as u32,
                    time_ms: time.map(|t| t.timestamp_millis()).unwrap_or(0),
                    group,
                    value,
                    event: eref.clone(),
                });
            }
        }
        if !comp.emit {
            return;
        }
        let mut ev = Eval { event, cache: &mut self.cache, rules: self.rules };
        let fields = comp
            .fields
            .iter()
            .filter_map(|&f| Some((self.rules.fields[f as usize][0].clone(), ev.text(f)?)))
            .collect();
        let info = &self.rules.infos[comp.info as usize];
        let details = info.details.as_deref().map(|t| render_details(t, event));
        out.push(Hit {
            rule: comp.info as usize,
            source: self.source,
            time,
            channel: event.channel().map(|c| c.into_owned()),
            computer: text_of(event, &["Computer", "ComputerName", "Hostname"]),
            record_id,
            event_id: event.event_id(),
            provider: text_of(event, &["Provider_Name", "ProviderName", "Provider"]),
            fields,
            details,
        });
    }
}

fn text_of(event: &dyn Event, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| event.field(n))
        .map(|v| v.as_text().into_owned())
        .filter(|s| !s.is_empty())
}

/// Replace `%Field%` in a hayabusa `details` template with the event's values.
fn render_details(t: &str, event: &dyn Event) -> String {
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(a) = rest.find('%') {
        out.push_str(&rest[..a]);
        let after = &rest[a + 1..];
        match after.find('%') {
            Some(b) if !after[..b].contains(char::is_whitespace) && b > 0 => {
                let name = &after[..b];
                match event.field(name) {
                    Some(v) => out.push_str(&v.as_text()),
                    None => out.push('-'),
                }
                rest = &after[b + 1..];
            }
            _ => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

struct Eval<'a, 'e> {
    event: &'e dyn Event,
    cache: &'a mut Cache,
    rules: &'a SigmaRules,
}

impl Eval<'_, '_> {
    fn cond(&mut self, c: &Cond, comp: &Compiled) -> bool {
        match c {
            Cond::Sel(i) => self.sel(&comp.sels[*i as usize]),
            Cond::And(v) => v.iter().all(|c| self.cond(c, comp)),
            Cond::Or(v) => v.iter().any(|c| self.cond(c, comp)),
            Cond::Not(c) => !self.cond(c, comp),
            Cond::AtLeast(n, v) => {
                let mut k = 0;
                for c in v {
                    if self.cond(c, comp) {
                        k += 1;
                        if k >= *n {
                            return true;
                        }
                    }
                }
                false
            }
        }
    }

    fn sel(&mut self, s: &Selection) -> bool {
        match s {
            Selection::All(items) => items.iter().all(|it| self.item(it)),
            Selection::Any(alts) => alts.iter().any(|a| self.sel(a)),
        }
    }

    fn item(&mut self, it: &Item) -> bool {
        match it {
            Item::Field(f, t) => {
                self.load(*f);
                self.test(t, *f)
            }
            Item::Keyword(t) => self.keyword(t),
        }
    }

    /// Resolve field `f` for this event into the cache.
    fn load(&mut self, f: FieldId) {
        let epoch = self.cache.epoch;
        let slot = &mut self.cache.slots[f as usize];
        if slot.epoch == epoch {
            return;
        }
        slot.epoch = epoch;
        slot.state = 0;
        slot.num = None;
        let names = &self.rules.fields[f as usize];
        let mut value = names.iter().find_map(|n| self.event.field(n));
        if value.is_none() {
            value = match names[0].as_str() {
                "EventID" => self.event.event_id().map(|e| Value::UInt(u64::from(e))),
                "Channel" => self.event.channel().map(|c| Value::Str(c.into_owned().into())),
                _ => None,
            };
        }
        let Some(v) = value else { return };
        slot.orig.clear();
        match &v {
            Value::Null => {
                slot.state = 1;
                slot.lower.clear();
                return;
            }
            Value::Str(s) => slot.orig.push_str(s),
            Value::Bool(b) => slot.orig.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(slot.orig, "{i}");
                slot.num = Some(*i as f64);
            }
            Value::UInt(u) => {
                let _ = write!(slot.orig, "{u}");
                slot.num = Some(*u as f64);
            }
            Value::Float(x) => {
                let _ = write!(slot.orig, "{x}");
                slot.num = Some(*x);
            }
        }
        slot.state = 2;
        let FieldSlot { orig, lower, .. } = slot;
        lower_into(orig, lower);
    }

    fn test(&mut self, t: &Test, f: FieldId) -> bool {
        let slot = &self.cache.slots[f as usize];
        match t {
            Test::Null => slot.state < 2 || slot.orig.is_empty(),
            Test::Exists(want) => (slot.state > 0) == *want,
            Test::Any(v) => v.iter().any(|t| self.test(t, f)),
            Test::All(v) => v.iter().all(|t| self.test(t, f)),
            _ if slot.state == 0 => false,
            Test::Str { set, cased } => set.is_match(if *cased { &slot.orig } else { &slot.lower }),
            Test::Regex { res, all } => {
                if *all {
                    res.iter().all(|r| r.is_match(&slot.orig))
                } else {
                    res.iter().any(|r| r.is_match(&slot.orig))
                }
            }
            Test::Cidr(nets) => nets.iter().any(|n| n.contains(&slot.orig)),
            Test::Num { op, vals, all } => {
                let Some(x) = slot.num.or_else(|| parse_num(&slot.orig)) else { return false };
                if *all {
                    vals.iter().all(|v| op.holds(x, *v))
                } else {
                    vals.iter().any(|v| op.holds(x, *v))
                }
            }
            Test::NotEqual(vals) => !vals.contains(&slot.lower),
            Test::FieldRef { others, kind, cased, all } => {
                let mine = if *cased { slot.orig.clone() } else { slot.lower.clone() };
                let mut check = |o: FieldId| {
                    self.load(o);
                    let os = &self.cache.slots[o as usize];
                    if os.state == 0 {
                        return false;
                    }
                    let other = if *cased { &os.orig } else { &os.lower };
                    match kind {
                        RefKind::Equal => mine == *other,
                        RefKind::Prefix => mine.starts_with(other.as_str()),
                        RefKind::Suffix => mine.ends_with(other.as_str()),
                        RefKind::Contains => mine.contains(other.as_str()),
                    }
                };
                if *all {
                    others.iter().all(|&o| check(o))
                } else {
                    others.iter().any(|&o| check(o))
                }
            }
        }
    }

    /// Keyword test: any field value passes.
    fn keyword(&mut self, t: &Test) -> bool {
        self.load_keywords();
        let c = &*self.cache;
        if let Test::Str { set, cased } = t
            && set.is_all()
        {
            return set.is_match(if *cased { &c.kw_orig } else { &c.kw_lower });
        }
        c.kw_ranges.iter().any(|&(a, b, la, lb)| kw_test(t, &c.kw_orig[a..b], &c.kw_lower[la..lb]))
    }

    fn load_keywords(&mut self) {
        if self.cache.kw_epoch == self.cache.epoch {
            return;
        }
        let c = &mut *self.cache;
        c.kw_epoch = c.epoch;
        c.kw_orig.clear();
        c.kw_lower.clear();
        c.kw_ranges.clear();
        let (orig, lower, ranges, tmp) =
            (&mut c.kw_orig, &mut c.kw_lower, &mut c.kw_ranges, &mut c.tmp);
        self.event.for_each_field(&mut |_, v| {
            if !orig.is_empty() {
                orig.push('\n');
                lower.push('\n');
            }
            let a = orig.len();
            let _ = match &v {
                Value::Str(s) => {
                    orig.push_str(s);
                    Ok(())
                }
                other => write!(orig, "{}", other.as_text()),
            };
            let b = orig.len();
            lower_into(&orig[a..b], tmp);
            let la = lower.len();
            lower.push_str(tmp);
            ranges.push((a, b, la, lower.len()));
        });
    }

    /// The field's text (original case), for evidence and correlation.
    fn text(&mut self, f: FieldId) -> Option<String> {
        self.load(f);
        let s = &self.cache.slots[f as usize];
        (s.state == 2).then(|| s.orig.clone())
    }
}

fn kw_test(t: &Test, orig: &str, lower: &str) -> bool {
    match t {
        Test::Str { set, cased } => set.is_match(if *cased { orig } else { lower }),
        Test::Regex { res, all } => {
            if *all {
                res.iter().all(|r| r.is_match(orig))
            } else {
                res.iter().any(|r| r.is_match(orig))
            }
        }
        Test::Cidr(n) => n.iter().any(|n| n.contains(orig)),
        Test::Any(v) => v.iter().any(|t| kw_test(t, orig, lower)),
        Test::All(v) => v.iter().all(|t| kw_test(t, orig, lower)),
        _ => false,
    }
}

fn parse_num(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u64::from_str_radix(h, 16).ok().map(|n| n as f64);
    }
    s.parse().ok()
}
