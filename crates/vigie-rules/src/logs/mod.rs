//! Built-in log-line detections (being built).

use crate::RuleInfo;

/// The log detections of the pack.
pub fn catalog() -> Vec<RuleInfo> {
    Vec::new()
}
