//! The Exchange ladder: presence → CU (OWA path) → full build (header or
//! manifest) → safe behavioural checks. Every request is a body-less GET.

use crate::checks::Check;
use crate::net::{Endpoint, HttpResponse, Method, Net, NetError};
use crate::tls::CertFacts;
use crate::version::Build;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use vigie_model::Evidence;

/// Paths requested, exactly as documented in `docs/probe.md`.
pub mod paths {
    /// OWA login page.
    pub const OWA_LOGON: &str = "/owa/auth/logon.aspx";
    /// OWA root (redirects to the login page; often carries `X-OWA-Version`).
    pub const OWA_ROOT: &str = "/owa/";
    /// Exchange admin center.
    pub const ECP_ROOT: &str = "/ecp/";
    /// ClickOnce manifest of the eDiscovery export tool (full build).
    pub const EXPORT_TOOL: &str =
        "/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application";
    /// ProxyLogon (CVE-2021-26855) check path.
    pub const PROXYLOGON: &str = "/owa/auth/x.js";
    /// The cookie of Microsoft's nmap check: route to `localhost` only.
    pub const PROXYLOGON_COOKIE: &str = "X-AnonResource=true; X-AnonResource-Backend=localhost/ecp/default.flt?~3; X-BEResource=localhost/owa/auth/logon.aspx?~3;";
    /// ProxyShell (CVE-2021-34473) autodiscover path confusion.
    pub const PROXYSHELL: &str = "/autodiscover/autodiscover.json?@test.com/owa/?&Email=autodiscover/autodiscover.json%3F@test.com";
    /// ProxyNotShell (CVE-2022-41040) pattern that the Microsoft mitigation blocks.
    pub const PROXYNOTSHELL: &str = "/autodiscover/autodiscover.json?a@foo.var/owa/?&Email=autodiscover/autodiscover.json?a@foo.var&Protocol=XYZ&FooProtocol=Powershell";
    /// Every path vigie may request, in ladder order. Nothing else is ever sent.
    pub const ALL: [&str; 7] =
        [OWA_LOGON, OWA_ROOT, ECP_ROOT, EXPORT_TOOL, PROXYLOGON, PROXYSHELL, PROXYNOTSHELL];
}

/// Outcome of a behavioural check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// The server behaved as a vulnerable one does.
    Vulnerable,
    /// The server behaved as a patched (or mitigated) one does.
    NotVulnerable,
    /// Neither: the answer does not say.
    Inconclusive,
}

/// One behavioural check result.
#[derive(Clone, Debug)]
pub struct ActiveResult {
    /// Which check.
    pub check: Check,
    /// What the behaviour means.
    pub behaviour: Behaviour,
    /// The request and the facts that decided.
    pub evidence: Evidence,
    /// Plain explanation.
    pub detail: String,
}

/// Where a build number came from.
#[derive(Clone, Debug)]
pub struct BuildSource {
    /// The build (revision 0 when only the CU is known).
    pub build: Build,
    /// Four-part build (revision known).
    pub full: bool,
    /// How it was read (`X-OWA-Version header`, `export tool manifest`, `OWA path`).
    pub method: &'static str,
    /// The request and the value read.
    pub evidence: Evidence,
}

/// Everything learned about Exchange on one web port.
#[derive(Clone, Debug, Default)]
pub struct ExchangeObservation {
    /// `https://host:port`.
    pub base: String,
    /// OWA (or another Exchange marker) answered.
    pub present: bool,
    /// Why we think it is Exchange.
    pub presence: Vec<Evidence>,
    /// Build from the export tool manifest.
    pub from_manifest: Option<BuildSource>,
    /// Build from the `X-OWA-Version` header.
    pub from_header: Option<BuildSource>,
    /// CU-level build from `/owa/auth/<build>/` paths.
    pub from_path: Option<BuildSource>,
    /// `X-FEServer` (front-end server name).
    pub fe_server: Option<String>,
    /// ECP reachable: the request and status.
    pub ecp: Option<Evidence>,
    /// TLS certificate presented.
    pub cert: Option<CertFacts>,
    /// Behavioural checks.
    pub active: Vec<ActiveResult>,
    /// Requests that failed (reset, hang, garbage), with the reason.
    pub errors: Vec<String>,
}

impl ExchangeObservation {
    /// The best build: manifest, then header (both full), then OWA path (CU only).
    pub fn best_build(&self) -> Option<&BuildSource> {
        self.from_manifest.as_ref().or(self.from_header.as_ref()).or(self.from_path.as_ref())
    }
}

fn re(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pat).unwrap_or_else(|_| unreachable!("static regex")))
}

fn owa_path_build(body: &str) -> Option<Build> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(&R, r"/owa/(?:auth/)?(1[45]\.\d{1,2}\.\d{1,5}(?:\.\d{1,5})?)/");
    r.captures(body)
        .and_then(|c| Build::parse_partial(&c[1]))
        .map(|(b, _)| Build { revision: 0, ..b })
}

fn manifest_build(body: &str) -> Option<Build> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(&R, r#"(?s)<assemblyIdentity\b[^>]*?\bversion\s*=\s*["'](\d+\.\d+\.\d+\.\d+)["']"#);
    r.captures(body).and_then(|c| c[1].parse().ok())
}

fn http_evidence(
    method: &str,
    url: String,
    r: &HttpResponse,
    facts: &[(&str, String)],
) -> Evidence {
    let mut f: BTreeMap<String, String> =
        facts.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect();
    for h in ["x-owa-version", "x-feserver", "x-calculatedbetarget", "server", "location"] {
        if let Some(v) = r.header(h) {
            f.entry(h.to_string()).or_insert_with(|| v.chars().take(300).collect());
        }
    }
    Evidence::Http { request: format!("{method} {url}"), status: Some(r.status), facts: f }
}

fn looks_like_exchange(r: &HttpResponse) -> bool {
    if r.header("x-owa-version").is_some() || r.header("x-feserver").is_some() {
        return true;
    }
    let body = r.text();
    owa_path_build(&body).is_some()
        || body.contains("Outlook Web App")
        || (body.contains("<title>Outlook</title>") && body.contains("/owa/"))
        || r.header("location").is_some_and(|l| l.contains("/owa/auth/logon.aspx"))
}

/// Runs the ladder on one web port.
pub(crate) struct Ladder<'a> {
    /// Network machinery.
    pub(crate) net: &'a Net,
    /// Host.
    pub(crate) ep: &'a Endpoint,
    /// Port.
    pub(crate) port: u16,
    /// TLS or plain HTTP.
    pub(crate) tls: bool,
    /// Selected checks.
    pub(crate) checks: &'a [Check],
}

impl Ladder<'_> {
    fn url(&self, path: &str) -> String {
        format!(
            "{}://{}{path}",
            if self.tls { "https" } else { "http" },
            self.ep.authority(self.port)
        )
    }

    async fn get(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        obs: &mut ExchangeObservation,
    ) -> Option<HttpResponse> {
        match self.net.http(self.ep, self.port, self.tls, Method::Get, path, headers).await {
            Ok(r) => {
                if obs.cert.is_none() {
                    obs.cert = r.cert.clone();
                }
                if obs.fe_server.is_none() {
                    obs.fe_server = r.header("x-feserver").map(str::to_string);
                }
                Some(r)
            }
            Err(e) => {
                obs.errors.push(format!("GET {}: {e}", self.url(path)));
                None
            }
        }
    }

    fn header_build(&self, path: &str, r: &HttpResponse, obs: &mut ExchangeObservation) {
        if obs.from_header.is_some() {
            return;
        }
        if let Some(v) = r.header("x-owa-version")
            && let Ok(b) = v.trim().parse::<Build>()
        {
            let ev = http_evidence("GET", self.url(path), r, &[("x-owa-version", v.to_string())]);
            obs.from_header = Some(BuildSource {
                build: b,
                full: true,
                method: "X-OWA-Version header",
                evidence: ev,
            });
        }
    }

    /// Run the selected checks. A port that is not Exchange gets only the
    /// fingerprint requests.
    pub(crate) async fn run(&self) -> ExchangeObservation {
        let mut obs = ExchangeObservation { base: self.url(""), ..Default::default() };
        let want = |c: Check| self.checks.contains(&c);
        if !(want(Check::ExchangeOwa) || want(Check::ExchangeExportTool)) {
            return obs;
        }
        if let Some(r) = self.get(paths::OWA_LOGON, &[], &mut obs).await {
            self.learn_owa(paths::OWA_LOGON, &r, &mut obs);
        }
        if obs.errors.iter().any(|e| e.contains("timed out")) && !obs.present {
            return obs; // a hanging server: do not insist
        }
        if want(Check::ExchangeOwa)
            && obs.from_header.is_none()
            && let Some(r) = self.get(paths::OWA_ROOT, &[], &mut obs).await
        {
            self.learn_owa(paths::OWA_ROOT, &r, &mut obs);
        }
        if !obs.present {
            return obs;
        }
        if want(Check::ExchangeExportTool) {
            self.export_tool(&mut obs).await;
        }
        if want(Check::ExchangeEcp)
            && let Some(r) = self.get(paths::ECP_ROOT, &[], &mut obs).await
            && (r.status == 200
                || (r.status == 302 && r.header("location").is_some_and(|l| l.contains("ecp"))))
        {
            obs.ecp = Some(http_evidence("GET", self.url(paths::ECP_ROOT), &r, &[]));
        }
        self.active(&mut obs).await;
        obs
    }

    fn learn_owa(&self, path: &str, r: &HttpResponse, obs: &mut ExchangeObservation) {
        if !looks_like_exchange(r) {
            return;
        }
        obs.present = true;
        obs.presence.push(http_evidence("GET", self.url(path), r, &[]));
        if self.checks.contains(&Check::ExchangeOwa) {
            self.header_build(path, r, obs);
            if obs.from_path.is_none()
                && let Some(b) = owa_path_build(&r.text())
            {
                let cu = format!("{}.{}.{}", b.major, b.minor, b.build);
                let ev = http_evidence("GET", self.url(path), r, &[("owa_path_build", cu)]);
                obs.from_path = Some(BuildSource {
                    build: b,
                    full: false,
                    method: "OWA resource path",
                    evidence: ev,
                });
            }
        }
    }

    async fn export_tool(&self, obs: &mut ExchangeObservation) {
        let Some(r) = self.get(paths::EXPORT_TOOL, &[], obs).await else { return };
        self.header_build(paths::EXPORT_TOOL, &r, obs);
        if r.status != 200 {
            return;
        }
        if let Some(b) = manifest_build(&r.text()) {
            let ev = http_evidence(
                "GET",
                self.url(paths::EXPORT_TOOL),
                &r,
                &[("assemblyIdentity version", b.to_string())],
            );
            obs.from_manifest = Some(BuildSource {
                build: b,
                full: true,
                method: "export tool manifest",
                evidence: ev,
            });
        }
    }

    async fn active(&self, obs: &mut ExchangeObservation) {
        if self.checks.contains(&Check::ProxyLogonSsrf) {
            let headers = [("cookie", paths::PROXYLOGON_COOKIE)];
            if let Some(r) = self.get(paths::PROXYLOGON, &headers, obs).await {
                obs.active.push(self.judge_proxylogon(&r));
            }
        }
        if self.checks.contains(&Check::ProxyShellAutodiscover)
            && let Some(r) = self.get(paths::PROXYSHELL, &[], obs).await
        {
            let (behaviour, detail) = match r.status {
                302 => (
                    Behaviour::Vulnerable,
                    "302 redirect: the front end accepted the path confusion (unpatched ProxyShell behaviour)",
                ),
                400 => (
                    Behaviour::NotVulnerable,
                    "400 Bad Request: the path confusion is rejected (patched behaviour)",
                ),
                _ => (Behaviour::Inconclusive, "neither 302 nor 400: the answer does not say"),
            };
            let ev = http_evidence("GET", self.url(paths::PROXYSHELL), &r, &[]);
            obs.active.push(ActiveResult {
                check: Check::ProxyShellAutodiscover,
                behaviour,
                evidence: ev,
                detail: detail.into(),
            });
        }
        if self.checks.contains(&Check::ProxyNotShellMitigation) {
            let url = self.url(paths::PROXYNOTSHELL);
            let res = self
                .net
                .http(self.ep, self.port, self.tls, Method::Get, paths::PROXYNOTSHELL, &[])
                .await;
            obs.active.push(judge_proxynotshell(url, res));
        }
    }

    fn judge_proxylogon(&self, r: &HttpResponse) -> ActiveResult {
        let target = r.header("x-calculatedbetarget").unwrap_or("").to_string();
        let body = r.text();
        let (behaviour, detail) = if target.to_ascii_lowercase().contains("localhost") {
            (
                Behaviour::Vulnerable,
                format!(
                    "X-CalculatedBETarget: {target} — the front end routed an anonymous request to the back end named in the cookie (server-side request forgery)"
                ),
            )
        } else if r.status == 500 && body.contains("NegotiateSecurityContext") {
            (
                Behaviour::Vulnerable,
                "HTTP 500 with NegotiateSecurityContext: the cookie-named back end was contacted"
                    .to_string(),
            )
        } else if r.status == 500 {
            (Behaviour::Inconclusive, "HTTP 500 without the markers of the SSRF".to_string())
        } else {
            (
                Behaviour::NotVulnerable,
                format!("HTTP {}, no X-CalculatedBETarget naming localhost", r.status),
            )
        };
        let ev = http_evidence(
            "GET",
            self.url(paths::PROXYLOGON),
            r,
            &[("cookie sent", paths::PROXYLOGON_COOKIE.to_string())],
        );
        ActiveResult { check: Check::ProxyLogonSsrf, behaviour, evidence: ev, detail }
    }
}

fn judge_proxynotshell(url: String, res: Result<HttpResponse, NetError>) -> ActiveResult {
    let (behaviour, detail, ev) = match res {
        Ok(r) => {
            let (b, d) = match r.status {
                302 | 200 if !r.text().contains("Protocol") => (Behaviour::Vulnerable, "the autodiscover pattern is answered: the URL-rewrite mitigation is not in place"),
                403 | 401 | 404 => (Behaviour::NotVulnerable, "the autodiscover pattern is refused (mitigation rule or patched front end)"),
                _ => (Behaviour::Inconclusive, "the answer does not say whether the mitigation is in place"),
            };
            (b, d.to_string(), http_evidence("GET", url, &r, &[]))
        }
        Err(NetError::Reset) => (
            Behaviour::NotVulnerable,
            "connection aborted: this is how the IIS rewrite rule of the Microsoft mitigation answers".to_string(),
            Evidence::Http { request: format!("GET {url}"), status: None, facts: BTreeMap::from([("error".to_string(), "connection reset".to_string())]) },
        ),
        Err(e) => (
            Behaviour::Inconclusive,
            format!("no answer: {e}"),
            Evidence::Http { request: format!("GET {url}"), status: None, facts: BTreeMap::from([("error".to_string(), e.to_string())]) },
        ),
    };
    ActiveResult { check: Check::ProxyNotShellMitigation, behaviour, evidence: ev, detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_builds_from_pages() {
        let page =
            r#"<link rel="shortcut icon" href="/owa/auth/15.1.2507/themes/resources/favicon.ico">"#;
        assert_eq!(owa_path_build(page), Some(Build::new(15, 1, 2507, 0)));
        assert_eq!(
            owa_path_build(r#"src="/owa/14.3.513.0/scripts/x.js""#),
            Some(Build::new(14, 3, 513, 0))
        );
        let manifest = r#"<?xml version="1.0"?><asmv1:assembly><assemblyIdentity name="microsoft.exchange.ediscovery.exporttool.application" version="15.2.1118.9" publicKeyToken="b03f5f7f11d50a3a" language="neutral" processorArchitecture="msil" xmlns="urn:schemas-microsoft-com:asm.v1" />"#;
        assert_eq!(manifest_build(manifest), Some(Build::new(15, 2, 1118, 9)));
        assert_eq!(manifest_build("<assemblyIdentity name='x'/>"), None);
    }
}
