//! Event logs (EVTX, JSON event exports, zips of them) → Sigma.
//!
//! [`EventsEngine::load`] compiles the built-in Sigma pack (set `builtin`)
//! and every `--sigma` directory once, with the placeholder, level, status
//! and tag filters; rule outcomes go to the coverage. Each worker thread
//! reads its files with a reused [`EventReader`] and a [`SigmaMatcher`];
//! [`EventsEngine::finish`] runs the correlations over every thread's
//! inputs, reports blind rules (channels never seen) and the time span of
//! each channel.

use crate::dispatch::{Handled, Partial};
use crate::engine::ScanError;
use crate::options::ScanOptions;
use crate::summary::Summaries;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use vigie_model::{
    BlindRule, Coverage, Event, Finding, Problem, ProblemCode, RuleSetInfo, RuleSource, ScanResult,
    SourceSpan,
};
use vigie_sigma::{CorrelationInput, Hit, SetOptions, SigmaCompiler, SigmaMatcher, SigmaRules};
use vigie_source::{
    EventItem, EventReadError, EventReadStats, EventReader, FileEntry, SourceKind, ZipLimits,
    display_path, zip_event_members,
};

/// Paths listed per channel span (the count is exact).
const MAX_SPAN_PATHS: usize = 50;

/// What the workers gathered, merged for [`EventsEngine::finish`].
#[derive(Default)]
struct Gathered {
    /// Files (or zip members) read as event logs.
    logs: u64,
    spans: BTreeMap<String, SourceSpan>,
    corr: Vec<CorrelationInput>,
    /// Source tag → path, for correlation findings.
    paths: HashMap<u32, String>,
}

impl Gathered {
    fn merge(&mut self, other: Gathered) {
        self.logs += other.logs;
        for (k, s) in other.spans {
            match self.spans.get_mut(&k) {
                Some(mine) => merge_span(mine, s),
                None => {
                    self.spans.insert(k, s);
                }
            }
        }
        self.corr.extend(other.corr);
        self.paths.extend(other.paths);
    }
}

fn merge_span(mine: &mut SourceSpan, other: SourceSpan) {
    mine.records += other.records;
    mine.first = match (mine.first, other.first) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    mine.last = match (mine.last, other.last) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    for p in other.paths {
        if mine.paths.len() < MAX_SPAN_PATHS && !mine.paths.contains(&p) {
            mine.paths.push(p);
        }
    }
}

/// Compiled Sigma rules (built-in + external).
pub(crate) struct EventsEngine {
    rules: SigmaRules,
    host: Option<String>,
    limits: ZipLimits,
    /// `--max-hits`: findings listed per file, rule and stage.
    max_hits: usize,
    next_source: AtomicU32,
    gathered: Mutex<Gathered>,
}

impl EventsEngine {
    pub(crate) fn load(options: &ScanOptions, coverage: &mut Coverage) -> Result<Self, ScanError> {
        let mut compiler = SigmaCompiler::new();
        // Web rules are the log engine's (they run on web-log lines).
        compiler.without_webserver();
        for (name, values) in &options.sigma.placeholders {
            compiler.placeholder(name, values.clone());
        }
        if let Some(level) = options.sigma.min_level {
            compiler.min_level(level);
        }
        if !options.sigma.status.is_empty() {
            let s: Vec<&str> = options.sigma.status.iter().map(String::as_str).collect();
            compiler.statuses(&s);
        }
        if !options.sigma.tags.is_empty() {
            let t: Vec<&str> = options.sigma.tags.iter().map(String::as_str).collect();
            compiler.tags(&t);
        }
        let mut builtin_sets = Vec::new();
        if options.builtin_rules {
            for (file, text) in vigie_rules::sigma_pack::sources() {
                builtin_sets.push(compiler.add_source(text, file, SetOptions::builtin("builtin")));
            }
        }
        for dir in &options.sigma.dirs {
            compiler
                .add_dir(dir, SetOptions::external(set_name(dir)))
                .map_err(|e| ScanError::Rules(e.to_string()))?;
        }
        let rules = compiler.build();
        for set in rules.sets().iter().filter(|s| s.source == RuleSource::Sigma) {
            if set.files == 0 {
                return Err(ScanError::Rules(format!(
                    "no Sigma rule file (.yml) under {} — give the folder that holds the rules, e.g. sigma/rules/windows",
                    set.path
                )));
            }
        }
        record_rules(&rules, &builtin_sets, coverage);
        let limits = ZipLimits { max_member: options.max_file_size.max(1), ..ZipLimits::default() };
        Ok(EventsEngine {
            rules,
            host: options.host.clone(),
            max_hits: options.max_hits,
            limits,
            next_source: AtomicU32::new(0),
            gathered: Mutex::new(Gathered::default()),
        })
    }

    /// The compiled rules (for tests and front ends).
    #[allow(dead_code)]
    pub(crate) fn rules(&self) -> &SigmaRules {
        &self.rules
    }

    pub(crate) fn worker(&self) -> EventsWorker<'_> {
        EventsWorker {
            engine: self,
            matcher: self.rules.matcher(),
            reader: EventReader::new(),
            hits: Vec::new(),
            gathered: Gathered::default(),
        }
    }

    /// What the loaded event rules missed when no event log was given: rules
    /// for Windows channels want the server's event logs; rules for other
    /// sources (`proxy`, `firewall`, Linux…) want JSON exports of those logs.
    fn no_event_log_warning(&self) -> String {
        let loaded = self.rules.rules().iter().filter(|r| r.is_loaded());
        let (windows, other): (Vec<_>, Vec<_>) = loaded.partition(|r| !r.channels.is_empty());
        let mut text =
            String::from("no event log (EVTX, JSON event export) was among the inputs: ");
        if !windows.is_empty() {
            text.push_str(&format!(
                "the {} loaded Sigma rules for Windows event logs had nothing to look at — add \
                 the server's event logs (C:\\Windows\\System32\\winevt\\Logs) to judge them",
                windows.len()
            ));
        }
        if !other.is_empty() {
            let mut sources: Vec<&str> = other
                .iter()
                .filter_map(|r| r.logsource.category.as_deref().or(r.logsource.product.as_deref()))
                .collect();
            sources.sort_unstable();
            sources.dedup();
            let named = sources.iter().take(4).copied().collect::<Vec<_>>().join(", ");
            let more = if sources.len() > 4 { ", …" } else { "" };
            if !windows.is_empty() {
                text.push_str("; ");
            }
            text.push_str(&format!(
                "the {} rules for other log sources ({named}{more}) need a JSON-lines export of \
                 those logs",
                other.len()
            ));
        }
        text
    }

    /// After all files: correlations, blind rules, channel spans.
    pub(crate) fn finish(&self, result: &mut ScanResult) {
        let gathered =
            std::mem::take(&mut *self.gathered.lock().unwrap_or_else(|p| p.into_inner()));
        let loaded = self.rules.loaded_count();
        if gathered.logs == 0 {
            if loaded > 0 {
                result.coverage.warnings.push(self.no_event_log_warning());
            }
        } else {
            let present: Vec<String> = gathered.spans.keys().cloned().collect();
            for r in self.rules.blind_rules(&present) {
                result.coverage.rules.blind.push(BlindRule {
                    rule: r.id.clone(),
                    title: r.title.clone(),
                    reason: format!(
                        "needs channel {} — not in the evidence",
                        r.channels.join(" or ")
                    ),
                });
            }
        }
        let path_of = |src: u32| gathered.paths.get(&src).cloned().unwrap_or_default();
        for hit in self.rules.correlate(gathered.corr.clone()) {
            let mut f = self.rules.correlation_finding(&hit, &path_of);
            if let Some(h) = &self.host {
                f.host = Some(h.clone());
                f.id = f.compute_id();
            }
            result.findings.push(f);
        }
        result.coverage.sources.extend(gathered.spans.into_values());
    }
}

/// Loaded, rejected and excluded rules into the coverage; the built-in
/// pack's files (one set each in the compiler) become one `builtin` set.
fn record_rules(rules: &SigmaRules, builtin_sets: &[usize], coverage: &mut Coverage) {
    let mut rc = rules.rule_coverage(None);
    let mut sets = Vec::new();
    let mut builtin: Option<RuleSetInfo> = None;
    for (i, s) in rc.sets.drain(..).enumerate() {
        if builtin_sets.contains(&i) {
            let b = builtin.get_or_insert_with(|| RuleSetInfo {
                name: "builtin".into(),
                kind: "sigma".into(),
                path: "builtin".into(),
                loaded: 0,
                rejected: 0,
                sha256: String::new(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            });
            b.loaded += s.loaded;
            b.rejected += s.rejected;
        } else {
            sets.push(s);
        }
    }
    sets.extend(builtin);
    coverage.rules.loaded += rc.loaded;
    coverage.rules.rejected.extend(rc.rejected);
    coverage.rules.sets.extend(sets);
    let excluded: u64 = rules.sets().iter().map(|s| s.excluded).sum();
    if excluded > 0 {
        coverage
            .warnings
            .push(format!("{excluded} Sigma rules left out by --min-level / --status / --tag"));
    }
}

/// A set name from its directory: the last two path components.
fn set_name(dir: &Path) -> String {
    let parts: Vec<String> = dir
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

/// Per-thread Sigma matcher state.
pub(crate) struct EventsWorker<'e> {
    engine: &'e EventsEngine,
    matcher: SigmaMatcher<'e>,
    reader: EventReader,
    hits: Vec<Hit>,
    gathered: Gathered,
}

/// Where the events of one file go: matcher, findings, coverage.
struct Sink<'a, 'e> {
    engine: &'e EventsEngine,
    matcher: &'a mut SigmaMatcher<'e>,
    hits: &'a mut Vec<Hit>,
    part: &'a mut Partial,
    gathered: &'a mut Gathered,
    /// The file as shown (the zip's path for members).
    path: String,
    /// Channel of the previous event and its span key, to skip map lookups.
    last: Option<String>,
    /// Findings past `--max-hits`, counted per rule and stage.
    summaries: Summaries,
}

impl Sink<'_, '_> {
    fn item(&mut self, member: Option<&str>, item: EventItem<'_>) {
        match item {
            EventItem::Event(ev) => self.event(member, ev),
            EventItem::Error(e) => {
                let path = member_path(&self.path, member);
                self.part.coverage.record_error(Problem::new(
                    path,
                    ProblemCode::BadRecord,
                    e.to_string(),
                ));
            }
        }
    }

    fn event(&mut self, member: Option<&str>, ev: &dyn Event) {
        self.span(member, ev);
        self.matcher.matches(ev, self.hits);
        let before = self.part.findings.len();
        for hit in self.hits.drain(..) {
            let shown = member_path(&self.path, member);
            let mut f: Finding = self.engine.rules.finding(&hit, &shown);
            if let Some(m) = member {
                f.location.path = self.path.clone();
                f.location.member = Some(m.to_string());
            }
            if let Some(h) = &self.engine.host {
                f.host = Some(h.clone());
            }
            f.id = f.compute_id();
            self.part.findings.push(f);
        }
        self.summaries.admit(&mut self.part.findings, before);
    }

    fn span(&mut self, member: Option<&str>, ev: &dyn Event) {
        let Some(channel) = ev.channel() else { return };
        let time: Option<DateTime<Utc>> = ev.timestamp();
        let new_channel = self.last.as_deref() != Some(&*channel);
        if new_channel {
            self.last = Some(channel.to_string());
        }
        if !self.gathered.spans.contains_key(&*channel) {
            let span = SourceSpan {
                source: channel.to_string(),
                paths: Vec::new(),
                records: 0,
                first: None,
                last: None,
                gaps: Vec::new(),
                warnings: Vec::new(),
            };
            self.gathered.spans.insert(channel.to_string(), span);
        }
        let Some(span) = self.gathered.spans.get_mut(&*channel) else { return };
        if new_channel {
            let p = member_path(&self.path, member);
            if span.paths.len() < MAX_SPAN_PATHS && !span.paths.contains(&p) {
                span.paths.push(p);
            }
        }
        span.records += 1;
        if let Some(t) = time {
            span.first = Some(span.first.map_or(t, |f| f.min(t)));
            span.last = Some(span.last.map_or(t, |l| l.max(t)));
        }
    }
}

fn member_path(path: &str, member: Option<&str>) -> String {
    match member {
        Some(m) => format!("{path}!{m}"),
        None => path.to_string(),
    }
}

impl EventsWorker<'_> {
    pub(crate) fn scan(
        &mut self,
        entry: &FileEntry,
        kind: SourceKind,
        part: &mut Partial,
    ) -> Handled {
        let path = display_path(&entry.path);
        if kind == SourceKind::Zip {
            return self.scan_zip(entry, path, part);
        }
        let read = self.read_source(&path, part, |reader, sink| match kind {
            SourceKind::Evtx => {
                reader.read_evtx_path(&entry.path, &mut |item| sink.item(None, item))
            }
            _ => match std::fs::File::open(&entry.path) {
                Ok(file) => {
                    let mut input = std::io::BufReader::with_capacity(256 * 1024, file);
                    reader.read_json(&mut input, &path, &mut |item| sink.item(None, item))
                }
                Err(source) => Err(EventReadError::Io { path: path.clone(), source }),
            },
        });
        finish_file(entry, &path, read, part, &mut self.gathered)
    }

    /// Register `path` as a new event source, then run `read` with the
    /// reader and a sink that feeds the matcher, findings and coverage.
    fn read_source(
        &mut self,
        path: &str,
        part: &mut Partial,
        read: impl FnOnce(&mut EventReader, &mut Sink<'_, '_>) -> ReadOutcome,
    ) -> ReadOutcome {
        let source = self.engine.next_source.fetch_add(1, Ordering::Relaxed);
        self.gathered.paths.insert(source, path.to_string());
        let engine = self.engine;
        let EventsWorker { matcher, reader, hits, gathered, .. } = self;
        matcher.set_source(source);
        let summaries = Summaries::new(engine.max_hits);
        let path = path.to_string();
        let mut sink = Sink { engine, matcher, hits, part, gathered, path, last: None, summaries };
        let outcome = read(reader, &mut sink);
        let Sink { summaries, part, .. } = sink;
        summaries.finish(&mut part.findings);
        outcome
    }

    fn scan_zip(&mut self, entry: &FileEntry, path: String, part: &mut Partial) -> Handled {
        let listing = match zip_event_members(&entry.path, &self.engine.limits) {
            Ok(l) if !l.events.is_empty() => l,
            // Not a readable zip, or no event log inside: scanned as a file.
            _ => return Handled::No,
        };
        for p in &listing.problems {
            part.coverage.record_error(Problem::new(
                path.clone(),
                ProblemCode::BadRecord,
                p.to_string(),
            ));
        }
        if !listing.others.is_empty() {
            let names: Vec<&str> = listing.others.iter().take(5).map(String::as_str).collect();
            part.coverage.warnings.push(format!(
                "{path}: {} member(s) that are not event logs were not scanned ({}{}) — extract the archive to scan them as files",
                listing.others.len(),
                names.join(", "),
                if listing.others.len() > 5 { ", …" } else { "" }
            ));
        }
        let limits = self.engine.limits;
        let read = self.read_source(&path, part, |reader, sink| {
            reader.read_zip(&entry.path, &listing.events, &limits, &mut |m, item| {
                sink.item(Some(m), item)
            })
        });
        finish_file(entry, &path, read, part, &mut self.gathered)
    }

    pub(crate) fn into_partial(mut self) -> Partial {
        let mut g = std::mem::take(&mut self.gathered);
        g.corr.extend(self.matcher.take_correlation_inputs());
        self.engine.gathered.lock().unwrap_or_else(|p| p.into_inner()).merge(g);
        Partial::default()
    }
}

/// What reading one event file gives.
type ReadOutcome = Result<EventReadStats, EventReadError>;

/// Count the file once: scanned (with its records) or failed with a reason.
fn finish_file(
    entry: &FileEntry,
    path: &str,
    read: ReadOutcome,
    part: &mut Partial,
    gathered: &mut Gathered,
) -> Handled {
    match read {
        Ok(stats) => {
            part.coverage.files.scanned += 1;
            part.coverage.files.bytes += entry.size;
            part.coverage.records.events += stats.records;
            gathered.logs += 1;
            Handled::Yes
        }
        Err(EventReadError::NotJson { .. }) => Handled::No,
        Err(e) => {
            let code = match &e {
                EventReadError::Io { source, .. }
                    if source.kind() == std::io::ErrorKind::PermissionDenied =>
                {
                    ProblemCode::PermissionDenied
                }
                EventReadError::Io { .. } => ProblemCode::Io,
                _ => ProblemCode::Corrupt,
            };
            part.coverage.fail(Problem::new(path, code, e.to_string()));
            Handled::Yes
        }
    }
}
