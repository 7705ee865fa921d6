//! Compile correlation rules and resolve Sigma filters' targets.

use crate::build::StView;
use crate::compiler::Options;
use crate::correlation::{CmpOp, CorrKind, Correlation, parse_timespan};
use crate::info::{LoadStatus, RuleInfo, RuleKind};
use crate::logsource::{self, Mapped, Rename};
use serde_yaml::Value as Y;
use std::collections::HashMap;

fn refs(v: Option<&Y>) -> Vec<String> {
    match v {
        Some(Y::Sequence(s)) => s.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        Some(Y::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Resolve a reference (id or name) to a rule, preferring `kind` and the
/// same file.
fn resolve(
    r: &str,
    infos: &[RuleInfo],
    lookup: &HashMap<String, Vec<usize>>,
    file: &str,
) -> Option<usize> {
    let cands = lookup.get(r)?;
    cands.iter().copied().find(|&i| infos[i].file == file).or_else(|| cands.first().copied())
}

/// Base rules referenced by correlations (base → correlations).
pub(crate) fn referenced_rules(
    infos: &mut [RuleInfo],
    docs: &[Option<Y>],
    lookup: &HashMap<String, Vec<usize>>,
) -> HashMap<usize, Vec<usize>> {
    let mut out: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, doc) in docs.iter().enumerate() {
        if infos[i].kind != RuleKind::Correlation {
            continue;
        }
        let Some(c) = doc.as_ref().and_then(|d| d.get("correlation")) else { continue };
        for r in refs(c.get("rules")) {
            if let Some(b) = resolve(&r, infos, lookup, &infos[i].file.clone()) {
                out.entry(b).or_default().push(i);
            }
        }
    }
    out
}

/// Detection rules targeted by each Sigma filter (target → filters).
pub(crate) fn filter_targets(
    infos: &mut [RuleInfo],
    docs: &[Option<Y>],
    lookup: &HashMap<String, Vec<usize>>,
) -> HashMap<usize, Vec<usize>> {
    let mut out: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, doc) in docs.iter().enumerate() {
        if infos[i].kind != RuleKind::Filter {
            continue;
        }
        let Some(f) = doc.as_ref().and_then(|d| d.get("filter")) else { continue };
        if f.get("condition").is_none() {
            infos[i].load = LoadStatus::Rejected { reason: "the filter has no `condition`".into() };
            continue;
        }
        let wanted = refs(f.get("rules"));
        let targets: Vec<usize> = if wanted.is_empty() {
            let ls = infos[i].logsource.clone();
            (0..infos.len())
                .filter(|&t| {
                    let o = &infos[t].logsource;
                    infos[t].kind == RuleKind::Detection
                        && ls.product.as_ref().is_none_or(|p| o.product.as_ref() == Some(p))
                        && ls.category.as_ref().is_none_or(|p| o.category.as_ref() == Some(p))
                        && ls.service.as_ref().is_none_or(|p| o.service.as_ref() == Some(p))
                })
                .collect()
        } else {
            let file = infos[i].file.clone();
            wanted.iter().filter_map(|r| resolve(r, infos, lookup, &file)).collect()
        };
        for t in targets {
            out.entry(t).or_default().push(i);
        }
    }
    out
}

fn renames_of(info: &RuleInfo) -> &'static [Rename] {
    let ls = &info.logsource;
    match logsource::map(
        ls.product.as_deref().unwrap_or(""),
        ls.category.as_deref().unwrap_or(""),
        ls.service.as_deref().unwrap_or(""),
    ) {
        Mapped::Channels(r) | Mapped::Unrestricted(Some(r), _) => r.renames,
        Mapped::Unrestricted(None, _) => &[],
    }
}

/// Compile every correlation document.
pub(crate) fn compile_correlations(
    v: &mut StView<'_>,
    lookup: &HashMap<String, Vec<usize>>,
    _opts: &Options,
) {
    let mut generate: HashMap<u32, bool> = HashMap::new();
    for i in 0..v.infos.len() {
        if v.infos[i].kind != RuleKind::Correlation || !v.infos[i].is_loaded() {
            continue;
        }
        let Some(c) = v.docs[i].as_ref().and_then(|d| d.get("correlation")).cloned() else {
            continue;
        };
        match compile_one(v, i, &c, lookup) {
            Ok((corr, gen_flag)) => {
                let idx = v.correlations.len() as u32;
                let mut chans = Vec::new();
                for &ci in &corr.rules {
                    let comp = &mut v.compiled[ci as usize];
                    comp.feeds.push(idx);
                    let e = generate.entry(ci).or_insert(false);
                    *e |= gen_flag;
                    chans.extend(v.infos[comp.info as usize].channels.iter().cloned());
                }
                chans.sort();
                chans.dedup();
                v.infos[i].channels = chans;
                v.correlations.push(corr);
            }
            Err(e) => v.infos[i].load = LoadStatus::Rejected { reason: e },
        }
    }
    for (ci, g) in generate {
        let comp = &mut v.compiled[ci as usize];
        comp.emit = g;
        v.infos[comp.info as usize].generates = g;
    }
}

fn compile_one(
    v: &mut StView<'_>,
    i: usize,
    c: &Y,
    lookup: &HashMap<String, Vec<usize>>,
) -> Result<(Correlation, bool), String> {
    let ty = c.get("type").and_then(Y::as_str).ok_or("correlation has no `type`")?;
    let cond_map = c.get("condition");
    let num = |k: &str| cond_map.and_then(|m| m.get(k)).and_then(Y::as_f64);
    let kind = match ty {
        "event_count" => CorrKind::EventCount,
        "value_count" => CorrKind::ValueCount,
        "temporal" => CorrKind::Temporal,
        "temporal_ordered" => CorrKind::TemporalOrdered,
        "value_sum" => CorrKind::ValueSum,
        "value_avg" => CorrKind::ValueAvg,
        "value_percentile" => CorrKind::ValuePercentile(num("percentile").unwrap_or(50.0)),
        other => return Err(format!("unknown correlation type `{other}`")),
    };
    let file = v.infos[i].file.clone();
    let mut rules = Vec::new();
    let mut rule_infos = Vec::new();
    for r in refs(c.get("rules")) {
        let b = resolve(&r, v.infos, lookup, &file)
            .ok_or_else(|| format!("references unknown rule `{r}`"))?;
        match v.infos[b].kind {
            RuleKind::Correlation => {
                return Err(format!(
                    "references correlation `{r}`: chained correlations are not supported"
                ));
            }
            RuleKind::Filter => return Err(format!("references filter `{r}`")),
            RuleKind::Detection => {}
        }
        let ci = v.compiled_of.get(&b).copied().ok_or_else(|| match &v.infos[b].load {
            LoadStatus::Rejected { reason } => {
                format!("references rule `{r}`, which was rejected ({reason})")
            }
            _ => format!("references rule `{r}`, which is not loaded"),
        })?;
        rules.push(ci);
        rule_infos.push(b);
    }
    if rules.is_empty() {
        return Err("correlation lists no `rules`".into());
    }
    let span = c
        .get("timespan")
        .or_else(|| c.get("timeframe"))
        .and_then(Y::as_str)
        .ok_or("correlation has no `timespan`")?;
    let span_ms =
        parse_timespan(span).ok_or_else(|| format!("timespan `{span}` is not understood"))?;
    let group_names = refs(c.get("group-by"));
    let aliases = c.get("aliases");
    let value_name = cond_map.and_then(|m| m.get("field")).and_then(Y::as_str).map(str::to_string);
    let needs_value = matches!(
        kind,
        CorrKind::ValueCount
            | CorrKind::ValueSum
            | CorrKind::ValueAvg
            | CorrKind::ValuePercentile(_)
    );
    if needs_value && value_name.is_none() {
        return Err(format!("`{ty}` needs `condition.field`"));
    }
    let mut group_fields = Vec::new();
    let mut value_fields = Vec::new();
    for &b in &rule_infos {
        let renames = renames_of(&v.infos[b]);
        let mut g = Vec::new();
        for name in &group_names {
            let field = aliases
                .and_then(|a| a.get(name.as_str()))
                .and_then(|m| {
                    let info = &v.infos[b];
                    info.name.as_deref().and_then(|n| m.get(n)).or_else(|| m.get(info.id.as_str()))
                })
                .and_then(Y::as_str)
                .unwrap_or(name);
            g.push(v.fields.intern(field, renames));
        }
        group_fields.push(g);
        value_fields.push(value_name.as_deref().map(|f| v.fields.intern(f, renames)));
    }
    let mut cond = Vec::new();
    if let Some(Y::Mapping(m)) = cond_map {
        for (k, val) in m {
            let key = k.as_str().unwrap_or("");
            if matches!(key, "field" | "percentile") {
                continue;
            }
            let op =
                CmpOp::parse(key).ok_or_else(|| format!("unknown condition operator `{key}`"))?;
            let n = val.as_f64().ok_or_else(|| format!("condition `{key}` is not a number"))?;
            cond.push((op, n));
        }
    }
    if cond.is_empty() && !matches!(kind, CorrKind::Temporal | CorrKind::TemporalOrdered) {
        return Err(format!("`{ty}` needs a `condition` (gt, gte, lt, lte, eq or neq)"));
    }
    let gen_flag = c
        .get("generate")
        .or_else(|| v.docs[i].as_ref().and_then(|d| d.get("generate")))
        .and_then(Y::as_bool)
        .unwrap_or(false);
    let corr = Correlation {
        info: i as u32,
        kind,
        rules,
        group_names,
        group_fields,
        value_fields,
        span_ms,
        cond,
    };
    Ok((corr, gen_flag))
}
