//! The only place vigie touches the network: bounded, rate-limited TCP
//! connects, TLS handshakes that record the certificate, banner reads and
//! body-less GET requests. Nothing else can be sent: the request type has
//! no body and the method type has only `GET`.

use crate::tls::{CertFacts, client_config};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, Semaphore};
use tokio::time::{Instant, timeout};

/// Network settings.
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// Time allowed for one connection, handshake and response.
    pub timeout: Duration,
    /// Maximum connections in flight.
    pub concurrency: usize,
    /// Maximum new connections (requests) per second.
    pub rate: f64,
    /// HTTP proxy (`http://host:port`), used with CONNECT for every connection.
    pub proxy: Option<String>,
    /// User-Agent header.
    pub user_agent: String,
    /// Largest response body read (bytes); the rest is dropped.
    pub max_body: usize,
}

/// The only method vigie sends (GET without a body). A closed set on
/// purpose: adding a method means changing this type and `docs/probe.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    /// GET without a body.
    Get,
}

impl Method {
    fn as_hyper(self) -> hyper::Method {
        match self {
            Method::Get => hyper::Method::GET,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
        }
    }
}

/// A response, bounded in size.
#[derive(Clone, Debug, Default)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// Body (at most `max_body` bytes).
    pub body: Vec<u8>,
    /// The body was longer than `max_body`.
    pub truncated: bool,
    /// Certificate facts when the request went over TLS.
    pub cert: Option<CertFacts>,
}

impl HttpResponse {
    /// First header with this (lowercase) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why a connection or request failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// Connection refused: the port is closed.
    #[error("connection refused")]
    Refused,
    /// No answer in time: filtered port or hanging server.
    #[error("timed out")]
    Timeout,
    /// No route to the host or network (ICMP unreachable): treated as filtered.
    #[error("host or network unreachable")]
    Unreachable,
    /// The server reset or closed the connection.
    #[error("connection reset by the server")]
    Reset,
    /// TLS handshake failed.
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    /// The proxy refused or failed.
    #[error("proxy: {0}")]
    Proxy(String),
    /// The answer was not valid HTTP.
    #[error("invalid HTTP response: {0}")]
    Http(String),
    /// Other I/O error.
    #[error("{0}")]
    Io(String),
}

fn io_err(e: std::io::Error) -> NetError {
    use std::io::ErrorKind::*;
    match e.kind() {
        ConnectionRefused => NetError::Refused,
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => NetError::Reset,
        TimedOut => NetError::Timeout,
        HostUnreachable | NetworkUnreachable => NetError::Unreachable,
        _ => NetError::Io(e.to_string()),
    }
}

/// A resolved target host: the name used for Host/SNI/CONNECT and its addresses.
#[derive(Clone, Debug)]
pub(crate) struct Endpoint {
    /// Host name or IP literal (no brackets).
    pub(crate) host: String,
    /// Addresses to connect to (empty when a proxy resolves the name).
    pub(crate) addrs: Vec<IpAddr>,
}

impl Endpoint {
    /// `host:port` with brackets around IPv6 literals.
    pub(crate) fn authority(&self, port: u16) -> String {
        if self.host.contains(':') {
            format!("[{}]:{port}", self.host)
        } else {
            format!("{}:{port}", self.host)
        }
    }
}

/// One request as sent, for the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentRequest {
    /// `GET`, `CONNECT` (TCP connect), `TLS` (handshake only).
    pub kind: String,
    /// URL or `host:port`.
    pub target: String,
}

/// Spaces connection starts evenly: at most `rate` per second, no bursts.
struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    async fn acquire(&self) {
        let at = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + self.interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

/// Shared network machinery (one per probe run).
pub(crate) struct Net {
    cfg: NetConfig,
    tls: tokio_rustls::TlsConnector,
    sem: Semaphore,
    limiter: RateLimiter,
    sent: std::sync::Mutex<Vec<SentRequest>>,
    proxy: Option<(String, u16)>,
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Net {
    /// Build the machinery; fails on an invalid proxy URL or TLS setup.
    pub(crate) fn new(cfg: NetConfig) -> Result<Arc<Net>, String> {
        let tls = client_config().map_err(|e| format!("TLS setup failed: {e}"))?;
        let proxy = cfg.proxy.as_deref().map(parse_proxy).transpose()?;
        let rate = if cfg.rate.is_finite() && cfg.rate > 0.0 { cfg.rate } else { 1.0 };
        Ok(Arc::new(Net {
            tls: tokio_rustls::TlsConnector::from(tls),
            sem: Semaphore::new(cfg.concurrency.max(1)),
            limiter: RateLimiter {
                interval: Duration::from_secs_f64(1.0 / rate),
                next: Mutex::new(Instant::now()),
            },
            sent: std::sync::Mutex::new(Vec::new()),
            proxy,
            cfg,
        }))
    }

    /// Whether connections go through a proxy (which then resolves names).
    pub(crate) fn proxied(&self) -> bool {
        self.proxy.is_some()
    }

    /// Everything sent so far.
    pub(crate) fn sent(&self) -> Vec<SentRequest> {
        self.sent.lock().map(|v| v.clone()).unwrap_or_default()
    }

    fn record(&self, kind: &str, target: String) {
        if let Ok(mut v) = self.sent.lock() {
            v.push(SentRequest { kind: kind.to_string(), target });
        }
    }

    async fn tcp(&self, ep: &Endpoint, port: u16) -> Result<TcpStream, NetError> {
        self.limiter.acquire().await;
        if let Some((ph, pp)) = &self.proxy {
            let mut s = TcpStream::connect((ph.as_str(), *pp))
                .await
                .map_err(|e| NetError::Proxy(format!("cannot reach proxy {ph}:{pp}: {e}")))?;
            let auth = ep.authority(port);
            let req = format!(
                "CONNECT {auth} HTTP/1.1\r\nHost: {auth}\r\nUser-Agent: {}\r\n\r\n",
                self.cfg.user_agent
            );
            s.write_all(req.as_bytes()).await.map_err(io_err)?;
            let head = read_head(&mut s, 8192).await?;
            let status = head.split_whitespace().nth(1).unwrap_or("");
            return match status {
                "200" => Ok(s),
                "502" | "503" | "504" => Err(NetError::Refused),
                _ => Err(NetError::Proxy(format!(
                    "CONNECT {auth} answered `{}`",
                    head.lines().next().unwrap_or("")
                ))),
            };
        }
        let mut last = NetError::Io(format!("no address for {}", ep.host));
        for ip in &ep.addrs {
            match TcpStream::connect(SocketAddr::new(*ip, port)).await {
                Ok(s) => return Ok(s),
                Err(e) => last = io_err(e),
            }
        }
        Err(last)
    }

    async fn tls_wrap(
        &self,
        tcp: TcpStream,
        host: &str,
    ) -> Result<(Stream, Option<CertFacts>), NetError> {
        let name = match host.parse::<IpAddr>() {
            Ok(ip) => rustls::pki_types::ServerName::IpAddress(ip.into()),
            Err(_) => rustls::pki_types::ServerName::try_from(host.to_string())
                .map_err(|e| NetError::Tls(format!("invalid server name {host}: {e}")))?,
        };
        let s = self.tls.connect(name, tcp).await.map_err(|e| match io_err(e) {
            NetError::Io(m) => NetError::Tls(m),
            other => other,
        })?;
        let now = chrono::Utc::now().timestamp();
        let cert = s.get_ref().1.peer_certificates().and_then(|c| {
            c.first().and_then(|leaf| CertFacts::from_der(leaf.as_ref(), c.len(), now))
        });
        Ok((Stream::Tls(Box::new(s)), cert))
    }

    /// Open a connection (and TLS when asked), bounded by the timeout.
    async fn open(
        &self,
        ep: &Endpoint,
        port: u16,
        tls: bool,
    ) -> Result<(Stream, Option<CertFacts>), NetError> {
        let tcp = self.tcp(ep, port).await?;
        if tls { self.tls_wrap(tcp, &ep.host).await } else { Ok((Stream::Plain(tcp), None)) }
    }

    /// TCP connect, optional TLS, then read what the server says first
    /// (a banner) for a short while. Sends nothing.
    pub(crate) async fn banner(
        &self,
        ep: &Endpoint,
        port: u16,
        tls: bool,
        read: bool,
    ) -> Result<(Option<String>, Option<CertFacts>), NetError> {
        let _permit = self.sem.acquire().await.map_err(|e| NetError::Io(e.to_string()))?;
        self.record(if tls { "TLS" } else { "CONNECT" }, ep.authority(port));
        let (mut stream, cert) = timeout(self.cfg.timeout, self.open(ep, port, tls))
            .await
            .map_err(|_| NetError::Timeout)??;
        if !read {
            return Ok((None, cert));
        }
        let wait = self.cfg.timeout.min(Duration::from_secs(3));
        let mut buf = vec![0u8; 512];
        let n = match &mut stream {
            Stream::Plain(s) => timeout(wait, s.read(&mut buf)).await,
            Stream::Tls(s) => timeout(wait, s.read(&mut buf)).await,
        };
        let banner = match n {
            Ok(Ok(n)) if n > 0 => Some(clean_banner(&buf[..n])),
            _ => None,
        };
        Ok((banner, cert))
    }

    /// Send one body-less GET and read a bounded response. Never
    /// follows redirects.
    pub(crate) async fn http(
        &self,
        ep: &Endpoint,
        port: u16,
        tls: bool,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<HttpResponse, NetError> {
        let _permit = self.sem.acquire().await.map_err(|e| NetError::Io(e.to_string()))?;
        let scheme = if tls { "https" } else { "http" };
        self.record(method.as_str(), format!("{scheme}://{}{path}", ep.authority(port)));
        timeout(self.cfg.timeout, self.http_inner(ep, port, tls, method, path, headers))
            .await
            .map_err(|_| NetError::Timeout)?
    }

    async fn http_inner(
        &self,
        ep: &Endpoint,
        port: u16,
        tls: bool,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<HttpResponse, NetError> {
        let (stream, cert) = self.open(ep, port, tls).await?;
        let default_port = if tls { 443 } else { 80 };
        let host = if port == default_port {
            ep.authority(port).trim_end_matches(&format!(":{port}")).to_string()
        } else {
            ep.authority(port)
        };
        let mut req = hyper::Request::builder()
            .method(method.as_hyper())
            .uri(path)
            .header("host", host)
            .header("user-agent", &self.cfg.user_agent)
            .header("accept", "*/*")
            .header("connection", "close");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Empty::<Bytes>::new()).map_err(|e| NetError::Http(e.to_string()))?;
        let mut resp = match stream {
            Stream::Plain(s) => send(s, req, self.cfg.max_body).await?,
            Stream::Tls(s) => send(*s, req, self.cfg.max_body).await?,
        };
        resp.cert = cert;
        Ok(resp)
    }
}

async fn send<S>(
    io: S,
    req: hyper::Request<Empty<Bytes>>,
    max: usize,
) -> Result<HttpResponse, NetError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| NetError::Http(e.to_string()))?;
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    let result = async {
        let resp = sender.send_request(req).await.map_err(hyper_err)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = resp.into_body();
        let mut buf = Vec::new();
        let mut truncated = false;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(hyper_err)?;
            if let Some(data) = frame.data_ref() {
                let room = max.saturating_sub(buf.len());
                buf.extend_from_slice(&data[..data.len().min(room)]);
                if data.len() > room {
                    truncated = true;
                    break;
                }
            }
        }
        Ok(HttpResponse { status, headers, body: buf, truncated, cert: None })
    }
    .await;
    driver.abort();
    result
}

/// Default response body bound (256 KiB): an OWA login page is ~60 KiB.
pub const DEFAULT_MAX_BODY: usize = 256 * 1024;

fn hyper_err(e: hyper::Error) -> NetError {
    if e.is_incomplete_message() || e.is_canceled() {
        return NetError::Reset;
    }
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return io_err(std::io::Error::new(io.kind(), io.to_string()));
        }
        src = s.source();
    }
    if e.is_parse() { NetError::Http(e.to_string()) } else { NetError::Io(e.to_string()) }
}

async fn read_head(s: &mut TcpStream, max: usize) -> Result<String, NetError> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if buf.len() >= max {
            return Err(NetError::Proxy("proxy response header too long".into()));
        }
        let n = s.read(&mut byte).await.map_err(io_err)?;
        if n == 0 {
            return Err(NetError::Proxy("proxy closed the connection".into()));
        }
        buf.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn parse_proxy(url: &str) -> Result<(String, u16), String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        format!("--proxy `{url}`: only http:// proxies are supported (CONNECT is used for TLS)")
    })?;
    let rest = rest.trim_end_matches('/');
    if rest.contains('@') {
        return Err(format!("--proxy `{url}`: proxy credentials are not supported"));
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
            h.trim_matches(|c| c == '[' || c == ']').to_string(),
            p.parse().map_err(|_| format!("--proxy `{url}`: bad port `{p}`"))?,
        ),
        _ => (rest.to_string(), 8080),
    };
    if host.is_empty() {
        return Err(format!("--proxy `{url}`: missing host"));
    }
    Ok((host, port))
}

/// Printable first line of a banner, at most 200 characters.
fn clean_banner(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let line = s.lines().next().unwrap_or("");
    line.chars().filter(|c| !c.is_control()).take(200).collect::<String>().trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls() {
        assert_eq!(parse_proxy("http://10.0.0.1:3128"), Ok(("10.0.0.1".into(), 3128)));
        assert_eq!(parse_proxy("http://proxy/"), Ok(("proxy".into(), 8080)));
        assert!(parse_proxy("socks5://x:1").is_err());
        assert!(parse_proxy("http://u:p@x:1").is_err());
    }

    #[test]
    fn banners_are_cleaned() {
        assert_eq!(
            clean_banner(b"220 mail.example.org Microsoft ESMTP MAIL Service ready\r\n"),
            "220 mail.example.org Microsoft ESMTP MAIL Service ready"
        );
        assert_eq!(clean_banner(b"\x1b[31mSSH-2.0-x\r\nmore"), "[31mSSH-2.0-x");
    }
}
