//! What an operator watches, against the real server on 127.0.0.1 (port 0): `GET /health`
//! follows the store (SQLite answers; a PostgreSQL server that is stopped makes it `503`, and
//! `200` again once it is back and the pool has reconnected), and `GET /metrics` counts what the
//! server did, for the addresses of `--metrics-from` only. Both against each store; and the
//! binary refusing a bad `--metrics-from`.

mod common;

use common::pg::PgServer;
use common::*;
use optin_receiver::{start_with, store, Limits, MetricsFrom, Origins, Policy, Running};
use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

/// A receiver on a store (a SQLite file in `scratch`, or `pg`), stopped when dropped.
struct Server {
    running: Option<Running>,
    addr: SocketAddr,
    _scratch: Scratch,
    /// Dropped after `running` is stopped.
    pg: Option<PgServer>,
}

impl Server {
    /// `db`: `None` for a SQLite file, or a PostgreSQL URL (of `pg`).
    fn start(pg: Option<PgServer>, db: Option<String>, policy: Policy) -> Server {
        let scratch = Scratch::new("ops");
        let db = db.unwrap_or_else(|| scratch.path("r.sqlite").to_str().unwrap().to_owned());
        let store = store::open(&db, 2).expect("store");
        let origins = Origins::parse(&[SITE]).unwrap();
        let running =
            start_with("127.0.0.1:0", store, origins, policy, Limits::default()).expect("start");
        Server {
            addr: running.addr(),
            running: Some(running),
            _scratch: scratch,
            pg,
        }
    }

    fn sqlite(policy: Policy) -> Server {
        Server::start(None, None, policy)
    }

    fn postgres(policy: Policy) -> Server {
        let pg = PgServer::start();
        let url = pg.url();
        Server::start(Some(pg), Some(url), policy)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop();
        }
    }
}

fn health(addr: SocketAddr) -> Response {
    request(addr, "GET", "/health", &[], b"")
}

#[test]
fn sqlite_health_is_ok_while_the_file_answers() {
    let s = Server::sqlite(Policy::default());
    let r = health(s.addr);
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    let r = request(s.addr, "HEAD", "/health", &[], b"");
    assert_eq!(r.status, 200);
}

/// Stop PostgreSQL: `/health` is `503` with the reason, within the check's 2 s (and says nothing
/// of the password); start it again: `200` once the pool has reconnected, and receipts are
/// stored again.
#[test]
fn postgres_health_follows_the_database() {
    let pg = PgServer::start();
    // the throwaway server trusts every local user, so the password is never checked: it is
    // only here to show that no answer repeats it
    let url = format!(
        "postgres://postgres:hunter2@127.0.0.1:{}/postgres",
        pg.port()
    );
    let mut s = Server::start(Some(pg), Some(url), Policy::default());
    assert_eq!(health(s.addr).status, 200);
    assert_eq!(beacon(s.addr, &receipt(&uuid(1))).status, 201);

    s.pg.as_mut().unwrap().stop();
    for _ in 0..2 {
        let asked = Instant::now();
        let r = health(s.addr);
        assert_eq!(r.status, 503, "{r:?}");
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert!(
            r.error().starts_with("the store does not answer: "),
            "{r:?}"
        );
        assert!(!r.body.contains("hunter2"), "{r:?}");
        assert!(
            asked.elapsed() < Duration::from_secs(4),
            "{:?}",
            asked.elapsed()
        );
    }
    assert_eq!(beacon(s.addr, &receipt(&uuid(2))).status, 500);

    s.pg.as_mut().unwrap().restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = health(s.addr);
    while last.status != 200 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(200));
        last = health(s.addr);
    }
    assert_eq!(
        (last.status, last.body.as_str()),
        (200, "ok"),
        "not back within 20 s"
    );
    assert_eq!(beacon(s.addr, &receipt(&uuid(2))).status, 201);
}

/// The value of the sample `series` (`name{labels}` as rendered) in a scrape.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().expect("a number"))
}

fn scrape(c: &mut Conn) -> Response {
    let r = c.send("GET", "/metrics", &[], b"").expect("scrape");
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.header("Content-Type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    r
}

fn metrics_count_what_happened(s: Server) {
    // each on its own connection: a 429 is answered without reading the body, so its connection
    // is closed
    let post = |id: u64| {
        let headers = [("Content-Type", "application/json")];
        request(
            s.addr,
            "POST",
            "/receipts",
            &headers,
            receipt(&uuid(id)).as_bytes(),
        )
        .status
    };
    // the burst is 3 receipts (rate and burst below): 2 stored, 1 replay, then 429
    assert_eq!([post(1), post(2), post(1), post(3)], [201, 201, 409, 429]);
    let mut c = Conn::open(s.addr).unwrap();
    assert_eq!(c.send("GET", "/health", &[], b"").unwrap().status, 200);
    assert_eq!(
        c.send("GET", "/wp-login.php", &[], b"").unwrap().status,
        404
    );
    // two idle connections besides this one
    let _idle = [Conn::open(s.addr).unwrap(), Conn::open(s.addr).unwrap()];

    let deadline = Instant::now() + Duration::from_secs(5);
    let text = loop {
        let text = scrape(&mut c).body;
        let open = sample(&text, "optin_receiver_open_connections");
        if open == Some(3.0) || Instant::now() > deadline {
            break text;
        }
        thread::sleep(Duration::from_millis(20));
    };
    for (series, value) in [
        (
            r#"optin_receiver_requests_total{route="/receipts",status="201"}"#,
            2.0,
        ),
        (
            r#"optin_receiver_requests_total{route="/receipts",status="409"}"#,
            1.0,
        ),
        (
            r#"optin_receiver_requests_total{route="/receipts",status="429"}"#,
            1.0,
        ),
        (
            r#"optin_receiver_requests_total{route="/health",status="200"}"#,
            1.0,
        ),
        (
            r#"optin_receiver_requests_total{route="other",status="404"}"#,
            1.0,
        ),
        ("optin_receiver_receipts_stored_total", 2.0),
        ("optin_receiver_receipts_replayed_total", 1.0),
        ("optin_receiver_rate_limited_total", 1.0),
        ("optin_receiver_open_connections", 3.0),
        ("optin_receiver_database_receipts", 2.0),
        (
            r#"optin_receiver_store_call_seconds_count{call="insert"}"#,
            3.0,
        ),
        (
            r#"optin_receiver_store_call_seconds_count{call="count_for_id"}"#,
            3.0,
        ),
        (
            r#"optin_receiver_store_call_seconds_count{call="ping"}"#,
            1.0,
        ),
        (
            r#"optin_receiver_store_call_seconds_count{call="count"}"#,
            1.0,
        ),
    ] {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    }
    let inserts = sample(
        &text,
        r#"optin_receiver_store_call_seconds_sum{call="insert"}"#,
    );
    assert!(inserts.unwrap() > 0.0);
    assert!(!text.contains("wp-login") && !text.contains(&uuid(1)));

    // one more receipt, from another address (its own bucket): counted at once, while the row
    // count is reused for 10 s
    let mut other = Conn::open_from("127.0.0.2".parse().unwrap(), s.addr).unwrap();
    let r = other
        .send(
            "POST",
            "/receipts",
            &[("Content-Type", "application/json")],
            receipt(&uuid(9)).as_bytes(),
        )
        .unwrap();
    assert_eq!(r.status, 201, "{r:?}");
    let text = scrape(&mut c).body;
    assert_eq!(
        sample(&text, "optin_receiver_receipts_stored_total"),
        Some(3.0)
    );
    assert_eq!(sample(&text, "optin_receiver_database_receipts"), Some(2.0));
    assert_eq!(
        sample(
            &text,
            r#"optin_receiver_store_call_seconds_count{call="count"}"#
        ),
        Some(1.0),
        "the row count was taken again within 10 s"
    );
    // a scrape is counted once answered, so in the next one
    let scrapes = sample(
        &text,
        r#"optin_receiver_requests_total{route="/metrics",status="200"}"#,
    );
    assert!(scrapes.unwrap() >= 1.0);

    // others get 403: another address, and a request relayed by a proxy (not trusted)
    let r = other.send("GET", "/metrics", &[], b"").unwrap();
    assert_eq!(
        (r.status, r.error()),
        (
            403,
            "/metrics is served only to the addresses of --metrics-from".into()
        )
    );
    let r = c
        .send("GET", "/metrics", &[("X-Forwarded-For", "192.0.2.1")], b"")
        .unwrap();
    assert_eq!(r.status, 403);
}

fn metrics_policy() -> Policy {
    Policy {
        metrics_from: MetricsFrom::parse(&["127.0.0.1"]).unwrap(),
        rate: 0.001,
        burst: 3.0,
        ..Policy::default()
    }
}

#[test]
fn sqlite_metrics_count_what_happened() {
    metrics_count_what_happened(Server::sqlite(metrics_policy()));
}

#[test]
fn postgres_metrics_count_what_happened() {
    metrics_count_what_happened(Server::postgres(metrics_policy()));
}

/// Without `--metrics-from`, `/metrics` is no path at all, for loopback too.
#[test]
fn no_metrics_without_metrics_from() {
    let s = Server::sqlite(Policy::default());
    let r = request(s.addr, "GET", "/metrics", &[], b"");
    assert_eq!(
        (r.status, r.error()),
        (404, "no such path (POST /receipts, GET /health)".into())
    );
}

/// The binary: `--metrics-from` takes addresses and networks, and says what it wants otherwise.
#[test]
fn the_binary_refuses_a_bad_metrics_from() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_optin-receiver"))
        .args(["--listen", "127.0.0.1:0", "--metrics-from", "localhost"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.ends_with(
            "optin-receiver: --metrics-from \"localhost\" is not an IP address or network like \
             127.0.0.1, 10.0.0.0/24 or ::1\n"
        ),
        "{stderr}"
    );
}
