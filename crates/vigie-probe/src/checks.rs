//! The checks `vigie probe` can run, each with its safety class.

use std::fmt;

/// How intrusive a check is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Safety {
    /// Only what any client does: connect, read a banner, a TLS handshake,
    /// GET a public page.
    Passive,
    /// A crafted but harmless GET that exercises a vulnerability's
    /// behaviour without changing anything (SSRF pointed at `localhost`,
    /// path-confusion that only asks for a redirect).
    SafeActive,
}

impl Safety {
    /// `passive` or `safe-active`.
    pub fn as_str(self) -> &'static str {
        match self {
            Safety::Passive => "passive",
            Safety::SafeActive => "safe-active",
        }
    }
}

impl fmt::Display for Safety {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// TCP connect to the usual doors, banner read.
    Ports,
    /// TLS handshake on the web port, certificate facts.
    Tls,
    /// OWA login page: presence, `X-OWA-Version`, CU from `/owa/auth/<ver>/`.
    ExchangeOwa,
    /// ECP presence.
    ExchangeEcp,
    /// ClickOnce manifest of the eDiscovery export tool: full build.
    ExchangeExportTool,
    /// ProxyLogon SSRF pointed at `localhost`.
    ProxyLogonSsrf,
    /// ProxyShell autodiscover path confusion (302 vs 400).
    ProxyShellAutodiscover,
    /// ProxyNotShell: is the URL-rewrite mitigation answering?
    ProxyNotShellMitigation,
}

impl Check {
    /// Every check, in run order.
    pub const ALL: [Check; 8] = [
        Check::Ports,
        Check::Tls,
        Check::ExchangeOwa,
        Check::ExchangeEcp,
        Check::ExchangeExportTool,
        Check::ProxyLogonSsrf,
        Check::ProxyShellAutodiscover,
        Check::ProxyNotShellMitigation,
    ];

    /// Id used on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Check::Ports => "ports",
            Check::Tls => "tls",
            Check::ExchangeOwa => "exchange-owa",
            Check::ExchangeEcp => "exchange-ecp",
            Check::ExchangeExportTool => "exchange-exporttool",
            Check::ProxyLogonSsrf => "proxylogon-ssrf",
            Check::ProxyShellAutodiscover => "proxyshell-autodiscover",
            Check::ProxyNotShellMitigation => "proxynotshell-mitigation",
        }
    }

    /// Safety class.
    pub fn safety(self) -> Safety {
        match self {
            Check::ProxyLogonSsrf
            | Check::ProxyShellAutodiscover
            | Check::ProxyNotShellMitigation => Safety::SafeActive,
            _ => Safety::Passive,
        }
    }

    /// What it sends and what it learns.
    pub fn description(self) -> &'static str {
        match self {
            Check::Ports => {
                "TCP connect to each port; reads the first line the service sends (SMTP, FTP, SSH, POP3, IMAP banners); sends nothing"
            }
            Check::Tls => {
                "TLS handshake; records the certificate (subject, SAN names, issuer, validity, self-signed, expired)"
            }
            Check::ExchangeOwa => {
                "GET /owa/auth/logon.aspx and GET /owa/: OWA presence, X-OWA-Version header (full build), /owa/auth/<build>/ paths (CU only)"
            }
            Check::ExchangeEcp => "GET /ecp/: is the Exchange admin center reachable",
            Check::ExchangeExportTool => {
                "GET /ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application: full build from assemblyIdentity version"
            }
            Check::ProxyLogonSsrf => {
                "GET /owa/auth/x.js with the X-AnonResource-Backend/X-BEResource cookie pointing at localhost; vulnerable if X-CalculatedBETarget names localhost (CVE-2021-26855)"
            }
            Check::ProxyShellAutodiscover => {
                "GET /autodiscover/autodiscover.json?@test.com/owa/?&Email=autodiscover/autodiscover.json%3F@test.com, no redirect: 302 vulnerable, 400 patched (CVE-2021-34473)"
            }
            Check::ProxyNotShellMitigation => {
                "GET the CVE-2022-41040 autodiscover pattern: blocked (rewrite rule) or answered (302)"
            }
        }
    }
}

/// Parse `--checks`: comma-separated ids, `all`, `passive`, `safe-active`;
/// an id prefixed with `-` removes it.
pub fn parse_checks(spec: &str) -> Result<Vec<Check>, String> {
    let mut set: Vec<Check> = Vec::new();
    let mut removed = Vec::new();
    for raw in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (neg, name) = match raw.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, raw),
        };
        let picked: Vec<Check> = match name {
            "all" => Check::ALL.to_vec(),
            "passive" => Check::ALL.into_iter().filter(|c| c.safety() == Safety::Passive).collect(),
            "safe-active" => {
                Check::ALL.into_iter().filter(|c| c.safety() == Safety::SafeActive).collect()
            }
            id => vec![Check::ALL.into_iter().find(|c| c.id() == id).ok_or_else(|| {
                let ids: Vec<&str> = Check::ALL.iter().map(|c| c.id()).collect();
                format!(
                    "unknown check `{id}`: expected all, passive, safe-active or one of {}",
                    ids.join(", ")
                )
            })?],
        };
        if neg { removed.extend(picked) } else { set.extend(picked) }
    }
    if set.is_empty() {
        set = Check::ALL.to_vec();
    }
    set.retain(|c| !removed.contains(c));
    set.sort();
    set.dedup();
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_selection() {
        assert_eq!(parse_checks("all").map(|v| v.len()), Ok(8));
        let p = parse_checks("passive").expect("passive");
        assert!(p.iter().all(|c| c.safety() == Safety::Passive));
        let p = parse_checks("all,-proxylogon-ssrf").expect("all minus one");
        assert!(!p.contains(&Check::ProxyLogonSsrf) && p.len() == 7);
        assert!(parse_checks("nmap").is_err_and(|e| e.contains("unknown check `nmap`")));
    }
}
