//! Shared by the vigie-rules log tests: run every built-in log rule over a
//! reader, as the scan engine does.
#![allow(dead_code, unreachable_pub)]

use vigie_model::Finding;
use vigie_rules::logs::{FileState, LineCtx, LogKind, LogRules};
use vigie_source::{LogItem, LogReader};

/// What one log gave: findings, records read, and the line numbers of the
/// lines that could not be parsed.
pub struct Run {
    pub findings: Vec<Finding>,
    pub records: u64,
    pub bad: Vec<u64>,
}

/// Every built-in log rule over every record of `reader`, shown as `path`.
pub fn run_rules(reader: &mut LogReader, kind: LogKind, path: &str) -> Run {
    let rules = LogRules::new();
    let mut state = FileState::default();
    let mut run = Run { findings: Vec::new(), records: 0, bad: Vec::new() };
    while let Some(item) = reader.next_item().expect("read log") {
        match item {
            LogItem::Record(rec) => {
                run.records += 1;
                let ctx = LineCtx { event: &rec, raw: rec.raw(), path, line: rec.line_no(), kind };
                rules.check(&ctx, &mut state, &mut run.findings);
            }
            LogItem::Bad(b) => run.bad.push(b.line),
            LogItem::Quiet { .. } => panic!("an ungated reader gave a quiet line"),
        }
    }
    run
}
