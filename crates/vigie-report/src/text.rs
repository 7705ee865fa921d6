//! The terminal summary: verdict, counts, top findings, coverage. Fits the
//! given width; colours only when asked; hostile text is made inert.

use crate::RenderOptions;
use crate::common::{
    group_problems, human_bytes, location_string, terminal_safe, truncate_end, truncate_middle,
    wrap,
};
use std::io::{self, Write};
use vigie_model::{Finding, RuleSource, ScanResult, Severity, Stage, thousands};

/// ANSI styles, or nothing when colours are off.
struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn severity(&self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::Critical => "1;37;41",
            Severity::High => "1;31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, s)
    }
    fn stage(&self, stage: Option<Stage>, s: &str) -> String {
        let code = match stage {
            Some(Stage::Compromise | Stage::Exploitation) => "1;31",
            Some(Stage::Attempt) => "1;33",
            Some(Stage::Exposure) => "1;35",
            None => "1;32",
        };
        self.paint(code, s)
    }
}

pub(crate) fn render(r: &ScanResult, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let width = opts.width.max(40);
    let st = Style { on: opts.color };
    header(r, width, &st, out)?;
    counts(r, &st, out)?;
    top_findings(r, opts, width, &st, out)?;
    coverage(r, width, &st, out)
}

fn header(r: &ScanResult, width: usize, st: &Style, out: &mut dyn Write) -> io::Result<()> {
    let inputs: Vec<&str> = r.inputs.iter().map(|i| i.value.as_str()).collect();
    let secs = (r.finished - r.started).num_milliseconds() as f64 / 1000.0;
    let head = format!(
        "{} {} · {} · {} UTC · {secs:.1} s",
        r.tool.name,
        r.tool.version,
        if inputs.is_empty() { "no inputs".to_string() } else { inputs.join(", ") },
        r.started.format("%Y-%m-%d %H:%M"),
    );
    writeln!(out, "{}", st.dim(&truncate_end(&terminal_safe(&head), width)))?;
    writeln!(out)?;
    let sentence = terminal_safe(&r.verdict().sentence());
    let stage = r.verdict().headline_stage();
    for (i, line) in wrap(&sentence, width - 9).iter().enumerate() {
        let label = if i == 0 { "Verdict  " } else { "         " };
        writeln!(out, "{}{}", st.bold(label), st.stage(stage, line))?;
    }
    writeln!(out)
}

fn counts(r: &ScanResult, st: &Style, out: &mut dyn Write) -> io::Result<()> {
    let counts = r.counts_by_severity();
    let parts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .map(|s| {
            let n = counts.get(s).copied().unwrap_or(0);
            let txt = format!("{} {}", thousands(n as u64), s.as_str());
            if n > 0 { st.severity(*s, &txt) } else { st.dim(&txt) }
        })
        .collect();
    writeln!(out, "{}{}", st.bold("Findings "), parts.join(" · "))?;
    // On its own line, so the counts still fit 80 columns.
    let note = crate::common::counted_note(r);
    if let Some(note) = note.strip_prefix(" · ") {
        writeln!(out, "         {}", st.dim(note))?;
    }
    writeln!(out)
}

fn top_findings(
    r: &ScanResult,
    opts: &RenderOptions,
    width: usize,
    st: &Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    if r.findings.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", st.bold("Top findings"))?;
    let groups = alike(&r.findings);
    let shown = groups.len().min(opts.max_terminal_findings);
    for g in groups.iter().take(shown) {
        finding(g, width, st, out)?;
    }
    let rest: usize = groups.iter().skip(shown).map(Vec::len).sum();
    if rest > 0 {
        let msg = format!(
            "  … and {} more: write the full report with --output report.html",
            thousands(rest as u64)
        );
        writeln!(out, "{}", st.dim(&truncate_end(&msg, width)))?;
    }
    writeln!(out)
}

/// Findings that differ only in place and time (same rule, title and host),
/// in the order their first member comes: the terminal shows each group
/// once, with how many it holds, so one noisy rule does not fill the list.
fn alike(findings: &[Finding]) -> Vec<Vec<&Finding>> {
    let mut index: std::collections::HashMap<(&str, &str, Option<&str>), usize> =
        Default::default();
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for f in findings {
        let key = (f.rule.id.as_str(), f.title.as_str(), f.host.as_deref());
        match index.get(&key) {
            Some(&i) => groups[i].push(f),
            None => {
                index.insert(key, groups.len());
                groups.push(vec![f]);
            }
        }
    }
    groups
}

/// One group of alike findings: "  CRITICAL  title", then the first one's
/// place (and how many more), then stage, confidence, rule and time span.
fn finding(group: &[&Finding], width: usize, st: &Style, out: &mut dyn Write) -> io::Result<()> {
    let Some(f) = group.first() else { return Ok(()) };
    let tag = format!("{:<8}", f.severity.as_str().to_uppercase());
    let title = truncate_end(&terminal_safe(&f.title), width - 13);
    writeln!(out, "  {}  {}", st.severity(f.severity, &tag), st.bold(&title))?;
    let indent = "            ";
    let mut place = location_string(&f.location);
    if let Some(h) = &f.host {
        place = format!("{h}: {place}");
    }
    let more = match group.len() {
        1 => String::new(),
        n => format!(" (+{} more)", thousands(n as u64 - 1)),
    };
    let room = (width - indent.len()).saturating_sub(more.chars().count()).max(20);
    let place = truncate_middle(&terminal_safe(&place), room);
    writeln!(out, "{indent}{place}{}", st.dim(&more))?;
    let mut meta = format!("{} · {} · {}", f.stage, f.confidence, short_id(&f.rule.id));
    let times = group.iter().filter_map(|f| f.time);
    match (times.clone().min(), times.max()) {
        (Some(a), Some(b)) if a != b => {
            // A span to the minute keeps the line within 80 columns.
            let same_day = a.date_naive() == b.date_naive();
            let end = if same_day { "%H:%M UTC" } else { "%Y-%m-%d %H:%M UTC" };
            meta.push_str(&format!(" · {} → {}", a.format("%Y-%m-%d %H:%M"), b.format(end)));
        }
        (Some(a), _) => meta.push_str(&format!(" · {}", a.format("%Y-%m-%d %H:%M:%S UTC"))),
        _ => {}
    }
    if f.kev {
        meta.push_str(" · KEV");
    }
    let meta = truncate_end(&terminal_safe(&meta), width - indent.len());
    writeln!(out, "{indent}{}", st.dim(&meta))?;
    // Our own rules need no credit line; external ones always get it.
    if let Some(a) = f.rule.author.as_ref().filter(|_| f.rule.source != RuleSource::Builtin) {
        // The Detection Rule License asks for the author in every message.
        let by = format!("rule by {a}: {}", f.rule.title);
        writeln!(
            out,
            "{indent}{}",
            st.dim(&truncate_end(&terminal_safe(&by), width - indent.len()))
        )?;
    }
    Ok(())
}

/// A Sigma UUID cut to its first eight digits (enough to find the rule; the
/// whole id is in every file format), so the time still fits on the line.
fn short_id(id: &str) -> &str {
    let b = id.as_bytes();
    let uuid = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() }
        });
    if uuid { &id[..8] } else { id }
}

fn coverage(r: &ScanResult, width: usize, st: &Style, out: &mut dyn Write) -> io::Result<()> {
    let c = &r.coverage;
    writeln!(out, "{}", st.bold("Coverage"))?;
    let body = width - 11;
    let line = |out: &mut dyn Write, label: &str, text: &str| -> io::Result<()> {
        for (i, l) in wrap(&terminal_safe(text), body).iter().enumerate() {
            let label = if i == 0 { label } else { "" };
            writeln!(out, "  {label:<9}{l}")?;
        }
        Ok(())
    };
    let counted = crate::common::Counted::of(r);
    let mut what = format!("{} {}", thousands(c.files.scanned), counted.verb());
    if counted != crate::common::Counted::Targets {
        what.push_str(&format!(" · {} skipped", thousands(c.files.skipped)));
    }
    what.push_str(&format!(" · {} failed", thousands(c.files.failed)));
    if c.files.bytes > 0 || counted == crate::common::Counted::Files {
        what.push_str(&format!(" · {}", human_bytes(c.files.bytes)));
    }
    let label = if counted == crate::common::Counted::Both { "Inputs" } else { counted.noun() };
    line(out, label, &what)?;
    for (label, list) in [("Skipped", &c.skipped), ("Failed", &c.failed)] {
        for (code, n, ex) in group_problems(list).into_iter().take(3) {
            let ex_path = truncate_middle(&ex.path, body / 2);
            let text =
                format!("{} ×{n}, e.g. {ex_path}: {}", crate::common::code_label(code), ex.reason);
            // Three lines: enough for a reason and the hint on what to do.
            line(out, label, &truncate_end(&text, body * 3))?;
        }
    }
    if c.records.events + c.records.lines + c.records.errors > 0 {
        line(
            out,
            "Records",
            &format!(
                "{} events · {} log lines · {} unparsable",
                thousands(c.records.events),
                thousands(c.records.lines),
                thousands(c.records.errors)
            ),
        )?;
    }
    rules(r, &line, out)?;
    for s in &c.sources {
        let span = match (s.first, s.last) {
            (Some(a), Some(b)) => format!("{} → {}", a.format("%Y-%m-%d"), b.format("%Y-%m-%d")),
            _ => "no timestamps".to_string(),
        };
        let noun = if s.records == 1 { "record" } else { "records" };
        let mut text = format!("{}: {span}, {} {noun}", s.source, thousands(s.records));
        if !s.gaps.is_empty() {
            text.push_str(&format!(", {} gap(s) over a day", s.gaps.len()));
        }
        // Each warning names its source (for JSON readers); here the line
        // already starts with it.
        let prefix = format!("{}: ", s.source);
        for w in &s.warnings {
            text.push_str(&format!("; {}", w.strip_prefix(&prefix).unwrap_or(w)));
        }
        line(out, "Logs", &text)?;
    }
    for a in &c.absent {
        line(out, "Absent", &format!("{} (looked in {}): {}", a.artefact, a.expected, a.impact))?;
    }
    for w in &c.warnings {
        line(out, "Warning", w)?;
    }
    Ok(())
}

type LineFn<'a> = dyn Fn(&mut dyn Write, &str, &str) -> io::Result<()> + 'a;

fn rules(r: &ScanResult, line: &LineFn<'_>, out: &mut dyn Write) -> io::Result<()> {
    let rc = &r.coverage.rules;
    line(
        out,
        "Rules",
        &format!(
            "{} loaded · {} rejected · {} blind",
            thousands(rc.loaded),
            thousands(rc.rejected.len() as u64),
            thousands(rc.blind.len() as u64)
        ),
    )?;
    for rej in rc.rejected.iter().take(3) {
        let what =
            rej.rule.as_deref().map(|n| format!("{} ({n})", rej.file)).unwrap_or(rej.file.clone());
        line(out, "Rejected", &truncate_end(&format!("{what}: {}", rej.reason), 150))?;
    }
    if rc.rejected.len() > 3 {
        line(
            out,
            "Rejected",
            &format!("… and {} more (see the JSON or HTML report)", rc.rejected.len() - 3),
        )?;
    }
    if !rc.blind.is_empty() {
        let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
        for b in &rc.blind {
            *reasons.entry(b.reason.as_str()).or_default() += 1;
        }
        let mut v: Vec<_> = reasons.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for (reason, n) in v.into_iter().take(3) {
            line(out, "Blind", &truncate_end(&format!("{n} rule(s): {reason}"), 150))?;
        }
    }
    Ok(())
}
