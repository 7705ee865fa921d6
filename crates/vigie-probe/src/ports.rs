//! The usual doors: which ports a small organisation exposes by mistake,
//! and what their banners say.

use crate::net::{Endpoint, Net, NetError};
use crate::tls::CertFacts;

/// A port vigie knows how to name and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortSpec {
    /// Port number.
    pub port: u16,
    /// Service name.
    pub service: &'static str,
    /// The service speaks TLS from the first byte.
    pub tls: bool,
    /// The service talks first (a banner worth reading).
    pub banner: bool,
}

const fn p(port: u16, service: &'static str, tls: bool, banner: bool) -> PortSpec {
    PortSpec { port, service, tls, banner }
}

/// The default list (`--ports` overrides it).
pub const DEFAULT_PORTS: [PortSpec; 19] = [
    p(443, "https", true, false),
    p(80, "http", false, false),
    p(25, "smtp", false, true),
    p(465, "smtps", true, true),
    p(587, "submission", false, true),
    p(993, "imaps", true, true),
    p(995, "pop3s", true, true),
    p(3389, "rdp", false, false),
    p(445, "smb", false, false),
    p(22, "ssh", false, true),
    p(5985, "winrm-http", false, false),
    p(5986, "winrm-https", false, false),
    p(8443, "https-alt", true, false),
    p(10443, "https-alt", true, false),
    p(110, "pop3", false, true),
    p(143, "imap", false, true),
    p(21, "ftp", false, true),
    p(1433, "mssql", false, false),
    p(3306, "mysql", false, false),
];

/// What is known about a port number (services outside the list are unnamed).
pub fn spec_for(port: u16) -> PortSpec {
    DEFAULT_PORTS
        .iter()
        .copied()
        .find(|s| s.port == port)
        .unwrap_or(p(port, "unknown", false, false))
}

/// Parse `--ports`: `443,80,8000-8010`, and `PORT/SERVICE` to name the
/// service of a non-standard port (`2525/smtp`, `33890/rdp`).
pub fn parse_ports(spec: &str) -> Result<Vec<PortSpec>, String> {
    let mut out: Vec<PortSpec> = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if let Some((port, service)) = part.split_once('/') {
            let known =
                DEFAULT_PORTS.iter().find(|s| s.service == service.trim()).ok_or_else(|| {
                    let names: Vec<&str> = DEFAULT_PORTS.iter().map(|s| s.service).collect();
                    format!(
                        "--ports: unknown service `{service}` in `{part}`: expected one of {}",
                        names.join(", ")
                    )
                })?;
            let n = match port.trim().parse::<u16>() {
                Ok(0) | Err(_) => return Err(format!("--ports: `{port}` is not a port (1-65535)")),
                Ok(n) => n,
            };
            out.push(PortSpec { port: n, ..*known });
            continue;
        }
        let num = |s: &str| match s.trim().parse::<u16>() {
            Ok(0) | Err(_) => Err(format!("--ports: `{s}` is not a port (1-65535)")),
            Ok(n) => Ok(n),
        };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a > b {
                    return Err(format!("--ports: range `{part}` is reversed"));
                }
                if usize::from(b - a) >= 4096 {
                    return Err(format!("--ports: range `{part}` is larger than 4096 ports"));
                }
                out.extend((a..=b).map(spec_for));
            }
            None => out.push(spec_for(num(part)?)),
        }
    }
    if out.is_empty() {
        return Err("--ports: no port given".into());
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.port));
    Ok(out)
}

/// Port state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortState {
    /// Connection accepted.
    Open,
    /// Connection refused.
    Closed,
    /// No answer within the timeout (a firewall drops the packets).
    Filtered,
    /// Another error (reset during the TLS handshake, proxy error…).
    Error(String),
}

impl PortState {
    /// `open`, `closed`, `filtered`, `error`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PortState::Open => "open",
            PortState::Closed => "closed",
            PortState::Filtered => "filtered",
            PortState::Error(_) => "error",
        }
    }
}

/// One port's outcome.
#[derive(Clone, Debug)]
pub struct PortObservation {
    /// The port and its service.
    pub spec: PortSpec,
    /// State.
    pub state: PortState,
    /// First line sent by the service.
    pub banner: Option<String>,
    /// Certificate, for TLS services whose banner was read.
    pub cert: Option<CertFacts>,
}

impl PortObservation {
    /// What the banner says about the product, when it says something.
    pub fn product_hint(&self) -> Option<String> {
        let b = self.banner.as_deref()?;
        let lower = b.to_ascii_lowercase();
        if lower.contains("microsoft esmtp mail service") {
            return Some("Microsoft Exchange / IIS SMTP".into());
        }
        if lower.contains("microsoft exchange") {
            return Some("Microsoft Exchange".into());
        }
        if let Some(rest) = b.strip_prefix("SSH-") {
            return Some(format!("SSH {}", rest.split_whitespace().next().unwrap_or(rest)));
        }
        if lower.contains("microsoft ftp service") {
            return Some("Microsoft FTP Service (IIS)".into());
        }
        None
    }
}

/// Probe one port: connect (TLS for TLS services whose banner we read) and
/// read the banner when the service talks first.
pub(crate) async fn probe_port(net: &Net, ep: &Endpoint, spec: PortSpec) -> PortObservation {
    let tls = spec.tls && spec.banner;
    let (state, banner, cert) = match net.banner(ep, spec.port, tls, spec.banner).await {
        Ok((banner, cert)) => (PortState::Open, banner, cert),
        Err(NetError::Refused) => (PortState::Closed, None, None),
        Err(NetError::Timeout | NetError::Unreachable) => (PortState::Filtered, None, None),
        Err(e) => (PortState::Error(e.to_string()), None, None),
    };
    PortObservation { spec, state, banner, cert }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_lists() {
        let ports = |s: &str| parse_ports(s).map(|v| v.iter().map(|p| p.port).collect::<Vec<_>>());
        assert_eq!(ports("443, 80,8000-8002"), Ok(vec![443, 80, 8000, 8001, 8002]));
        let named = parse_ports("2525/smtp").expect("named");
        assert_eq!((named[0].port, named[0].service, named[0].banner), (2525, "smtp", true));
        assert!(parse_ports("2525/gopher").is_err());
        assert!(parse_ports("0").is_err());
        assert!(parse_ports("9-3").is_err());
        assert_eq!(spec_for(3389).service, "rdp");
    }

    #[test]
    fn banners_name_products() {
        let o = |b: &str| PortObservation {
            spec: spec_for(25),
            state: PortState::Open,
            banner: Some(b.into()),
            cert: None,
        };
        assert_eq!(
            o("220 mail.contoso.local Microsoft ESMTP MAIL Service ready at Tue, 2 Mar 2021")
                .product_hint()
                .as_deref(),
            Some("Microsoft Exchange / IIS SMTP")
        );
        assert_eq!(
            o("SSH-2.0-OpenSSH_8.9p1 Ubuntu").product_hint().as_deref(),
            Some("SSH 2.0-OpenSSH_8.9p1")
        );
        assert_eq!(o("220 (vsFTPd 3.0.3)").product_hint(), None);
    }
}
