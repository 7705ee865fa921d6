//! Built-in log-line detections for IIS W3C, Exchange (HttpProxy, ECP
//! Server, OAB generator) and web access logs: one file per rule, each a pure
//! check (one record in, findings out; the ECP sequence rule keeps a small
//! per-file [`FileState`]).
//!
//! Rules read fields by name through [`vigie_model::Event`] (W3C names for web
//! logs, Exchange column names for Exchange logs), so they know no file
//! format. A cheap byte prefilter (a SIMD search for the needles of the rules
//! of the line's family, web or Exchange; ASCII case-insensitive) runs
//! first, on the raw line ([`LogRules::check`]) or once over a whole block
//! of lines ([`LogRules::block_needles`]): only the rules whose needle
//! occurs check the line.
//!
//! Codes map to the indicator checklist (`HP-01` → `VG-HP001`, `IIS-03` →
//! `VG-IIS003`, …). `VG-HP008` (log age) is a coverage rule: it produces the
//! time-coverage warnings of the scan, not line findings.

mod common;
mod cor001_web_shell_used;
mod ecp01_vdir_url_script;
mod ecp02_oab_vdir_sequence;
mod hp01_ssrf_anchor_mailbox;
mod hp02_ssrf_backend_cookie;
mod hp03_routing_hint_cookie;
mod hp04_ssrf_targets;
mod hp05_ssrf_static_paths;
mod hp06_ssrf_client_agent;
mod hp07_owassrf_powershell;
mod hp08_log_age;
mod iis01_proxylogon_posts;
mod iis02_attacker_agents;
mod iis03_reset_vdir;
mod iis04_rpc_correlation;
mod iis05_proxyshell;
mod iis06_proxynotshell;
mod iis07_owassrf;
mod iis08_proxytoken;
mod iis09_webshell_use;
mod iis10_shell_scanning;
mod oab01_download_failed;

pub use common::{FileState, LineCtx, LogKind};
pub use cor001_web_shell_used::{ScriptUse, StemUse, flagged_script_names, web_shell_use};
pub use hp08_log_age::EXPOSURE_START;

use crate::RuleInfo;
use common::Rule;
use vigie_model::Finding;
use vigie_needles::NeedleSet;

/// Every log rule, in code order.
fn all() -> [&'static Rule; 22] {
    [
        &cor001_web_shell_used::RULE,
        &hp01_ssrf_anchor_mailbox::RULE,
        &hp02_ssrf_backend_cookie::RULE,
        &hp03_routing_hint_cookie::RULE,
        &hp04_ssrf_targets::RULE,
        &hp05_ssrf_static_paths::RULE,
        &hp06_ssrf_client_agent::RULE,
        &hp07_owassrf_powershell::RULE,
        &hp08_log_age::RULE,
        &iis01_proxylogon_posts::RULE,
        &iis02_attacker_agents::RULE,
        &iis03_reset_vdir::RULE,
        &iis04_rpc_correlation::RULE,
        &iis05_proxyshell::RULE,
        &iis06_proxynotshell::RULE,
        &iis07_owassrf::RULE,
        &iis08_proxytoken::RULE,
        &iis09_webshell_use::RULE,
        &iis10_shell_scanning::RULE,
        &ecp01_vdir_url_script::RULE,
        &ecp02_oab_vdir_sequence::RULE,
        &oab01_download_failed::RULE,
    ]
}

/// The log detections of the pack, for `vigie rules list/show`.
pub fn catalog() -> Vec<RuleInfo> {
    all().iter().map(|r| r.info()).collect()
}

/// The compiled log rules: build once, share across threads, call
/// [`LogRules::check`] on every line.
pub struct LogRules {
    rules: Vec<&'static Rule>,
    /// The needle search of each rule family ([`LogKind::Web`],
    /// [`LogKind::Exchange`]): a line is only searched for the needles of
    /// the rules that can run on it.
    searches: [KindSearch; 2],
    /// The rules (bit set) with a `needle_confirm`.
    confirmed: u64,
}

/// The needles of the rules of one [`LogKind`].
struct KindSearch {
    /// When no searcher could be built, every rule checks every line
    /// (slower, same results).
    needles: NeedleSet,
    /// pattern index → the rules (bit set) whose needle it is; a needle
    /// shared by several rules is searched once.
    pattern_rules: Vec<u64>,
}

impl KindSearch {
    fn new(rules: &[&'static Rule], kind: LogKind) -> KindSearch {
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_rules: Vec<u64> = Vec::new();
        for (i, r) in rules.iter().enumerate().filter(|(_, r)| r.kind == Some(kind)) {
            for n in r.needles {
                let n = n.to_ascii_lowercase();
                match patterns.iter().position(|p| *p == n) {
                    Some(k) => pattern_rules[k] |= 1 << i,
                    None => {
                        patterns.push(n);
                        pattern_rules.push(1 << i);
                    }
                }
            }
        }
        // Lines are lower-cased before the search (same results as ASCII
        // case-insensitive matching), so the SIMD searcher can be used.
        KindSearch { needles: NeedleSet::new(&patterns), pattern_rules }
    }
}

impl LogRules {
    /// Compile every built-in log rule.
    pub fn new() -> LogRules {
        let rules: Vec<&'static Rule> = all().into_iter().collect();
        let searches =
            [KindSearch::new(&rules, LogKind::Web), KindSearch::new(&rules, LogKind::Exchange)];
        let confirmed = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.needle_confirm.is_some())
            .fold(0u64, |m, (i, _)| m | 1 << i);
        LogRules { rules, searches, confirmed }
    }

    fn search(&self, kind: LogKind) -> &KindSearch {
        match kind {
            LogKind::Web => &self.searches[0],
            LogKind::Exchange => &self.searches[1],
        }
    }

    /// Number of rules that check lines.
    pub fn len(&self) -> usize {
        self.rules.iter().filter(|r| r.kind.is_some()).count()
    }

    /// Whether no rule checks lines.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Codes and titles of the rules, for coverage.
    pub fn codes(&self) -> Vec<(&'static str, &'static str)> {
        self.rules.iter().map(|r| (r.code, r.title)).collect()
    }

    /// The needle search of [`LogRules::check`] over a whole block of lines
    /// at once: calls `found` with the start of every needle occurrence in
    /// `lower` (the block, ASCII lower-cased) that makes a rule of `kind`
    /// look at its line, and those rules (a mask for
    /// [`LogRules::check_rules`]). No rule reports on a line without one.
    /// Returns `false` when no search is possible (then every line must go
    /// through [`LogRules::check`]).
    pub fn block_needles(
        &self,
        lower: &[u8],
        kind: LogKind,
        mut found: impl FnMut(usize, u64),
    ) -> bool {
        let search = self.search(kind);
        if !search.needles.usable() {
            return false;
        }
        search.needles.each(lower, |p, at| {
            let Some(&r) = search.pattern_rules.get(p) else { return };
            let r = self.confirm(r, lower, at);
            if r != 0 {
                found(at, r);
            }
        });
        true
    }

    /// The rules of mask `r` whose needle at `at` of `lower` is confirmed.
    fn confirm(&self, r: u64, lower: &[u8], at: usize) -> u64 {
        let mut kept = r & !self.confirmed;
        let mut pending = r & self.confirmed;
        while pending != 0 {
            let i = pending.trailing_zeros() as usize;
            pending &= pending - 1;
            if self.rules[i].needle_confirm.is_none_or(|c| c(lower, at)) {
                kept |= 1 << i;
            }
        }
        kept
    }

    /// Check one line; findings are appended to `out`. Returns how many.
    pub fn check(&self, ctx: &LineCtx<'_>, state: &mut FileState, out: &mut Vec<Finding>) -> usize {
        let mut hit: u64 = 0;
        let search = self.search(ctx.kind);
        if search.needles.usable() {
            let lower = &mut state.lower;
            lower.clear();
            lower.extend_from_slice(ctx.raw.as_bytes());
            lower.make_ascii_lowercase();
            let hay = &lower[..];
            search.needles.each(hay, |p, at| {
                let Some(&r) = search.pattern_rules.get(p) else { return };
                hit |= self.confirm(r & !hit, hay, at);
            });
        } else {
            hit = (1u64 << self.rules.len()) - 1;
        }
        self.check_rules(ctx, state, out, hit)
    }

    /// Check one line with the rules of `mask` only (from
    /// [`LogRules::block_needles`] over the block holding the line);
    /// findings are appended to `out`. Returns how many.
    pub fn check_rules(
        &self,
        ctx: &LineCtx<'_>,
        state: &mut FileState,
        out: &mut Vec<Finding>,
        mask: u64,
    ) -> usize {
        let before = out.len();
        let mut hit = mask;
        while hit != 0 {
            let i = hit.trailing_zeros() as usize;
            hit &= hit - 1;
            let Some(rule) = self.rules.get(i) else { break };
            if rule.kind == Some(ctx.kind) {
                (rule.check)(rule, ctx, state, out);
            }
        }
        out.len() - before
    }
}

impl Default for LogRules {
    fn default() -> Self {
        LogRules::new()
    }
}

#[cfg(test)]
mod tests;
