//! Per-thread worker: sniff each file and hand it to the matchers that fit.
//!
//! Contract for the `events`, `logs` and `files` modules: whoever handles a
//! file counts it exactly once in `Partial::coverage` (scanned, skipped or
//! failed, with a reason) and pushes its findings to `Partial::findings`.

use crate::engine::Engine;
use crate::events::EventsWorker;
use crate::files::FilesWorker;
use crate::logs::LogsWorker;
use std::fs::File;
use std::io::Read;
use vigie_model::{Coverage, Finding};
use vigie_source::{FileEntry, SNIFF_LEN, SourceKind, display_path, sniff};

/// What one worker found: merged across workers at the end.
#[derive(Default)]
pub(crate) struct Partial {
    pub(crate) findings: Vec<Finding>,
    pub(crate) coverage: Coverage,
}

impl Partial {
    pub(crate) fn merge(&mut self, other: Partial) {
        self.findings.extend(other.findings);
        self.coverage.merge(other.coverage);
    }
}

/// Whether a module took a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Handled {
    /// The module scanned it (and counted it).
    Yes,
    /// Not for this module: try the next one.
    No,
}

/// One worker thread's state.
pub(crate) struct Worker<'e> {
    files: FilesWorker<'e>,
    events: EventsWorker<'e>,
    logs: LogsWorker<'e>,
    part: Partial,
    head: Vec<u8>,
}

impl<'e> Worker<'e> {
    pub(crate) fn new(engine: &'e Engine) -> Self {
        Worker {
            files: engine.files.worker(&engine.options),
            events: engine.events.worker(),
            logs: engine.logs.worker(),
            part: Partial::default(),
            head: Vec::with_capacity(SNIFF_LEN),
        }
    }

    /// Scan one file: path IOCs always; then by content, event logs to
    /// Sigma, text logs to log rules, everything else to hashes + YARA + IOCs.
    pub(crate) fn scan_entry(&mut self, entry: &FileEntry) {
        self.files.match_path(entry, &mut self.part);
        let kind = match self.read_head(entry) {
            Ok(kind) => kind,
            Err(problem) => {
                self.part.coverage.fail(problem);
                return;
            }
        };
        if (kind.is_event_log() || kind == SourceKind::Zip)
            && self.events.scan(entry, kind, &mut self.part) == Handled::Yes
        {
            return;
        }
        if (kind.is_text_log() || kind == SourceKind::Gzip)
            && self.logs.scan(entry, kind, &mut self.part) == Handled::Yes
        {
            return;
        }
        self.files.scan(entry, &mut self.part);
    }

    fn read_head(&mut self, entry: &FileEntry) -> Result<SourceKind, vigie_model::Problem> {
        self.head.clear();
        let file =
            File::open(&entry.path).map_err(|e| crate::files::io_problem(&entry.path, &e))?;
        file.take(SNIFF_LEN as u64)
            .read_to_end(&mut self.head)
            .map_err(|e| crate::files::io_problem(&entry.path, &e))?;
        Ok(sniff(&self.head, &entry.path))
    }

    pub(crate) fn into_partial(self) -> Partial {
        let mut part = self.part;
        part.merge(self.events.into_partial());
        part.merge(self.logs.into_partial());
        part
    }
}

/// Path text for reports.
pub(crate) fn path_text(entry: &FileEntry) -> String {
    display_path(&entry.path)
}
