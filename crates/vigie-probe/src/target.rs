//! Target parsing: host names, IPv4/IPv6 addresses (IPv6 literals in
//! brackets when a port follows), `host:port`, URLs and bounded CIDR ranges.

use ipnet::IpNet;
use std::net::IpAddr;
use std::path::Path;
use vigie_model::thousands;

/// Largest range accepted without `--allow-large` (a /16: 65,536 addresses).
pub const MAX_RANGE: u64 = 1 << 16;
/// Largest range accepted even with `--allow-large` (a /12: 1,048,576 addresses).
pub const MAX_RANGE_LARGE: u64 = 1 << 20;

/// URL scheme given by the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `http://`
    Http,
    /// `https://`
    Https,
}

/// One host to probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Host name or IP literal, without brackets.
    pub host: String,
    /// The IP, when the target is an address.
    pub ip: Option<IpAddr>,
    /// A single port to probe instead of the default list.
    pub port: Option<u16>,
    /// Scheme given in a URL.
    pub scheme: Option<Scheme>,
    /// The target as the user wrote it (or the expanded address for ranges).
    pub input: String,
}

/// Why a target was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("target `{input}`: {reason}")]
pub struct TargetError {
    /// What the user wrote.
    pub input: String,
    /// What is wrong and what to do.
    pub reason: String,
}

/// Parsed targets plus notes worth showing (for example an ignored URL path).
#[derive(Debug, Default)]
pub struct Parsed {
    /// The targets, expanded.
    pub targets: Vec<Target>,
    /// Notes for the user.
    pub notes: Vec<String>,
}

fn err(input: &str, reason: impl Into<String>) -> TargetError {
    TargetError { input: input.to_string(), reason: reason.into() }
}

fn valid_hostname(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

fn parse_port(input: &str, p: &str) -> Result<u16, TargetError> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(err(input, format!("`{p}` is not a port (1-65535)"))),
        Ok(n) => Ok(n),
    }
}

/// Parse one target; CIDR ranges are expanded. `allow_large` lifts the /16 bound.
pub fn parse_target(raw: &str, allow_large: bool, out: &mut Parsed) -> Result<(), TargetError> {
    let input = raw.trim();
    if input.is_empty() {
        return Err(err(raw, "empty target"));
    }
    if let Some((scheme, rest)) = input.split_once("://") {
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => {
                return Err(err(
                    input,
                    format!("scheme `{other}` is not supported: use http:// or https://"),
                ));
            }
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if !path.is_empty() && path != "/" {
            out.notes.push(format!(
                "{input}: the path `{path}` is ignored — vigie probes the server's own Exchange paths (/owa, /ecp, /autodiscover) on {authority}"
            ));
        }
        let mut t = parse_authority(input, authority)?;
        t.scheme = Some(scheme);
        out.targets.push(t);
        return Ok(());
    }
    if input.contains('/') {
        return expand_cidr(input, allow_large, out);
    }
    out.targets.push(parse_authority(input, input)?);
    Ok(())
}

fn parse_authority(input: &str, a: &str) -> Result<Target, TargetError> {
    if a.contains('@') {
        return Err(err(input, "credentials in targets are not supported"));
    }
    let (host, port) = if let Some(rest) = a.strip_prefix('[') {
        let (h, after) =
            rest.split_once(']').ok_or_else(|| err(input, "missing `]` after the IPv6 address"))?;
        let port = match after {
            "" => None,
            p => Some(parse_port(
                input,
                p.strip_prefix(':').ok_or_else(|| err(input, "expected `:port` after `]`"))?,
            )?),
        };
        (h, port)
    } else if a.matches(':').count() >= 2 {
        // A bare IPv6 literal: no port possible without brackets.
        (a, None)
    } else if let Some((h, p)) = a.rsplit_once(':') {
        (h, Some(parse_port(input, p)?))
    } else {
        (a, None)
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(Target {
            host: ip.to_string(),
            ip: Some(ip),
            port,
            scheme: None,
            input: input.to_string(),
        });
    }
    if host.contains(':') {
        return Err(err(
            input,
            format!("`{host}` is not a valid IPv6 address (write IPv6 with a port as [addr]:port)"),
        ));
    }
    if !valid_hostname(host) {
        return Err(err(input, format!("`{host}` is not a valid host name or IP address")));
    }
    Ok(Target {
        host: host.to_ascii_lowercase(),
        ip: None,
        port,
        scheme: None,
        input: input.to_string(),
    })
}

fn expand_cidr(input: &str, allow_large: bool, out: &mut Parsed) -> Result<(), TargetError> {
    let net: IpNet = input
        .parse()
        .map_err(|_| err(input, "not a CIDR range (expected e.g. 192.0.2.0/24 or 2001:db8::/120); URLs need http:// or https://"))?;
    let host_bits = u32::from(net.max_prefix_len() - net.prefix_len());
    let size: u64 = if host_bits >= 63 { u64::MAX } else { 1u64 << host_bits };
    if size > MAX_RANGE && !allow_large {
        return Err(err(
            input,
            format!(
                "{} addresses is more than the /16 (65,536) allowed by default — narrow the range or pass --allow-large",
                thousands(size)
            ),
        ));
    }
    if size > MAX_RANGE_LARGE {
        return Err(err(
            input,
            format!(
                "{} addresses is more than vigie will probe in one run (at most 1,048,576, a /12)",
                thousands(size)
            ),
        ));
    }
    let hosts: Vec<IpAddr> = net.hosts().collect();
    out.targets.extend(hosts.into_iter().map(|ip| Target {
        host: ip.to_string(),
        ip: Some(ip),
        port: None,
        scheme: None,
        input: ip.to_string(),
    }));
    Ok(())
}

/// Parse a list of targets (arguments and `--targets` files). Every bad
/// target is reported; parsing goes on.
pub fn parse_all(
    args: &[String],
    files: &[&Path],
    allow_large: bool,
) -> (Parsed, Vec<TargetError>) {
    let mut out = Parsed::default();
    let mut errors = Vec::new();
    for a in args {
        if let Err(e) = parse_target(a, allow_large, &mut out) {
            errors.push(e);
        }
    }
    for f in files {
        match std::fs::read_to_string(f) {
            Err(e) => errors
                .push(err(&f.display().to_string(), format!("cannot read the targets file: {e}"))),
            Ok(text) => {
                for (i, line) in text.lines().enumerate() {
                    let line = line.split('#').next().unwrap_or("").trim();
                    if line.is_empty() {
                        continue;
                    }
                    if let Err(mut e) = parse_target(line, allow_large, &mut out) {
                        e.input = format!("{}:{}: {}", f.display(), i + 1, e.input);
                        errors.push(e);
                    }
                }
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.targets.retain(|t| seen.insert((t.host.clone(), t.port, t.scheme)));
    (out, errors)
}

#[cfg(test)]
#[path = "target_tests.rs"]
mod tests;
