//! The sigma_pack part of the built-in pack (being built).

use crate::RuleInfo;

/// The rules of this part of the pack.
pub fn catalog() -> Vec<RuleInfo> {
    Vec::new()
}
