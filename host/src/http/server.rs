//! The listener: accepts connections up to a cap, serves HTTP/1.1 on each (over TLS when
//! configured) with a header timeout and an idle timeout, and on shutdown stops accepting,
//! lets the requests in flight finish and returns when every connection has closed.
//!
//! - **Connection cap** (`server.max_connections`): a connection is accepted only when a slot is
//!   free; the others wait in the kernel's listen queue, in order, and are served as slots free
//!   up. File descriptors are never exhausted by clients.
//! - **Per-address cap** (`server.max_connections_per_ip`): a connection from an address that
//!   already holds that many is closed at once, so one client cannot take every slot.
//! - **Header timeout** (`server.header_timeout_ms`): the time a client has to send a whole
//!   request head, counted from when the server starts waiting for one (a new connection, or the
//!   end of the previous response on a kept-alive one), and to finish a TLS handshake. A client
//!   that sends a request slowly, or opens a connection and sends nothing, loses it.
//! - **Idle timeout** (`server.idle_timeout_ms`): a connection on which no byte has moved for
//!   that long while no handler is working on one of its requests (a client that keeps a
//!   connection open and sends nothing, or stops reading its response) is closed. A handler
//!   reading a slow body is bounded by the request timeout instead.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::{Context as _, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::edge::Edge;
use super::metrics::{Dropped, EdgeMetrics};
use super::rate_limit::FORGET_EVERY;
use super::{AppState, app};
use crate::config::{ServerLimits, TlsConfig};

/// Serves the application on `listener` until `shutdown` completes, then stops accepting, lets
/// every connection finish its request in flight and returns. The binary and the tests both
/// serve through here.
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let limits = state.config.server;
    let tls = state.config.tls.clone();
    let acceptor = tls_acceptor(&tls)?;
    let edge = state.edge.clone();
    let router = app(state);
    let slots =
        u32::try_from(limits.max_connections).context("server.max_connections is too large")?;
    let free = Arc::new(Semaphore::new(slots as usize));
    let per_address = Arc::new(PerAddress {
        cap: limits.max_connections_per_ip,
        open: Mutex::default(),
    });
    let stop = CancellationToken::new();
    let forget = {
        let edge = edge.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(FORGET_EVERY);
            loop {
                every.tick().await;
                edge.limiter.forget_idle();
            }
        })
    };
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = free.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
        };
        let Some(address_slot) = per_address.admit(peer.ip()) else {
            edge.metrics.dropped(Dropped::AddressCap);
            tracing::debug!(remote_addr = %peer.ip(), "connection refused: its address holds its cap");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let connection = Connection {
            router: router.clone(),
            peer,
            limits,
            edge: edge.clone(),
            stop: stop.clone(),
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _slots = (slot, address_slot);
            connection.run(stream, acceptor).await;
        });
    }
    drop(listener);
    forget.abort();
    stop.cancel();
    // Every slot back: every connection has closed.
    let _all = free.acquire_many(slots).await;
    Ok(())
}

/// Connections open per client address, up to a cap (0: none).
struct PerAddress {
    cap: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection counted against its address until dropped.
struct AddressSlot(Option<(Arc<PerAddress>, IpAddr)>);

impl PerAddress {
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<AddressSlot> {
        if self.cap == 0 {
            return Some(AddressSlot(None));
        }
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(ip).or_default();
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(AddressSlot(Some((self.clone(), ip))))
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let Some((table, ip)) = self.0.take() else {
            return;
        };
        let mut open = table.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&ip);
            }
        }
    }
}

/// An accept that failed: a client that gave up in the queue is nothing; anything else (such
/// as running out of file descriptors) is logged and waited out rather than retried at once.
async fn accept_failed(e: &io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(200)).await;
}

/// The TLS acceptor for `tls`, if both paths are set.
fn tls_acceptor(tls: &TlsConfig) -> Result<Option<TlsAcceptor>> {
    let (Some(cert_path), Some(key_path)) = (&tls.cert_path, &tls.key_path) else {
        return Ok(None);
    };
    let config = server_config(cert_path, key_path)?;
    Ok(Some(TlsAcceptor::from(Arc::new(config))))
}

fn server_config(cert_path: &Path, key_path: &Path) -> Result<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert_path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("reading tls.cert_path {}", cert_path.display()))?;
    anyhow::ensure!(
        !certs.is_empty(),
        "tls.cert_path {} holds no certificate",
        cert_path.display()
    );
    let key = PrivateKeyDer::from_pem_file(key_path)
        .with_context(|| format!("reading tls.key_path {}", key_path.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the TLS certificate and key do not make a pair")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// One accepted connection.
struct Connection {
    router: Router,
    peer: SocketAddr,
    limits: ServerLimits,
    edge: Arc<Edge>,
    stop: CancellationToken,
}

impl Connection {
    async fn run(self, stream: TcpStream, acceptor: Option<TlsAcceptor>) {
        let metrics = &self.edge.metrics;
        let _open = metrics.connection_opened();
        let header_timeout = Duration::from_millis(self.limits.header_timeout_ms);
        match acceptor {
            None => self.serve(stream).await,
            Some(acceptor) => {
                match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => self.serve(stream).await,
                    Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                    Err(_) => metrics.dropped(Dropped::HeaderTimeout),
                }
            }
        }
    }

    async fn serve<IO>(&self, io: IO)
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let metrics: &EdgeMetrics = &self.edge.metrics;
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Watched {
            io,
            activity: activity.clone(),
        });
        let router = self.router.clone();
        let peer = self.peer;
        let handling = activity.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let handler = handling.begin(Phase::Handling);
            let exchange = handling.begin(Phase::Exchange);
            let router = router.clone();
            async move {
                let response = router.oneshot(request.map(Body::new)).await?;
                drop(handler);
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(Tracked {
                        body,
                        _exchange: exchange,
                    })
                }))
            }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_millis(self.limits.header_timeout_ms))
            .serve_connection(io, service);
        tokio::pin!(connection);
        let idle = Duration::from_millis(self.limits.idle_timeout_ms);
        let mut stopping = false;
        loop {
            tokio::select! {
                finished = connection.as_mut() => {
                    if let Err(e) = finished {
                        if e.is_timeout() {
                            metrics.dropped(Dropped::HeaderTimeout);
                        }
                        tracing::debug!(error = %e, "connection ended");
                    }
                    return;
                }
                () = self.stop.cancelled(), if !stopping => {
                    if !activity.exchanging() {
                        // Waiting for a request (or in the middle of its head): nothing to finish.
                        return;
                    }
                    // Finish the request in flight, take no other.
                    connection.as_mut().graceful_shutdown();
                    stopping = true;
                }
                () = tokio::time::sleep_until(activity.idle_deadline(idle)) => {
                    if activity.is_idle(idle) {
                        metrics.dropped(Dropped::Idle);
                        return;
                    }
                }
            }
        }
    }
}

/// When a connection last moved a byte, and how many of its requests are being handled.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
    /// Requests whose handler is running.
    handling: AtomicUsize,
    /// Requests whose handler is running or whose response is still being sent.
    exchanging: AtomicUsize,
}

#[derive(Clone, Copy)]
enum Phase {
    Handling,
    Exchange,
}

/// A request in one phase, counted until dropped.
struct Busy {
    activity: Arc<Activity>,
    phase: Phase,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.activity.touch();
        self.activity
            .counter(self.phase)
            .fetch_sub(1, Ordering::SeqCst);
    }
}

impl Activity {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            handling: AtomicUsize::new(0),
            exchanging: AtomicUsize::new(0),
        }
    }

    fn counter(&self, phase: Phase) -> &AtomicUsize {
        match phase {
            Phase::Handling => &self.handling,
            Phase::Exchange => &self.exchanging,
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.fetch_max(now, Ordering::SeqCst);
    }

    fn begin(self: &Arc<Self>, phase: Phase) -> Busy {
        self.counter(phase).fetch_add(1, Ordering::SeqCst);
        self.touch();
        Busy {
            activity: self.clone(),
            phase,
        }
    }

    fn exchanging(&self) -> bool {
        self.exchanging.load(Ordering::SeqCst) > 0
    }

    /// When the connection becomes idle if nothing moves in the meantime. A response being
    /// sent does not stop it: a client that stops reading is idle.
    fn idle_deadline(&self, idle: Duration) -> Instant {
        if self.handling.load(Ordering::SeqCst) > 0 {
            return Instant::now() + idle;
        }
        self.start + Duration::from_millis(self.last_ms.load(Ordering::SeqCst)) + idle
    }

    fn is_idle(&self, idle: Duration) -> bool {
        self.handling.load(Ordering::SeqCst) == 0 && Instant::now() >= self.idle_deadline(idle)
    }
}

/// A response body, its exchange counted until it has been sent (or abandoned).
struct Tracked {
    body: Body,
    _exchange: Busy,
}

impl hyper::body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// The connection's byte stream, noting each byte that moves.
struct Watched<IO> {
    io: IO,
    activity: Arc<Activity>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
