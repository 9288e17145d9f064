//! The hub over HTTP/1.1 (hyper on tokio). Each connection has a time limit for its headers and
//! each request one for its body, so a client that sends slowly is cut off; the number of open
//! connections is capped in all and per address, so a client that opens many cannot starve the
//! others; a request's signed headers are checked (`Hub::precheck`: well formed, on time, new
//! nonce, a signer the company knows) before its body is read, and the body is read once, into
//! one buffer, within the limit the check allows. The request itself is handled by `Hub::handle`
//! on the blocking pool: storage writes are synchronous and durable.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use rempart_sync::auth::{HEADER_NONCE, HEADER_SIGNATURE, HEADER_SIGNER, HEADER_TIME};
use tokio::sync::{Semaphore, oneshot};

use crate::{Hub, Method, Request, Response};

/// Limits of the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    pub connections_max: usize,
    /// Open connections from one address: beyond, a new one is closed at once.
    pub connections_per_address: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> ServerLimits {
        ServerLimits {
            connections_max: 2048,
            connections_per_address: 64,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
        }
    }
}

/// Open connections by address.
type PerAddress = Arc<Mutex<HashMap<IpAddr, usize>>>;

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

fn plain(status: u16, message: &str, request_id: &str) -> Response {
    Response {
        status,
        content_type: "application/json",
        body: serde_json::to_vec(&serde_json::json!({ "error": message, "request_id": request_id }))
            .unwrap_or_default(),
    }
}

async fn answer(
    hub: Arc<Hub>,
    limits: ServerLimits,
    peer: SocketAddr,
    request_id: String,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let response = read_and_handle(hub, limits, peer, &request_id, request).await;
    hyper::Response::builder()
        .status(response.status)
        .header("content-type", response.content_type)
        .header("x-request-id", &request_id)
        .body(Full::new(Bytes::from(response.body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

async fn read_and_handle(
    hub: Arc<Hub>,
    limits: ServerLimits,
    peer: SocketAddr,
    request_id: &str,
    request: hyper::Request<Incoming>,
) -> Response {
    let method = match *request.method() {
        hyper::Method::GET => Method::Get,
        hyper::Method::PUT => Method::Put,
        hyper::Method::POST => Method::Post,
        _ => Method::Other,
    };
    let target = request.uri().path_and_query().map_or_else(|| request.uri().path().to_owned(), |pq| pq.to_string());
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (signer, time, nonce, signature) =
        (header(HEADER_SIGNER), header(HEADER_TIME), header(HEADER_NONCE), header(HEADER_SIGNATURE));
    let authorization = header(hyper::header::AUTHORIZATION.as_str());
    let announced = request
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut head = Request {
        method,
        target,
        signer,
        time,
        nonce,
        signature,
        body: Vec::new(),
        request_id: request_id.to_owned(),
        from_loopback: peer.ip().is_loopback(),
        authorization,
    };
    // The signed headers first, on the blocking pool (the roster may be read from storage):
    // a request that cannot be the company's is answered before its body is read.
    let checked = {
        let hub = Arc::clone(&hub);
        let head = head.clone();
        tokio::task::spawn_blocking(move || hub.precheck(&head, now_ms())).await
    };
    let body_max = match checked {
        Ok(Ok(body_max)) => body_max,
        Ok(Err(refusal)) => return refusal,
        Err(_) => return plain(500, "the hub failed on this request", request_id),
    };
    if announced.is_some_and(|len| len > body_max as u64) {
        return plain(413, &format!("the body exceeds {body_max} bytes"), request_id);
    }
    // Read once, into one buffer sized by the announced length, within the limit.
    let mut body = Vec::with_capacity(announced.map_or(0, |len| len.min(body_max as u64) as usize));
    let mut incoming = request.into_body();
    let read = async {
        while let Some(frame) = incoming.frame().await {
            let Ok(data) = frame.map_err(|_| 400u16)?.into_data() else { continue };
            if body.len() + data.len() > body_max {
                return Err(413u16);
            }
            body.extend_from_slice(&data);
        }
        Ok(())
    };
    match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(())) => {}
        Ok(Err(413)) => return plain(413, &format!("the body exceeds {body_max} bytes"), request_id),
        Ok(Err(_)) => return plain(400, "the body could not be read", request_id),
        Err(_) => return plain(408, "the body was sent too slowly", request_id),
    }
    head.body = body;
    let handled = tokio::task::spawn_blocking(move || hub.handle(&head, now_ms())).await;
    handled.unwrap_or_else(|_| plain(500, "the hub failed on this request", request_id))
}

/// A running server; dropping it leaves it running, `stop` ends it.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Stops accepting, and waits for the server's thread to end.
    pub fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves one connection, plain or TLS, with `service`, until it ends.
async fn connection<S, T, B>(stream: S, peer: SocketAddr, limits: ServerLimits, service: T)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: hyper::service::Service<hyper::Request<Incoming>, Response = hyper::Response<B>, Error = Infallible>
        + Send
        + 'static,
    T::Future: Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(TokioIo::new(stream), service);
    if let Err(error) = connection.await {
        tracing::debug!(%peer, %error, "connection ended");
    }
}

/// The TLS configuration of a hub from its certificate chain and private key (PEM).
pub fn tls_config(certificates_pem: &[u8], key_pem: &[u8]) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_slice_iter(certificates_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| format!("the certificate cannot be read: {error}"))?;
    if chain.is_empty() {
        return Err("the certificate file holds no certificate".to_owned());
    }
    let key =
        PrivateKeyDer::from_pem_slice(key_pem).map_err(|error| format!("the private key cannot be read: {error}"))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| format!("the certificate and key do not go together: {error}"))?;
    Ok(Arc::new(config))
}

/// Serves the connections of `listener` until `stop` resolves, each with the service `make`
/// gives for its peer's address, over TLS when `tls` is given; the hub's and the web app's way
/// to listen. Connections are capped in all and per address, and a TLS handshake has the
/// headers' time limit.
pub async fn serve_with<M, T, B>(
    listener: tokio::net::TcpListener,
    limits: ServerLimits,
    tls: Option<Arc<rustls::ServerConfig>>,
    stop: impl std::future::Future<Output = ()>,
    make: M,
) where
    M: Fn(SocketAddr) -> T,
    T: hyper::service::Service<hyper::Request<Incoming>, Response = hyper::Response<B>, Error = Infallible>
        + Send
        + 'static,
    T::Future: Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
    let connections = Arc::new(Semaphore::new(limits.connections_max));
    let per_address: PerAddress = Arc::default();
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            () = &mut stop => break,
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    continue;
                }
            },
        };
        // One address holds at most its share of the connections: the next is closed at once,
        // and its permit goes back.
        {
            let mut open = per_address.lock().unwrap_or_else(PoisonError::into_inner);
            let count = open.entry(peer.ip()).or_default();
            if *count >= limits.connections_per_address {
                tracing::debug!(%peer, "too many connections from this address");
                drop(stream);
                continue;
            }
            *count += 1;
        }
        let service = make(peer);
        let tls = tls.clone();
        let per_address = Arc::clone(&per_address);
        tokio::spawn(async move {
            match tls {
                None => connection(stream, peer, limits, service).await,
                Some(acceptor) => {
                    // The handshake has the same time limit as the headers.
                    match tokio::time::timeout(limits.header_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => connection(stream, peer, limits, service).await,
                        Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake too slow"),
                    }
                }
            }
            let mut open = per_address.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(count) = open.get_mut(&peer.ip()) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    open.remove(&peer.ip());
                }
            }
            drop(open);
            drop(permit);
        });
    }
}

/// Starts a server on its own thread and runtime, bound to `addr` (port 0 picks a free port).
pub fn spawn(addr: SocketAddr, hub: Arc<Hub>, limits: ServerLimits) -> std::io::Result<Server> {
    spawn_with_tls(addr, hub, limits, None)
}

/// As `spawn`, over TLS when `tls` is given.
pub fn spawn_with_tls(
    addr: SocketAddr,
    hub: Arc<Hub>,
    limits: ServerLimits,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> std::io::Result<Server> {
    let counter = Arc::new(AtomicU64::new(0));
    let mut prefix = [0u8; 4];
    let _ = getrandom::fill(&mut prefix);
    let prefix = hex::encode(prefix);
    spawn_service("rempart-hub", addr, limits, tls, move |peer| {
        let hub = Arc::clone(&hub);
        let counter = Arc::clone(&counter);
        let prefix = prefix.clone();
        service_fn(move |request| {
            let request_id = format!("{prefix}-{}", counter.fetch_add(1, Ordering::Relaxed));
            let hub = Arc::clone(&hub);
            async move { Ok::<_, Infallible>(answer(hub, limits, peer, request_id, request).await) }
        })
    })
}

/// Serves the services `make` gives (`serve_with`) on their own thread, named `name`, and
/// runtime, bound to `addr` (port 0 picks a free port).
pub fn spawn_service<M, T, B>(
    name: &str,
    addr: SocketAddr,
    limits: ServerLimits,
    tls: Option<Arc<rustls::ServerConfig>>,
    make: M,
) -> std::io::Result<Server>
where
    M: Fn(SocketAddr) -> T + Send + 'static,
    T: hyper::service::Service<hyper::Request<Incoming>, Response = hyper::Response<B>, Error = Infallible>
        + Send
        + 'static,
    T::Future: Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind(addr))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new().name(name.to_owned()).spawn(move || {
        runtime.block_on(serve_with(
            listener,
            limits,
            tls,
            async {
                let _ = stopped.await;
            },
            make,
        ));
        runtime.shutdown_timeout(Duration::from_secs(5));
    })?;
    Ok(Server { addr, stop: Some(stop), thread: Some(thread) })
}
