//! The "fix first" list: findings of medium severity or more, grouped so a
//! manager sees one item per problem (same rule on the same host and file; a
//! rule that hit many files on one host is one item), ordered by stage, then
//! severity, then how sure and how many. Each item says what, where, why it
//! matters and what to do, in plain words.

use crate::common::location_string;
use std::collections::BTreeMap;
use vigie_model::{Finding, ScanResult, Severity, Stage, thousands};

/// One item of the list.
pub(crate) struct FixItem<'a> {
    /// The most serious finding of the group (its title and rule are shown).
    pub(crate) lead: &'a Finding,
    /// The problem in a few plain words a manager reads first
    /// ("An attacker has a way into EXCH01").
    pub(crate) headline: String,
    /// What, in a few words (the finding's title, or the rule's for a group of files).
    pub(crate) what: String,
    pub(crate) stage: Stage,
    pub(crate) severity: Severity,
    pub(crate) kev: bool,
    /// Findings in the group.
    pub(crate) count: usize,
    /// Where, in words.
    pub(crate) place: String,
    /// Time span, when dated.
    pub(crate) when: Option<String>,
    pub(crate) why: String,
    pub(crate) todo: String,
}

/// Plain words on why a stage matters.
pub(crate) fn why_stage(s: Stage) -> &'static str {
    match s {
        Stage::Compromise => {
            "An attacker appears to have a foothold on this server (for example a web shell) and can run commands on it."
        }
        Stage::Exploitation => {
            "An attack appears to have worked: something was run, written or changed that lets an attacker in."
        }
        Stage::Attempt => {
            "Someone tried to attack this server. Nothing here shows it worked, but it is being targeted."
        }
        Stage::Exposure => {
            "This server has a weakness that attackers are known to use; nobody is shown to have used it yet."
        }
    }
}

/// The problem in plain words, naming the host when known.
pub(crate) fn headline(s: Stage, host: Option<&str>, kev: bool) -> String {
    let server = host.unwrap_or("this server");
    match s {
        Stage::Compromise => format!("An attacker has a way into {server}"),
        Stage::Exploitation => format!("An attack on {server} succeeded"),
        Stage::Attempt => format!("Someone is attacking {server}"),
        Stage::Exposure if kev => {
            format!("{server} has a weakness that attackers are using right now")
        }
        Stage::Exposure => format!("{server} has a known weakness"),
    }
}

/// Plain words on what to do at a stage, when the rule gives no remediation.
pub(crate) fn todo_stage(s: Stage) -> &'static str {
    match s {
        Stage::Compromise => {
            "Treat the server as compromised: cut it off from the internet, keep the evidence (do not just delete files) and call an incident responder."
        }
        Stage::Exploitation => {
            "Cut the server off from the internet, install the vendor's security updates and have it checked for web shells and new accounts."
        }
        Stage::Attempt => {
            "Install the vendor's security updates, confirm the attempts failed, and block the sending addresses if they continue."
        }
        Stage::Exposure => {
            "Install the vendor's security updates or apply the vendor's mitigation, then run vigie again."
        }
    }
}

/// Longest common folder of some paths (`/`-separated view).
fn common_dir(paths: &[&str]) -> String {
    let split: Vec<Vec<&str>> = paths.iter().map(|p| p.split(['/', '\\']).collect()).collect();
    let Some(first) = split.first() else { return String::new() };
    let mut n = first.len().saturating_sub(1);
    for s in &split[1..] {
        n = n.min(s.len().saturating_sub(1));
        n = (0..n).take_while(|i| s[*i] == first[*i]).count();
    }
    first[..n].join("/")
}

/// Findings of one (rule, host) by path.
type ByPath<'a> = BTreeMap<&'a str, Vec<&'a Finding>>;

/// Up to `max` fix-first items.
pub(crate) fn fix_first_items(r: &ScanResult, max: usize) -> Vec<FixItem<'_>> {
    // (rule, host) → path → findings, in finding order.
    let mut groups: BTreeMap<(&str, Option<&str>), ByPath<'_>> = BTreeMap::new();
    for f in r.findings.iter().filter(|f| f.severity >= Severity::Medium) {
        groups
            .entry((f.rule.id.as_str(), f.host.as_deref()))
            .or_default()
            .entry(f.location.path.as_str())
            .or_default()
            .push(f);
    }
    let mut items = Vec::new();
    for by_path in groups.into_values() {
        if by_path.len() <= 3 {
            for (_, fs) in by_path {
                items.push(item(&fs, None));
            }
        } else {
            let paths: Vec<&str> = by_path.keys().copied().collect();
            let fs: Vec<&Finding> = by_path.into_values().flatten().collect();
            let dir = common_dir(&paths);
            let place = if dir.is_empty() {
                format!("{} files", paths.len())
            } else {
                format!("{} files under {dir}", paths.len())
            };
            items.push(item(&fs, Some(place)));
        }
    }
    items.sort_by(|a, b| {
        (b.stage, b.severity, b.lead.confidence, b.kev, b.count)
            .cmp(&(a.stage, a.severity, a.lead.confidence, a.kev, a.count))
            .then_with(|| a.lead.rank_key().cmp(&b.lead.rank_key()))
    });
    items.truncate(max);
    items
}

fn item<'a>(fs: &[&'a Finding], place: Option<String>) -> FixItem<'a> {
    let lead = fs.iter().copied().min_by(|a, b| a.rank_key().cmp(&b.rank_key())).unwrap_or(fs[0]);
    let what = if place.is_some() { lead.rule.title.clone() } else { lead.title.clone() };
    let place = place.unwrap_or_else(|| {
        let mut s = location_string(&vigie_model::Location {
            line: None,
            record_id: None,
            offset: None,
            ..lead.location.clone()
        });
        // A summary finding's lines run from its own to its last counted one.
        let last_lines = fs.iter().filter_map(|f| f.counted.as_ref()?.last_line);
        let lines: Vec<u64> = fs.iter().filter_map(|f| f.location.line).chain(last_lines).collect();
        let hits: u64 = fs.iter().filter(|f| f.location.line.is_some()).map(|f| f.hits()).sum();
        match (lines.iter().min(), lines.iter().max()) {
            (Some(a), Some(b)) if a == b => s.push_str(&format!(", line {a}")),
            (Some(a), Some(b)) => {
                s.push_str(&format!(", {} lines between {a} and {b}", thousands(hits)))
            }
            _ => {
                if let Some(rec) = lead.location.record_id.filter(|_| fs.len() == 1) {
                    s.push_str(&format!(", record {rec}"));
                }
            }
        }
        s
    });
    let place = match &lead.host {
        Some(h) => format!("{h}: {place}"),
        None => place,
    };
    let last_times = fs.iter().filter_map(|f| f.counted.as_ref()?.last_time);
    let times: Vec<_> = fs.iter().filter_map(|f| f.time).chain(last_times).collect();
    let when = match (times.iter().min(), times.iter().max()) {
        (Some(a), Some(b)) if a == b => Some(a.format("%Y-%m-%d %H:%M UTC").to_string()),
        (Some(a), Some(b)) => {
            Some(format!("{} to {}", a.format("%Y-%m-%d %H:%M"), b.format("%Y-%m-%d %H:%M UTC")))
        }
        _ => None,
    };
    let kev = fs.iter().any(|f| f.kev);
    let mut why = why_stage(lead.stage).to_string();
    if let Some(d) = fs.iter().find_map(|f| f.description.as_deref()) {
        why.push(' ');
        why.push_str(d);
    }
    if kev {
        why.push_str(
            " It involves a weakness on CISA's list of vulnerabilities that attackers are \
             actively exploiting.",
        );
    }
    let stage = fs.iter().map(|f| f.stage).max().unwrap_or(lead.stage);
    let todo = fs
        .iter()
        .map(|f| f.remediation.trim())
        .find(|r| !r.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| todo_stage(lead.stage).to_string());
    FixItem {
        lead,
        headline: headline(stage, lead.host.as_deref(), kev),
        what,
        stage,
        severity: fs.iter().map(|f| f.severity).max().unwrap_or(lead.severity),
        kev,
        count: fs.iter().map(|f| f.hits()).sum::<u64>() as usize,
        place,
        when,
        why,
        todo,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_dir_of_paths() {
        assert_eq!(common_dir(&["a/b/c.aspx", "a/b/d/e.aspx"]), "a/b");
        assert_eq!(common_dir(&["x.aspx", "y.aspx"]), "");
    }

    #[test]
    fn headlines_are_plain_words() {
        assert_eq!(
            headline(Stage::Compromise, Some("EXCH01"), false),
            "An attacker has a way into EXCH01"
        );
        assert_eq!(headline(Stage::Attempt, None, false), "Someone is attacking this server");
        assert_eq!(
            headline(Stage::Exposure, Some("mail.example.org"), true),
            "mail.example.org has a weakness that attackers are using right now"
        );
    }

    /// A summary finding counts for the hits it stands for: occurrences,
    /// lines and time span reach its last counted hit.
    #[test]
    fn summary_findings_count_their_hits() {
        use vigie_model::{Counted, Location, RuleRef, RuleSource};
        let rule = std::sync::Arc::new(RuleRef::new("VG-IIS005", "probe", RuleSource::Log));
        let t = |h| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2021, 8, 10, h, 0, 0).single();
        let at = |line| Location { line: Some(line), ..Location::path("u_ex.log") };
        let mut r = ScanResult::new(Vec::new());
        let mut listed =
            Finding::new(rule.clone(), Severity::Medium, Stage::Attempt, "probe", at(5));
        listed.time = t(0);
        let mut summary =
            Finding::new(rule, Severity::Medium, Stage::Attempt, "probe: more", at(9));
        summary.time = t(1);
        summary.counted = Some(Counted {
            hits: 1_000,
            last_line: Some(2_000),
            last_record: None,
            last_time: t(23),
        });
        r.findings = vec![listed, summary];
        let items = fix_first_items(&r, 5);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].count, 1_001);
        assert_eq!(items[0].place, "u_ex.log, 1,001 lines between 5 and 2000");
        assert_eq!(items[0].when.as_deref(), Some("2021-08-10 00:00 to 2021-08-10 23:00 UTC"));
    }
}
