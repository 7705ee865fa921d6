//! In-process servers that answer like real Exchange servers of several
//! builds (built from the documented responses in the reference notes), a
//! plain IIS, and misbehaving servers. Everything binds 127.0.0.x:0.

#![allow(dead_code, unreachable_pub)]
// `set_linger(0)` is how the test servers send a TCP reset; with a zero linger
// the drop does not block, which is what the deprecation warns about.
#![allow(deprecated)]

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Logged {
    pub method: String,
    pub uri: String,
    pub cookie: Option<String>,
    pub user_agent: Option<String>,
    pub content_length: Option<String>,
    pub transfer_encoding: Option<String>,
}

pub type Log = Arc<Mutex<Vec<Logged>>>;

/// How a fake server behaves.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Build shown in the `X-OWA-Version` header.
    pub header_build: Option<&'static str>,
    /// Build in the export tool manifest.
    pub manifest_build: Option<&'static str>,
    /// CU-level build in `/owa/auth/<build>/` paths of the login page.
    pub path_build: Option<&'static str>,
    /// Answer the ProxyLogon cookie with `X-CalculatedBETarget: localhost`.
    pub proxylogon_vulnerable: bool,
    /// Status to the ProxyShell autodiscover request.
    pub proxyshell_status: u16,
    /// Status to the ProxyNotShell pattern (0 = abort the connection like the rewrite rule).
    pub proxynotshell_status: u16,
}

impl Profile {
    /// Exchange 2013 CU23 Dec20SU (15.0.1497.10): before the March 2021 SU.
    pub fn ex2013_cu23_pre_mar21() -> Self {
        Profile {
            header_build: None,
            manifest_build: Some("15.0.1497.10"),
            path_build: Some("15.0.1497"),
            proxylogon_vulnerable: true,
            proxyshell_status: 302,
            proxynotshell_status: 302,
        }
    }
    /// Exchange 2016 CU23 Nov22SU (15.1.2507.16).
    pub fn ex2016_cu23_nov22() -> Self {
        Profile {
            header_build: Some("15.1.2507.16"),
            manifest_build: None,
            path_build: Some("15.1.2507"),
            proxylogon_vulnerable: false,
            proxyshell_status: 400,
            proxynotshell_status: 0,
        }
    }
    /// Exchange 2016 CU23 Oct22SU (15.1.2507.13) with the ProxyNotShell URL-rewrite mitigation.
    pub fn ex2016_cu23_oct22_mitigated() -> Self {
        Profile { header_build: Some("15.1.2507.13"), ..Profile::ex2016_cu23_nov22() }
    }
    /// Exchange 2019 CU12, April 2022 release (15.2.1118.7), build from the manifest.
    pub fn ex2019_cu12_apr22() -> Self {
        Profile {
            header_build: None,
            manifest_build: Some("15.2.1118.7"),
            path_build: Some("15.2.1118"),
            proxylogon_vulnerable: false,
            proxyshell_status: 400,
            proxynotshell_status: 302,
        }
    }
    /// An OWA login page that shows no build at all (no header, path or manifest).
    pub fn presence_only() -> Self {
        Profile {
            header_build: None,
            manifest_build: None,
            path_build: None,
            proxylogon_vulnerable: false,
            proxyshell_status: 400,
            proxynotshell_status: 0,
        }
    }
    /// Exchange 2019 CU12 showing only the OWA path (CU level).
    pub fn ex2019_cu12_path_only() -> Self {
        Profile { manifest_build: None, ..Profile::ex2019_cu12_apr22() }
    }
}

#[derive(Clone)]
struct AppState {
    profile: Option<Profile>,
    log: Log,
}

fn owa_page(p: &Profile) -> String {
    let Some(v) = p.path_build else {
        // Some front ends (or reverse proxies) serve the login page without
        // versioned resource paths: Exchange is recognisable, its build is not.
        return "<!DOCTYPE html><html><head><title>Outlook</title></head>\
                <body><form action=\"/owa/auth.owa\" method=\"POST\"></form></body></html>"
            .to_string();
    };
    format!(
        "<!DOCTYPE html><html><head><title>Outlook</title>\
         <link rel=\"shortcut icon\" href=\"/owa/auth/{v}/themes/resources/favicon.ico\" type=\"image/x-icon\">\
         <script src=\"/owa/auth/{v}/scripts/premium/flogon.js\"></script></head>\
         <body><form action=\"/owa/auth.owa\" method=\"POST\"></form></body></html>"
    )
}

async fn handle(State(st): State<AppState>, req: Request) -> Response {
    let h = req.headers();
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
    let uri = req.uri().to_string();
    st.log.lock().expect("log lock").push(Logged {
        method: req.method().to_string(),
        uri: uri.clone(),
        cookie: get("cookie"),
        user_agent: get("user-agent"),
        content_length: get("content-length"),
        transfer_encoding: get("transfer-encoding"),
    });
    let Some(p) = st.profile else {
        // Plain IIS: every Exchange path is 404.
        let mut hm = HeaderMap::new();
        hm.insert("server", HeaderValue::from_static("Microsoft-IIS/10.0"));
        return (StatusCode::NOT_FOUND, hm, "<h1>404 - File or directory not found.</h1>")
            .into_response();
    };
    let mut hm = HeaderMap::new();
    hm.insert("server", HeaderValue::from_static("Microsoft-IIS/10.0"));
    hm.insert("x-feserver", HeaderValue::from_static("EXCH01"));
    if let Some(b) = p.header_build {
        hm.insert("x-owa-version", HeaderValue::from_static(b));
    }
    let path = req.uri().path();
    let query = req.uri().query().unwrap_or("");
    match path {
        "/owa/auth/logon.aspx" => (StatusCode::OK, hm, owa_page(&p)).into_response(),
        "/owa/" | "/owa" => {
            hm.insert(
                "location",
                HeaderValue::from_static("/owa/auth/logon.aspx?url=%2fowa%2f&reason=0"),
            );
            (StatusCode::FOUND, hm, "").into_response()
        }
        "/ecp/" => {
            hm.insert(
                "location",
                HeaderValue::from_static("/owa/auth/logon.aspx?url=%2fecp%2f&reason=0"),
            );
            (StatusCode::FOUND, hm, "").into_response()
        }
        "/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application" => {
            match p.manifest_build {
                Some(b) => {
                    let xml = format!(
                        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<asmv1:assembly xsi:schemaLocation=\"urn:schemas-microsoft-com:asm.v1 assembly.adaptive.xsd\" manifestVersion=\"1.0\" xmlns:asmv1=\"urn:schemas-microsoft-com:asm.v1\">\r\n  <assemblyIdentity name=\"microsoft.exchange.ediscovery.exporttool.application\" version=\"{b}\" publicKeyToken=\"b03f5f7f11d50a3a\" language=\"neutral\" processorArchitecture=\"msil\" xmlns=\"urn:schemas-microsoft-com:asm.v1\" />\r\n</asmv1:assembly>"
                    );
                    (StatusCode::OK, hm, xml).into_response()
                }
                None => (StatusCode::NOT_FOUND, hm, "").into_response(),
            }
        }
        "/owa/auth/x.js" => {
            let cookie = get("cookie").unwrap_or_default();
            if p.proxylogon_vulnerable && cookie.contains("X-BEResource=localhost") {
                hm.insert("x-calculatedbetarget", HeaderValue::from_static("localhost"));
                (StatusCode::INTERNAL_SERVER_ERROR, hm, "NegotiateSecurityContext failed")
                    .into_response()
            } else {
                (StatusCode::NOT_FOUND, hm, "").into_response()
            }
        }
        "/autodiscover/autodiscover.json" if query.contains("Powershell") => {
            if p.proxynotshell_status == 302 {
                hm.insert("location", HeaderValue::from_static("/owa/auth/errorFE.aspx"));
            }
            (
                StatusCode::from_u16(if p.proxynotshell_status == 0 {
                    403
                } else {
                    p.proxynotshell_status
                })
                .unwrap_or(StatusCode::FORBIDDEN),
                hm,
                "",
            )
                .into_response()
        }
        "/autodiscover/autodiscover.json" => {
            if p.proxyshell_status == 302 {
                hm.insert(
                    "location",
                    HeaderValue::from_static("https://localhost/owa/auth/errorFE.aspx"),
                );
            }
            (StatusCode::from_u16(p.proxyshell_status).unwrap_or(StatusCode::BAD_REQUEST), hm, "")
                .into_response()
        }
        _ => (StatusCode::NOT_FOUND, hm, "").into_response(),
    }
}

/// The server's certificate: self-signed, for these names, valid over
/// `validity` (years as `(from, to)`; `None` = rcgen's default, valid now).
#[derive(Clone, Debug)]
pub struct CertSpec {
    /// Subject alternative names.
    pub names: Vec<String>,
    /// First and last year of validity.
    pub validity: Option<(i32, i32)>,
}

impl Default for CertSpec {
    fn default() -> Self {
        CertSpec { names: vec!["localhost".into(), "127.0.0.1".into()], validity: None }
    }
}

/// A self-signed certificate per `spec`, and its key.
fn tls_acceptor(spec: &CertSpec) -> tokio_rustls::TlsAcceptor {
    let mut params = rcgen::CertificateParams::new(spec.names.clone()).expect("cert params");
    if let Some((from, to)) = spec.validity {
        params.not_before = rcgen::date_time_ymd(from, 1, 1);
        params.not_after = rcgen::date_time_ymd(to, 1, 1);
    }
    let key_pair = rcgen::KeyPair::generate().expect("key pair");
    let cert = params.self_signed(&key_pair).expect("self-signed certificate");
    let cert = cert.der().clone();
    let key =
        rustls::pki_types::PrivateKeyDer::try_from(key_pair.serialize_der()).expect("key der");
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("server config");
    tokio_rustls::TlsAcceptor::from(Arc::new(cfg))
}

/// Start an HTTPS server with this profile (`None` = plain IIS). Returns its
/// address and request log. A ProxyNotShell status of 0 aborts the connection
/// (what the IIS rewrite rule of the mitigation does).
pub async fn start_https(profile: Option<Profile>, ip: &str) -> (SocketAddr, Log) {
    start_https_with(profile, ip, &CertSpec::default()).await
}

/// [`start_https`] with a certificate of one's own.
pub async fn start_https_with(
    profile: Option<Profile>,
    ip: &str,
    cert: &CertSpec,
) -> (SocketAddr, Log) {
    let log: Log = Arc::default();
    let listener = TcpListener::bind((ip, 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = AppState { profile: profile.clone(), log: log.clone() };
    let app = Router::new().fallback(handle).with_state(state);
    let acceptor = tls_acceptor(cert);
    let abort_pns = profile.as_ref().is_some_and(|p| p.proxynotshell_status == 0);
    let log2 = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let (app, acceptor, log) = (app.clone(), acceptor.clone(), log2.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                if abort_pns {
                    // Peek at the request: the rewrite rule aborts the ProxyNotShell pattern.
                    serve_or_abort(tls, app, log).await;
                    return;
                }
                let svc = TowerToHyperService::new(app);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    (addr, log)
}

async fn serve_or_abort(
    mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    app: Router,
    log: Log,
) {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16384 {
        match tls.read(&mut b).await {
            Ok(1) => head.push(b[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    if text.lines().next().is_some_and(|l| l.contains("Powershell")) {
        let line = text.lines().next().unwrap_or("");
        let mut parts = line.split_whitespace();
        log.lock().expect("log").push(Logged {
            method: parts.next().unwrap_or("").into(),
            uri: parts.next().unwrap_or("").into(),
            cookie: None,
            user_agent: text
                .lines()
                .find_map(|l| l.strip_prefix("user-agent: ").map(str::to_string)),
            content_length: text.lines().find_map(|l| {
                l.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_string)
            }),
            transfer_encoding: None,
        });
        let _ = tls.get_ref().0.set_linger(Some(std::time::Duration::ZERO));
        return; // dropped: the client sees the connection reset
    }
    let io = Prepend { head: std::io::Cursor::new(head), inner: tls };
    let svc = TowerToHyperService::new(app);
    let _ =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), svc).await;
}

/// A stream that first yields already-read bytes.
struct Prepend<S> {
    head: std::io::Cursor<Vec<u8>>,
    inner: S,
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Prepend<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let pos = self.head.position() as usize;
        let rest = &self.head.get_ref()[pos..];
        if !rest.is_empty() {
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            self.head.set_position((pos + n) as u64);
            return std::task::Poll::Ready(Ok(()));
        }
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Prepend<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Misbehaving raw TCP servers.
#[derive(Clone, Copy, Debug)]
pub enum Rude {
    /// Accept, read the request, then reset.
    Reset,
    /// Accept, never answer.
    Hang,
    /// Accept, send bytes that are not HTTP, close.
    Garbage,
    /// Answer 200 with an endless body.
    Huge,
    /// Send an SMTP banner, like Exchange's front-end transport.
    SmtpBanner,
}

/// Start a misbehaving server; returns its address and how many connections it saw.
pub async fn start_rude(kind: Rude, ip: &str) -> (SocketAddr, Arc<Mutex<u64>>) {
    let listener = TcpListener::bind((ip, 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(0u64));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else { return };
            *seen2.lock().expect("count") += 1;
            tokio::spawn(async move {
                match kind {
                    Rude::Reset => {
                        // Read the request, then reset (RST) instead of answering.
                        let mut buf = [0u8; 1024];
                        let _ = s.read(&mut buf).await;
                        let _ = s.set_linger(Some(std::time::Duration::ZERO));
                        drop(s);
                    }
                    Rude::Hang => {
                        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                    }
                    Rude::Garbage => {
                        let mut buf = [0u8; 1024];
                        let _ = s.read(&mut buf).await;
                        let _ = s
                            .write_all(b"\x00\xff\xfeNOT HTTP AT ALL\r\n\x16\x03\x01garbage")
                            .await;
                    }
                    Rude::Huge => {
                        let mut buf = [0u8; 1024];
                        let _ = s.read(&mut buf).await;
                        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000000000\r\n\r\n").await;
                        let chunk = vec![b'A'; 64 * 1024];
                        // Stop when the client hangs up (or after ~100 MB).
                        for _ in 0..1600 {
                            if s.write_all(&chunk).await.is_err() {
                                break;
                            }
                        }
                    }
                    Rude::SmtpBanner => {
                        let _ = s
                            .write_all(b"220 mail.contoso.local Microsoft ESMTP MAIL Service ready at Tue, 2 Mar 2021 08:00:00 +0100\r\n")
                            .await;
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    }
                }
            });
        }
    });
    (addr, seen)
}

/// Strict audit of one run against one server: every request the server saw
/// is a `GET` of one of the documented paths (`paths::ALL`, listed verbatim in
/// docs/probe.md), without a body, naming vigie in its User-Agent, with the
/// ProxyLogon cookie only on the ProxyLogon path; and the server saw exactly
/// the `GET`s the probe says it sent (its own audit log), in the same order —
/// nothing extra, nothing hidden.
pub fn assert_only_documented(log: &Log, sent: &[vigie_probe::SentRequest]) {
    let documented = vigie_probe::paths::ALL;
    let log = log.lock().expect("log");
    assert!(!log.is_empty(), "the server saw no request");
    for r in log.iter() {
        assert_eq!(r.method, "GET", "only GET is ever sent: {r:?}");
        assert!(documented.contains(&r.uri.as_str()), "undocumented request: {r:?}");
        assert!(r.content_length.as_deref().is_none_or(|c| c == "0"), "request with a body: {r:?}");
        assert!(r.transfer_encoding.is_none(), "request with a body: {r:?}");
        let ua = r.user_agent.as_deref().unwrap_or("");
        assert!(ua.starts_with("vigie/"), "User-Agent must name vigie: {r:?}");
        if r.uri == vigie_probe::paths::PROXYLOGON {
            assert_eq!(r.cookie.as_deref(), Some(vigie_probe::paths::PROXYLOGON_COOKIE));
        } else {
            assert!(r.cookie.is_none(), "cookie on a request that needs none: {r:?}");
        }
    }
    // Every connection went to the one target: no other host was contacted.
    let authority = |t: &str| {
        let rest = t.split_once("://").map_or(t, |(_, r)| r);
        rest.split('/').next().unwrap_or(rest).to_string()
    };
    let first = sent.first().map(|s| authority(&s.target)).expect("the probe sent something");
    for s in sent {
        assert!(matches!(s.kind.as_str(), "GET" | "CONNECT" | "TLS"), "unexpected kind: {s:?}");
        assert_eq!(authority(&s.target), first, "a connection to another host: {s:?}");
    }
    let client: Vec<String> = sent
        .iter()
        .filter(|s| s.kind == "GET")
        .map(|s| {
            let rest = s.target.split_once("://").map_or(s.target.as_str(), |(_, r)| r);
            rest.find('/').map_or("/", |i| &rest[i..]).to_string()
        })
        .collect();
    let server: Vec<String> = log.iter().map(|r| r.uri.clone()).collect();
    assert_eq!(client, server, "the server saw exactly the GETs the probe logged");
}

/// A minimal HTTP `CONNECT` proxy on 127.0.0.1 that tunnels to the
/// requested `host:port` (resolving the name itself) and logs each request
/// line it received.
pub async fn start_connect_proxy() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else { return };
            let seen = seen2.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
                    match client.read(&mut b).await {
                        Ok(1) => head.push(b[0]),
                        _ => return,
                    }
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                let line = text.lines().next().unwrap_or("").to_string();
                seen.lock().expect("proxy log").push(line.clone());
                let mut parts = line.split_whitespace();
                let (Some("CONNECT"), Some(auth)) = (parts.next(), parts.next()) else {
                    let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n").await;
                    return;
                };
                let Ok(mut upstream) = tokio::net::TcpStream::connect(auth).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                if client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (addr, seen)
}
