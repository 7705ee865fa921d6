//! TLS: a certificate verifier that accepts any certificate (we want to
//! *record* what the server presents, not to trust it) and the certificate
//! facts we report.

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Facts about the certificate a server presented.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertFacts {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// DNS names and IP addresses from the subjectAltName extension.
    pub san: Vec<String>,
    /// Start of validity (RFC 3339).
    pub not_before: String,
    /// End of validity (RFC 3339).
    pub not_after: String,
    /// Issuer equals subject (self-signed or a private root).
    pub self_signed: bool,
    /// Validity ended before the probe.
    pub expired: bool,
    /// Validity starts after the probe.
    pub not_yet_valid: bool,
    /// Number of certificates in the chain sent.
    pub chain_len: usize,
}

impl CertFacts {
    /// Parse the leaf certificate (DER) of a chain of `chain_len`.
    pub fn from_der(der: &[u8], chain_len: usize, now: i64) -> Option<CertFacts> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        let subject = cert.subject().to_string();
        let issuer = cert.issuer().to_string();
        let mut san = Vec::new();
        if let Ok(Some(ext)) = cert.subject_alternative_name() {
            for name in &ext.value.general_names {
                match name {
                    x509_parser::extensions::GeneralName::DNSName(d) => san.push((*d).to_string()),
                    x509_parser::extensions::GeneralName::IPAddress(ip) => san.push(ip_string(ip)),
                    _ => {}
                }
            }
        }
        let v = cert.validity();
        let (nb, na) = (v.not_before.timestamp(), v.not_after.timestamp());
        let fmt = |t: i64| {
            chrono::DateTime::from_timestamp(t, 0)
                .map(|d| d.to_rfc3339())
                .unwrap_or_else(|| t.to_string())
        };
        Some(CertFacts {
            self_signed: subject == issuer,
            subject,
            issuer,
            san,
            not_before: fmt(nb),
            not_after: fmt(na),
            expired: na < now,
            not_yet_valid: nb > now,
            chain_len,
        })
    }

    /// Whether `host` is covered by the certificate names (exact or `*.` wildcard).
    pub fn covers(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let cn =
            self.subject.split(',').find_map(|p| p.trim().strip_prefix("CN=")).map(str::to_string);
        self.san.iter().cloned().chain(cn).any(|n| {
            let n = n.to_ascii_lowercase();
            n == host
                || n.strip_prefix("*.").is_some_and(|rest| {
                    host.split_once('.')
                        .is_some_and(|(first, tail)| !first.is_empty() && tail == rest)
                })
        })
    }
}

fn ip_string(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}

/// Accepts any server certificate; signatures over the handshake are still
/// checked so the session is a real TLS session with the certificate's key.
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// The client configuration used for every TLS connection.
pub(crate) fn client_config() -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(RecordingVerifier { provider }))
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}
