//! The progress bar on stderr (only when stderr is a terminal).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use vigie_scan::Progress;

/// An indicatif bar, or nothing when stderr is not a terminal or it was turned off.
pub(crate) struct BarProgress {
    bar: Option<ProgressBar>,
}

impl BarProgress {
    pub(crate) fn new(wanted: bool) -> Self {
        let on = wanted && std::io::stderr().is_terminal();
        BarProgress {
            bar: on.then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())),
        }
    }
}

impl Progress for BarProgress {
    fn start(&self, files: u64, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(bytes);
            let style = ProgressStyle::with_template(
                "{spinner} scanning {msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message(format!("{files} files"));
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
