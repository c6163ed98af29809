//! The server's own numbers for `GET /metrics`: the counters, their rendering in Prometheus' text
//! exposition format (version 0.0.4), and who may read them (`--metrics-from`).
//!
//! Counters are atomics bumped on the request path, so counting takes no lock. `render` is a
//! pure function from a `Snapshot` of them to the text, so the format is unit-tested without a
//! server. Labels hold fixed words only: the route (one of the receiver's own paths, or
//! `other`), the status code, the name of a store call. Never a path as sent, a consent id or an
//! address: the metrics hold no personal data, whoever reads them.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// The `Content-Type` of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The `route` label: the receiver's paths, and `other` for any other (so a scanner's paths
/// never become labels).
pub const ROUTES: [&str; 4] = ["/receipts", "/health", "/metrics", "other"];

/// Status codes are counted in a table indexed by the code; HTTP's go up to 599.
const STATUSES: usize = 600;

/// The index in `ROUTES` of a request's path (a query string is ignored).
pub fn route_of(path: &str) -> usize {
    let path = path.split('?').next().unwrap_or_default();
    ROUTES[..3].iter().position(|r| *r == path).unwrap_or(3)
}

/// A store call, the `call` label of the latency histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreCall {
    /// Storing a receipt (its commit included).
    Insert,
    /// The per-id cap's count (`--max-per-id-per-day`), before each insert.
    CountForId,
    /// `/health`'s check.
    Ping,
    /// The row count of `/metrics` (at most once per `ROWS_TTL`).
    Count,
}

impl StoreCall {
    const ALL: [StoreCall; 4] = [
        StoreCall::Insert,
        StoreCall::CountForId,
        StoreCall::Ping,
        StoreCall::Count,
    ];

    fn label(self) -> &'static str {
        match self {
            StoreCall::Insert => "insert",
            StoreCall::CountForId => "count_for_id",
            StoreCall::Ping => "ping",
            StoreCall::Count => "count",
        }
    }
}

/// Upper bounds of the store latency buckets, in seconds: from a SQLite commit on a fast disk
/// (a fraction of a millisecond) to PostgreSQL's wait for a pooled connection (5 s).
pub const BUCKETS: [f64; 13] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// How long the row count of `/metrics` is reused: a scraper, however eager, counts the table
/// at most this often.
pub const ROWS_TTL: Duration = Duration::from_secs(10);

/// One histogram: observations per bucket (not cumulative here; `snapshot` adds them up).
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_ns: AtomicU64,
}

impl Histogram {
    const fn new() -> Histogram {
        Histogram {
            buckets: [const { AtomicU64::new(0) }; BUCKETS.len()],
            count: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
        }
    }

    fn observe(&self, took: Duration) {
        let secs = took.as_secs_f64();
        // Past the last bound it is only in `+Inf`, which is the count.
        if let Some(i) = BUCKETS.iter().position(|&le| secs <= le) {
            self.buckets[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.sum_ns.fetch_add(ns, Relaxed);
    }

    fn snapshot(&self) -> HistogramSnapshot {
        let mut total = 0;
        let cumulative = self
            .buckets
            .iter()
            .map(|b| {
                total += b.load(Relaxed);
                total
            })
            .collect();
        HistogramSnapshot {
            cumulative,
            count: self.count.load(Relaxed),
            sum_secs: self.sum_ns.load(Relaxed) as f64 / 1e9,
        }
    }
}

/// The counters of one server.
pub struct Metrics {
    /// Requests answered, by route and status code.
    requests: [[AtomicU64; STATUSES]; ROUTES.len()],
    /// Store call latency, by `StoreCall` (in `StoreCall::ALL`'s order).
    store: [Histogram; StoreCall::ALL.len()],
    stored: AtomicU64,
    replayed: AtomicU64,
    rate_limited: AtomicU64,
    open_connections: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            requests: [const { [const { AtomicU64::new(0) }; STATUSES] }; ROUTES.len()],
            store: [const { Histogram::new() }; StoreCall::ALL.len()],
            stored: AtomicU64::new(0),
            replayed: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            open_connections: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    /// A request answered with `status` on `path`.
    pub fn request(&self, path: &str, status: u16) {
        if let Some(n) = self.requests[route_of(path)].get(usize::from(status)) {
            n.fetch_add(1, Relaxed);
        }
    }

    /// Runs the store call `f`, timing it.
    pub fn time<T>(&self, call: StoreCall, f: impl FnOnce() -> T) -> T {
        let started = std::time::Instant::now();
        let out = f();
        self.store[call as usize].observe(started.elapsed());
        out
    }

    /// A receipt stored (`true`) or found already stored (a replay).
    pub fn inserted(&self, stored: bool) {
        let counter = if stored { &self.stored } else { &self.replayed };
        counter.fetch_add(1, Relaxed);
    }

    /// A receipt refused by the rate limit (`--rate`, `--burst`).
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Relaxed);
    }

    /// A connection accepted; it counts as open until the guard is dropped.
    pub fn connection(&self) -> OpenConnection<'_> {
        self.open_connections.fetch_add(1, Relaxed);
        OpenConnection(self)
    }

    /// The counters now, with `rows` (the store's row count, if known) for the gauge.
    pub fn snapshot(&self, rows: Option<u64>) -> Snapshot {
        let mut requests = Vec::new();
        for (route, statuses) in ROUTES.iter().zip(&self.requests) {
            for (status, n) in statuses.iter().enumerate() {
                let n = n.load(Relaxed);
                if n > 0 {
                    requests.push((*route, status as u16, n));
                }
            }
        }
        Snapshot {
            requests,
            store: StoreCall::ALL
                .iter()
                .map(|&call| (call.label(), self.store[call as usize].snapshot()))
                .collect(),
            stored: self.stored.load(Relaxed),
            replayed: self.replayed.load(Relaxed),
            rate_limited: self.rate_limited.load(Relaxed),
            open_connections: self.open_connections.load(Relaxed),
            rows,
        }
    }
}

/// An open connection, for the gauge; closing it (dropping this) counts it out.
pub struct OpenConnection<'a>(&'a Metrics);

impl Drop for OpenConnection<'_> {
    fn drop(&mut self) {
        self.0.open_connections.fetch_sub(1, Relaxed);
    }
}

/// One histogram's numbers: observations at or under each of `BUCKETS` (cumulative), all of
/// them, and their sum.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistogramSnapshot {
    pub cumulative: Vec<u64>,
    pub count: u64,
    pub sum_secs: f64,
}

/// Every number `/metrics` shows, as `render` takes them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// `(route, status, requests)`, only those seen.
    pub requests: Vec<(&'static str, u16, u64)>,
    /// `(call, latency)` for every store call, seen or not (so the series always exist).
    pub store: Vec<(&'static str, HistogramSnapshot)>,
    pub stored: u64,
    pub replayed: u64,
    pub rate_limited: u64,
    pub open_connections: u64,
    /// Rows in the store; `None` (no sample) when it could not be counted.
    pub rows: Option<u64>,
}

/// The metrics in Prometheus' text exposition format 0.0.4.
pub fn render(s: &Snapshot) -> String {
    let mut out = String::new();
    header(
        &mut out,
        "optin_receiver_requests_total",
        "counter",
        "Requests answered, by route (the receiver's paths, or other) and status code.",
    );
    for (route, status, n) in &s.requests {
        let _ = writeln!(
            out,
            "optin_receiver_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
        );
    }
    let name = "optin_receiver_store_call_seconds";
    header(
        &mut out,
        name,
        "histogram",
        "Time of each store call, on the blocking pool (a commit included).",
    );
    for (call, h) in &s.store {
        for (le, n) in BUCKETS.iter().zip(&h.cumulative) {
            let _ = writeln!(out, "{name}_bucket{{call=\"{call}\",le=\"{le}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{call=\"{call}\",le=\"+Inf\"}} {}",
            h.count
        );
        let _ = writeln!(out, "{name}_sum{{call=\"{call}\"}} {}", h.sum_secs);
        let _ = writeln!(out, "{name}_count{{call=\"{call}\"}} {}", h.count);
    }
    let mut single = |name: &str, kind: &str, help: &str, value: Option<u64>| {
        header(&mut out, name, kind, help);
        if let Some(v) = value {
            let _ = writeln!(out, "{name} {v}");
        }
    };
    single(
        "optin_receiver_receipts_stored_total",
        "counter",
        "Receipts stored (answered 201).",
        Some(s.stored),
    );
    single(
        "optin_receiver_receipts_replayed_total",
        "counter",
        "Receipts already stored (replays, answered 409).",
        Some(s.replayed),
    );
    single(
        "optin_receiver_rate_limited_total",
        "counter",
        "Receipts refused by the per-address rate limit (answered 429).",
        Some(s.rate_limited),
    );
    single(
        "optin_receiver_open_connections",
        "gauge",
        "Open client connections (at most --max-connections).",
        Some(s.open_connections),
    );
    single(
        "optin_receiver_database_receipts",
        "gauge",
        "Rows in the receipts table (counted at most every 10 s; absent when the count failed).",
        s.rows,
    );
    out
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Who may read `/metrics` (`--metrics-from`): addresses and networks (`10.0.0.5`,
/// `10.0.0.0/24`, `::1`). Empty: nobody, and `/metrics` is not served at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsFrom(Vec<(IpAddr, u8)>);

impl MetricsFrom {
    /// Reads `--metrics-from` values: an IP address, or a network `ADDR/BITS`.
    pub fn parse<S: AsRef<str>>(list: &[S]) -> Result<MetricsFrom, String> {
        let mut out = Vec::new();
        for raw in list {
            let raw = raw.as_ref();
            let bad = || {
                format!(
                    "--metrics-from {raw:?} is not an IP address or network like 127.0.0.1, \
                     10.0.0.0/24 or ::1"
                )
            };
            let (addr, bits) = match raw.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (raw, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| bad())?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(b) => b.parse().ok().filter(|b| *b <= max).ok_or_else(bad)?,
                None => max,
            };
            out.push((addr, bits));
        }
        Ok(MetricsFrom(out))
    }

    /// Whether any address may read `/metrics`.
    pub fn is_enabled(&self) -> bool {
        !self.0.is_empty()
    }

    /// Whether `ip` is on the list (an IPv4 address written as `::ffff:a.b.c.d` is the IPv4
    /// address).
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|&(net, bits)| in_network(ip, net, bits))
    }
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_metric_in_the_text_format() {
        let m = Metrics::default();
        m.request("/receipts", 201);
        m.request("/receipts?source=beacon", 201);
        m.request("/receipts", 409);
        m.request("/wp-login.php", 404);
        m.request("/health", 200);
        m.time(StoreCall::Insert, || ());
        m.inserted(true);
        m.inserted(true);
        m.inserted(false);
        m.rate_limited();
        let _open = m.connection();
        let text = render(&m.snapshot(Some(42)));
        for line in [
            "# TYPE optin_receiver_requests_total counter",
            "optin_receiver_requests_total{route=\"/receipts\",status=\"201\"} 2",
            "optin_receiver_requests_total{route=\"/receipts\",status=\"409\"} 1",
            "optin_receiver_requests_total{route=\"other\",status=\"404\"} 1",
            "optin_receiver_requests_total{route=\"/health\",status=\"200\"} 1",
            "# TYPE optin_receiver_store_call_seconds histogram",
            "optin_receiver_store_call_seconds_bucket{call=\"insert\",le=\"0.0005\"} 1",
            "optin_receiver_store_call_seconds_bucket{call=\"insert\",le=\"+Inf\"} 1",
            "optin_receiver_store_call_seconds_count{call=\"insert\"} 1",
            "optin_receiver_store_call_seconds_bucket{call=\"ping\",le=\"5\"} 0",
            "optin_receiver_store_call_seconds_count{call=\"count_for_id\"} 0",
            "optin_receiver_receipts_stored_total 2",
            "optin_receiver_receipts_replayed_total 1",
            "optin_receiver_rate_limited_total 1",
            "# TYPE optin_receiver_open_connections gauge",
            "optin_receiver_open_connections 1",
            "optin_receiver_database_receipts 42",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} not in\n{text}");
        }
        // nothing but comments and `name{labels} value` samples, each metric described once
        for l in text.lines().filter(|l| !l.starts_with('#')) {
            let (series, value) = l.rsplit_once(' ').unwrap();
            assert!(series.starts_with("optin_receiver_"), "{l}");
            assert!(value.parse::<f64>().is_ok(), "{l}");
        }
        assert_eq!(
            text.matches("# TYPE optin_receiver_requests_total").count(),
            1
        );
        assert!(!text.contains("wp-login"));
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_sum_in_seconds() {
        let snapshot = |m: &Metrics| m.snapshot(None).store[0].1.clone();
        let m = Metrics::default();
        for ms in [0.2, 0.8, 3.0, 3.0, 7000.0] {
            m.store[0].observe(Duration::from_secs_f64(ms / 1000.0));
        }
        let h = snapshot(&m);
        assert_eq!(h.count, 5);
        // 0.5 ms, 1, 2.5, 5 (both 3 ms), ..., 5 s: the 7 s call is only in +Inf
        assert_eq!(h.cumulative, [1, 2, 2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]);
        assert!((h.sum_secs - 7.007).abs() < 1e-6, "{}", h.sum_secs);
        let text = render(&m.snapshot(None));
        assert!(text
            .contains("optin_receiver_store_call_seconds_bucket{call=\"insert\",le=\"+Inf\"} 5\n"));
        let sum = text
            .lines()
            .find_map(|l| l.strip_prefix("optin_receiver_store_call_seconds_sum{call=\"insert\"} "))
            .unwrap();
        assert!((sum.parse::<f64>().unwrap() - 7.007).abs() < 1e-6, "{sum}");
    }

    #[test]
    fn an_unknown_row_count_is_no_sample() {
        let text = render(&Snapshot::default());
        assert!(text.contains("# TYPE optin_receiver_database_receipts gauge\n"));
        assert!(!text
            .lines()
            .any(|l| l.starts_with("optin_receiver_database_receipts")));
        assert!(text.contains("optin_receiver_open_connections 0\n"));
    }

    #[test]
    fn connections_are_counted_until_closed() {
        let m = Metrics::default();
        let a = m.connection();
        let b = m.connection();
        assert_eq!(m.snapshot(None).open_connections, 2);
        drop(a);
        drop(b);
        assert_eq!(m.snapshot(None).open_connections, 0);
    }

    #[test]
    fn metrics_from_takes_addresses_and_networks() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(!MetricsFrom::default().is_enabled());
        assert!(!MetricsFrom::default().allows(ip("127.0.0.1")));
        let from = MetricsFrom::parse(&["127.0.0.1", "10.1.0.0/16", "fd00::/8", "::1"]).unwrap();
        assert!(from.is_enabled());
        for ok in [
            "127.0.0.1",
            "::ffff:127.0.0.1",
            "10.1.200.3",
            "fd12::5",
            "::1",
        ] {
            assert!(from.allows(ip(ok)), "{ok}");
        }
        for no in ["127.0.0.2", "10.2.0.1", "fe80::1", "192.168.1.1"] {
            assert!(!from.allows(ip(no)), "{no}");
        }
        assert!(MetricsFrom::parse(&["0.0.0.0/0"])
            .unwrap()
            .allows(ip("8.8.8.8")));
        for bad in ["localhost", "10.0.0.0/33", "::1/129", "10.0.0.1/"] {
            assert_eq!(
                MetricsFrom::parse(&[bad]).unwrap_err(),
                format!(
                    "--metrics-from {bad:?} is not an IP address or network like 127.0.0.1, \
                     10.0.0.0/24 or ::1"
                )
            );
        }
    }
}
