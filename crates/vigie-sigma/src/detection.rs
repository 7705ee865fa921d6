//! Compile a rule's `detection` block: selections (maps, lists of maps,
//! keyword lists), the condition, and the legacy aggregation tail.

use crate::condition::{self, Aggregation, Cond};
use crate::value::{FieldId, Scalar, Test, ValueCtx, compile_test};
use serde_yaml::Value as Y;

/// One test inside a selection.
#[derive(Debug)]
pub(crate) enum Item {
    /// A test on one field.
    Field(FieldId, Test),
    /// A test on every field value (keywords).
    Keyword(Test),
}

/// A selection: a map (AND of items) or a list (OR of maps / keywords).
#[derive(Debug)]
pub(crate) enum Selection {
    All(Vec<Item>),
    Any(Vec<Selection>),
}

/// A compiled detection.
#[derive(Debug)]
pub(crate) struct Detection {
    pub sels: Vec<Selection>,
    pub cond: Cond,
    pub agg: Option<Aggregation>,
    pub timeframe: Option<String>,
}

/// Convert a YAML scalar.
pub(crate) fn scalar(v: &Y) -> Result<Scalar, String> {
    Ok(match v {
        Y::Null => Scalar::Null,
        Y::Bool(b) => Scalar::Bool(*b),
        Y::Number(n) => Scalar::Num(n.as_f64().unwrap_or(f64::NAN), n.to_string()),
        Y::String(s) => Scalar::Str(s.clone()),
        Y::Tagged(t) => return scalar(&t.value),
        Y::Sequence(_) => return Err("nested list where a value was expected".into()),
        Y::Mapping(_) => return Err("map where a value was expected".into()),
    })
}

fn scalars(v: &Y) -> Result<Vec<Scalar>, String> {
    match v {
        Y::Sequence(items) => items.iter().map(scalar).collect(),
        other => Ok(vec![scalar(other)?]),
    }
}

/// Compile the detection map.
pub(crate) fn compile(det: &Y, ctx: &mut ValueCtx<'_>) -> Result<Detection, String> {
    let Y::Mapping(map) = det else {
        return Err("`detection` is not a map".into());
    };
    let mut names = Vec::new();
    let mut sels = Vec::new();
    let mut cond_text: Option<&Y> = None;
    let mut timeframe = None;
    for (k, v) in map {
        let key = k.as_str().ok_or("detection key is not a string")?;
        match key {
            "condition" => cond_text = Some(v),
            "timeframe" => timeframe = v.as_str().map(str::to_string),
            _ => {
                let sel = selection(v, ctx).map_err(|e| {
                    if e.starts_with("needs placeholder") {
                        e
                    } else {
                        format!("selection `{key}`: {e}")
                    }
                })?;
                names.push(key.to_string());
                sels.push(sel);
            }
        }
    }
    let cond_text = cond_text.ok_or("detection has no `condition`")?;
    let (cond, agg) = match cond_text {
        Y::String(s) => condition::parse(s, &names)?,
        Y::Sequence(list) => {
            let mut conds = Vec::new();
            for c in list {
                let s = c.as_str().ok_or("condition list item is not a string")?;
                let (c, agg) = condition::parse(s, &names)?;
                if agg.is_some() {
                    return Err("aggregations in a list of conditions are not supported".into());
                }
                conds.push(c);
            }
            (Cond::Or(conds), None)
        }
        _ => return Err("`condition` is not a string".into()),
    };
    Ok(Detection { sels, cond, agg, timeframe })
}

fn selection(v: &Y, ctx: &mut ValueCtx<'_>) -> Result<Selection, String> {
    match v {
        Y::Mapping(m) => {
            if m.is_empty() {
                return Err("empty selection".into());
            }
            let mut items = Vec::with_capacity(m.len());
            for (k, val) in m {
                let key = match k {
                    Y::String(s) => s.clone(),
                    Y::Number(n) => n.to_string(),
                    _ => return Err("field name is not a string".into()),
                };
                items.push(item(&key, val, ctx)?);
            }
            Ok(Selection::All(items))
        }
        Y::Sequence(list) => {
            if list.is_empty() {
                return Err("empty list".into());
            }
            if list.iter().all(|x| !matches!(x, Y::Mapping(_) | Y::Sequence(_))) {
                let vals = list.iter().map(scalar).collect::<Result<Vec<_>, _>>()?;
                return Ok(Selection::All(vec![keyword(&[], &vals, ctx)?]));
            }
            let mut alts = Vec::new();
            for x in list {
                alts.push(selection(x, ctx)?);
            }
            Ok(Selection::Any(alts))
        }
        Y::Null => Err("empty selection".into()),
        other => Ok(Selection::All(vec![keyword(&[], &[scalar(other)?], ctx)?])),
    }
}

fn item(key: &str, val: &Y, ctx: &mut ValueCtx<'_>) -> Result<Item, String> {
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or("").trim();
    let mods: Vec<&str> = parts.filter(|m| !m.is_empty()).collect();
    if let Y::Mapping(_) = val {
        return Err(format!("`{key}` has a map as value"));
    }
    let values = scalars(val)?;
    if field.is_empty() {
        return keyword(&mods, &values, ctx);
    }
    let test = compile_test(&mods, &values, ctx).map_err(|e| {
        if e.starts_with("needs placeholder") { e } else { format!("`{key}`: {e}") }
    })?;
    let id = (ctx.intern)(field);
    Ok(Item::Field(id, test))
}

const KINDS: &[&str] =
    &["contains", "startswith", "endswith", "re", "cidr", "exists", "gt", "gte", "lt", "lte"];

fn keyword(mods: &[&str], values: &[Scalar], ctx: &mut ValueCtx<'_>) -> Result<Item, String> {
    let mut mods: Vec<&str> = mods.to_vec();
    if !mods.iter().any(|m| KINDS.contains(&m.to_ascii_lowercase().as_str())) {
        mods.insert(0, "contains");
    }
    let test = compile_test(&mods, values, ctx).map_err(|e| format!("keywords: {e}"))?;
    Ok(Item::Keyword(test))
}

/// The exact values a condition requires for `field` (all alternatives), or
/// `None` when the condition does not restrict it. Used to index rules by
/// `EventID` and `Channel`.
pub(crate) fn required(d: &Detection, field: FieldId) -> Option<Vec<String>> {
    cond_required(&d.cond, &d.sels, field)
}

fn cond_required(c: &Cond, sels: &[Selection], f: FieldId) -> Option<Vec<String>> {
    match c {
        Cond::Sel(i) => sel_required(sels.get(*i as usize)?, f),
        Cond::And(items) => {
            items.iter().filter_map(|c| cond_required(c, sels, f)).min_by_key(Vec::len)
        }
        Cond::Or(items) | Cond::AtLeast(_, items) => {
            let mut out = Vec::new();
            for c in items {
                out.extend(cond_required(c, sels, f)?);
            }
            Some(out)
        }
        Cond::Not(_) => None,
    }
}

fn sel_required(s: &Selection, f: FieldId) -> Option<Vec<String>> {
    match s {
        Selection::All(items) => items
            .iter()
            .filter_map(|it| match it {
                Item::Field(id, Test::Str { set, .. }) if *id == f => {
                    set.exact_values().map(|v| v.iter().map(|s| s.to_string()).collect())
                }
                _ => None,
            })
            .min_by_key(Vec::len),
        Selection::Any(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(sel_required(a, f)?);
            }
            Some(out)
        }
    }
}

/// Every field a selection reads (for evidence).
pub(crate) fn fields_of(s: &Selection, out: &mut Vec<FieldId>) {
    match s {
        Selection::All(items) => {
            for it in items {
                if let Item::Field(id, _) = it
                    && !out.contains(id)
                {
                    out.push(*id);
                }
            }
        }
        Selection::Any(alts) => alts.iter().for_each(|a| fields_of(a, out)),
    }
}
