//! Text logs (IIS W3C, Exchange CSV, Apache/nginx access logs, JSON access
//! logs; plain or gzip) → built-in log detections and Sigma `webserver`
//! rules, plus the time coverage of every log source.
//!
//! Sigma: this engine loads its own [`SigmaRules`] from the `--sigma`
//! directories, keeping only files whose `logsource` says
//! `category: webserver` (a text pre-check, then the Sigma compiler). The
//! event-log engine loads the same directories for event logs; web rules are
//! therefore evaluated only on web-log lines here, and event rules never on
//! web lines.

mod coverage_time;
mod gate;
mod shell_use;

use crate::dispatch::{Handled, Partial};
use crate::engine::ScanError;
use crate::options::ScanOptions;
use crate::summary::Summaries;
use coverage_time::{SpanAcc, source_name, spans};
use gate::{NeedleGate, Wanted};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use vigie_model::{Coverage, Evidence, Location, Problem, ProblemCode, RuleSetInfo, ScanResult};
use vigie_rules::logs::{
    FileState, LineCtx, LogKind, LogRules, flagged_script_names, web_shell_use,
};
use vigie_sigma::{Hit, SetOptions, SigmaCompiler, SigmaMatcher, SigmaRules};
use vigie_source::{FileEntry, LogFormat, LogItem, LogReader, LogRecord, SourceKind, display_path};

/// Compiled log detections and web Sigma rules; time coverage gathered from
/// every worker.
pub(crate) struct LogsEngine {
    rules: Option<LogRules>,
    sigma: Option<SigmaRules>,
    spans: Mutex<BTreeMap<String, SpanAcc>>,
    /// Every text log read, for the web-shell use correlation's second
    /// reading (VG-COR001).
    logs_read: Mutex<Vec<PathBuf>>,
    /// Threads for that second reading.
    threads: usize,
    /// `--host`: the host name put on every log finding.
    host: Option<String>,
    /// `--max-hits`: findings listed per file, rule and stage.
    max_hits: usize,
}

impl LogsEngine {
    pub(crate) fn load(options: &ScanOptions, coverage: &mut Coverage) -> Result<Self, ScanError> {
        let rules = options.builtin_rules.then(LogRules::new);
        if let Some(r) = &rules {
            coverage.rules.loaded += r.len() as u64;
            coverage.rules.sets.push(RuleSetInfo {
                name: "builtin".into(),
                kind: "log".into(),
                path: "builtin".into(),
                loaded: r.len() as u64,
                rejected: 0,
                sha256: String::new(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            });
        }
        let sigma = load_web_sigma(options, coverage);
        Ok(LogsEngine {
            rules,
            sigma,
            spans: Mutex::new(BTreeMap::new()),
            logs_read: Mutex::new(Vec::new()),
            threads: options.effective_threads(),
            host: options.host.clone(),
            max_hits: options.max_hits,
        })
    }

    pub(crate) fn worker(&self) -> LogsWorker<'_> {
        LogsWorker {
            engine: self,
            matcher: self.sigma.as_ref().map(SigmaRules::matcher),
            hits: Vec::new(),
            spans: BTreeMap::new(),
            logs_read: Vec::new(),
        }
    }

    /// After all files: the time span of every log source, and the scripts
    /// flagged on disk that answered requests in the logs (VG-COR001).
    pub(crate) fn finish(&self, result: &mut ScanResult) {
        let acc = std::mem::take(&mut *self.spans.lock().unwrap_or_else(|p| p.into_inner()));
        result.coverage.sources.extend(spans(acc));
        let names = flagged_script_names(&result.findings);
        if names.is_empty() || self.rules.is_none() {
            return;
        }
        let mut logs =
            std::mem::take(&mut *self.logs_read.lock().unwrap_or_else(|p| p.into_inner()));
        logs.sort();
        let (uses, warnings) = shell_use::gather(&logs, &names, self.threads);
        result.coverage.warnings.extend(warnings);
        if uses.dropped > 0 {
            result.coverage.warnings.push(format!(
                "{} requests to scripts were not remembered for the web-shell use correlation \
                 (more than {} distinct script URLs in the logs); scan fewer logs at once to \
                 correlate them all",
                uses.dropped,
                uses.len()
            ));
        }
        let used = web_shell_use(&result.findings, &uses);
        result.findings.extend(used);
    }
}

/// Load the `webserver` Sigma rules of every `--sigma` directory.
fn load_web_sigma(options: &ScanOptions, coverage: &mut Coverage) -> Option<SigmaRules> {
    if options.sigma.dirs.is_empty() {
        return None;
    }
    let mut compiler = SigmaCompiler::new();
    for (k, v) in &options.sigma.placeholders {
        compiler.placeholder(k, v.clone());
    }
    if let Some(level) = options.sigma.min_level {
        compiler.min_level(level);
    }
    let statuses: Vec<&str> = options.sigma.status.iter().map(String::as_str).collect();
    if !statuses.is_empty() {
        compiler.statuses(&statuses);
    }
    let tags: Vec<&str> = options.sigma.tags.iter().map(String::as_str).collect();
    if !tags.is_empty() {
        compiler.tags(&tags);
    }
    let mut files = 0usize;
    for dir in &options.sigma.dirs {
        let set = format!(
            "{} (webserver)",
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "sigma".into())
        );
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            let Ok(read) = std::fs::read_dir(&d) else { continue };
            let mut entries: Vec<_> = read.flatten().map(|e| e.path()).collect();
            entries.sort();
            for p in entries {
                if p.is_dir() {
                    stack.push(p);
                } else if is_yaml(&p)
                    && let Ok(text) = std::fs::read_to_string(&p)
                    && vigie_sigma::is_webserver_rule(&text)
                {
                    let origin = display_path(&p);
                    compiler.add_source(&text, &origin, SetOptions::external(set.clone()));
                    files += 1;
                }
            }
        }
    }
    if files == 0 {
        return None;
    }
    let rules = compiler.build();
    coverage.rules.loaded += rules.loaded_count() as u64;
    for (info, reason) in rules.rejected() {
        coverage.rules.rejected.push(vigie_model::RejectedRule {
            file: info.file.clone(),
            rule: Some(info.id.clone()),
            reason: reason.to_string(),
        });
    }
    Some(rules)
}

fn is_yaml(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

/// Per-thread log state.
pub(crate) struct LogsWorker<'e> {
    engine: &'e LogsEngine,
    matcher: Option<SigmaMatcher<'e>>,
    hits: Vec<Hit>,
    spans: BTreeMap<String, SpanAcc>,
    logs_read: Vec<PathBuf>,
}

impl LogsWorker<'_> {
    pub(crate) fn scan(
        &mut self,
        entry: &FileEntry,
        kind: SourceKind,
        part: &mut Partial,
    ) -> Handled {
        let path = display_path(&entry.path);
        let kind = if kind == SourceKind::Gzip {
            match vigie_source::sniff_path(&entry.path) {
                Ok(k) if k.is_text_log() => k,
                _ => return Handled::No,
            }
        } else {
            kind
        };
        if !kind.is_text_log() {
            return Handled::No;
        }
        // The kind is sniffed already: the file is opened once more, to read.
        let mut reader = match LogReader::open_as(&entry.path, kind) {
            Ok(Some(r)) => r,
            Ok(None) => return Handled::No,
            Err(e) => {
                part.coverage.fail(crate::files::io_problem(&entry.path, &e));
                return Handled::Yes;
            }
        };
        let log_kind = log_kind(reader.format());
        let mut state = FileState::default();
        let mut acc = SpanAcc::default();
        let first_finding = part.findings.len();
        let mut gate =
            NeedleGate::new(self.engine.rules.as_ref(), self.engine.sigma.as_ref(), log_kind);
        let gated = reader.gates_lines();
        let mut timed = false;
        let mut summaries = Summaries::new(self.engine.max_hits);
        let outcome = loop {
            match reader.next_item_gated(&mut gate) {
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
                Ok(Some(LogItem::Bad(bad))) => part.coverage.record_error(Problem::new(
                    format!("{path}:{}", bad.line),
                    ProblemCode::BadRecord,
                    format!("{}; the rest of the file was read", bad.reason),
                )),
                Ok(Some(LogItem::Quiet { time })) => {
                    timed = true;
                    acc.add(time);
                }
                Ok(Some(LogItem::Record(rec))) => {
                    timed = true;
                    acc.add(rec.timestamp_opt());
                    let wanted =
                        if gated { gate.wanted() } else { Wanted { rules: None, sigma: true } };
                    let line = Line { rec: &rec, path: &path, kind: log_kind, wanted };
                    let before = part.findings.len();
                    self.check(&line, &mut state, part);
                    summaries.admit(&mut part.findings, before);
                }
            }
        };
        summaries.finish(&mut part.findings);
        if let Some(n) = reader.assumed_fields() {
            part.coverage.warnings.push(format!(
                "{path}: no #Fields header before its first lines (an extract?); they were read \
                 with IIS's default {n} fields (date time s-ip cs-method cs-uri-stem …): if the \
                 site logged other fields, check the findings' field values against the raw lines"
            ));
        }
        let source = timed.then(|| source_name(&entry.path, reader.format(), reader.log_type()));
        part.coverage.records.lines += reader.lines_read();
        if let Some(host) = &self.engine.host {
            for f in &mut part.findings[first_finding..] {
                if f.host.is_none() {
                    f.host = Some(host.clone());
                    f.id = f.compute_id();
                }
            }
        }
        self.logs_read.push(entry.path.clone());
        if let Some(src) = source {
            acc.paths.push(path.clone());
            self.spans.entry(src).or_default().merge(acc);
        }
        match outcome {
            Ok(()) => {
                part.coverage.files.scanned += 1;
                part.coverage.files.bytes += entry.size;
            }
            Err(e) => part.coverage.fail(Problem::new(
                path,
                ProblemCode::Corrupt,
                format!(
                    "{e}; the {} lines before were scanned — the file is truncated or corrupt \
                     (re-copy it from the server if possible)",
                    e.line
                ),
            )),
        }
        Handled::Yes
    }

    fn check(&mut self, line: &Line<'_, '_>, state: &mut FileState, part: &mut Partial) {
        let Line { rec, path, kind, wanted } = *line;
        if let Some(rules) = &self.engine.rules {
            let ctx = LineCtx { event: rec, raw: rec.raw(), path, line: rec.line_no(), kind };
            match wanted.rules {
                // A JSON value may be escaped in the line (`\/` for `/`): the
                // rules' needles are only sound on lines without escapes.
                None if rec.format() == LogFormat::JsonAccess && rec.raw().contains('\\') => {
                    rules.check_rules(&ctx, state, &mut part.findings, u64::MAX)
                }
                None => rules.check(&ctx, state, &mut part.findings),
                Some(0) => 0,
                Some(mask) => rules.check_rules(&ctx, state, &mut part.findings, mask),
            };
        }
        if !wanted.sigma {
            return;
        }
        if let (Some(m), Some(sigma)) = (self.matcher.as_mut(), self.engine.sigma.as_ref()) {
            // Fast path: a few SIMD needle passes over the line rule out
            // every web rule for most lines (exact: see `may_match_text`).
            if !m.may_match_text(rec.values_text()) {
                return;
            }
            self.hits.clear();
            if m.matches(rec, &mut self.hits) > 0 {
                for hit in &self.hits {
                    let mut f = sigma.finding(hit, path);
                    f.location = Location {
                        path: path.to_string(),
                        line: Some(rec.line_no()),
                        ..Location::default()
                    };
                    let fields = hit.fields.iter().cloned().collect();
                    f.evidence.insert(
                        0,
                        Evidence::LogLine {
                            path: path.to_string(),
                            line: rec.line_no(),
                            raw: bounded(rec.raw()),
                            fields,
                        },
                    );
                    f.evidence.retain(|e| !matches!(e, Evidence::Event { .. }));
                    f.id = f.compute_id();
                    part.findings.push(f);
                }
            }
        }
    }

    pub(crate) fn into_partial(mut self) -> Partial {
        let mut shared = self.engine.spans.lock().unwrap_or_else(|p| p.into_inner());
        for (k, v) in std::mem::take(&mut self.spans) {
            shared.entry(k).or_default().merge(v);
        }
        drop(shared);
        self.engine.logs_read.lock().unwrap_or_else(|p| p.into_inner()).append(&mut self.logs_read);
        Partial::default()
    }
}

/// The rule family of a log format: Exchange CSV logs, or web logs.
fn log_kind(format: LogFormat) -> LogKind {
    if format == LogFormat::ExchangeCsv { LogKind::Exchange } else { LogKind::Web }
}

/// A record to check and what for.
struct Line<'a, 'r> {
    rec: &'a LogRecord<'r>,
    path: &'a str,
    kind: LogKind,
    wanted: Wanted,
}

fn bounded(s: &str) -> String {
    const MAX: usize = 4096;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// `LogRecord` time without importing the `Event` trait everywhere.
trait TimestampOpt {
    fn timestamp_opt(&self) -> Option<chrono::DateTime<chrono::Utc>>;
}

impl TimestampOpt for LogRecord<'_> {
    fn timestamp_opt(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        vigie_model::Event::timestamp(self)
    }
}
