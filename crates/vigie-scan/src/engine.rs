//! The engine: load rules once, walk, scan on all cores, assemble the result.

use crate::dispatch::{Partial, Worker};
use crate::events::EventsEngine;
use crate::files::FilesEngine;
use crate::logs::LogsEngine;
use crate::options::ScanOptions;
use chrono::Utc;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use vigie_model::{Coverage, ScanResult};
use vigie_source::{FileEntry, WalkOptions, Walker};

/// A scan that cannot start (bad options, unusable rule directory).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The walk could not start.
    #[error(transparent)]
    Walk(#[from] vigie_source::WalkError),
    /// A rule set could not be loaded at all (not a single rule in it).
    #[error("{0}")]
    Rules(String),
}

/// Progress callbacks for a front end (a progress bar). Called from worker
/// threads.
pub trait Progress: Sync {
    /// The walk is done: this many files and bytes will be scanned.
    fn start(&self, files: u64, bytes: u64);
    /// One file done, of this many bytes.
    fn advance(&self, bytes: u64);
    /// All done.
    fn finish(&self);
}

/// A [`Progress`] that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _files: u64, _bytes: u64) {}
    fn advance(&self, _bytes: u64) {}
    fn finish(&self) {}
}

/// Compiled rules and options, ready to scan. Build once, scan many.
pub struct Engine {
    pub(crate) options: ScanOptions,
    pub(crate) files: FilesEngine,
    pub(crate) events: EventsEngine,
    pub(crate) logs: LogsEngine,
    /// Rule coverage gathered while loading (loaded counts, rejected rules, sets).
    load_coverage: Coverage,
}

impl Engine {
    /// Compile every rule set the options name. Rules that fail are recorded
    /// as rejected and the rest load; only unusable options are errors.
    pub fn load(options: ScanOptions) -> Result<Engine, ScanError> {
        let mut coverage = Coverage::default();
        let files = FilesEngine::load(&options, &mut coverage)?;
        let events = EventsEngine::load(&options, &mut coverage)?;
        let logs = LogsEngine::load(&options, &mut coverage)?;
        Ok(Engine { options, files, events, logs, load_coverage: coverage })
    }

    /// The options this engine was built with.
    pub fn options(&self) -> &ScanOptions {
        &self.options
    }

    /// Walk the inputs and scan every file. Never fails on an item: problems
    /// end in the result's coverage.
    pub fn scan(&self, progress: &dyn Progress) -> ScanResult {
        let mut inputs: Vec<String> =
            self.options.paths.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        inputs.extend(self.options.system_roots.iter().map(|p| p.to_string_lossy().into_owned()));
        let mut result = ScanResult::new(inputs);
        result.coverage = self.load_coverage.clone();
        let mut roots: Vec<PathBuf> = self.options.paths.clone();
        for root in &self.options.system_roots {
            let plan = crate::triage::plan(root);
            roots.extend(plan.paths);
            result.coverage.absent.extend(plan.absent);
            result.inventory.extend(plan.inventory);
        }
        let walk_options = WalkOptions {
            follow_links: self.options.follow_links,
            excludes: self.options.excludes.clone(),
            threads: self.options.effective_threads(),
        };
        match Walker::new(walk_options).walk(&roots) {
            Ok(walk) => {
                for p in walk.skipped {
                    result.coverage.skip(p);
                }
                for p in walk.failed {
                    result.coverage.fail(p);
                }
                let mut partial = self.scan_files(walk.files, progress);
                if !walk.duplicates.is_empty() {
                    let mut files = self.files.worker(&self.options);
                    for entry in &walk.duplicates {
                        files.match_path(entry, &mut partial);
                    }
                }
                result.findings.extend(partial.findings);
                result.coverage.merge(partial.coverage);
            }
            Err(e) => result.coverage.warnings.push(e.to_string()),
        }
        self.events.finish(&mut result);
        self.logs.finish(&mut result);
        result.finished = Utc::now();
        result.finalize();
        result
    }

    /// Scan a list of files on all worker threads (one worker state per
    /// thread: YARA scanner, Sigma matcher, buffers), biggest files first for
    /// balance; the result is sorted later so order does not matter.
    pub(crate) fn scan_files(&self, mut files: Vec<FileEntry>, progress: &dyn Progress) -> Partial {
        files.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
        let total_bytes = files.iter().map(|f| f.size).sum();
        progress.start(files.len() as u64, total_bytes);
        let next = AtomicUsize::new(0);
        let merged = Mutex::new(Partial::default());
        let threads = self.options.effective_threads().min(files.len().max(1));
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    let mut worker = Worker::new(self);
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(entry) = files.get(i) else { break };
                        worker.scan_entry(entry);
                        progress.advance(entry.size);
                    }
                    let part = worker.into_partial();
                    merged.lock().unwrap_or_else(|p| p.into_inner()).merge(part);
                });
            }
        });
        progress.finish();
        merged.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}
