//! The findings as compact JSON for the page script, written straight into a
//! buffer ([`Json`]). Repeated strings (rule titles, remediation, paths,
//! hosts, field names) go through a string table; evidence text is bounded
//! per finding so 100,000 findings stay well under 20 MB. Strings are escaped
//! so that no quoted text can end the `<script type="application/json">`
//! block.

use super::json::Json;
use crate::RenderOptions;
use crate::common::truncate_end;
use std::collections::{BTreeMap, HashMap, HashSet};
use vigie_model::{Evidence, Finding, ScanResult};

/// Total characters of evidence text the page embeds, shared by all findings.
const EVIDENCE_BUDGET: usize = 20_000_000;
/// Evidence items kept per finding.
const MAX_EVIDENCE_ITEMS: usize = 20;

/// Strings stored once, referred to by index.
#[derive(Default)]
struct Strings<'a> {
    index: HashMap<&'a str, usize>,
    list: Vec<&'a str>,
}

impl<'a> Strings<'a> {
    fn id(&mut self, s: &'a str) -> u64 {
        let next = self.list.len();
        let i = *self.index.entry(s).or_insert(next);
        if i == next {
            self.list.push(s);
        }
        i as u64
    }
    /// Write the index of `s` (or `null`).
    fn put(&mut self, j: &mut Json, s: Option<&'a str>) {
        match s {
            Some(s) => j.num(self.id(s)),
            None => j.raw("null"),
        }
    }
}

/// Characters of each evidence text kept, given the number of findings.
pub(crate) fn evidence_cap(findings: usize) -> usize {
    (EVIDENCE_BUDGET / findings.max(1)).clamp(120, 20_000)
}

/// The findings JSON, escaped for a `<script type="application/json">` block.
pub(crate) fn build(r: &ScanResult, opts: &RenderOptions) -> Vec<u8> {
    let cap = evidence_cap(r.findings.len());
    let mut st = Strings::default();
    let mut rule_index: HashMap<&str, usize> = HashMap::new();
    let mut rules = Json::default();
    let order = host_order(&r.findings);
    let mut fj = Json { buf: Vec::with_capacity(r.findings.len() * 400) };
    let mut truncated = false;
    for (n, f) in order.into_iter().enumerate() {
        let next = rule_index.len();
        let ri = *rule_index.entry(f.rule.id.as_str()).or_insert(next);
        if ri == next {
            rule(&mut rules, &mut st, f);
        }
        fj.raw(if n == 0 { "[" } else { "," });
        truncated |= finding(&mut fj, &mut st, f, ri, cap);
    }
    let mut hosts: Vec<&str> = r
        .findings
        .iter()
        .filter_map(|f| f.host.as_deref())
        .collect::<HashSet<&str>>()
        .into_iter()
        .collect();
    hosts.sort_unstable();
    let mut j = Json { buf: Vec::with_capacity(fj.buf.len() + st.list.len() * 40 + 1024) };
    j.raw("{\"v\":1,\"total\":");
    j.num(r.findings.len() as u64);
    j.raw(",\"pageSize\":");
    j.num(opts.html_page_size.max(1) as u64);
    j.raw(",\"evidenceCap\":");
    j.num(if truncated { cap as u64 } else { 0 });
    j.raw(",\"hosts\":[");
    for (i, h) in hosts.iter().enumerate() {
        if i > 0 {
            j.raw(",");
        }
        j.str(h);
    }
    j.raw("],\"strings\":[");
    for (i, s) in st.list.iter().enumerate() {
        if i > 0 {
            j.raw(",");
        }
        j.str(s);
    }
    j.raw("],\"rules\":[");
    j.buf.extend_from_slice(&rules.buf);
    j.raw("],\"findings\":");
    if fj.buf.is_empty() {
        j.raw("[");
    }
    j.buf.extend_from_slice(&fj.buf);
    j.raw("]}");
    j.buf
}

/// The findings grouped by host (hosts in name order, no host last), most
/// serious first within a host. A result's findings are normally already in
/// rank order (`ScanResult::finalize`), so only the host grouping is done;
/// otherwise they are sorted in full.
fn host_order(findings: &[Finding]) -> Vec<&Finding> {
    let ranked = findings.windows(2).all(|w| w[0].rank_key() <= w[1].rank_key());
    if !ranked {
        let mut order: Vec<&Finding> = findings.iter().collect();
        order.sort_by(|a, b| {
            (a.host.is_none(), &a.host)
                .cmp(&(b.host.is_none(), &b.host))
                .then_with(|| a.rank_key().cmp(&b.rank_key()))
        });
        return order;
    }
    let mut by_host: HashMap<Option<&str>, Vec<&Finding>> = HashMap::new();
    for f in findings {
        by_host.entry(f.host.as_deref()).or_default().push(f);
    }
    let mut groups: Vec<(Option<&str>, Vec<&Finding>)> = by_host.into_iter().collect();
    groups.sort_unstable_by(|a, b| (a.0.is_none(), a.0).cmp(&(b.0.is_none(), b.0)));
    groups.into_iter().flat_map(|(_, v)| v).collect()
}

/// One rule: `[id, title, source, author, [references], ruleset, licence, file]`.
fn rule<'a>(j: &mut Json, st: &mut Strings<'a>, f: &'a Finding) {
    let rr = &f.rule;
    j.raw(if j.buf.is_empty() { "[" } else { ",[" });
    st.put(j, Some(&rr.id));
    j.raw(",");
    st.put(j, Some(&rr.title));
    j.raw(",");
    j.str(rr.source.as_str());
    j.raw(",");
    st.put(j, rr.author.as_deref());
    j.raw(",[");
    for (i, x) in rr.reference.iter().enumerate() {
        if i > 0 {
            j.raw(",");
        }
        st.put(j, Some(x));
    }
    j.raw("],");
    st.put(j, rr.ruleset.as_deref());
    j.raw(",");
    st.put(j, rr.license.as_deref());
    j.raw(",");
    st.put(j, rr.file.as_deref());
    j.raw("]");
}

/// One finding as a compact array (indices documented in `report.js`).
/// Returns whether evidence text was shortened.
fn finding<'a>(j: &mut Json, st: &mut Strings<'a>, f: &'a Finding, ri: usize, cap: usize) -> bool {
    j.raw("[");
    j.str(&f.id);
    j.raw(",");
    j.num(ri as u64);
    j.raw(",");
    j.num(u64::from(crate::jsonl::severity_number(f.severity)));
    j.raw(",");
    j.num(f.stage as u64);
    j.raw(",");
    j.num(f.confidence as u64);
    j.raw(",");
    st.put(j, Some(&f.title));
    j.raw(",");
    st.put(j, f.host.as_deref());
    j.raw(",");
    st.put(j, Some(&f.location.path));
    j.raw(",");
    j.opt_num(f.location.line);
    j.raw(",");
    j.opt_num(f.location.record_id);
    j.raw(",");
    st.put(j, f.location.member.as_deref());
    j.raw(",");
    j.opt_time(f.time);
    j.raw(",");
    st.put(j, f.description.as_deref());
    j.raw(",");
    st.put(j, Some(&f.remediation));
    j.raw(if f.kev { ",1," } else { ",0," });
    j.strs(&f.cves);
    j.raw(",");
    j.strs(&f.attack);
    j.raw(",[");
    let mut budget = cap;
    let mut truncated = false;
    for (i, e) in f.evidence.iter().take(MAX_EVIDENCE_ITEMS).enumerate() {
        if i > 0 {
            j.raw(",");
        }
        let (used, cut) = evidence(j, st, e, budget.max(120));
        budget = budget.saturating_sub(used);
        truncated |= cut;
    }
    let more = f.evidence.len().saturating_sub(MAX_EVIDENCE_ITEMS);
    j.raw("],");
    j.num(more as u64);
    j.raw(",");
    j.strs(&f.indicators);
    j.raw(",");
    j.opt_num(f.location.offset);
    j.raw("]");
    truncated || more > 0
}

/// Cut `s` to `cap` characters; returns (text, chars used, whether cut).
fn cut(s: &str, cap: usize) -> (std::borrow::Cow<'_, str>, usize, bool) {
    // Fast path: a string of at most `cap` bytes has at most `cap` characters.
    if s.len() <= cap {
        return (s.into(), s.chars().count(), false);
    }
    let n = s.chars().count();
    if n <= cap { (s.into(), n, false) } else { (truncate_end(s, cap).into(), cap, true) }
}

/// `[[name index, value], …]`; returns (chars used, whether cut).
fn fields<'a>(
    j: &mut Json,
    st: &mut Strings<'a>,
    m: &'a BTreeMap<String, String>,
    cap: usize,
) -> (usize, bool) {
    let mut used = 0;
    let mut was_cut = false;
    let per = (cap / m.len().max(1)).max(40);
    j.raw("[");
    for (i, (k, v)) in m.iter().enumerate() {
        j.raw(if i == 0 { "[" } else { ",[" });
        st.put(j, Some(k));
        j.raw(",");
        let (t, u, c) = cut(v, per);
        j.str(&t);
        j.raw("]");
        used += u;
        was_cut |= c;
    }
    j.raw("]");
    (used, was_cut)
}
/// One evidence item as a compact array; returns (chars used, whether cut).
fn evidence<'a>(j: &mut Json, st: &mut Strings<'a>, e: &'a Evidence, cap: usize) -> (usize, bool) {
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
            let skip = bn.saturating_sub(side);
            let before_kept = match before.char_indices().nth(skip) {
                Some((at, _)) => &before[at..],
                None => "",
            };
            let (h, hu, c1) = cut(hit, cap);
            let (a, au, c2) = cut(after, side.max(if hit.is_empty() { cap } else { 0 }));
            let used = (bn - skip) + hu + au;
            j.raw("[\"m\",");
            st.put(j, identifier.as_deref());
            j.raw(",");
            j.opt_num(*offset);
            j.raw(",");
            if skip > 0 {
                j.str(&format!("…{before_kept}"));
            } else {
                j.str(before_kept);
            }
            j.raw(",");
            j.str(&h);
            j.raw(",");
            j.str(&a);
            j.raw("]");
            (used, c1 || c2 || skip > 0)
        }
        Evidence::File { path, size, md5, sha1, sha256, modified, owner } => {
            j.raw("[\"f\",");
            st.put(j, Some(path));
            j.raw(",");
            j.num(*size);
            for h in [md5, sha1, sha256] {
                j.raw(",");
                j.opt_str(h.as_deref());
            }
            j.raw(",");
            j.opt_time(*modified);
            j.raw(",");
            st.put(j, owner.as_deref());
            j.raw("]");
            (0, false)
        }
        Evidence::LogLine { path, line, raw, fields: fs } => {
            let (t, u, c) = cut(raw, cap);
            j.raw("[\"l\",");
            st.put(j, Some(path));
            j.raw(",");
            j.num(*line);
            j.raw(",");
            j.str(&t);
            j.raw(",");
            let (u2, c2) = fields(j, st, fs, cap);
            j.raw("]");
            (u + u2, c || c2)
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
            j.raw("[\"e\",");
            st.put(j, Some(path));
            j.raw(",");
            j.opt_num(*record_id);
            j.raw(",");
            j.opt_time(*time);
            j.raw(",");
            st.put(j, channel.as_deref());
            j.raw(",");
            st.put(j, computer.as_deref());
            j.raw(",");
            j.opt_num(event_id.map(u64::from));
            j.raw(",");
            st.put(j, provider.as_deref());
            j.raw(",");
            let r = fields(j, st, fs, cap);
            j.raw("]");
            r
        }
        Evidence::Http { request, status, facts } => {
            let (t, u, c) = cut(request, cap);
            j.raw("[\"h\",");
            j.str(&t);
            j.raw(",");
            j.opt_num(status.map(u64::from));
            j.raw(",");
            let (u2, c2) = fields(j, st, facts, cap);
            j.raw("]");
            (u + u2, c || c2)
        }
        Evidence::Fact { name, value } => {
            let (t, u, c) = cut(value, cap);
            j.raw("[\"x\",");
            st.put(j, Some(name));
            j.raw(",");
            j.str(&t);
            j.raw("]");
            (u, c)
        }
    }
}
