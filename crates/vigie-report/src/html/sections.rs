//! The static sections of the HTML report: verdict, fix-first list,
//! coverage and provenance. Every string goes through [`esc`].

use super::esc;
use crate::common::{code_label, group_problems, human_bytes};
use crate::fixfirst::{FixItem, fix_first_items};
use std::io::{self, Write};
use vigie_model::thousands;
use vigie_model::{ScanResult, Severity, Stage};

type W<'a> = &'a mut dyn Write;

pub(crate) fn subtitle(r: &ScanResult) -> String {
    let inputs: Vec<&str> = r.inputs.iter().map(|i| i.value.as_str()).collect();
    format!(
        "{} · {} UTC",
        if inputs.is_empty() { "no inputs".into() } else { inputs.join(", ") },
        r.started.format("%Y-%m-%d %H:%M")
    )
}

fn stage_class(s: Option<Stage>) -> &'static str {
    match s {
        Some(Stage::Compromise) => "st-compromise",
        Some(Stage::Exploitation) => "st-exploitation",
        Some(Stage::Attempt) => "st-attempt",
        Some(Stage::Exposure) => "st-exposure",
        None => "st-clean",
    }
}

pub(crate) fn sev_badge(s: Severity) -> String {
    format!("<span class=\"sev sev-{0}\">{0}</span>", s.as_str())
}

pub(crate) fn verdict(r: &ScanResult, out: W<'_>) -> io::Result<()> {
    let v = r.verdict();
    let stage = v.headline_stage();
    writeln!(out, "<section id=\"verdict\" class=\"verdict {}\">", stage_class(stage))?;
    writeln!(out, "<p class=\"sentence\">{}</p>", esc(&v.sentence()))?;
    let counts = r.counts_by_severity();
    write!(out, "<p class=\"counts\">")?;
    for s in Severity::ALL.iter().rev() {
        let n = counts.get(s).copied().unwrap_or(0);
        write!(
            out,
            "<span class=\"chip sev-{} {}\">{} {}</span> ",
            s.as_str(),
            if n == 0 { "zero" } else { "" },
            thousands(n as u64),
            s.as_str()
        )?;
    }
    writeln!(out, "</p>")?;
    let hosts: std::collections::HashSet<&str> =
        r.findings.iter().filter_map(|f| f.host.as_deref()).collect();
    let c = &r.coverage;
    let counted = crate::common::Counted::of(r);
    writeln!(
        out,
        "<p class=\"muted\">{} findings{}{} · {} {} {}, {} skipped, {} failed · {} rules loaded{}</p>",
        thousands(r.findings.len() as u64),
        if hosts.is_empty() { String::new() } else { format!(" on {} host(s)", hosts.len()) },
        esc(&crate::common::counted_note(r)),
        thousands(c.files.scanned),
        counted.noun().to_lowercase(),
        counted.verb(),
        thousands(c.files.skipped),
        thousands(c.files.failed),
        thousands(c.rules.loaded),
        if c.absent.is_empty() {
            String::new()
        } else {
            format!(" · {} expected artefact(s) missing", c.absent.len())
        },
    )?;
    writeln!(out, "</section>")
}

pub(crate) fn fix_first(r: &ScanResult, out: W<'_>) -> io::Result<()> {
    let items = fix_first_items(r, 10);
    writeln!(out, "<section id=\"fix-first\"><h2>Fix first</h2>")?;
    if items.is_empty() {
        writeln!(
            out,
            "<p class=\"ok\">Nothing needs urgent action: no finding of medium severity or more.</p></section>"
        )?;
        return Ok(());
    }
    writeln!(out, "<ol class=\"fix\">")?;
    for it in &items {
        fix_item(it, out)?;
    }
    writeln!(out, "</ol></section>")
}

fn fix_item(it: &FixItem<'_>, out: W<'_>) -> io::Result<()> {
    let f = it.lead;
    write!(out, "<li class=\"fix-item {}\">", stage_class(Some(it.stage)))?;
    write!(
        out,
        "<p class=\"what\">{} <span class=\"stage\">{}</span>",
        sev_badge(it.severity),
        it.stage.as_str()
    )?;
    if it.kev {
        write!(
            out,
            " <span class=\"kev\" title=\"In CISA's Known Exploited Vulnerabilities catalog\">KEV</span>"
        )?;
    }
    writeln!(out, " <strong class=\"headline\">{}</strong></p>", esc(&it.headline))?;
    write!(out, "<dl><dt>What</dt><dd class=\"what-text\">{}", esc(&it.what))?;
    if it.count > 1 {
        write!(out, " <span class=\"muted\">({} occurrences)</span>", thousands(it.count as u64))?;
    }
    writeln!(out, "</dd>")?;
    writeln!(out, "<dt>Where</dt><dd><code>{}</code></dd>", esc(&it.place))?;
    if let Some(w) = &it.when {
        writeln!(out, "<dt>When</dt><dd>{}</dd>", esc(w))?;
    }
    writeln!(out, "<dt>Why it matters</dt><dd>{}</dd>", esc(&it.why))?;
    writeln!(out, "<dt>What to do</dt><dd>{}</dd></dl>", esc(&it.todo))?;
    writeln!(
        out,
        "<p class=\"rule muted\">Rule {}{}</p></li>",
        esc(&format!("{} — {}", f.rule.id, f.rule.title)),
        f.rule.author.as_deref().map(|a| format!(" by {}", esc(a))).unwrap_or_default()
    )
}

fn problems_block(title: &str, list: &[vigie_model::Problem], out: W<'_>) -> io::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    writeln!(out, "<h3>{title}</h3><ul class=\"reasons\">")?;
    for (code, n, _) in group_problems(list) {
        writeln!(
            out,
            "<li><details><summary><strong>{}</strong> × {}</summary><ul>",
            esc(&code_label(code)),
            thousands(n as u64)
        )?;
        for p in list.iter().filter(|p| p.code == code).take(50) {
            writeln!(out, "<li><code>{}</code>: {}</li>", esc(&p.path), esc(&p.reason))?;
        }
        if n > 50 {
            writeln!(
                out,
                "<li class=\"muted\">… and {} more in the JSON result</li>",
                thousands((n - 50) as u64)
            )?;
        }
        writeln!(out, "</ul></details></li>")?;
    }
    writeln!(out, "</ul>")
}

pub(crate) fn coverage(r: &ScanResult, out: W<'_>) -> io::Result<()> {
    let c = &r.coverage;
    let counted = crate::common::Counted::of(r);
    writeln!(out, "<section id=\"coverage\"><h2>Coverage: what was and was not looked at</h2>")?;
    writeln!(
        out,
        "<table class=\"kv\"><tr><th>{} {}</th><td>{}</td></tr><tr><th>Skipped</th><td>{}</td></tr>\
         <tr><th>Failed</th><td>{}</td></tr><tr><th>Content read</th><td>{}</td></tr>\
         <tr><th>Event records</th><td>{}</td></tr><tr><th>Log lines</th><td>{}</td></tr>\
         <tr><th>Unparsable records</th><td>{}</td></tr></table>",
        counted.noun(),
        counted.verb(),
        thousands(c.files.scanned),
        thousands(c.files.skipped),
        thousands(c.files.failed),
        human_bytes(c.files.bytes),
        thousands(c.records.events),
        thousands(c.records.lines),
        thousands(c.records.errors)
    )?;
    problems_block("Skipped, with reasons", &c.skipped, out)?;
    problems_block("Failed, with reasons", &c.failed, out)?;
    problems_block("Unparsable records (first ones)", &c.record_errors, out)?;
    rules(r, out)?;
    sources(r, out)?;
    if !c.absent.is_empty() {
        writeln!(
            out,
            "<h3>Expected but absent</h3><table><tr><th>Artefact</th><th>Looked in</th><th>What cannot be judged</th></tr>"
        )?;
        for a in &c.absent {
            writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&a.artefact),
                esc(&a.expected),
                esc(&a.impact)
            )?;
        }
        writeln!(out, "</table>")?;
    }
    if !c.warnings.is_empty() {
        writeln!(out, "<h3>Warnings</h3><ul>")?;
        for w in &c.warnings {
            writeln!(out, "<li>{}</li>", esc(w))?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</section>")
}

fn rules(r: &ScanResult, out: W<'_>) -> io::Result<()> {
    let rc = &r.coverage.rules;
    writeln!(
        out,
        "<h3>Rules</h3><p>{} loaded · {} rejected · {} blind (loaded, but no evidence they could match was given)</p>",
        thousands(rc.loaded),
        thousands(rc.rejected.len() as u64),
        thousands(rc.blind.len() as u64)
    )?;
    if !rc.rejected.is_empty() {
        writeln!(out, "<details><summary>Rejected rules ({})</summary><ul>", rc.rejected.len())?;
        for rej in rc.rejected.iter().take(500) {
            let name = rej.rule.as_deref().map(|n| format!(" ({})", esc(n))).unwrap_or_default();
            writeln!(out, "<li><code>{}</code>{name}: {}</li>", esc(&rej.file), esc(&rej.reason))?;
        }
        writeln!(out, "</ul></details>")?;
    }
    if !rc.blind.is_empty() {
        let mut by_reason: std::collections::BTreeMap<&str, Vec<&vigie_model::BlindRule>> =
            Default::default();
        for b in &rc.blind {
            by_reason.entry(b.reason.as_str()).or_default().push(b);
        }
        writeln!(out, "<details><summary>Blind rules ({})</summary><ul>", rc.blind.len())?;
        for (reason, list) in by_reason {
            let names: Vec<String> = list
                .iter()
                .take(20)
                .map(|b| {
                    if b.title.is_empty() {
                        b.rule.clone()
                    } else {
                        format!("{} ({})", b.title, b.rule)
                    }
                })
                .collect();
            let more = if list.len() > 20 {
                format!(" … and {} more", list.len() - 20)
            } else {
                String::new()
            };
            writeln!(
                out,
                "<li><strong>{}</strong> — {} rule(s): {}{more}</li>",
                esc(reason),
                list.len(),
                esc(&names.join("; "))
            )?;
        }
        writeln!(out, "</ul></details>")?;
    }
    Ok(())
}

fn sources(r: &ScanResult, out: W<'_>) -> io::Result<()> {
    let c = &r.coverage;
    if c.sources.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<h3>Log time spans</h3><div class=\"scroll\"><table><tr><th>Source</th><th>Records</th><th>First</th><th>Last</th><th>Gaps over a day</th><th>Files</th></tr>"
    )?;
    let d = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "—".into())
    };
    for s in &c.sources {
        let gaps: Vec<String> = s
            .gaps
            .iter()
            .map(|g| format!("{} → {}", g.from.format("%Y-%m-%d"), g.to.format("%Y-%m-%d")))
            .collect();
        write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.source),
            thousands(s.records),
            d(s.first),
            d(s.last),
            if gaps.is_empty() { "none".into() } else { esc(&gaps.join(", ")) },
            s.paths.len()
        )?;
        for w in &s.warnings {
            write!(out, "<tr class=\"warn\"><td colspan=\"6\">⚠ {}</td></tr>", esc(w))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "</table></div>")
}

/// Most file hashes listed in the provenance section (the rest are in the JSON).
const MAX_HASHES_LISTED: usize = 200;

/// Input hashes: the inputs that are single files (recorded at scan time) and
/// the files the findings rest on (from their file evidence).
fn input_hashes(r: &ScanResult, out: W<'_>) -> io::Result<()> {
    let mut files: std::collections::BTreeMap<&str, (u64, &str)> = Default::default();
    for f in &r.findings {
        for e in &f.evidence {
            if let vigie_model::Evidence::File { path, size, sha256: Some(h), .. } = e {
                files.entry(path.as_str()).or_insert((*size, h.as_str()));
            }
        }
    }
    let given = &r.provenance.input_hashes;
    writeln!(out, "<h3>Input hashes (SHA-256)</h3>")?;
    if given.is_empty() && files.is_empty() {
        return writeln!(
            out,
            "<p class=\"muted\">No input was a single file and no finding rests on a hashed file.</p>"
        );
    }
    writeln!(
        out,
        "<div class=\"scroll\"><table><tr><th>File</th><th>Role</th><th>Size</th><th>SHA-256</th></tr>"
    )?;
    let rows = given
        .iter()
        .map(|h| (h.path.as_str(), "input", h.size, h.sha256.as_str()))
        .chain(files.iter().map(|(p, (n, h))| (*p, "behind a finding", *n, *h)));
    let total = given.len() + files.len();
    for (path, role, size, hash) in rows.take(MAX_HASHES_LISTED) {
        writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{role}</td><td>{}</td><td><code class=\"hash\">{}</code></td></tr>",
            esc(path),
            human_bytes(size),
            esc(hash)
        )?;
    }
    writeln!(out, "</table></div>")?;
    if total > MAX_HASHES_LISTED {
        writeln!(
            out,
            "<p class=\"muted\">… and {} more in the JSON result.</p>",
            thousands((total - MAX_HASHES_LISTED) as u64)
        )?;
    }
    Ok(())
}

pub(crate) fn provenance(r: &ScanResult, out: W<'_>) -> io::Result<()> {
    let p = &r.provenance;
    writeln!(out, "<section id=\"provenance\"><h2>Provenance</h2><table class=\"kv\">")?;
    let row = |out: W<'_>, k: &str, v: String| writeln!(out, "<tr><th>{k}</th><td>{v}</td></tr>");
    row(out, "Tool", esc(&format!("{} {}", r.tool.name, r.tool.version)))?;
    row(out, "Result format", esc(&r.schema))?;
    row(
        out,
        "Run",
        esc(&format!(
            "{} → {} UTC",
            r.started.format("%Y-%m-%d %H:%M:%S"),
            r.finished.format("%Y-%m-%d %H:%M:%S")
        )),
    )?;
    let inputs: Vec<String> = r
        .inputs
        .iter()
        .map(|i| {
            format!(
                "<code>{}</code> ({})",
                esc(&i.value),
                if i.kind == vigie_model::InputKind::Path { "path" } else { "target" }
            )
        })
        .collect();
    row(out, "Inputs", inputs.join(", "))?;
    if !p.command_line.is_empty() {
        row(out, "Command line", format!("<code>{}</code>", esc(&p.command_line.join(" "))))?;
    }
    if let Some(h) = &p.scanner_host {
        row(out, "Scanned from", esc(h))?;
    }
    row(
        out,
        "KEV catalog",
        match &p.kev {
            Some(k) => esc(&format!(
                "version {} released {} ({} entries, {})",
                k.catalog_version, k.date_released, k.count, k.origin
            )),
            None => "not used".into(),
        },
    )?;
    if let Some(b) = &p.build_table {
        row(out, "Exchange build table", esc(b))?;
    }
    writeln!(out, "</table>")?;
    input_hashes(r, out)?;
    let sets = &r.coverage.rules.sets;
    if !sets.is_empty() {
        writeln!(
            out,
            "<h3>Rule sets</h3><div class=\"scroll\"><table><tr><th>Name</th><th>Engine</th><th>From</th><th>Loaded</th><th>Rejected</th><th>Version</th><th>SHA-256</th></tr>"
        )?;
        for s in sets {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td><code class=\"hash\">{}</code></td></tr>",
                esc(&s.name),
                esc(&s.kind),
                esc(&s.path),
                thousands(s.loaded),
                thousands(s.rejected),
                esc(s.version.as_deref().unwrap_or("—")),
                esc(&s.sha256)
            )?;
        }
        writeln!(out, "</table></div>")?;
    }
    writeln!(out, "</section>")
}
