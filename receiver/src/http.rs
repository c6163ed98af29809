//! The HTTP decisions: routes, CORS, status codes.
//!
//! `handle` is the whole request-to-reply decision, free of sockets, so every status code is
//! unit-tested against an in-memory store; `server.rs` wires its two halves (`decide` on the
//! request head, `finish` once the body is read) to axum. The order of checks
//! is deliberate: the Origin is judged before anything is read, the declared length before the
//! body, and the store is touched only by a receipt that passed every check, so a 4xx never
//! stores anything. Nothing about the sender (address, user agent) is kept or logged.
//! `/health` and `/metrics` are routed here too, and their replies made here (`health`,
//! `metrics_refusal`, `metrics_text`); the server supplies what they need, the store's answer
//! within a timeout and the counters.

use crate::metrics::{Metrics, MetricsFrom, StoreCall};
use crate::receipt::{self, Receipt};
use crate::store::{Inserted, ReceiptStore};
use crate::time;
use std::io::Read;
use std::net::IpAddr;

/// Largest accepted body, in bytes.
pub const MAX_BODY: usize = 8 * 1024;
/// How long browsers may cache a preflight answer (Chromium caps it at 2 hours).
const PREFLIGHT_MAX_AGE: &str = "7200";

/// The store shared by the requests (each call its own transaction; see `store`).
pub type SharedStore = dyn ReceiptStore;

/// The origins allowed to send receipts from a browser (`--origin`).
#[derive(Debug, Clone, Default)]
pub struct Origins(Vec<String>);

impl Origins {
    /// Reads `--origin` values; a trailing `/` is dropped and scheme and host are lowercased, so
    /// `https://Example.com/` is written the way browsers send it.
    pub fn parse<S: AsRef<str>>(list: &[S]) -> Result<Origins, String> {
        let mut out: Vec<String> = Vec::new();
        for raw in list {
            let raw = raw.as_ref();
            let origin = raw.strip_suffix('/').unwrap_or(raw).to_ascii_lowercase();
            if !receipt::is_origin(&origin) {
                return Err(format!(
                    "--origin {raw:?} is not an origin like https://example.com \
                     (scheme, host and optional port; no path)"
                ));
            }
            if !out.contains(&origin) {
                out.push(origin);
            }
        }
        Ok(Origins(out))
    }

    pub fn allows(&self, origin: &str) -> bool {
        self.0.iter().any(|o| o == origin)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// The rules on what a receipt may say beyond its own validity: the sites it may be for
/// (`--site`) and how far in the future its timestamps may be (`--max-clock-skew`). `now` is
/// the clock, injected so the ceiling is testable.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Sites receipts may be for; empty: any site.
    pub sites: Origins,
    /// How far past `now` `givenAt` and `updatedAt` may be.
    pub max_clock_skew_ms: i64,
    /// Milliseconds since the epoch.
    pub now: fn() -> i64,
    /// Receipts stored per consent id within 24 hours (`--max-per-id-per-day`); more get 429.
    pub max_per_id_per_day: u64,
    /// Receipts per second refilled into each client's bucket (`--rate`); 0: no rate limit.
    pub rate: f64,
    /// Size of each client's bucket (`--burst`).
    pub burst: f64,
    /// Proxies whose `X-Forwarded-For` names the client (`--trust-forwarded-for`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Who may read `/metrics` (`--metrics-from`); nobody by default.
    pub metrics_from: MetricsFrom,
}

/// `--max-per-id-per-day` unless given.
pub const DEFAULT_MAX_PER_ID_PER_DAY: u64 = 50;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// `--max-clock-skew` unless given: 5 minutes.
pub const DEFAULT_MAX_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            sites: Origins::default(),
            max_clock_skew_ms: DEFAULT_MAX_CLOCK_SKEW_MS,
            now: time::now_ms,
            max_per_id_per_day: DEFAULT_MAX_PER_ID_PER_DAY,
            rate: crate::limit::DEFAULT_RATE,
            burst: crate::limit::DEFAULT_BURST,
            trusted_proxies: Vec::new(),
            metrics_from: MetricsFrom::default(),
        }
    }
}

impl Policy {
    /// The refusal of a valid receipt this policy does not allow, if any.
    fn refuse(&self, receipt: &Receipt) -> Option<Reply> {
        let ceiling = (self.now)().saturating_add(self.max_clock_skew_ms);
        for (field, ms) in [
            ("givenAt", receipt.given_at),
            ("updatedAt", receipt.updated_at),
        ] {
            if ms > ceiling {
                return Some(Reply::error(
                    400,
                    format!(
                        "field \"{field}\": is in the future ({}, more than {} s after the \
                         receiver's clock)",
                        time::format_iso(ms),
                        self.max_clock_skew_ms / 1000
                    ),
                ));
            }
        }
        let sites = self.sites.as_slice();
        if !sites.is_empty() && !sites.contains(&receipt.site) {
            return Some(Reply::error(
                403,
                format!(
                    "receipts for site {:?} are not accepted here (allowed: {})",
                    receipt.site,
                    sites.join(" ")
                ),
            ));
        }
        None
    }
}

/// What `handle` needs to know about a request, whatever the server library.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The request target; a query string is ignored.
    pub path: &'a str,
    pub origin: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub content_encoding: Option<&'a str>,
    /// The declared `Content-Length` (`None` for a chunked body).
    pub content_length: Option<usize>,
}

/// A response, and the reason for a 4xx or 5xx (for the log line).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub error: Option<String>,
}

impl Reply {
    fn json(status: u16, body: String) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type", "application/json".into())],
            body,
            error: None,
        }
    }

    fn error(status: u16, message: impl Into<String>) -> Reply {
        let message = message.into();
        let mut reply = Reply::json(status, serde_json::json!({ "error": message }).to_string());
        reply.error = Some(message);
        reply
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// The `error` of a 4xx/5xx body, for tests.
    pub fn error_message(&self) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(&self.body).ok()?;
        v.get("error")?.as_str().map(str::to_owned)
    }
}

/// What `decide` leaves to do: either the reply is known from the request head alone, or the
/// body must be read (at most `MAX_BODY + 1` bytes) and given to `finish`.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Reply(Reply),
    ReadBody,
    /// `GET /health`: ask the store (`ReceiptStore::ping`), then `health`.
    Health,
    /// `GET /metrics`: check `metrics_refusal`, then render the server's counters.
    Metrics,
}

/// The body of a request that `decide` asked for, as the server read it.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Everything that arrived (more than `MAX_BODY` bytes is refused with 413).
    Bytes(Vec<u8>),
    /// More than `MAX_BODY` bytes arrived; reading stopped there.
    TooLarge,
    /// The body could not be read (the message says why).
    Failed(String),
}

/// Decides the reply to one request. `body` is read only for a POST that passed the header
/// checks, and never past `MAX_BODY + 1` bytes. The server does the same in two steps, `decide`
/// then (reading the body asynchronously) `finish`; this is both, for callers with a `Read`.
pub fn handle(
    req: &Request,
    body: &mut dyn Read,
    store: &SharedStore,
    origins: &Origins,
    policy: &Policy,
) -> Reply {
    match decide(req, origins) {
        Decision::Reply(reply) => reply,
        Decision::Health => health(store.ping().map_err(|e| e.to_string())),
        // The counters are the server's: without one there is nothing to show.
        Decision::Metrics => not_found(),
        Decision::ReadBody => {
            let mut bytes = Vec::with_capacity(req.content_length.unwrap_or(1024).min(MAX_BODY));
            let body = match body.take(MAX_BODY as u64 + 1).read_to_end(&mut bytes) {
                Ok(_) => Body::Bytes(bytes),
                Err(e) => Body::Failed(e.to_string()),
            };
            finish(req, body, store, origins, policy, None)
        }
    }
}

/// Everything that can be decided from the request head: routes, methods, the Origin, the
/// content type and encoding, the declared length.
pub fn decide(req: &Request, origins: &Origins) -> Decision {
    let path = req.path.split('?').next().unwrap_or_default();
    let reply = match path {
        "/health" | "/metrics" => match req.method {
            "GET" | "HEAD" if path == "/health" => return Decision::Health,
            "GET" | "HEAD" => return Decision::Metrics,
            _ => Reply::error(405, format!("{} is not allowed on {path}", req.method))
                .header("Allow", "GET, HEAD"),
        },
        "/receipts" => {
            let reply = match req.method {
                "POST" => match check_head(req, origins) {
                    Some(refusal) => refusal,
                    None => return Decision::ReadBody,
                },
                "OPTIONS" => preflight(req, origins),
                _ => Reply::error(405, format!("{} is not allowed on /receipts", req.method))
                    .header("Allow", "OPTIONS, POST"),
            };
            cors(reply, req.origin, origins)
        }
        _ => not_found(),
    };
    Decision::Reply(reply)
}

/// Any path but the receiver's (and `/metrics` while nobody may read it).
pub fn not_found() -> Reply {
    Reply::error(404, "no such path (POST /receipts, GET /health)")
}

/// The reply to `GET /health` once the store answered (`Ok`) or did not (why, without
/// secrets: store errors never hold the database password). A load balancer takes `503` as
/// "send no traffic here", which is right: this receiver cannot store receipts now.
pub fn health(store: Result<(), String>) -> Reply {
    match store {
        Ok(()) => Reply {
            status: 200,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".into())],
            body: "ok".into(),
            error: None,
        },
        Err(e) => Reply::error(503, format!("the store does not answer: {e}")),
    }
}

/// Whether `/metrics` is refused to this request, and how. Nobody may read it without
/// `--metrics-from` (`404`, as if there were no such path). Otherwise `client` (the TCP peer, or
/// the address a trusted proxy forwarded) must be on the list. A request relayed by a proxy that
/// is not trusted (it has `X-Forwarded-For` or `Forwarded`: `forwarded`) is refused even from a
/// listed peer, since it comes from somewhere behind that proxy: a public proxy on loopback that
/// passes every path must not turn "loopback may scrape" into "anyone may".
pub fn metrics_refusal(
    policy: &Policy,
    peer: IpAddr,
    client: IpAddr,
    forwarded: bool,
) -> Option<Reply> {
    if !policy.metrics_from.is_enabled() {
        return Some(not_found());
    }
    let relayed_blindly = forwarded && !policy.trusted_proxies.contains(&peer);
    if relayed_blindly || !policy.metrics_from.allows(client) {
        return Some(Reply::error(
            403,
            "/metrics is served only to the addresses of --metrics-from",
        ));
    }
    None
}

/// The reply to an allowed `GET /metrics`: `text`, rendered by `metrics::render`.
pub fn metrics_text(text: String) -> Reply {
    Reply {
        status: 200,
        headers: vec![("Content-Type", crate::metrics::CONTENT_TYPE.into())],
        body: text,
        error: None,
    }
}

/// The reply to a POST that `decide` answered with `ReadBody`, once its body is read: the body
/// is checked and, only if it is a good receipt, stored (committed before this returns).
/// Blocking (the store's commit waits for the disk). `metrics`, if given, times the store calls
/// and counts what was stored.
pub fn finish(
    req: &Request,
    body: Body,
    store: &SharedStore,
    origins: &Origins,
    policy: &Policy,
    metrics: Option<&Metrics>,
) -> Reply {
    cors(
        receive(req, body, store, policy, metrics),
        req.origin,
        origins,
    )
}

/// Runs the store call `f`, timed if there are `metrics`.
fn timed<T>(metrics: Option<&Metrics>, call: StoreCall, f: impl FnOnce() -> T) -> T {
    match metrics {
        Some(m) => m.time(call, f),
        None => f(),
    }
}

/// Adds `Access-Control-Allow-Origin` for an allowed origin; `Vary: Origin` always, since the
/// answer depends on it.
fn cors(reply: Reply, origin: Option<&str>, origins: &Origins) -> Reply {
    let reply = reply.header("Vary", "Origin");
    match origin {
        Some(o) if origins.allows(o) => reply.header("Access-Control-Allow-Origin", o),
        _ => reply,
    }
}

/// The reply to a POST over the client's rate limit (`--rate`, `--burst`): 429, with
/// `Retry-After` and the CORS headers (so a page can read it); nothing is read or stored.
pub fn rate_limited(req: &Request, origins: &Origins, retry_after_secs: u64) -> Reply {
    let reply = Reply::error(
        429,
        format!("too many receipts from this address; retry in {retry_after_secs} s"),
    )
    .header("Retry-After", retry_after_secs.to_string());
    cors(reply, req.origin, origins)
}

fn not_allowed(origin: &str) -> Reply {
    Reply::error(
        403,
        format!("origin {origin:?} is not allowed to send receipts"),
    )
}

fn preflight(req: &Request, origins: &Origins) -> Reply {
    let reply = Reply {
        status: 204,
        headers: vec![("Allow", "OPTIONS, POST".into())],
        body: String::new(),
        error: None,
    };
    match req.origin {
        None => reply,
        Some(o) if origins.allows(o) => reply
            .header("Access-Control-Allow-Methods", "POST")
            .header("Access-Control-Allow-Headers", "Content-Type")
            .header("Access-Control-Max-Age", PREFLIGHT_MAX_AGE),
        Some(o) => not_allowed(o),
    }
}

/// `Content-Type` must be `application/json` or `text/plain` (what `sendBeacon` sends for a
/// string), with no charset or UTF-8.
fn content_type_ok(value: Option<&str>) -> bool {
    let Some(value) = value else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    let essence_ok = essence.eq_ignore_ascii_case("application/json")
        || essence.eq_ignore_ascii_case("text/plain");
    essence_ok
        && parts.all(|param| match param.split_once('=') {
            Some((name, v)) if name.trim().eq_ignore_ascii_case("charset") => {
                let v = v.trim().trim_matches('"');
                v.eq_ignore_ascii_case("utf-8") || v.eq_ignore_ascii_case("utf8")
            }
            _ => true,
        })
}

/// The header checks of a POST, in order; `None` if the body is to be read.
fn check_head(req: &Request, origins: &Origins) -> Option<Reply> {
    if let Some(origin) = req.origin {
        if !origins.allows(origin) {
            return Some(not_allowed(origin));
        }
    }
    if let Some(enc) = req
        .content_encoding
        .filter(|e| !e.trim().eq_ignore_ascii_case("identity"))
    {
        return Some(Reply::error(
            415,
            format!("Content-Encoding {enc:?} is not supported: send the receipt uncompressed"),
        ));
    }
    if !content_type_ok(req.content_type) {
        return Some(Reply::error(
            415,
            format!(
                "Content-Type must be application/json or text/plain (UTF-8), not {:?}",
                req.content_type.unwrap_or("")
            ),
        ));
    }
    if req.content_length.is_some_and(|n| n > MAX_BODY) {
        return Some(too_large());
    }
    None
}

fn too_large() -> Reply {
    Reply::error(413, format!("the body is larger than {MAX_BODY} bytes"))
}

fn receive(
    req: &Request,
    body: Body,
    store: &SharedStore,
    policy: &Policy,
    metrics: Option<&Metrics>,
) -> Reply {
    let bytes = match body {
        Body::Bytes(bytes) if bytes.len() <= MAX_BODY => bytes,
        Body::Bytes(_) | Body::TooLarge => return too_large(),
        Body::Failed(e) => return Reply::error(400, format!("the body could not be read: {e}")),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Reply::error(400, "the body is not UTF-8 text");
    };
    let receipt = match Receipt::parse(text) {
        Ok(r) => r,
        Err(message) => return Reply::error(400, message),
    };
    if let Some(origin) = req.origin {
        if receipt.site != origin {
            return Reply::error(
                400,
                format!(
                    "field \"site\": {:?} is not the request's Origin {origin:?}",
                    receipt.site
                ),
            );
        }
    }
    if let Some(refusal) = policy.refuse(&receipt) {
        return refusal;
    }
    let since = (policy.now)() - DAY_MS;
    match timed(metrics, StoreCall::CountForId, || {
        store.count_for_id_since(&receipt.id, since)
    }) {
        Ok(n) if n >= policy.max_per_id_per_day => {
            return Reply::error(
                429,
                format!(
                    "consent id {} already has {n} receipts stored in the last 24 hours \
                     (at most {})",
                    receipt.id, policy.max_per_id_per_day
                ),
            )
            .header("Retry-After", "3600");
        }
        Ok(_) => {}
        Err(e) => {
            let mut reply = Reply::error(500, "the receipt could not be stored; try again later");
            reply.error = Some(format!("store: {e}"));
            return reply;
        }
    }
    let inserted = timed(metrics, StoreCall::Insert, || store.insert(&receipt));
    if let (Some(m), Ok(outcome)) = (metrics, &inserted) {
        m.inserted(*outcome == Inserted::Stored);
    }
    match inserted {
        Ok(Inserted::Stored) => Reply::json(201, r#"{"stored":true}"#.into()),
        Ok(Inserted::Replayed) => Reply::error(
            409,
            format!(
                "receipt {} updated at {} is already stored",
                receipt.id,
                time::format_iso(receipt.updated_at)
            ),
        ),
        Err(e) => {
            let mut reply = Reply::error(500, "the receipt could not be stored; try again later");
            reply.error = Some(format!("store: {e}"));
            reply
        }
    }
}

/// At most `max` characters, control characters escaped: a log line stays one line.
pub(crate) fn printable(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars().take(max) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::tests::{good, with, without};
    use crate::store::SqliteStore;
    use std::io::{self, Cursor};

    const SITE: &str = "http://127.0.0.1:8000";

    struct Fixture {
        store: Box<SharedStore>,
        origins: Origins,
        policy: Policy,
    }

    /// The injected clock of the fixture: 2026-12-15T12:00:00Z.
    fn fixed_now() -> i64 {
        time::parse_iso("2026-12-15T12:00:00Z").unwrap()
    }

    impl Fixture {
        fn new() -> Fixture {
            Fixture {
                store: Box::new(SqliteStore::open_in_memory().unwrap()),
                origins: Origins::parse(&[SITE, "https://example.com"]).unwrap(),
                policy: Policy {
                    now: fixed_now,
                    ..Policy::default()
                },
            }
        }

        fn count(&self) -> u64 {
            self.store.count().unwrap()
        }

        fn send(&self, req: Request, body: &mut dyn Read) -> Reply {
            handle(&req, body, &*self.store, &self.origins, &self.policy)
        }

        /// POSTs `body` as the widget would (sendBeacon from SITE).
        fn post(&self, body: &str) -> Reply {
            self.post_with(body, Some("text/plain;charset=UTF-8"), Some(SITE))
        }

        fn post_with(&self, body: &str, content_type: Option<&str>, origin: Option<&str>) -> Reply {
            let req = Request {
                method: "POST",
                path: "/receipts",
                origin,
                content_type,
                content_length: Some(body.len()),
                ..Request::default()
            };
            self.send(req, &mut Cursor::new(body.as_bytes().to_vec()))
        }

        /// Asserts a refusal: status, message, and that nothing was stored.
        fn refused(&self, request: impl FnOnce() -> Reply, status: u16, message: &str) {
            let before = self.count();
            let reply = request();
            assert_eq!(reply.status, status, "{reply:?}");
            let got = reply.error_message().expect("a JSON error body");
            assert!(
                got == message
                    || (message.ends_with('…') && got.starts_with(message.trim_end_matches('…'))),
                "expected {message:?}, got {got:?}"
            );
            assert_eq!(self.count(), before);
        }
    }

    /// A body that must never be read.
    struct Untouchable;
    impl Read for Untouchable {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            panic!("the body was read");
        }
    }

    /// An endless body that counts what was read from it.
    struct Endless(usize);
    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            buf.fill(b' ');
            self.0 += buf.len();
            Ok(buf.len())
        }
    }

    #[test]
    fn stores_a_good_receipt_with_either_content_type() {
        let f = Fixture::new();
        let reply = f.post(&good().to_string());
        assert_eq!(reply.status, 201);
        assert_eq!(reply.body, r#"{"stored":true}"#);
        assert!(reply
            .headers
            .contains(&("Access-Control-Allow-Origin", SITE.into())));
        assert!(reply.headers.contains(&("Vary", "Origin".into())));
        let json = with("id", "11111111-2222-4333-8444-555555555555".into());
        let reply = f.post_with(&json, Some("application/json"), None);
        assert_eq!(reply.status, 201);
        assert!(!reply
            .headers
            .iter()
            .any(|(h, _)| *h == "Access-Control-Allow-Origin"));
        assert_eq!(f.count(), 2);
    }

    #[test]
    fn oversized_declared_body_is_refused_unread() {
        let f = Fixture::new();
        let req = Request {
            method: "POST",
            path: "/receipts",
            content_type: Some("application/json"),
            content_length: Some(MAX_BODY + 1),
            ..Request::default()
        };
        f.refused(
            || f.send(req, &mut Untouchable),
            413,
            "the body is larger than 8192 bytes",
        );
    }

    #[test]
    fn oversized_chunked_body_is_refused_after_the_limit() {
        let f = Fixture::new();
        let req = Request {
            method: "POST",
            path: "/receipts",
            content_type: Some("application/json"),
            content_length: None,
            ..Request::default()
        };
        let mut body = Endless(0);
        f.refused(
            || f.send(req, &mut body),
            413,
            "the body is larger than 8192 bytes",
        );
        assert!(body.0 <= 2 * MAX_BODY, "read {} bytes", body.0);
        // exactly the limit is fine (a valid receipt padded with spaces)
        let padded = format!("{:<width$}", good().to_string(), width = MAX_BODY);
        assert_eq!(f.post(&padded).status, 201);
    }

    #[test]
    fn wrong_content_type_is_415() {
        let f = Fixture::new();
        let body = good().to_string();
        let msg = |ct: &str| {
            format!("Content-Type must be application/json or text/plain (UTF-8), not {ct:?}")
        };
        for ct in [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/plain; charset=iso-8859-1",
            "text/html",
        ] {
            f.refused(|| f.post_with(&body, Some(ct), Some(SITE)), 415, &msg(ct));
        }
        f.refused(|| f.post_with(&body, None, Some(SITE)), 415, &msg(""));
        for ok in [
            "application/json; charset=utf-8",
            "TEXT/PLAIN;charset=\"UTF-8\"",
        ] {
            let f = Fixture::new();
            assert_eq!(f.post_with(&body, Some(ok), Some(SITE)).status, 201, "{ok}");
        }
        let req = Request {
            method: "POST",
            path: "/receipts",
            content_type: Some("application/json"),
            content_encoding: Some("gzip"),
            content_length: Some(10),
            ..Request::default()
        };
        f.refused(
            || f.send(req, &mut Untouchable),
            415,
            "Content-Encoding \"gzip\" is not supported: send the receipt uncompressed",
        );
    }

    #[test]
    fn not_utf8_or_not_json_or_not_an_object_is_400() {
        let f = Fixture::new();
        let req = Request {
            method: "POST",
            path: "/receipts",
            content_type: Some("text/plain"),
            content_length: Some(3),
            ..Request::default()
        };
        f.refused(
            || f.send(req, &mut Cursor::new(vec![b'"', 0xff, b'"'])),
            400,
            "the body is not UTF-8 text",
        );
        f.refused(
            || f.post("consent=yes"),
            400,
            "the body is not valid JSON: expected a JSON value at byte 0",
        );
        f.refused(
            || f.post(""),
            400,
            "the body is not valid JSON: unexpected end of input at byte 0",
        );
        f.refused(
            || f.post("[1,2]"),
            400,
            "the body must be a JSON object, got an array",
        );
    }

    #[test]
    fn unknown_missing_and_mistyped_fields_are_400() {
        let f = Fixture::new();
        f.refused(
            || f.post(&with("ip", "10.0.0.1".into())),
            400,
            "unknown field \"ip\"",
        );
        f.refused(|| f.post(&without("site")), 400, "missing field \"site\"");
        f.refused(
            || f.post(&with("revision", "3".into())),
            400,
            "field \"revision\": expected a whole number, got a string",
        );
        f.refused(
            || f.post(&with("gpc", 0.into())),
            400,
            "field \"gpc\": expected true or false, got a number",
        );
    }

    #[test]
    fn bad_uuid_timestamps_and_ids_are_400() {
        let f = Fixture::new();
        f.refused(
            || f.post(&with("id", "not-a-uuid".into())),
            400,
            "field \"id\": \"not-a-uuid\" is not a lowercase UUID v4 (xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx)",
        );
        f.refused(
            || f.post(&with("updatedAt", "yesterday".into())),
            400,
            "field \"updatedAt\": \"yesterday\" is not a UTC timestamp like 2026-11-25T13:18:56.123Z (milliseconds optional)",
        );
        f.refused(
            || f.post(&with("givenAt", "2027-01-01T00:00:00Z".into())),
            400,
            "field \"givenAt\": is later than updatedAt (timestamps out of order)",
        );
        f.refused(
            || f.post(&with("expiresAt", "2020-01-01T00:00:00Z".into())),
            400,
            "field \"updatedAt\": is later than expiresAt (timestamps out of order)",
        );
        f.refused(
            || f.post(&with("categories", serde_json::json!({"<script>": true}))),
            400,
            "field \"categories\": \"<script>\" is not a valid id (1 to 64 of A-Z, a-z, 0-9, _ and -)",
        );
    }

    #[test]
    fn site_must_match_the_origin() {
        let f = Fixture::new();
        f.refused(
            || f.post_with(&good().to_string(), Some("text/plain"), Some("https://example.com")),
            400,
            "field \"site\": \"http://127.0.0.1:8000\" is not the request's Origin \"https://example.com\"",
        );
        // without an Origin (server to server) any well-formed site is accepted
        let other = with("site", "https://shop.example.org".into());
        assert_eq!(
            f.post_with(&other, Some("application/json"), None).status,
            201
        );
    }

    #[test]
    fn disallowed_origin_is_403_before_reading() {
        let f = Fixture::new();
        let req = Request {
            method: "POST",
            path: "/receipts",
            origin: Some("https://evil.example"),
            content_type: Some("application/json"),
            content_length: Some(100),
            ..Request::default()
        };
        f.refused(
            || {
                let reply = f.send(req, &mut Untouchable);
                assert!(!reply
                    .headers
                    .iter()
                    .any(|(h, _)| *h == "Access-Control-Allow-Origin"));
                reply
            },
            403,
            "origin \"https://evil.example\" is not allowed to send receipts",
        );
        f.refused(
            || f.post_with(&good().to_string(), Some("text/plain"), Some("null")),
            403,
            "origin \"null\" is not allowed to send receipts",
        );
    }

    #[test]
    fn a_replayed_receipt_is_409() {
        let f = Fixture::new();
        let body = good().to_string();
        assert_eq!(f.post(&body).status, 201);
        assert_eq!(f.count(), 1);
        f.refused(
            || f.post(&body),
            409,
            "receipt 3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c updated at 2026-11-25T13:20:01.004Z is already stored",
        );
        // the same consent id with a new updatedAt is a change of mind: stored
        assert_eq!(
            f.post(&with("updatedAt", "2026-12-01T00:00:00Z".into()))
                .status,
            201
        );
        assert_eq!(f.count(), 2);
    }

    #[test]
    fn preflight_answers_allowed_origins_only() {
        let f = Fixture::new();
        let req = |origin| Request {
            method: "OPTIONS",
            path: "/receipts",
            origin,
            ..Request::default()
        };
        let ok = f.send(req(Some(SITE)), &mut Untouchable);
        assert_eq!(ok.status, 204);
        for h in [
            ("Access-Control-Allow-Origin", SITE),
            ("Access-Control-Allow-Methods", "POST"),
            ("Access-Control-Allow-Headers", "Content-Type"),
            ("Access-Control-Max-Age", "7200"),
            ("Vary", "Origin"),
        ] {
            assert!(ok.headers.contains(&(h.0, h.1.into())), "{h:?} in {ok:?}");
        }
        f.refused(
            || {
                let bad = f.send(req(Some("https://evil.example")), &mut Untouchable);
                assert!(!bad
                    .headers
                    .iter()
                    .any(|(h, _)| h.starts_with("Access-Control-")));
                bad
            },
            403,
            "origin \"https://evil.example\" is not allowed to send receipts",
        );
        assert_eq!(f.send(req(None), &mut Untouchable).status, 204);
    }

    #[test]
    fn other_routes() {
        let f = Fixture::new();
        let get = |path| Request {
            method: "GET",
            path,
            ..Request::default()
        };
        let health = f.send(get("/health"), &mut Untouchable);
        assert_eq!((health.status, health.body.as_str()), (200, "ok"));
        f.refused(
            || f.send(get("/receipts"), &mut Untouchable),
            405,
            "GET is not allowed on /receipts",
        );
        f.refused(
            || f.send(get("/"), &mut Untouchable),
            404,
            "no such path (POST /receipts, GET /health)",
        );
        let query = Request {
            method: "POST",
            path: "/receipts?source=beacon",
            content_type: Some("application/json"),
            ..Request::default()
        };
        let body = good().to_string();
        assert_eq!(
            f.send(query, &mut Cursor::new(body.into_bytes())).status,
            201
        );
    }

    #[test]
    fn health_asks_the_store() {
        let f = Fixture::new();
        let req = |method| Request {
            method,
            path: "/health",
            ..Request::default()
        };
        for method in ["GET", "HEAD"] {
            let ok = f.send(req(method), &mut Untouchable);
            assert_eq!((ok.status, ok.body.as_str()), (200, "ok"));
        }
        f.refused(
            || f.send(req("POST"), &mut Untouchable),
            405,
            "POST is not allowed on /health",
        );
        let down = health(Err("no database connection: timed out".into()));
        assert_eq!(down.status, 503);
        assert_eq!(down.headers, [("Content-Type", "application/json".into())]);
        assert_eq!(
            down.error_message().unwrap(),
            "the store does not answer: no database connection: timed out"
        );
    }

    #[test]
    fn metrics_only_for_the_listed_addresses() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let local = ip("127.0.0.1");
        // no --metrics-from: no such path, whoever asks
        let f = Fixture::new();
        let get = Request {
            method: "GET",
            path: "/metrics",
            ..Request::default()
        };
        assert_eq!(decide(&get, &f.origins), Decision::Metrics);
        f.refused(
            || f.send(get, &mut Untouchable),
            404,
            "no such path (POST /receipts, GET /health)",
        );
        let off = Policy::default();
        assert_eq!(
            metrics_refusal(&off, local, local, false),
            Some(not_found())
        );
        let policy = Policy {
            metrics_from: MetricsFrom::parse(&["127.0.0.1", "10.0.0.0/8"]).unwrap(),
            trusted_proxies: vec![ip("10.9.9.9")],
            ..Policy::default()
        };
        let refused = |peer: &str, client: &str, forwarded: bool| {
            metrics_refusal(&policy, ip(peer), ip(client), forwarded).map(|r| r.status)
        };
        assert_eq!(refused("127.0.0.1", "127.0.0.1", false), None);
        assert_eq!(refused("10.1.2.3", "10.1.2.3", false), None);
        assert_eq!(refused("192.0.2.1", "192.0.2.1", false), Some(403));
        // relayed by an untrusted proxy on loopback: refused although loopback is listed
        assert_eq!(refused("127.0.0.1", "127.0.0.1", true), Some(403));
        // a trusted proxy: the forwarded client decides
        assert_eq!(refused("10.9.9.9", "192.0.2.1", true), Some(403));
        assert_eq!(refused("10.9.9.9", "10.0.0.7", true), None);
        let reply = metrics_refusal(&policy, ip("192.0.2.1"), ip("192.0.2.1"), false).unwrap();
        assert_eq!(
            reply.error_message().unwrap(),
            "/metrics is served only to the addresses of --metrics-from"
        );
        let post = Request {
            method: "POST",
            ..get
        };
        f.refused(
            || f.send(post, &mut Untouchable),
            405,
            "POST is not allowed on /metrics",
        );
    }

    #[test]
    fn origins_are_normalised_and_checked() {
        let o = Origins::parse(&["https://Example.com/", "http://127.0.0.1:8000"]).unwrap();
        assert_eq!(
            o.as_slice(),
            ["https://example.com", "http://127.0.0.1:8000"]
        );
        assert!(Origins::parse(&["https://example.com/app"]).is_err());
        assert!(Origins::parse(&["example.com"]).is_err());
    }

    #[test]
    fn log_lines_stay_one_line() {
        assert_eq!(printable("a\nb\u{1b}", 10), "a\\nb\\u{1b}");
        assert_eq!(printable("abcdef", 3), "abc…");
    }

    #[test]
    fn refuses_timestamps_past_the_clock_skew() {
        let f = Fixture::new();
        // now (injected) is 2026-12-15T12:00:00Z; the ceiling is 5 minutes later
        let mut r = good();
        r["updatedAt"] = "9999-12-31T23:59:59.999Z".into();
        r["expiresAt"] = "9999-12-31T23:59:59.999Z".into();
        f.refused(
            || f.post(&r.to_string()),
            400,
            "field \"updatedAt\": is in the future (9999-12-31T23:59:59.999Z, more than 300 s \
             after the receiver's clock)",
        );
        let mut r = good();
        r["givenAt"] = "2026-12-15T12:05:00.001Z".into();
        r["updatedAt"] = "2026-12-15T12:05:00.001Z".into();
        f.refused(
            || f.post(&r.to_string()),
            400,
            "field \"givenAt\": is in the future…",
        );
        // exactly at the ceiling is accepted
        r["givenAt"] = "2026-12-15T12:05:00.000Z".into();
        r["updatedAt"] = "2026-12-15T12:05:00.000Z".into();
        assert_eq!(f.post(&r.to_string()).status, 201);
        // a smaller skew, same clock
        let f = Fixture {
            policy: Policy {
                max_clock_skew_ms: 0,
                now: fixed_now,
                ..Policy::default()
            },
            ..Fixture::new()
        };
        f.refused(
            || f.post(&with("updatedAt", "2026-12-15T12:00:00.001Z".into())),
            400,
            "field \"updatedAt\": is in the future…",
        );
    }

    /// The floor (nothing before 2020) is optin-core's record rule; the receiver applies it.
    #[test]
    fn refuses_timestamps_before_2020() {
        let f = Fixture::new();
        let mut r = good();
        r["givenAt"] = "2019-12-31T23:59:59.999Z".into();
        let reply = f.post(&r.to_string());
        assert_eq!(reply.status, 400, "{reply:?}");
        assert!(reply
            .error_message()
            .unwrap()
            .starts_with("field \"givenAt\""));
        r["updatedAt"] = "2019-12-31T23:59:59.999Z".into();
        let reply = f.post(&r.to_string());
        assert_eq!(reply.status, 400, "{reply:?}");
        assert_eq!(f.count(), 0);
    }

    #[test]
    fn refuses_receipts_for_sites_not_allowed() {
        let f = Fixture {
            policy: Policy {
                sites: Origins::parse(&[SITE]).unwrap(),
                now: fixed_now,
                ..Policy::default()
            },
            ..Fixture::new()
        };
        // without an Origin header (a script), the Origin check cannot apply; the site list does
        f.refused(
            || {
                f.post_with(
                    &with("site", "https://other.example".into()),
                    Some("application/json"),
                    None,
                )
            },
            403,
            "receipts for site \"https://other.example\" are not accepted here (allowed: \
             http://127.0.0.1:8000)",
        );
        assert_eq!(f.post(&good().to_string()).status, 201);
        // no list: any site
        let f = Fixture::new();
        let reply = f.post_with(
            &with("site", "https://other.example".into()),
            Some("application/json"),
            None,
        );
        assert_eq!(reply.status, 201, "{reply:?}");
    }

    #[test]
    fn caps_the_receipts_per_consent_id_per_day() {
        let f = Fixture {
            // the real clock: the store stamps received_at with it
            policy: Policy {
                max_per_id_per_day: 3,
                ..Policy::default()
            },
            ..Fixture::new()
        };
        for minute in 0..3 {
            let body = with("updatedAt", format!("2026-11-25T14:0{minute}:00Z").into());
            assert_eq!(f.post(&body).status, 201);
        }
        let body = with("updatedAt", "2026-11-25T14:09:00Z".into());
        let reply = f.post(&body);
        f.refused(
            || f.post(&body),
            429,
            "consent id 3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c already has 3 receipts stored in \
             the last 24 hours (at most 3)",
        );
        assert_eq!(reply.status, 429);
        assert!(reply.headers.contains(&("Retry-After", "3600".into())));
        // another id is not affected
        let other = serde_json::json!("11111111-2222-4333-8444-555555555555");
        assert_eq!(f.post(&with("id", other)).status, 201);
    }

    #[test]
    fn a_rate_limited_post_is_429_with_retry_after_and_cors() {
        let req = Request {
            method: "POST",
            path: "/receipts",
            origin: Some(SITE),
            ..Request::default()
        };
        let origins = Origins::parse(&[SITE]).unwrap();
        let reply = rate_limited(&req, &origins, 2);
        assert_eq!(reply.status, 429);
        assert!(reply.headers.contains(&("Retry-After", "2".into())));
        assert!(reply
            .headers
            .contains(&("Access-Control-Allow-Origin", SITE.into())));
        assert_eq!(
            reply.error_message().unwrap(),
            "too many receipts from this address; retry in 2 s"
        );
    }
}
