//! VG-COR001's log side: after the scan, when file rules flagged scripts,
//! the text logs of the scan are read again for the lines that name one of
//! those scripts, and the requests they answered are gathered
//! ([`ScriptUse`]). A scan that flags no script reads nothing more; one that
//! does searches each block of lines once for the script names (an
//! automaton, ASCII case-insensitive) and parses only the lines that hold
//! one.

use super::log_kind;
use aho_corasick::AhoCorasick;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use vigie_rules::logs::{LineCtx, ScriptUse};
use vigie_source::{LineGate, LogItem, LogReader, display_path};

/// Read `logs` again on `threads` threads and gather the requests of the
/// lines that name one of `names` (lower-cased script file names). Returns
/// the table and a warning for every log that could not be read again.
pub(super) fn gather(
    logs: &[PathBuf],
    names: &[String],
    threads: usize,
) -> (ScriptUse, Vec<String>) {
    let ac = match AhoCorasick::builder().ascii_case_insensitive(true).build(names) {
        Ok(ac) => ac,
        Err(e) => {
            let warning = format!(
                "the web-shell use correlation could not search the logs for {} script names: {e}",
                names.len()
            );
            return (ScriptUse::default(), vec![warning]);
        }
    };
    let next = AtomicUsize::new(0);
    let merged = Mutex::new((ScriptUse::default(), Vec::new()));
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, logs.len().max(1)) {
            scope.spawn(|| {
                let (mut uses, mut warnings) = (ScriptUse::default(), Vec::new());
                while let Some(path) = logs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if let Err(e) = read_one(path, &ac, &mut uses) {
                        warnings.push(format!(
                            "{}: not read again for the web-shell use correlation: {e}",
                            display_path(path)
                        ));
                    }
                }
                let mut m = merged.lock().unwrap_or_else(|p| p.into_inner());
                m.0.merge(uses);
                m.1.append(&mut warnings);
            });
        }
    });
    merged.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// Record the requests of one log's lines that name a script.
fn read_one(path: &Path, ac: &AhoCorasick, uses: &mut ScriptUse) -> Result<(), String> {
    let mut reader = match LogReader::open(path) {
        Ok(Some(r)) => r,
        Ok(None) => return Err("no longer a text log".into()),
        Err(e) => return Err(e.to_string()),
    };
    let kind = log_kind(reader.format());
    let shown = display_path(path);
    let gated = reader.gates_lines();
    let mut gate = NameGate { ac, hits: Vec::new(), cursor: 0 };
    loop {
        let item = if gated { reader.next_item_gated(&mut gate) } else { reader.next_item() };
        match item {
            Ok(None) => return Ok(()),
            // The scan already read this far and counted any damage.
            Err(_) => return Ok(()),
            Ok(Some(LogItem::Record(rec))) => {
                if gated || ac.is_match(rec.raw()) {
                    let ctx = LineCtx {
                        event: &rec,
                        raw: rec.raw(),
                        path: &shown,
                        line: rec.line_no(),
                        kind,
                    };
                    uses.record(&ctx);
                }
            }
            Ok(Some(_)) => {}
        }
    }
}

/// Lets through the lines of a block that hold one of the names.
struct NameGate<'a> {
    ac: &'a AhoCorasick,
    /// Starts of the name occurrences in the block, ascending.
    hits: Vec<usize>,
    cursor: usize,
}

impl LineGate for NameGate<'_> {
    fn block(&mut self, block: &[u8]) {
        self.hits.clear();
        self.cursor = 0;
        self.hits.extend(self.ac.find_iter(block).map(|m| m.start()));
    }

    fn wants(&mut self, span: Range<usize>) -> bool {
        while self.hits.get(self.cursor).is_some_and(|&h| h < span.start) {
            self.cursor += 1;
        }
        self.hits.get(self.cursor).is_some_and(|&h| h < span.end)
    }
}
