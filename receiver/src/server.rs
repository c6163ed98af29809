//! The server: axum on tokio, hyper's HTTP/1.1 parser, and the limits that keep it up whatever a
//! client sends.
//!
//! `http.rs` decides every reply; this file only carries requests to it and replies back:
//!
//! - the accept loop takes a connection only while fewer than `max_connections` are open (at the
//!   cap it waits, and the kernel's backlog holds the rest), and survives accept errors such as
//!   running out of file descriptors (logged, a short pause, then on);
//! - hyper parses each request (strict `Content-Length`, at most `max_header_bytes` of request
//!   line and headers, the whole head within `header_timeout` of waiting for it), and a
//!   connection that moved no byte for `idle_timeout` with no request in progress is closed;
//! - the tower layers: `request_timeout` for the whole request, body included (then `408` and
//!   the connection is closed), and at most `max_requests` requests in progress at once;
//! - the body is read asynchronously, at most `MAX_BODY + 1` bytes, and the store is called on
//!   tokio's blocking pool, so a commit waiting for the disk never holds up the runtime;
//! - one log line per request (method, path, status, duration, Origin, the reason of a refusal),
//!   never the client's address, user agent or body;
//! - `/health` asks the store (one check at a time, within `HEALTH_TIMEOUT`) and `/metrics`
//!   renders the counters of `metrics.rs`, kept here: requests by route and status, store call
//!   latency, open connections, rate-limit refusals, and a row count reused for `ROWS_TTL`;
//! - on shutdown it stops accepting, lets the requests in progress finish (up to
//!   `request_timeout`), then closes the store.

use crate::http::{self, Body, Decision, Origins, Policy, Reply, SharedStore, MAX_BODY};
use crate::limit::{self, RateLimiter};
use crate::metrics::{self, Metrics, StoreCall};
use crate::store::ReceiptStore;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// The server's limits; `Limits::default()` is what the command line uses without flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Runtime worker threads (`--workers`).
    pub workers: usize,
    /// A whole request, body included, must arrive and be answered within this (`408` after).
    pub request_timeout: Duration,
    /// A connection that moved no byte for this long, with no request in progress, is closed.
    pub idle_timeout: Duration,
    /// The request line and headers must arrive within this, counted from the moment the
    /// connection waits for them (hyper's timer), or the connection is closed: so this is also
    /// how long a new or kept-alive connection may wait for its (next) request.
    pub header_timeout: Duration,
    /// Largest request line plus headers, in bytes (`431` above it).
    pub max_header_bytes: usize,
    /// Requests in progress at once; more wait (within their `request_timeout`).
    pub max_requests: usize,
    /// Open connections; at the cap, no more are accepted until one closes.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            workers: 4,
            request_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_requests: 64,
            max_connections: 512,
        }
    }
}

/// How long `/health` waits for the store's answer, and `/metrics` for its row count: load
/// balancers give a check a few seconds, and a store that needs longer is not serving receipts
/// either.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// What every request needs.
struct App {
    store: Arc<SharedStore>,
    origins: Origins,
    policy: Policy,
    /// `None` when `policy.rate` is 0.
    limiter: Option<RateLimiter>,
    limits: Limits,
    metrics: Arc<Metrics>,
    /// One permit: one `/health` check runs at a time, so checks of a store that hangs hold at
    /// most one blocking thread, whatever the load balancer's rate.
    health_check: Arc<Semaphore>,
    /// The row count of `/metrics` and when it was taken (`None` inside: it failed).
    rows: tokio::sync::Mutex<Option<(Instant, Option<u64>)>>,
}

/// A running server: its address, its runtime, and the way to stop it.
pub struct Running {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    runtime: Option<tokio::runtime::Runtime>,
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Running {
    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Catches SIGTERM and SIGINT from now on (for `run_until_signal`): call it before telling
    /// anyone the server is up, so that a signal sent at once is not fatal.
    pub fn catch_signals(&mut self) -> Result<(), String> {
        use tokio::signal::unix::{signal, SignalKind};
        if self.signals.is_some() {
            return Ok(());
        }
        let runtime = self.runtime.as_ref().expect("running");
        let _entered = runtime.enter();
        let catch = |kind: SignalKind, name: &str| {
            signal(kind).map_err(|e| format!("cannot catch {name}: {e}"))
        };
        self.signals = Some((
            catch(SignalKind::terminate(), "SIGTERM")?,
            catch(SignalKind::interrupt(), "SIGINT")?,
        ));
        Ok(())
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully (see `stop`).
    pub fn run_until_signal(mut self) -> Result<(), String> {
        self.catch_signals()?;
        let (mut term, mut int) = self.signals.take().expect("caught");
        let runtime = self.runtime.as_ref().expect("running");
        let name = runtime.block_on(async {
            tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            }
        });
        tracing::info!("{name}: stopping (finishing the requests in progress)");
        self.shutdown();
        tracing::info!("stopped; the store is closed");
        Ok(())
    }

    /// Stops accepting connections, lets the requests in progress finish (for at most the
    /// request timeout), closes the idle connections, and closes the store.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(runtime) = self.runtime.take() else {
            return;
        };
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = runtime.block_on(task);
        }
        // Connections still open are dropped here; a store call still running on the blocking
        // pool (its request timed out) gets a moment to commit.
        runtime.shutdown_timeout(Duration::from_secs(5));
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Binds `listen` (e.g. `127.0.0.1:8787`, port 0 for any) and serves in the background, with
/// the default `Policy` (any site, 5 minutes of clock skew).
pub fn start(
    listen: &str,
    store: Box<dyn ReceiptStore>,
    origins: Origins,
    limits: Limits,
) -> Result<Running, String> {
    start_with(listen, store, origins, Policy::default(), limits)
}

/// `start` with a `Policy` (`--site`, `--max-clock-skew`).
pub fn start_with(
    listen: &str,
    store: Box<dyn ReceiptStore>,
    origins: Origins,
    policy: Policy,
    limits: Limits,
) -> Result<Running, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(limits.workers.max(1))
        // Store calls: SQLite's wait for its one connection, PostgreSQL's for one of its pool
        // (`--pool-size`, default as many as these threads).
        .max_blocking_threads(8)
        .thread_name("optin-receiver")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let listener = std::net::TcpListener::bind(listen)
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let listener = {
        let _entered = runtime.enter();
        TcpListener::from_std(listener).map_err(|e| format!("cannot listen on {listen}: {e}"))?
    };
    let limiter = (policy.rate > 0.0)
        .then(|| RateLimiter::new(policy.rate, policy.burst, limit::DEFAULT_MAX_CLIENTS));
    let app = Arc::new(App {
        store: Arc::from(store),
        origins,
        limiter,
        policy,
        limits,
        metrics: Arc::new(Metrics::default()),
        health_check: Arc::new(Semaphore::new(1)),
        rows: tokio::sync::Mutex::new(None),
    });
    let (shutdown, stopping) = watch::channel(false);
    let task = runtime.spawn(serve(listener, app, stopping));
    Ok(Running {
        addr,
        shutdown,
        task: Some(task),
        runtime: Some(runtime),
        signals: None,
    })
}

/// Resolves once shutdown is asked for (or the `Running` is gone).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// The accept loop, then the drain.
async fn serve(listener: TcpListener, app: Arc<App>, mut stopping: watch::Receiver<bool>) {
    let limits = app.limits.clone();
    let metrics = app.metrics.clone();
    let router = router(app);
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let mut last_warning: Option<Instant> = None;
    loop {
        // At the cap, wait for a connection to close before accepting another.
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            _ = stopped(&mut stopping) => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped(&mut stopping) => break,
        };
        match accepted {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(
                    stream,
                    peer,
                    router.clone(),
                    limits.clone(),
                    stopping.clone(),
                    permit,
                    metrics.clone(),
                ));
            }
            // The client gave up before we got to it: nothing to do.
            Err(e) if is_per_connection(&e) => {}
            // Out of file descriptors or memory: log (at most once a second), pause, go on.
            // The pending connection stays in the backlog until a descriptor is free.
            Err(e) => {
                if last_warning.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                    tracing::warn!(
                        "accept failed: {e}; pausing 100 ms (open connections: {})",
                        limits.max_connections - open.available_permits() - 1
                    );
                    last_warning = Some(Instant::now());
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                    _ = stopped(&mut stopping) => break,
                }
            }
        }
    }
    drop(listener);
    // Every connection holds a permit until it closes: wait for all of them, within a bound.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let grace = limits.request_timeout + Duration::from_secs(1);
    if tokio::time::timeout(grace, open.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open after {grace:?}; closing them");
    }
}

fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

/// One connection: hyper's HTTP/1.1 with its limits, plus the idle timeout and the graceful
/// shutdown. `_permit` is its place under `max_connections`, given back when it closes; it is
/// counted in `metrics`' open connections as long.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    mut stopping: watch::Receiver<bool>,
    _permit: tokio::sync::OwnedSemaphorePermit,
    metrics: Arc<Metrics>,
) {
    let _open = metrics.connection();
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked {
        inner: stream,
        activity: activity.clone(),
    });
    let in_service = activity.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        let (router, activity) = (router.clone(), in_service.clone());
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        async move {
            let _busy = activity.busy();
            router.oneshot(request).await
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size((limits.max_header_bytes + MAX_BODY).max(8192))
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        let idle_until = activity.idle_deadline(limits.idle_timeout);
        tokio::select! {
            _ = conn.as_mut() => break,
            _ = tokio::time::sleep_until(idle_until.into()) => {
                if activity.idle_for(limits.idle_timeout) {
                    break; // dropping the connection closes it
                }
            }
            _ = stopped(&mut stopping), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// When a connection last moved bytes, and whether a request is in progress on it.
struct Activity {
    epoch: Instant,
    /// Milliseconds since `epoch` of the last read or write.
    last: AtomicU64,
    busy: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            epoch: Instant::now(),
            last: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    fn busy(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::SeqCst);
        Busy(self.clone())
    }

    fn idle_deadline(&self, idle: Duration) -> Instant {
        if self.busy.load(Ordering::SeqCst) > 0 {
            return Instant::now() + idle;
        }
        self.epoch + Duration::from_millis(self.last.load(Ordering::Relaxed)) + idle
    }

    fn idle_for(&self, idle: Duration) -> bool {
        self.busy.load(Ordering::SeqCst) == 0 && Instant::now() >= self.idle_deadline(idle)
    }
}

/// A request in progress; dropping it ends it.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The TCP stream, noting each read and write in `activity`.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        poll
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The axum application: one handler for every path (`http::decide` does the routing), inside
/// the concurrency limit, inside the request timeout, inside the log line.
fn router(app: Arc<App>) -> Router {
    let limits = app.limits.clone();
    let outer = Outer {
        limits: limits.clone(),
        metrics: app.metrics.clone(),
    };
    Router::new()
        .fallback(receive)
        .with_state(app)
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            limits.max_requests,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(outer, outermost))
}

/// What the outermost layer needs: the timeout (for its message) and the request counters.
#[derive(Clone)]
struct Outer {
    limits: Limits,
    metrics: Arc<Metrics>,
}

/// The reason of a 4xx/5xx, for the log line.
#[derive(Clone)]
struct Reason(String);

/// An owned `http::Request`, to hand to the blocking pool.
struct Head {
    method: String,
    path: String,
    origin: Option<String>,
    content_type: Option<String>,
    content_encoding: Option<String>,
    content_length: Option<usize>,
}

impl Head {
    fn of(request: &axum::extract::Request) -> Head {
        let headers = request.headers();
        let text = |name: header::HeaderName| header_text(headers, name);
        Head {
            method: request.method().as_str().to_owned(),
            path: path_of(request),
            origin: text(header::ORIGIN),
            content_type: text(header::CONTENT_TYPE),
            content_encoding: text(header::CONTENT_ENCODING),
            // hyper has checked it: digits only, one value
            content_length: text(header::CONTENT_LENGTH).and_then(|v| v.parse().ok()),
        }
    }

    fn request(&self) -> http::Request<'_> {
        http::Request {
            method: &self.method,
            path: &self.path,
            origin: self.origin.as_deref(),
            content_type: self.content_type.as_deref(),
            content_encoding: self.content_encoding.as_deref(),
            content_length: self.content_length,
        }
    }
}

/// A header's value as text (a value that is not visible ASCII reads as Latin-1, like a
/// browser would send it, so it is still refused with a message rather than ignored).
fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|v| v.as_bytes().iter().map(|&b| char::from(b)).collect())
}

fn path_of(request: &axum::extract::Request) -> String {
    request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().to_string(), |p| p.as_str().to_owned())
}

/// The handler: `decide` on the head; for a receipt, read the body (at most `MAX_BODY + 1`
/// bytes), then `finish` on the blocking pool.
async fn receive(State(app): State<Arc<App>>, request: axum::extract::Request) -> Response {
    let head = Head::of(&request);
    match http::decide(&head.request(), &app.origins) {
        Decision::Reply(reply) => to_response(reply),
        Decision::Health => to_response(health(&app).await),
        Decision::Metrics => {
            // what the refusal depends on, taken before waiting (the request is not `Sync`)
            let forwarded = request.headers().contains_key("x-forwarded-for")
                || request.headers().contains_key(header::FORWARDED);
            let client = client_of(&request, &app.policy.trusted_proxies);
            let refusal = http::metrics_refusal(&app.policy, peer_of(&request), client, forwarded);
            to_response(match refusal {
                Some(refusal) => refusal,
                None => scrape(&app).await,
            })
        }
        Decision::ReadBody => {
            if let Some(limiter) = &app.limiter {
                let client = client_of(&request, &app.policy.trusted_proxies);
                if let Err(wait) = limiter.take(client, crate::time::now_ms()) {
                    app.metrics.rate_limited();
                    return to_response(http::rate_limited(&head.request(), &app.origins, wait));
                }
            }
            let limited = http_body_util::Limited::new(request.into_body(), MAX_BODY);
            let body = match limited.collect().await {
                Ok(collected) => Body::Bytes(collected.to_bytes().to_vec()),
                Err(e) if e.is::<http_body_util::LengthLimitError>() => Body::TooLarge,
                Err(e) => Body::Failed(e.to_string()),
            };
            let app = app.clone();
            let reply = tokio::task::spawn_blocking(move || {
                http::finish(
                    &head.request(),
                    body,
                    &*app.store,
                    &app.origins,
                    &app.policy,
                    Some(&app.metrics),
                )
            })
            .await;
            match reply {
                Ok(reply) => to_response(reply),
                Err(e) => {
                    let mut reply = Reply {
                        status: 500,
                        headers: vec![("Content-Type", "application/json".into())],
                        body: r#"{"error":"the receipt could not be stored; try again later"}"#
                            .into(),
                        error: None,
                    };
                    reply.error = Some(format!("store: {e}"));
                    to_response(reply)
                }
            }
        }
    }
}

/// `GET /health`: the store's `ping` on the blocking pool, within `HEALTH_TIMEOUT`. The check's
/// permit goes into the blocking call, so a check still waiting for a store that hangs (past
/// its timeout) makes the next one wait, rather than take another thread.
async fn health(app: &Arc<App>) -> Reply {
    let check = async {
        // never closed, so always a permit
        let permit = app.health_check.clone().acquire_owned().await.ok();
        let app = app.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            app.metrics.time(StoreCall::Ping, || app.store.ping())
        })
        .await
    };
    let answer = match tokio::time::timeout(HEALTH_TIMEOUT, check).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(e))) => Err(e.to_string()),
        Ok(Err(e)) => Err(format!("the check failed: {e}")),
        Err(_) => Err(format!(
            "no answer within {} s",
            HEALTH_TIMEOUT.as_secs_f64()
        )),
    };
    http::health(answer)
}

/// `GET /metrics` from an address of `--metrics-from`: the counters in Prometheus' text format.
async fn scrape(app: &Arc<App>) -> Reply {
    let rows = rows(app).await;
    http::metrics_text(metrics::render(&app.metrics.snapshot(rows)))
}

/// The store's row count, counted at most once per `metrics::ROWS_TTL` (scrapes in between, and
/// scrapes waiting for the count, get the same figure), so scraping cannot load the database.
async fn rows(app: &Arc<App>) -> Option<u64> {
    let mut cached = app.rows.lock().await;
    if let Some((at, rows)) = *cached {
        if at.elapsed() < metrics::ROWS_TTL {
            return rows;
        }
    }
    let counting = app.clone();
    let count = tokio::task::spawn_blocking(move || {
        counting
            .metrics
            .time(StoreCall::Count, || counting.store.count())
    });
    let rows = match tokio::time::timeout(HEALTH_TIMEOUT, count).await {
        Ok(Ok(Ok(n))) => Some(n),
        _ => None,
    };
    *cached = Some((Instant::now(), rows));
    rows
}

/// The TCP peer's address.
fn peer_of(request: &axum::extract::Request) -> std::net::IpAddr {
    request
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |c| c.0.ip())
}

/// The client's address for the rate limit: the TCP peer, or `X-Forwarded-For` when the peer is
/// a trusted proxy (`limit::client_address`).
fn client_of(request: &axum::extract::Request, trusted: &[std::net::IpAddr]) -> std::net::IpAddr {
    let peer = peer_of(request);
    if trusted.is_empty() {
        return peer;
    }
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    limit::client_address(peer, &forwarded, trusted)
}

fn to_response(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, reply.body).into_response();
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    for (name, value) in &reply.headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.append(*name, value);
        }
    }
    if let Some(error) = reply.error {
        response.extensions_mut().insert(Reason(error));
    }
    response
}

/// Around everything: the headers every response gets, a JSON body for the replies of the
/// layers (timeout), `Connection: close` after a timeout, and the log line.
async fn outermost(
    State(Outer { limits, metrics }): State<Outer>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let path = path_of(&request);
    let origin = header_text(request.headers(), header::ORIGIN);
    let mut response = next.run(request).await;
    let status = response.status();
    if status == StatusCode::REQUEST_TIMEOUT
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        let message = format!(
            "the request did not arrive and get an answer within {} s",
            limits.request_timeout.as_secs_f64()
        );
        let mut replaced = to_response(Reply {
            status: 408,
            headers: vec![("Content-Type", "application/json".into())],
            body: serde_json::json!({ "error": message }).to_string(),
            error: Some(message),
        });
        // The rest of the body may still come: the connection cannot be reused.
        replaced
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        response = replaced;
    }
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    metrics.request(&path, status.as_u16());
    let reason = response.extensions().get::<Reason>().map(|r| r.0.as_str());
    log(
        &method,
        &path,
        status.as_u16(),
        started,
        origin.as_deref(),
        reason,
    );
    response
}

/// One line per request: method, path, status, duration, Origin, and the reason of a 4xx/5xx.
/// Never the sender's address, user agent or body.
fn log(
    method: &str,
    path: &str,
    status: u16,
    started: Instant,
    origin: Option<&str>,
    reason: Option<&str>,
) {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let origin = origin.map(|o| http::printable(o, 200));
    let reason = reason.map(|r| http::printable(r, 300));
    tracing::info!(
        method = %http::printable(method, 16),
        path = %http::printable(path, 200),
        status,
        ms = format_args!("{ms:.1}"),
        origin = origin.as_deref(),
        error = reason.as_deref(),
    );
}
