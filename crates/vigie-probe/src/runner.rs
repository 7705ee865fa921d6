//! The probe run: resolve each target once, check its ports, climb the
//! Exchange ladder on its web port, and build the `ScanResult`.

use crate::builds::BuildTable;
use crate::checks::Check;
use crate::exchange::{ExchangeObservation, Ladder};
use crate::kev::KevCatalog;
use crate::net::{Endpoint, Net, NetConfig, NetError, SentRequest};
use crate::ports::{DEFAULT_PORTS, PortObservation, PortSpec, PortState, probe_port, spec_for};
use crate::target::{Scheme, Target};
use crate::tls::CertFacts;
use std::net::IpAddr;
use std::sync::Arc;
use tokio::task::JoinSet;
use vigie_model::{Input, InputKind, Problem, ProblemCode, ScanResult};

/// Default `--concurrency`.
pub const DEFAULT_CONCURRENCY: usize = 32;
/// Default `--rate` (new connections per second).
pub const DEFAULT_RATE: f64 = 50.0;
/// Default `--timeout` in seconds.
pub const DEFAULT_TIMEOUT_SECS: f64 = 10.0;

/// The User-Agent every request carries.
pub fn user_agent() -> String {
    format!(
        "vigie/{} (exposure check; +https://github.com/vigie-dfir/vigie)",
        env!("CARGO_PKG_VERSION")
    )
}

/// What to probe and how.
#[derive(Clone, Debug)]
pub struct ProbeConfig {
    /// Network settings.
    pub net: NetConfig,
    /// Selected checks.
    pub checks: Vec<Check>,
    /// Ports to check (`None` = the default list).
    pub ports: Option<Vec<PortSpec>>,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        ProbeConfig {
            net: NetConfig {
                timeout: std::time::Duration::from_secs_f64(DEFAULT_TIMEOUT_SECS),
                concurrency: DEFAULT_CONCURRENCY,
                rate: DEFAULT_RATE,
                proxy: None,
                user_agent: user_agent(),
                max_body: crate::net::DEFAULT_MAX_BODY,
            },
            checks: Check::ALL.to_vec(),
            ports: None,
        }
    }
}

/// Everything observed on one target.
#[derive(Clone, Debug)]
pub struct HostReport {
    /// The target.
    pub target: Target,
    /// Addresses it resolved to.
    pub addrs: Vec<IpAddr>,
    /// Port outcomes.
    pub ports: Vec<PortObservation>,
    /// The web base URL examined, if any.
    pub web: Option<String>,
    /// Exchange ladder outcome on the web port.
    pub exchange: Option<ExchangeObservation>,
    /// Certificate of the web port when the ladder did not run.
    pub cert: Option<CertFacts>,
    /// Why the target could not be probed.
    pub error: Option<String>,
}

/// A finished run.
#[derive(Debug)]
pub struct ProbeRun {
    /// One report per target, in input order.
    pub hosts: Vec<HostReport>,
    /// Every connection and request sent.
    pub sent: Vec<SentRequest>,
    /// When the run started.
    pub started: chrono::DateTime<chrono::Utc>,
}

/// Probe all targets, at most `concurrency` connections and `rate`
/// connections per second in total.
pub async fn probe(config: &ProbeConfig, targets: Vec<Target>) -> Result<ProbeRun, String> {
    let started = chrono::Utc::now();
    let net = Net::new(config.net.clone())?;
    let cfg = Arc::new(config.clone());
    // Bound the number of targets in flight so a /16 does not spawn 65,536 tasks.
    let slots = Arc::new(tokio::sync::Semaphore::new(config.net.concurrency.max(1)));
    let mut set = JoinSet::new();
    for (i, t) in targets.into_iter().enumerate() {
        let permit = slots.clone().acquire_owned().await.map_err(|e| e.to_string())?;
        let (net, cfg) = (net.clone(), cfg.clone());
        set.spawn(async move {
            let r = probe_host(&net, &cfg, t).await;
            drop(permit);
            (i, r)
        });
    }
    let mut hosts = Vec::new();
    while let Some(j) = set.join_next().await {
        match j {
            Ok(x) => hosts.push(x),
            Err(e) => return Err(format!("a probe task failed: {e}")),
        }
    }
    hosts.sort_by_key(|(i, _)| *i);
    Ok(ProbeRun { hosts: hosts.into_iter().map(|(_, h)| h).collect(), sent: net.sent(), started })
}

async fn resolve(
    net: &Net,
    t: &Target,
    timeout: std::time::Duration,
) -> Result<Vec<IpAddr>, String> {
    if let Some(ip) = t.ip {
        return Ok(vec![ip]);
    }
    if net.proxied() {
        return Ok(Vec::new()); // the proxy resolves the name
    }
    let lookup = tokio::net::lookup_host((t.host.as_str(), 0));
    match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(addrs)) => {
            let mut v: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
            v.dedup();
            if v.is_empty() {
                Err(format!(
                    "cannot resolve `{}`: the name has no address — check the name, or give an IP address",
                    t.host
                ))
            } else {
                Ok(v)
            }
        }
        Ok(Err(e)) => {
            Err(format!("cannot resolve `{}`: {e} — check the name, or give an IP address", t.host))
        }
        Err(_) => Err(format!(
            "cannot resolve `{}`: DNS did not answer in time — check this machine's DNS server, or give an IP address",
            t.host
        )),
    }
}

async fn probe_host(net: &Arc<Net>, cfg: &ProbeConfig, target: Target) -> HostReport {
    let mut rep = HostReport {
        target: target.clone(),
        addrs: Vec::new(),
        ports: Vec::new(),
        web: None,
        exchange: None,
        cert: None,
        error: None,
    };
    match resolve(net, &target, cfg.net.timeout).await {
        Ok(a) => rep.addrs = a,
        Err(e) => {
            rep.error = Some(e);
            return rep;
        }
    }
    let ep = Endpoint { host: target.host.clone(), addrs: rep.addrs.clone() };
    let named = |p: u16| {
        cfg.ports
            .as_ref()
            .and_then(|l| l.iter().find(|s| s.port == p).copied())
            .unwrap_or_else(|| spec_for(p))
    };
    let ports: Vec<PortSpec> = match (target.port, target.scheme, &cfg.ports) {
        (Some(p), _, _) => vec![named(p)],
        (None, Some(Scheme::Https), _) => vec![spec_for(443)],
        (None, Some(Scheme::Http), _) => vec![spec_for(80)],
        (None, None, Some(list)) => list.clone(),
        (None, None, None) => DEFAULT_PORTS.to_vec(),
    };
    if cfg.checks.contains(&Check::Ports) || target.port.is_some() || target.scheme.is_some() {
        let mut set = JoinSet::new();
        for p in ports {
            let (net, ep) = (net.clone(), ep.clone());
            set.spawn(async move { probe_port(&net, &ep, p).await });
        }
        while let Some(Ok(o)) = set.join_next().await {
            rep.ports.push(o);
        }
        rep.ports.sort_by_key(|o| {
            DEFAULT_PORTS.iter().position(|s| s.port == o.spec.port).unwrap_or(usize::MAX)
        });
    }
    let Some((port, tls)) = web_port(net, &ep, &target, &rep.ports, cfg).await else { return rep };
    rep.web = Some(format!("{}://{}", if tls { "https" } else { "http" }, ep.authority(port)));
    let ladder = Ladder { net, ep: &ep, port, tls, checks: &cfg.checks };
    let obs = ladder.run().await;
    if obs.cert.is_none() && tls && cfg.checks.contains(&Check::Tls) {
        rep.cert = net.banner(&ep, port, true, false).await.ok().and_then(|(_, c)| c);
    }
    rep.exchange = Some(obs);
    rep
}

/// Pick the web port for the Exchange ladder: the URL's, the given port, or
/// the first open of 443, 8443, 10443, then 80.
async fn web_port(
    net: &Net,
    ep: &Endpoint,
    t: &Target,
    ports: &[PortObservation],
    cfg: &ProbeConfig,
) -> Option<(u16, bool)> {
    let open = |p: u16| ports.iter().any(|o| o.spec.port == p && o.state == PortState::Open);
    match (t.scheme, t.port) {
        (Some(s), p) => {
            let port = p.unwrap_or(if s == Scheme::Https { 443 } else { 80 });
            return open(port).then_some((port, s == Scheme::Https));
        }
        (None, Some(p)) => {
            let spec = ports
                .iter()
                .find(|o| o.spec.port == p)
                .map(|o| o.spec)
                .unwrap_or_else(|| spec_for(p));
            if !open(p)
                || spec.banner
                || !matches!(spec.service, "https" | "http" | "https-alt" | "unknown")
            {
                return None;
            }
            if spec.service == "http" {
                return Some((p, false));
            }
            // Unknown or HTTPS port: TLS if the handshake works, else plain HTTP.
            return match net.banner(ep, p, true, false).await {
                Ok(_) => Some((p, true)),
                Err(NetError::Tls(_) | NetError::Reset) => Some((p, false)),
                Err(_) => None,
            };
        }
        (None, None) => {}
    }
    if !cfg.checks.contains(&Check::Ports) {
        return Some((443, true));
    }
    [443u16, 8443, 10443]
        .into_iter()
        .find(|p| open(*p))
        .map(|p| (p, true))
        .or_else(|| open(80).then_some((80, false)))
}

/// Build the `ScanResult` of a run.
pub fn to_result(
    run: &ProbeRun,
    table: &BuildTable,
    kev: &KevCatalog,
    inputs: &[String],
    command_line: Vec<String>,
) -> ScanResult {
    let mut r = ScanResult::new(Vec::new());
    r.inputs = inputs.iter().map(|v| Input { value: v.clone(), kind: InputKind::Target }).collect();
    r.started = run.started;
    r.provenance.command_line = command_line;
    r.provenance.kev = Some(kev.info());
    r.provenance.build_table = Some(table.table_date.clone());
    let mut findings = Vec::new();
    let mut inv = Vec::new();
    for h in &run.hosts {
        if let Some(e) = &h.error {
            let code = if e.contains("resolve") { ProblemCode::NotFound } else { ProblemCode::Io };
            r.coverage.fail(Problem::new(h.target.input.clone(), code, e.clone()));
            continue;
        }
        r.coverage.files.scanned += 1;
        if let Some(x) = &h.exchange {
            for e in &x.errors {
                r.coverage.record_error(Problem::new(
                    h.target.input.clone(),
                    ProblemCode::Io,
                    e.clone(),
                ));
            }
        }
        for p in &h.ports {
            if let PortState::Error(e) = &p.state {
                r.coverage.record_error(Problem::new(
                    format!("{}:{}", h.target.host, p.spec.port),
                    ProblemCode::Io,
                    e.clone(),
                ));
            }
        }
        crate::report::host_findings(h, table, kev, &mut findings, &mut inv);
    }
    r.coverage.warnings.push(data_dates(table, kev));
    r.coverage.warnings.push(format!(
        "probe: {} target(s), {} probed, {} not reachable by name; {} connection(s) or request(s) sent",
        run.hosts.len(),
        r.coverage.files.scanned,
        r.coverage.files.failed,
        run.sent.len()
    ));
    for f in findings {
        r.push(f);
    }
    r.inventory = inv;
    r.finished = chrono::Utc::now();
    r.finalize();
    r
}

/// The line that states which data the verdicts rest on, shown in every
/// report (coverage) next to `provenance.kev` and `provenance.build_table`.
fn data_dates(table: &BuildTable, kev: &KevCatalog) -> String {
    format!(
        "data: CISA KEV catalog {} (released {}, {}, {} entries); Exchange build table of {}",
        kev.catalog_version,
        kev.date_released,
        kev.origin,
        kev.entries.len(),
        table.table_date
    )
}

/// [`probe`] on a runtime of its own, for callers that are not async (the CLI).
pub fn probe_blocking(config: &ProbeConfig, targets: Vec<Target>) -> Result<ProbeRun, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))?;
    rt.block_on(probe(config, targets))
}
