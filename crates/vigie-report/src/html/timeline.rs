//! The timeline: an inline SVG histogram of dated evidence, stacked by stage,
//! with the time span of each log source drawn underneath (gaps left blank).

use super::esc;
use crate::facets::fields_time;
use chrono::{DateTime, Utc};
use std::io::{self, Write};
use vigie_model::{Evidence, ScanResult, Stage};

const BINS: usize = 60;
const W: f64 = 800.0;
const LEFT: f64 = 40.0;
const PLOT_H: f64 = 140.0;

/// Every dated evidence point: (time, stage).
pub(crate) fn points(r: &ScanResult) -> Vec<(DateTime<Utc>, Stage)> {
    let mut v = Vec::new();
    for f in &r.findings {
        let mut any = false;
        for e in &f.evidence {
            let t = match e {
                Evidence::Event { time, .. } => *time,
                Evidence::LogLine { fields, .. } => fields_time(fields),
                _ => None,
            };
            if let Some(t) = t {
                v.push((t, f.stage));
                any = true;
            }
        }
        if !any && let Some(t) = f.time {
            v.push((t, f.stage));
        }
    }
    v
}

fn stage_color(s: Stage) -> &'static str {
    match s {
        Stage::Compromise => "#b3261e",
        Stage::Exploitation => "#e8710a",
        Stage::Attempt => "#f2b807",
        Stage::Exposure => "#7b61ff",
    }
}

pub(crate) fn section(r: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<section id=\"timeline\"><h2>Timeline of evidence</h2>")?;
    let pts = points(r);
    let spans: Vec<_> =
        r.coverage.sources.iter().filter_map(|s| Some((s, s.first?, s.last?))).collect();
    let times = pts.iter().map(|p| p.0).chain(spans.iter().flat_map(|s| [s.1, s.2]));
    let (Some(lo), Some(hi)) = (times.clone().min(), times.max()) else {
        return writeln!(
            out,
            "<p class=\"muted\">No dated evidence and no dated logs: nothing to draw.</p></section>"
        );
    };
    let span_ms = (hi - lo).num_milliseconds().max(1) as f64;
    let x =
        |t: DateTime<Utc>| LEFT + (t - lo).num_milliseconds() as f64 / span_ms * (W - LEFT - 10.0);
    let mut bins = vec![[0usize; 4]; BINS];
    for (t, s) in &pts {
        let i = (((*t - lo).num_milliseconds() as f64 / span_ms) * BINS as f64) as usize;
        bins[i.min(BINS - 1)][*s as usize] += 1;
    }
    let max = bins.iter().map(|b| b.iter().sum::<usize>()).max().unwrap_or(0).max(1);
    let lanes = spans.len().min(12);
    let height = PLOT_H + 30.0 + lanes as f64 * 16.0;
    writeln!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {W} {height}\" role=\"img\" aria-label=\"{} dated evidence items from {} to {}\">",
        pts.len(),
        lo.format("%Y-%m-%d"),
        hi.format("%Y-%m-%d")
    )?;
    let bw = (W - LEFT - 10.0) / BINS as f64;
    for (i, b) in bins.iter().enumerate() {
        let mut y = PLOT_H;
        for s in Stage::ALL {
            let n = b[s as usize];
            if n == 0 {
                continue;
            }
            let h = (n as f64 / max as f64 * (PLOT_H - 10.0)).max(1.5);
            y -= h;
            writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{n} {} item(s)</title></rect>",
                LEFT + i as f64 * bw,
                (bw - 1.0).max(1.0),
                stage_color(s),
                s.as_str()
            )?;
        }
    }
    writeln!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{PLOT_H}\" x2=\"{}\" y2=\"{PLOT_H}\" stroke=\"#888\"/>",
        W - 10.0
    )?;
    writeln!(
        out,
        "<text x=\"{}\" y=\"12\" class=\"ax\" text-anchor=\"end\">{max}</text>",
        LEFT - 4.0
    )?;
    let fmt = if (hi - lo).num_days() >= 2 { "%Y-%m-%d" } else { "%Y-%m-%d %H:%M" };
    for (t, anchor) in [(lo, "start"), (lo + (hi - lo) / 2, "middle"), (hi, "end")] {
        writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{}\" class=\"ax\" text-anchor=\"{anchor}\">{}</text>",
            x(t),
            PLOT_H + 14.0,
            t.format(fmt)
        )?;
    }
    for (i, (s, first, last)) in spans.iter().take(lanes).enumerate() {
        let y = PLOT_H + 30.0 + i as f64 * 16.0;
        let mut pieces = vec![];
        let mut start = *first;
        for g in &s.gaps {
            pieces.push((start, g.from));
            start = g.to;
        }
        pieces.push((start, *last));
        for (a, b) in pieces {
            writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"8\" fill=\"#5f7fa8\"><title>{}: {} → {}</title></rect>",
                x(a),
                y - 8.0,
                (x(b) - x(a)).max(2.0),
                esc(&s.source),
                a.format("%Y-%m-%d %H:%M"),
                b.format("%Y-%m-%d %H:%M")
            )?;
        }
        writeln!(
            out,
            "<text x=\"{}\" y=\"{y}\" class=\"ax\" text-anchor=\"end\">log {}</text>",
            LEFT - 4.0,
            i + 1
        )?;
    }
    writeln!(out, "</svg>")?;
    write!(out, "<p class=\"legend\">")?;
    for s in Stage::ALL.iter().rev() {
        write!(
            out,
            "<span><i style=\"background:{}\"></i>{}</span> ",
            stage_color(*s),
            s.as_str()
        )?;
    }
    if lanes > 0 {
        write!(out, "<span><i style=\"background:#5f7fa8\"></i>log coverage: ")?;
        let names: Vec<String> = spans
            .iter()
            .take(lanes)
            .enumerate()
            .map(|(i, s)| format!("{} = {}", i + 1, s.0.source))
            .collect();
        write!(out, "{}</span>", esc(&names.join(", ")))?;
    }
    writeln!(out, "</p></section>")
}
