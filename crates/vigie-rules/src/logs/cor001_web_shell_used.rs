//! # VG-COR001 — Web shell planted and used (FS-04 × IIS-09)
//!
//! ## What it does
//! A correlation rule, run once after a scan that read both files and web
//! logs. For every script a file rule flagged at stage compromise (a
//! web-shell YARA rule, a hash or path IOC), it looks for requests to that
//! same script in the IIS, Exchange and access logs of the scan: the URL
//! path must end with the file's own folders and name (`/owa/auth/x.aspx`
//! for `…\FrontEnd\HttpProxy\owa\auth\x.aspx`) and the server must have
//! answered 2xx. It reports how many requests were answered, how many were
//! POSTs, from which addresses, first and last time, with sample log lines.
//! Two or more matching path segments = **confirmed**; only the file name
//! (a script at the root of a site) = **likely**.
//!
//! The logs are read a second time for this, after the scan and only when
//! a script was flagged, looking only at lines that name one of the
//! flagged scripts: requests to Exchange's own pages (most of an Exchange
//! server's traffic) cost nothing during the scan.
//!
//! ## Why is this bad?
//! A web shell on disk says the server was breached; a web shell that
//! answered requests says the attacker used it, from where and when. That
//! date starts the incident timeline and is what the verdict states
//! ("planted and used on 2021-03-03"). ATT&CK T1505.003.
//!
//! ## Example
//! Fires: `inetpub\wwwroot\aspnet_client\system_web\a.aspx` matched by a
//! China Chopper rule, and `POST /aspnet_client/system_web/a.aspx … 200` in
//! `u_ex210303.log`.
//!
//! Not flagged: the same file when the only requests to it got 404, or no
//! log covers the day (see the coverage section for the logs' time span).
//!
//! ## Known false positives
//! None beyond those of the file rule that flagged the script: this rule
//! only adds the requests that reached it.
//!
//! ## Response
//! Take the server off the network, keep the logs and the script, and
//! review everything the listed client addresses did (ATT&CK lateral
//! movement, mailbox export) from the first use on.
//!
//! ## References
//! `reference/exchange-indicators.md` §3.4 B, IIS-09 and §3.4 F, FS-04.

use super::common::{
    FileState, LineCtx, LogKind, Rule, doc_section, f, line_evidence, ok_status, rule_ref, status,
};
use chrono::{DateTime, Utc};
use foldhash::HashMap;
use std::collections::{BTreeMap, BTreeSet};
use vigie_model::{Confidence, Evidence, Finding, Location, RuleSource, Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    code: "VG-COR001",
    title: "Web shell planted and used",
    indicators: &["FS-04", "IIS-09"],
    attack: &["T1505.003"],
    cves: &[],
    severity: Severity::Critical,
    stage: Stage::Compromise,
    kind: None,
    // Not a line rule: the scan re-reads the logs for the flagged scripts.
    needles: &[],
    needle_confirm: None,
    check,
    source: include_str!("cor001_web_shell_used.rs"),
    file: "cor001_web_shell_used.rs",
    remediation: "Take the server off the network, keep the logs and the script, and review \
        everything the listed client addresses did from the first use on.",
};

fn check(_: &Rule, _: &LineCtx<'_>, _: &mut FileState, _: &mut Vec<Finding>) {}

/// Script extensions whose requests are remembered.
const SCRIPT_EXT: [&str; 9] =
    [".aspx", ".ashx", ".asmx", ".asp", ".php", ".jsp", ".jspx", ".cfm", ".cshtml"];
/// Distinct script URLs remembered per scan (memory bound; further ones are
/// counted in [`ScriptUse::dropped`]).
const MAX_STEMS: usize = 50_000;
const MAX_CLIENTS: usize = 16;
const MAX_SAMPLES: usize = 3;

/// Requests answered 2xx by one script URL.
#[derive(Clone, Debug, Default)]
pub struct StemUse {
    /// Requests answered 2xx.
    pub answered: u64,
    /// Of which POSTs.
    pub posts: u64,
    /// First and last time seen.
    pub first: Option<DateTime<Utc>>,
    /// Last time seen.
    pub last: Option<DateTime<Utc>>,
    /// Client addresses (at most 16).
    pub clients: BTreeSet<String>,
    /// A few of the log lines (POSTs first).
    pub samples: Vec<Evidence>,
}

impl StemUse {
    fn merge(&mut self, o: StemUse) {
        self.answered += o.answered;
        self.posts += o.posts;
        self.first = min_time(self.first, o.first);
        self.last = self.last.max(o.last);
        for c in o.clients {
            if self.clients.len() < MAX_CLIENTS {
                self.clients.insert(c);
            }
        }
        for s in o.samples {
            if self.samples.len() < MAX_SAMPLES {
                self.samples.push(s);
            }
        }
    }
}

fn min_time(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The script URLs that answered requests in the logs of a scan, by
/// lower-cased URL path. Filled line by line ([`ScriptUse::record`], on
/// the lines that name a script of [`flagged_script_names`]), merged across
/// files and threads.
#[derive(Clone, Debug, Default)]
pub struct ScriptUse {
    stems: HashMap<String, StemUse>,
    /// Answered requests not remembered because the table was full.
    pub dropped: u64,
    /// Reused buffer for the lower-cased URL path of the current line.
    key: String,
}

impl ScriptUse {
    /// Number of distinct script URLs remembered.
    pub fn len(&self) -> usize {
        self.stems.len()
    }

    /// Whether nothing was remembered.
    pub fn is_empty(&self) -> bool {
        self.stems.is_empty()
    }

    /// Add another table (another file or thread).
    pub fn merge(&mut self, other: ScriptUse) {
        self.dropped += other.dropped;
        for (k, v) in other.stems {
            if let Some(e) = self.stems.get_mut(&k) {
                e.merge(v);
            } else if self.stems.len() < MAX_STEMS {
                self.stems.insert(k, v);
            } else {
                self.dropped += v.answered;
            }
        }
    }

    /// Remember the line if it is a script request answered 2xx.
    pub fn record(&mut self, ctx: &LineCtx<'_>) {
        let ev = ctx.event;
        let (stem, method, client) = match ctx.kind {
            LogKind::Web => (f(ev, "cs-uri-stem"), f(ev, "cs-method"), f(ev, "c-ip")),
            LogKind::Exchange => (f(ev, "UrlStem"), f(ev, "Method"), f(ev, "ClientIpAddress")),
        };
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        key.push_str(stem.trim_end_matches('/'));
        key.make_ascii_lowercase();
        let script = SCRIPT_EXT.iter().any(|e| key.ends_with(e));
        if script && ok_status(status(ev)) {
            self.add(&key, ctx, &method, &client);
        }
        self.key = key;
    }

    fn add(&mut self, key: &str, ctx: &LineCtx<'_>, method: &str, client: &str) {
        if self.stems.len() >= MAX_STEMS && !self.stems.contains_key(key) {
            self.dropped += 1;
            return;
        }
        let time = ctx.event.timestamp();
        let post = method.eq_ignore_ascii_case("POST");
        let e = match self.stems.get_mut(key) {
            Some(e) => e,
            None => self.stems.entry(key.to_string()).or_default(),
        };
        e.answered += 1;
        e.posts += u64::from(post);
        e.first = min_time(e.first, time);
        e.last = e.last.max(time);
        if !client.is_empty() && e.clients.len() < MAX_CLIENTS && !e.clients.contains(client) {
            e.clients.insert(client.to_string());
        }
        let room = e.samples.len() < MAX_SAMPLES;
        // Keep POSTs first: a GET sample is replaced by the first POST.
        let replace = !room && post && e.posts == 1;
        if room || replace {
            let line = line_evidence(ctx);
            if replace {
                e.samples[0] = line;
            } else {
                e.samples.push(line);
            }
        }
    }
}

/// Lower-cased path segments (either separator).
fn segments(path: &str) -> Vec<String> {
    path.split(['/', '\\']).filter(|s| !s.is_empty()).map(str::to_ascii_lowercase).collect()
}

/// How many trailing segments of `url` and `file` are equal.
fn common_suffix(url: &[String], file: &[String]) -> usize {
    url.iter().rev().zip(file.iter().rev()).take_while(|(a, b)| a == b).count()
}

/// The file names (lower-cased) of the scripts the correlation starts
/// from: the logs need only be searched for lines naming one of them.
pub fn flagged_script_names(findings: &[Finding]) -> Vec<String> {
    let mut names: Vec<String> = findings
        .iter()
        .filter(|f| is_script_finding(f))
        .filter_map(|f| segments(&f.location.path).pop())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The file findings a correlation starts from: compromise-stage findings
/// of file rules (YARA, IOC, built-in) on a script.
fn is_script_finding(f: &Finding) -> bool {
    f.stage == Stage::Compromise
        && f.severity >= Severity::Medium
        && !matches!(f.rule.source, RuleSource::Log | RuleSource::Probe | RuleSource::Sigma)
        && f.location.line.is_none()
        && SCRIPT_EXT.iter().any(|e| f.location.path.to_ascii_lowercase().ends_with(e))
}

/// Correlate flagged scripts on disk with the requests they answered: one
/// finding per script that was used.
pub fn web_shell_use(findings: &[Finding], uses: &ScriptUse) -> Vec<Finding> {
    if uses.is_empty() {
        return Vec::new();
    }
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings.iter().filter(|f| is_script_finding(f)) {
        by_file.entry(f.location.path.as_str()).or_default().push(f);
    }
    let mut out = Vec::new();
    for (path, flagged) in by_file {
        let file_segs = segments(path);
        let Some(name) = file_segs.last() else { continue };
        let best = uses
            .stems
            .iter()
            .filter(|(stem, _)| stem.ends_with(name.as_str()))
            .map(|(stem, u)| {
                let url = segments(stem);
                (common_suffix(&url, &file_segs), url.len(), stem, u)
            })
            .filter(|(k, n, _, _)| *k >= 1 && (*k >= 2 || *k == *n))
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.2.cmp(a.2)));
        let Some((k, _, stem, u)) = best else { continue };
        out.push(used_finding(path, &flagged, stem, u, k));
    }
    out
}

fn used_finding(
    path: &str,
    flagged: &[&Finding],
    stem: &str,
    u: &StemUse,
    matched_segments: usize,
) -> Finding {
    let confidence = if matched_segments >= 2 { Confidence::Confirmed } else { Confidence::Likely };
    let clients: Vec<&str> = u.clients.iter().map(String::as_str).collect();
    let title = format!(
        "Web shell {stem} planted and used: {} request{} answered ({} POST{}) from {}",
        u.answered,
        if u.answered == 1 { "" } else { "s" },
        u.posts,
        if u.posts == 1 { "" } else { "s" },
        if clients.is_empty() { "an unknown address".to_string() } else { clients.join(", ") },
    );
    let location = Location { path: path.to_string(), ..Location::default() };
    let mut fi =
        Finding::new(rule_ref(&RULE), Severity::Critical, Stage::Compromise, title, location)
            .with_confidence(confidence)
            .with_remediation(RULE.remediation);
    if let Some(t) = u.first {
        fi = fi.with_time(t);
    }
    let fmt = |t: Option<DateTime<Utc>>| {
        t.map_or_else(|| "unknown".into(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
    };
    let facts = [
        ("script on disk", path.to_string()),
        ("requested as", stem.to_string()),
        ("requests answered 2xx", u.answered.to_string()),
        ("of which POST", u.posts.to_string()),
        ("first use", fmt(u.first)),
        ("last use", fmt(u.last)),
        ("client addresses", clients.join(", ")),
        ("flagged by", flagged.iter().map(|f| f.rule.id.as_str()).collect::<Vec<_>>().join(", ")),
    ];
    for (name, value) in facts {
        fi = fi.with_evidence(Evidence::Fact { name: name.into(), value });
    }
    for s in &u.samples {
        fi = fi.with_evidence(s.clone());
    }
    fi.host = flagged.iter().find_map(|f| f.host.clone());
    fi.related = flagged.iter().map(|f| f.id.clone()).collect();
    fi.related.sort();
    fi.related.dedup();
    fi.attack = RULE.attack.iter().map(|s| s.to_string()).collect();
    fi.indicators = RULE.indicators.iter().map(|s| s.to_string()).collect();
    fi.description = Some(doc_section(RULE.source, "Why is this bad?"));
    fi.id = fi.compute_id();
    fi
}

#[cfg(test)]
mod tests {
    use super::{common_suffix, segments};

    #[test]
    fn url_and_file_paths_share_trailing_segments() {
        let url = segments("/owa/auth/X.aspx");
        let file = segments(
            r"C:\Program Files\Microsoft\Exchange Server\V15\FrontEnd\HttpProxy\owa\auth\x.aspx",
        );
        assert_eq!(common_suffix(&url, &file), 3);
        assert_eq!(common_suffix(&segments("/ecp/x.aspx"), &file), 1);
        assert_eq!(common_suffix(&segments("/y.aspx"), &file), 0);
    }
}
