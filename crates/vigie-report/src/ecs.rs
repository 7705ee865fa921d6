//! One finding as an Elastic Common Schema alert document, as typed structs
//! that borrow from the finding: serialised straight to the output with no
//! intermediate JSON tree (100,000 alerts render in a fraction of a second).
//! Field table: `docs/reports.md`; every field is checked against a table of
//! ECS names and types in `tests/ecs.rs`.

use crate::facets::Facets;
use crate::jsonl::{ECS_VERSION, risk_score, severity_number, ts};
use serde::Serialize;
use vigie_model::{Evidence, Finding, RuleSource, ScanResult, Stage};

type Opt<'a> = Option<&'a str>;

#[derive(Serialize)]
pub(crate) struct Alert<'a> {
    #[serde(rename = "@timestamp")]
    timestamp: String,
    ecs: Ecs,
    event: Event<'a>,
    observer: Observer<'a>,
    message: &'a str,
    rule: Rule<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threat: Option<Threat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<Named<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    destination: Option<Destination<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<Log<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<File<'a>>,
    #[serde(skip_serializing_if = "Url::is_empty")]
    url: Url<'a>,
    #[serde(skip_serializing_if = "Http::is_empty")]
    http: Http<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<Original<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<Named<'a>>,
    #[serde(skip_serializing_if = "Process::is_empty")]
    process: Process<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerability: Option<Vulnerability<'a>>,
    vigie: Vigie<'a>,
}

#[derive(Serialize)]
pub(crate) struct Ecs {
    version: &'static str,
}

#[derive(Serialize)]
struct Event<'a> {
    kind: &'static str,
    module: &'static str,
    created: &'a str,
    dataset: &'static str,
    id: &'a str,
    category: Vec<&'static str>,
    #[serde(rename = "type")]
    kind_type: [&'static str; 1],
    severity: u8,
    risk_score: f64,
    action: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Opt<'a>,
}

#[derive(Serialize)]
pub(crate) struct Observer<'a> {
    vendor: &'static str,
    product: &'a str,
    version: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Opt<'a>,
}

impl<'a> Observer<'a> {
    pub(crate) fn of(r: &'a ScanResult) -> Self {
        Observer {
            vendor: "vigie",
            product: &r.tool.name,
            version: &r.tool.version,
            kind: "scanner",
            hostname: r.provenance.scanner_host.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Opt<'a>,
    category: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<[&'a str; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ruleset: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    license: Opt<'a>,
}

#[derive(Serialize)]
struct Threat {
    framework: &'static str,
    technique: Technique,
}

#[derive(Serialize)]
struct Technique {
    id: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subtechnique: Option<Ids>,
}

#[derive(Serialize)]
struct Ids {
    id: Vec<String>,
}

#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Destination<'a> {
    address: &'a str,
}

#[derive(Serialize)]
struct Log<'a> {
    file: Path<'a>,
}

#[derive(Serialize)]
struct Path<'a> {
    path: &'a str,
}

#[derive(Serialize)]
struct File<'a> {
    name: String,
    path: String,
    #[serde(skip_serializing_if = "Hash::is_empty")]
    hash: Hash<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mtime: Option<String>,
}

#[derive(Serialize)]
struct Hash<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    md5: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha1: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Opt<'a>,
}

impl Hash<'_> {
    fn is_empty(&self) -> bool {
        self.md5.is_none() && self.sha1.is_none() && self.sha256.is_none()
    }
}

#[derive(Serialize, Default)]
struct Url<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    full: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    query: Opt<'a>,
}

impl Url<'_> {
    fn is_empty(&self) -> bool {
        self.full.is_none()
            && self.original.is_none()
            && self.path.is_none()
            && self.query.is_none()
    }
}

#[derive(Serialize)]
struct Http<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<Method<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<Status>,
}

impl Http<'_> {
    fn is_empty(&self) -> bool {
        self.request.is_none() && self.response.is_none()
    }
}

#[derive(Serialize)]
struct Method<'a> {
    method: &'a str,
}

#[derive(Serialize)]
struct Status {
    status_code: u16,
}

#[derive(Serialize)]
struct Source<'a> {
    ip: &'a str,
}

#[derive(Serialize)]
struct Original<'a> {
    original: &'a str,
}

#[derive(Serialize)]
struct Process<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    command_line: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    executable: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pid: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<Parent<'a>>,
}

impl Process<'_> {
    fn is_empty(&self) -> bool {
        self.command_line.is_none()
            && self.executable.is_none()
            && self.pid.is_none()
            && self.parent.is_none()
    }
}

#[derive(Serialize)]
struct Parent<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    executable: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    command_line: Opt<'a>,
}

#[derive(Serialize)]
struct Vulnerability<'a> {
    id: &'a [String],
    enumeration: &'static str,
    severity: &'static str,
    score: Score,
}

#[derive(Serialize)]
struct Score {
    base: f64,
}

#[derive(Serialize)]
struct Vigie<'a> {
    finding_id: &'a str,
    stage: &'static str,
    severity: &'static str,
    confidence: &'static str,
    remediation: &'a str,
    kev: bool,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    indicators: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    related: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Opt<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<u64>,
}

/// ECS `event.category` of a finding.
fn categories(f: &Finding) -> Vec<&'static str> {
    if f.rule.source == RuleSource::Probe {
        return vec!["vulnerability", "network"];
    }
    let mut c = Vec::with_capacity(4);
    if f.stage == Stage::Compromise {
        c.push("malware");
    }
    c.push("intrusion_detection");
    for e in &f.evidence {
        let cat = match e {
            Evidence::File { .. } | Evidence::Match { .. } => "file",
            Evidence::LogLine { .. } | Evidence::Http { .. } => "web",
            Evidence::Event { fields, .. }
                if fields.keys().any(|k| k.eq_ignore_ascii_case("CommandLine")) =>
            {
                "process"
            }
            _ => continue,
        };
        if !c.contains(&cat) {
            c.push(cat);
        }
    }
    c
}

fn threat(f: &Finding) -> Option<Threat> {
    if f.attack.is_empty() {
        return None;
    }
    let mut techniques: Vec<String> = Vec::new();
    let mut subs: Vec<String> = Vec::new();
    for a in &f.attack {
        let a = a.trim().to_ascii_uppercase();
        match a.split_once('.') {
            Some((t, _)) => {
                if !techniques.iter().any(|x| x == t) {
                    techniques.push(t.to_string());
                }
                subs.push(a.clone());
            }
            None if !techniques.contains(&a) => techniques.push(a),
            None => {}
        }
    }
    let subtechnique = (!subs.is_empty()).then_some(Ids { id: subs });
    Some(Threat {
        framework: "MITRE ATT&CK",
        technique: Technique { id: techniques, subtechnique },
    })
}

pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Where the finding is: a scanned file, a log, or a network target.
enum Place<'a> {
    File(File<'a>),
    Log(&'a str),
    Target(&'a str),
    Url(&'a str),
}

fn place<'a>(f: &'a Finding, facets: &'a Facets) -> Place<'a> {
    // Log-line and event findings point into a log; a line or record number says so too.
    let is_log =
        f.evidence.iter().any(|e| matches!(e, Evidence::LogLine { .. } | Evidence::Event { .. }))
            || f.location.line.is_some()
            || f.location.record_id.is_some();
    if f.rule.source == RuleSource::Probe {
        if f.location.path.contains("://") {
            Place::Url(&f.location.path)
        } else {
            Place::Target(&f.location.path)
        }
    } else if is_log {
        Place::Log(facets.log_path.as_deref().unwrap_or(&f.location.path))
    } else {
        let path = match &f.location.member {
            Some(m) => format!("{}!{m}", f.location.path),
            None => f.location.path.clone(),
        };
        Place::File(File {
            name: base_name(&path).to_string(),
            path,
            hash: Hash {
                md5: facets.md5.as_deref(),
                sha1: facets.sha1.as_deref(),
                sha256: facets.sha256.as_deref(),
            },
            size: facets.size,
            mtime: facets.mtime.map(ts),
        })
    }
}

/// The alert document of one finding. `created` is the run's end time,
/// formatted once by the caller.
pub(crate) fn alert<'a>(
    r: &'a ScanResult,
    f: &'a Finding,
    facets: &'a Facets,
    created: &'a str,
) -> Alert<'a> {
    let time = f.time.or(facets.time).unwrap_or(r.finished);
    let (mut file, mut log, mut destination, mut full) = (None, None, None, None);
    match place(f, facets) {
        Place::File(x) => file = Some(x),
        Place::Log(p) => log = Some(Log { file: Path { path: p } }),
        Place::Target(a) => destination = Some(Destination { address: a }),
        Place::Url(u) => full = Some(u),
    }
    let parent =
        (facets.parent_executable.is_some() || facets.parent_command_line.is_some()).then(|| {
            Parent {
                executable: facets.parent_executable.as_deref(),
                name: facets.parent_executable.as_deref().map(base_name),
                command_line: facets.parent_command_line.as_deref(),
            }
        });
    Alert {
        timestamp: ts(time),
        ecs: Ecs { version: ECS_VERSION },
        event: Event {
            kind: "alert",
            module: "vigie",
            created,
            dataset: "vigie.alert",
            id: &f.id,
            category: categories(f),
            kind_type: ["info"],
            severity: severity_number(f.severity),
            risk_score: risk_score(f.severity),
            action: &f.rule.id,
            reason: f.description.as_deref(),
            code: facets.event_code.map(|c| c.to_string()),
            provider: facets.provider.as_deref(),
        },
        observer: Observer::of(r),
        message: &f.title,
        rule: Rule {
            id: &f.rule.id,
            name: &f.rule.title,
            description: f.description.as_deref(),
            category: f.rule.source.as_str(),
            author: f.rule.author.as_deref().map(|a| [a]),
            reference: f.rule.reference.first().map(String::as_str),
            ruleset: f.rule.ruleset.as_deref(),
            license: f.rule.license.as_deref(),
        },
        threat: threat(f),
        host: f.host.as_deref().or(facets.computer.as_deref()).map(|name| Named { name }),
        destination,
        log,
        file,
        url: Url {
            full,
            original: facets.url_original.as_deref(),
            path: facets.url_path.as_deref(),
            query: facets.url_query.as_deref(),
        },
        http: Http {
            request: facets.method.as_deref().map(|method| Method { method }),
            response: facets.status.map(|status_code| Status { status_code }),
        },
        source: facets.source_ip.as_deref().map(|ip| Source { ip }),
        user_agent: facets.user_agent.as_deref().map(|original| Original { original }),
        user: facets.user.as_deref().map(|name| Named { name }),
        process: Process {
            command_line: facets.command_line.as_deref(),
            executable: facets.executable.as_deref(),
            name: facets.executable.as_deref().map(base_name),
            pid: facets.pid,
            parent,
        },
        vulnerability: (!f.cves.is_empty()).then(|| Vulnerability {
            id: &f.cves,
            enumeration: "CVE",
            severity: f.severity.as_str(),
            score: Score { base: f64::from(f.severity.security_score()) },
        }),
        vigie: Vigie {
            finding_id: &f.id,
            stage: f.stage.as_str(),
            severity: f.severity.as_str(),
            confidence: f.confidence.as_str(),
            remediation: &f.remediation,
            kev: f.kev,
            indicators: &f.indicators,
            related: &f.related,
            channel: facets.channel.as_deref(),
            record_id: f.location.record_id.or(facets.record_id),
            line: f.location.line,
            offset: f.location.offset,
        },
    }
}
