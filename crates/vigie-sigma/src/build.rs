//! Compile the gathered documents: metadata, filters, detections, the rule
//! index, and correlations.

use crate::compiler::{Options, RawDoc, SigmaCompiler};
use crate::condition::{Aggregation, Cond};
use crate::correlation::{CmpOp, CorrKind, Correlation, parse_timespan};
use crate::detection::{self, Detection};
use crate::info::{LoadStatus, LogSource, RuleInfo, RuleKind};
use crate::logsource::{self, Mapped, Rename};
use crate::rules::{Compiled, IndexBuilder, SigmaRules};
use crate::value::{FieldId, ValueCtx};
use serde_yaml::Value as Y;
use std::collections::HashMap;
use vigie_model::Severity;

/// Interned field candidate lists.
#[derive(Default)]
pub(crate) struct FieldTable {
    pub list: Vec<Box<[String]>>,
    map: HashMap<Box<[String]>, FieldId>,
}

impl FieldTable {
    pub(crate) fn intern(&mut self, name: &str, renames: &[Rename]) -> FieldId {
        let mut cands = vec![name.to_string()];
        for (sigma, others) in renames {
            if sigma.eq_ignore_ascii_case(name) {
                cands.extend(others.iter().map(|s| s.to_string()));
            }
        }
        let key: Box<[String]> = cands.into_boxed_slice();
        if let Some(id) = self.map.get(&key) {
            return *id;
        }
        let id = self.list.len() as FieldId;
        self.list.push(key.clone());
        self.map.insert(key, id);
        id
    }
}

fn s(doc: &Y, key: &str) -> Option<String> {
    match doc.get(key)? {
        Y::String(s) => Some(s.clone()),
        Y::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn list(doc: &Y, key: &str) -> Vec<String> {
    match doc.get(key) {
        Some(Y::Sequence(v)) => v.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        Some(Y::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn metadata(doc: &Y, set: usize, file: &str, source: vigie_model::RuleSource) -> RuleInfo {
    let ls = doc.get("logsource");
    let lsv = |k: &str| ls.and_then(|l| s(l, k));
    let kind = if doc.get("correlation").is_some() {
        RuleKind::Correlation
    } else if doc.get("filter").is_some() && doc.get("detection").is_none() {
        RuleKind::Filter
    } else {
        RuleKind::Detection
    };
    RuleInfo {
        id: s(doc, "id").unwrap_or_else(|| file.to_string()),
        name: s(doc, "name"),
        title: s(doc, "title").unwrap_or_else(|| file.to_string()),
        status: s(doc, "status"),
        level: s(doc, "level"),
        author: s(doc, "author"),
        description: s(doc, "description").map(|d| d.trim().to_string()),
        references: list(doc, "references"),
        tags: list(doc, "tags"),
        falsepositives: list(doc, "falsepositives"),
        logsource: LogSource {
            product: lsv("product"),
            category: lsv("category"),
            service: lsv("service"),
        },
        kind,
        hayabusa: s(doc, "ruletype").is_some_and(|t| t.eq_ignore_ascii_case("hayabusa")),
        details: s(doc, "details"),
        file: file.to_string(),
        set,
        source,
        load: LoadStatus::Loaded,
        channels: Vec::new(),
        event_ids: Vec::new(),
        unrestricted: None,
        generates: true,
    }
}

struct State {
    infos: Vec<RuleInfo>,
    docs: Vec<Option<Y>>,
    fields: FieldTable,
    compiled: Vec<Compiled>,
    /// info index → compiled index
    compiled_of: HashMap<usize, u32>,
    correlations: Vec<Correlation>,
}

impl State {
    fn reject(&mut self, i: usize, reason: impl Into<String>) {
        self.infos[i].load = LoadStatus::Rejected { reason: reason.into() };
    }
}

pub(crate) fn build(c: SigmaCompiler) -> SigmaRules {
    let SigmaCompiler { opts, docs, mut sets } = c;
    let mut st = State {
        infos: Vec::new(),
        docs: Vec::new(),
        fields: FieldTable::default(),
        compiled: Vec::new(),
        compiled_of: HashMap::new(),
        correlations: Vec::new(),
    };
    for raw in docs {
        match raw {
            RawDoc::Doc { set, file, doc } => {
                st.infos.push(metadata(&doc, set, &file, sets[set].source));
                st.docs.push(Some(doc));
            }
            RawDoc::Broken { set, file, reason } => {
                let mut info = metadata(&Y::Null, set, &file, sets[set].source);
                info.load = LoadStatus::Rejected { reason };
                st.infos.push(info);
                st.docs.push(None);
            }
        }
    }
    let lookup = name_lookup(&st.infos);
    let referenced = crate::build_corr::referenced_rules(&mut st.infos, &st.docs, &lookup);
    let filters = crate::build_corr::filter_targets(&mut st.infos, &st.docs, &lookup);
    for i in 0..st.infos.len() {
        if st.infos[i].kind == RuleKind::Detection && st.docs[i].is_some() {
            compile_rule(&mut st, i, &opts, filters.get(&i).map(Vec::as_slice).unwrap_or(&[]));
            if st.infos[i].is_loaded() && !referenced.contains_key(&i) {
                if let Some(reason) = excluded(&st.infos[i], &opts) {
                    st.infos[i].load = LoadStatus::Excluded { reason };
                    st.compiled_of.remove(&i);
                }
            }
        }
    }
    crate::build_corr::compile_correlations(&mut st_view(&mut st), &lookup, &opts);
    // Index the loaded rules.
    let mut index = IndexBuilder::default();
    let skip = [st.fields.intern("EventID", &[]), st.fields.intern("Channel", &[])];
    let witnesses: Vec<_> =
        st.compiled.iter().map(|c| crate::prefilter::witness(c, &skip)).collect();
    for (ci, comp) in st.compiled.iter().enumerate() {
        let info = &st.infos[comp.info as usize];
        if !info.is_loaded() || !st.compiled_of.contains_key(&(comp.info as usize)) {
            continue;
        }
        let keys = index_keys(info);
        for (ch, eid) in keys {
            index.insert(ch.as_deref(), eid, ci as u32);
        }
    }
    for info in &st.infos {
        let set = &mut sets[info.set];
        match info.load {
            LoadStatus::Loaded => set.loaded += 1,
            LoadStatus::Rejected { .. } => set.rejected += 1,
            LoadStatus::Excluded { .. } => set.excluded += 1,
        }
    }
    let rule_refs = st.infos.iter().map(|_| std::sync::OnceLock::new()).collect();
    SigmaRules {
        rule_refs,
        infos: st.infos,
        compiled: st.compiled,
        fields: st.fields.list,
        index: index.finish(&witnesses),
        correlations: st.correlations,
        sets,
        line_filter: std::sync::OnceLock::new(),
    }
}

/// The mutable parts correlation compilation needs.
pub(crate) struct StView<'a> {
    pub infos: &'a mut Vec<RuleInfo>,
    pub docs: &'a [Option<Y>],
    pub fields: &'a mut FieldTable,
    pub compiled: &'a mut Vec<Compiled>,
    pub compiled_of: &'a HashMap<usize, u32>,
    pub correlations: &'a mut Vec<Correlation>,
}

fn st_view(st: &mut State) -> StView<'_> {
    StView {
        infos: &mut st.infos,
        docs: &st.docs,
        fields: &mut st.fields,
        compiled: &mut st.compiled,
        compiled_of: &st.compiled_of,
        correlations: &mut st.correlations,
    }
}

/// id and name → info indices.
pub(crate) fn name_lookup(infos: &[RuleInfo]) -> HashMap<String, Vec<usize>> {
    let mut map: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in infos.iter().enumerate() {
        map.entry(r.id.clone()).or_default().push(i);
        if let Some(n) = &r.name {
            map.entry(n.clone()).or_default().push(i);
        }
    }
    map
}

fn excluded(info: &RuleInfo, opts: &Options) -> Option<String> {
    if let Some(min) = opts.min_level {
        let lvl = Severity::from_sigma_level(info.level.as_deref().unwrap_or(""));
        if lvl < min {
            return Some(format!("level {} is below the minimum {min}", lvl.as_str()));
        }
    }
    if let Some(statuses) = &opts.statuses {
        let st = info.status.as_deref().unwrap_or("").to_ascii_lowercase();
        if !statuses.contains(&st) {
            return Some(format!("status `{st}` is not selected"));
        }
    }
    if let Some(tags) = &opts.tags {
        let has = info.tags.iter().any(|t| {
            let t = t.to_ascii_lowercase();
            tags.iter().any(|want| match want.strip_suffix('*') {
                Some(p) => t.starts_with(p),
                None => &t == want,
            })
        });
        if !has {
            return Some("no selected tag".into());
        }
    }
    None
}

fn compile_rule(st: &mut State, i: usize, opts: &Options, filters: &[usize]) {
    // Detection documents are not needed after this point: take, don't clone.
    let Some(mut doc) = st.docs[i].take() else { return };
    let ls = &st.infos[i].logsource;
    let mapped = logsource::map(
        ls.product.as_deref().unwrap_or(""),
        ls.category.as_deref().unwrap_or(""),
        ls.service.as_deref().unwrap_or(""),
    );
    let renames: &[Rename] = match &mapped {
        Mapped::Channels(r) | Mapped::Unrestricted(Some(r), _) => r.renames,
        Mapped::Unrestricted(None, _) => &[],
    };
    let Some(det_yaml) = doc.get_mut("detection") else {
        st.reject(i, "the rule has no `detection` section");
        return;
    };
    // hayabusa native rules may omit the condition: all selections must hold.
    if st.infos[i].hayabusa
        && let Y::Mapping(m) = det_yaml
        && !m.contains_key("condition")
    {
        m.insert(Y::from("condition"), Y::from("all of them"));
    }
    let det = match compile_det(&mut st.fields, det_yaml, renames, opts) {
        Ok(d) => d,
        Err(e) => return st.reject(i, e),
    };
    let Detection { mut sels, mut cond, agg, timeframe } = det;
    let eid_f = st.fields.intern("EventID", &[]);
    let chan_f = st.fields.intern("Channel", &[]);
    let tmp = Detection { sels, cond, agg: None, timeframe: None };
    let det_eids: Option<Vec<u32>> = detection::required(&tmp, eid_f)
        .and_then(|v| v.iter().map(|s| s.trim().parse().ok()).collect());
    let det_chans = detection::required(&tmp, chan_f);
    Detection { sels, cond, .. } = tmp;
    // Sigma filters targeting this rule are ANDed to its condition.
    for &f in filters {
        let Some(mut fdoc) = st.docs[f].as_ref().and_then(|d| d.get("filter")).cloned() else {
            continue;
        };
        if let Y::Mapping(m) = &mut fdoc {
            m.remove("rules");
        }
        match compile_det(&mut st.fields, &fdoc, renames, opts) {
            Ok(fd) => {
                let off = sels.len() as u32;
                sels.extend(fd.sels);
                cond = Cond::And(vec![cond, shift(fd.cond, off)]);
            }
            Err(e) => st.reject(f, format!("filter: {e}")),
        }
    }
    let mut fields = Vec::new();
    sels.iter().for_each(|s| detection::fields_of(s, &mut fields));
    set_channels(&mut st.infos[i], &mapped, det_eids, det_chans);
    let ci = st.compiled.len() as u32;
    st.compiled.push(Compiled {
        info: i as u32,
        sels,
        cond,
        fields,
        emit: true,
        feeds: Vec::new(),
    });
    st.compiled_of.insert(i, ci);
    if let Some(agg) = agg {
        legacy_aggregation(st, i, ci, &agg, timeframe.as_deref(), renames);
    }
}

fn compile_det(
    fields: &mut FieldTable,
    det: &Y,
    renames: &[Rename],
    opts: &Options,
) -> Result<Detection, String> {
    let mut intern = |name: &str| fields.intern(name, renames);
    let mut ctx = ValueCtx { placeholders: &opts.placeholders, intern: &mut intern };
    detection::compile(det, &mut ctx)
}

fn shift(c: Cond, off: u32) -> Cond {
    match c {
        Cond::Sel(i) => Cond::Sel(i + off),
        Cond::And(v) => Cond::And(v.into_iter().map(|c| shift(c, off)).collect()),
        Cond::Or(v) => Cond::Or(v.into_iter().map(|c| shift(c, off)).collect()),
        Cond::Not(b) => Cond::Not(Box::new(shift(*b, off))),
        Cond::AtLeast(n, v) => Cond::AtLeast(n, v.into_iter().map(|c| shift(c, off)).collect()),
    }
}

/// Decide the channels / event ids of a rule from its logsource mapping and
/// the `EventID` / `Channel` values its condition requires.
fn set_channels(
    info: &mut RuleInfo,
    mapped: &Mapped,
    det_eids: Option<Vec<u32>>,
    det_chans: Option<Vec<String>>,
) {
    let mut channels = Vec::new();
    let mut eids: Vec<u32> = Vec::new();
    if let Mapped::Channels(row) = mapped {
        for spec in row.channels {
            if let Some(dc) = &det_chans
                && !dc.iter().any(|c| c.eq_ignore_ascii_case(spec.channel))
            {
                continue;
            }
            let ids: Vec<u32> = match (&det_eids, spec.event_ids.is_empty()) {
                (None, _) => spec.event_ids.to_vec(),
                (Some(d), true) => d.clone(),
                (Some(d), false) => {
                    let x: Vec<u32> =
                        spec.event_ids.iter().copied().filter(|e| d.contains(e)).collect();
                    if x.is_empty() {
                        continue;
                    }
                    x
                }
            };
            channels.push(spec.channel.to_string());
            eids.extend(ids);
        }
    }
    if channels.is_empty() {
        if let Some(dc) = det_chans {
            channels = dc;
        } else if let Mapped::Channels(row) = mapped {
            channels = row.channels.iter().map(|s| s.channel.to_string()).collect();
        }
        eids = det_eids.unwrap_or_default();
    }
    if channels.is_empty()
        && let Mapped::Unrestricted(_, reason) = mapped
    {
        info.unrestricted = Some(reason.clone());
    }
    eids.sort_unstable();
    eids.dedup();
    channels.dedup();
    info.channels = channels;
    info.event_ids = eids;
}

/// Index keys: (channel, event id) pairs; `None` means any.
fn index_keys(info: &RuleInfo) -> Vec<(Option<String>, Option<u32>)> {
    let eids: Vec<Option<u32>> = if info.event_ids.is_empty() {
        vec![None]
    } else {
        info.event_ids.iter().map(|e| Some(*e)).collect()
    };
    let chans: Vec<Option<String>> = if info.channels.is_empty() {
        vec![None]
    } else {
        info.channels.iter().map(|c| Some(c.to_lowercase())).collect()
    };
    chans.iter().flat_map(|c| eids.iter().map(move |e| (c.clone(), *e))).collect()
}

/// A Sigma 1.x `| count(field) by group op N` becomes an implicit
/// correlation over the rule itself.
fn legacy_aggregation(
    st: &mut State,
    info: usize,
    ci: u32,
    agg: &Aggregation,
    timeframe: Option<&str>,
    renames: &[Rename],
) {
    let span_ms = match timeframe {
        Some(t) => match parse_timespan(t) {
            Some(ms) => ms,
            None => return st.reject(info, format!("timeframe `{t}` is not understood")),
        },
        None => i64::MAX / 4,
    };
    let Some(op) = CmpOp::parse(&agg.op) else {
        return st.reject(info, format!("aggregation operator `{}` is not understood", agg.op));
    };
    let group: Vec<FieldId> = agg.group_by.iter().map(|g| st.fields.intern(g, renames)).collect();
    let value = agg.field.as_ref().map(|f| st.fields.intern(f, renames));
    let kind = if value.is_some() { CorrKind::ValueCount } else { CorrKind::EventCount };
    let corr = st.correlations.len() as u32;
    st.correlations.push(Correlation {
        info: info as u32,
        kind,
        rules: vec![ci],
        group_names: agg.group_by.iter().cloned().collect(),
        group_fields: vec![group],
        value_fields: vec![value],
        span_ms,
        cond: vec![(op, agg.value)],
    });
    let comp = &mut st.compiled[ci as usize];
    comp.emit = false;
    comp.feeds.push(corr);
    st.infos[info].generates = false;
}
