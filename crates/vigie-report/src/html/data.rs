//! The findings as compact JSON for the page script. Repeated strings (rule
//! titles, remediation, paths, hosts) go through a string table; evidence
//! text is bounded per finding so 100,000 findings stay well under 20 MB.
//! The JSON is written with `<`, `>`, `&`, U+2028 and U+2029 escaped, so no
//! quoted text can end the `<script type="application/json">` block.

use crate::RenderOptions;
use crate::common::truncate_end;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io;
use vigie_model::{Evidence, Finding, ScanResult};

/// Total characters of evidence text the page embeds, shared by all findings.
const EVIDENCE_BUDGET: usize = 20_000_000;
/// Evidence items kept per finding.
const MAX_EVIDENCE_ITEMS: usize = 20;

#[derive(Default)]
struct Strings {
    index: HashMap<String, usize>,
    list: Vec<String>,
}

impl Strings {
    fn id(&mut self, s: &str) -> Value {
        if let Some(i) = self.index.get(s) {
            return json!(i);
        }
        let i = self.list.len();
        self.list.push(s.to_string());
        self.index.insert(s.to_string(), i);
        json!(i)
    }
    fn opt(&mut self, s: Option<&str>) -> Value {
        s.map_or(Value::Null, |s| self.id(s))
    }
}

/// Characters of each evidence text kept, given the number of findings.
pub(crate) fn evidence_cap(findings: usize) -> usize {
    (EVIDENCE_BUDGET / findings.max(1)).clamp(120, 20_000)
}

/// The findings JSON, escaped for a `<script type="application/json">` block.
pub(crate) fn build(r: &ScanResult, opts: &RenderOptions) -> io::Result<String> {
    let cap = evidence_cap(r.findings.len());
    let mut st = Strings::default();
    let mut rule_index: HashMap<&str, usize> = HashMap::new();
    let mut rules = Vec::new();
    // Grouped by host, then most serious first (the findings' own order).
    let mut order: Vec<&Finding> = r.findings.iter().collect();
    order.sort_by(|a, b| {
        (a.host.is_none(), &a.host)
            .cmp(&(b.host.is_none(), &b.host))
            .then_with(|| a.rank_key().cmp(&b.rank_key()))
    });
    let mut findings = Vec::with_capacity(order.len());
    let mut truncated = false;
    for f in order {
        let ri = *rule_index.entry(f.rule.id.as_str()).or_insert_with(|| {
            let rr = &f.rule;
            let refs: Vec<Value> = rr.reference.iter().map(|x| st.id(x)).collect();
            rules.push(json!([
                st.id(&rr.id),
                st.id(&rr.title),
                rr.source.as_str(),
                st.opt(rr.author.as_deref()),
                refs,
                st.opt(rr.ruleset.as_deref()),
                st.opt(rr.license.as_deref()),
                st.opt(rr.file.as_deref())
            ]));
            rules.len() - 1
        });
        let mut ev = Vec::new();
        let mut budget = cap;
        for e in f.evidence.iter().take(MAX_EVIDENCE_ITEMS) {
            let (v, used, cut) = evidence(e, budget.max(120), &mut st);
            budget = budget.saturating_sub(used);
            truncated |= cut;
            ev.push(v);
        }
        let more = f.evidence.len().saturating_sub(MAX_EVIDENCE_ITEMS);
        truncated |= more > 0;
        findings.push(json!([
            f.id,
            ri,
            sev(f),
            f.stage as u8,
            f.confidence as u8,
            st.id(&f.title),
            st.opt(f.host.as_deref()),
            st.id(&f.location.path),
            f.location.line,
            f.location.record_id,
            st.opt(f.location.member.as_deref()),
            f.time.map(|t| t.to_rfc3339()),
            st.opt(f.description.as_deref()),
            st.id(&f.remediation),
            u8::from(f.kev),
            f.cves,
            f.attack,
            ev,
            more,
            f.indicators,
            f.location.offset
        ]));
    }
    let mut hosts: Vec<&str> = r.findings.iter().filter_map(|f| f.host.as_deref()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    let doc = json!({
        "v": 1,
        "total": r.findings.len(),
        "pageSize": opts.html_page_size.max(1),
        "evidenceCap": if truncated { cap } else { 0 },
        "hosts": hosts,
        "strings": st.list,
        "rules": rules,
        "findings": findings,
    });
    let text = serde_json::to_string(&doc)?;
    let mut buf = String::with_capacity(text.len() + 1024);
    for c in text.chars() {
        match c {
            '<' => buf.push_str("\\u003c"),
            '>' => buf.push_str("\\u003e"),
            '&' => buf.push_str("\\u0026"),
            '\u{2028}' => buf.push_str("\\u2028"),
            '\u{2029}' => buf.push_str("\\u2029"),
            c => buf.push(c),
        }
    }
    Ok(buf)
}

fn sev(f: &Finding) -> u8 {
    crate::jsonl::severity_number(f.severity)
}

/// Cut `s` to `cap` characters; returns (text, chars used, whether cut).
fn cut(s: &str, cap: usize) -> (String, usize, bool) {
    let n = s.chars().count();
    if n <= cap { (s.to_string(), n, false) } else { (truncate_end(s, cap), cap, true) }
}

fn fields(
    m: &std::collections::BTreeMap<String, String>,
    cap: usize,
    st: &mut Strings,
) -> (Value, usize, bool) {
    let mut used = 0;
    let mut was_cut = false;
    let per = (cap / m.len().max(1)).max(40);
    let v: Vec<Value> = m
        .iter()
        .map(|(k, v)| {
            let (t, u, c) = cut(v, per);
            used += u;
            was_cut |= c;
            json!([st.id(k), t])
        })
        .collect();
    (Value::Array(v), used, was_cut)
}

/// One evidence item as a compact array; returns (value, chars used, cut).
fn evidence(e: &Evidence, cap: usize, st: &mut Strings) -> (Value, usize, bool) {
    match e {
        Evidence::Match { identifier, offset, excerpt, highlight } => {
            let (before, hit, after) = match highlight
                .and_then(|(a, b)| Some((excerpt.get(..a)?, excerpt.get(a..b)?, excerpt.get(b..)?)))
            {
                Some(parts) => parts,
                None => ("", "", excerpt.as_str()),
            };
            let hit_n = hit.chars().count().min(cap);
            let side = cap.saturating_sub(hit_n) / 2;
            let bn = before.chars().count();
            let before_kept: String = before.chars().skip(bn.saturating_sub(side)).collect();
            let (h, _, c1) = cut(hit, cap);
            let (a, _, c2) = cut(after, side.max(if hit.is_empty() { cap } else { 0 }));
            let was_cut = c1 || c2 || bn > side;
            let used = before_kept.chars().count() + h.chars().count() + a.chars().count();
            let before_kept = if bn > side { format!("…{before_kept}") } else { before_kept };
            (json!(["m", st.opt(identifier.as_deref()), offset, before_kept, h, a]), used, was_cut)
        }
        Evidence::File { path, size, md5, sha1, sha256, modified, owner } => (
            json!([
                "f",
                st.id(path),
                size,
                md5,
                sha1,
                sha256,
                modified.map(|t| t.to_rfc3339()),
                st.opt(owner.as_deref())
            ]),
            0,
            false,
        ),
        Evidence::LogLine { path, line, raw, fields: fs } => {
            let (t, u, c) = cut(raw, cap);
            let (fv, u2, c2) = fields(fs, cap, st);
            (json!(["l", st.id(path), line, t, fv]), u + u2, c || c2)
        }
        Evidence::Event {
            path,
            record_id,
            time,
            channel,
            computer,
            event_id,
            provider,
            fields: fs,
        } => {
            let (fv, u, c) = fields(fs, cap, st);
            let v = json!([
                "e",
                st.id(path),
                record_id,
                time.map(|t| t.to_rfc3339()),
                st.opt(channel.as_deref()),
                st.opt(computer.as_deref()),
                event_id,
                st.opt(provider.as_deref()),
                fv
            ]);
            (v, u, c)
        }
        Evidence::Http { request, status, facts } => {
            let (t, u, c) = cut(request, cap);
            let (fv, u2, c2) = fields(facts, cap, st);
            (json!(["h", t, status, fv]), u + u2, c || c2)
        }
        Evidence::Fact { name, value } => {
            let (t, u, c) = cut(value, cap);
            (json!(["x", st.id(name), t]), u, c)
        }
    }
}
