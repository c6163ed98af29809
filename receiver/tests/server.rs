//! The real server on 127.0.0.1 (port 0), spoken to over TCP: routes, status codes, CORS
//! headers, body limits, keep-alive, and what ends up in the database. The tests where storage
//! matters (receipts stored, replays, refusals and CORS storing nothing, the sender not stored,
//! a graceful stop) run against both stores: `sqlite::…` on a file, `postgres::…` on a
//! throwaway PostgreSQL server of their own (`common/pg.rs`).

mod common;

use common::pg::PgServer;
use common::*;
use optin_receiver::{start, store, Limits, Origins, Running};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Each test of `tests` runs twice: `sqlite::<test>` and `postgres::<test>`.
macro_rules! both_stores {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $test() {
                super::$test(super::Backend::Sqlite)
            })*
        }
        mod postgres {
            $(#[test]
            fn $test() {
                super::$test(super::Backend::Postgres)
            })*
        }
    };
}

both_stores!(
    stores_receipts_from_beacon_and_fetch,
    refuses_bad_receipts_with_a_json_error,
    enforces_the_body_limit,
    cors_for_allowed_origins_only,
    never_stores_the_senders_address_or_user_agent,
    stop_finishes_the_requests_in_progress,
);

struct Server {
    running: Option<Running>,
    addr: SocketAddr,
    scratch: Scratch,
    /// `--db`: the SQLite file in `scratch`, or the URL of `pg`.
    db: String,
    /// Dropped after `running` is stopped.
    pg: Option<PgServer>,
}

impl Server {
    fn start(backend: Backend) -> Server {
        let scratch = Scratch::new("server");
        let pg = matches!(backend, Backend::Postgres).then(PgServer::start);
        let db = match &pg {
            Some(pg) => pg.url(),
            None => scratch.path("receipts.sqlite").to_str().unwrap().to_owned(),
        };
        let store = store::open(&db, 4).expect("store");
        let origins = Origins::parse(&[SITE, "https://example.com"]).unwrap();
        let running = start("127.0.0.1:0", store, origins, Limits::default()).expect("start");
        let addr = running.addr();
        assert!(addr.ip().is_loopback() && addr.port() != 0);
        Server {
            running: Some(running),
            addr,
            scratch,
            db,
            pg,
        }
    }

    fn count(&self) -> u64 {
        count_receipts(&self.db)
    }

    /// Asserts a refusal: status, JSON error message, and no new row.
    fn refused(&self, send: impl FnOnce(SocketAddr) -> Response, status: u16, message: &str) {
        let before = self.count();
        let r = send(self.addr);
        assert_eq!(r.status, status, "{r:?}");
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(r.error(), message);
        assert_eq!(self.count(), before, "a refused request stored something");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop();
        }
    }
}

fn stores_receipts_from_beacon_and_fetch(b: Backend) {
    let s = Server::start(b);
    let r = beacon(s.addr, &receipt(&uuid(1)));
    assert_eq!((r.status, r.body.as_str()), (201, r#"{"stored":true}"#));
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some(SITE));
    assert_eq!(r.header("Vary"), Some("Origin"));
    let r = request(
        s.addr,
        "POST",
        "/receipts",
        &[("Content-Type", "application/json"), ("Origin", SITE)],
        receipt(&uuid(2)).as_bytes(),
    );
    assert_eq!(r.status, 201);
    // server to server: no Origin, no CORS header
    let r = request(
        s.addr,
        "POST",
        "/receipts",
        &[("Content-Type", "application/json")],
        receipt(&uuid(3)).as_bytes(),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.header("Access-Control-Allow-Origin"), None);
    assert_eq!(s.count(), 3);
}

fn refuses_bad_receipts_with_a_json_error(b: Backend) {
    let s = Server::start(b);
    let good = receipt(&uuid(10));
    let with = |field: &str, value: serde_json::Value| {
        let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
        v[field] = value;
        v.to_string()
    };
    s.refused(
        |a| beacon(a, &with("ip", "203.0.113.7".into())),
        400,
        "unknown field \"ip\"",
    );
    s.refused(
        |a| beacon(a, &good.replace("\"gpc\":false,", "")),
        400,
        "missing field \"gpc\"",
    );
    s.refused(
        |a| beacon(a, &with("gpc", "no".into())),
        400,
        "field \"gpc\": expected true or false, got a string",
    );
    s.refused(
        |a| beacon(a, "{"),
        400,
        "the body is not valid JSON: expected a string key at byte 1",
    );
    s.refused(
        |a| beacon(a, "42"),
        400,
        "the body must be a JSON object, got a number",
    );
    s.refused(
        |a| {
            request(
                a,
                "POST",
                "/receipts",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                good.as_bytes(),
            )
        },
        415,
        "Content-Type must be application/json or text/plain (UTF-8), not \"application/x-www-form-urlencoded\"",
    );
    s.refused(
        |a| {
            request(
                a,
                "POST",
                "/receipts",
                &[("Content-Type", "text/plain"), ("Origin", "https://example.com")],
                good.as_bytes(),
            )
        },
        400,
        "field \"site\": \"http://127.0.0.1:8000\" is not the request's Origin \"https://example.com\"",
    );
    assert_eq!(beacon(s.addr, &good).status, 201);
    s.refused(
        |a| beacon(a, &good),
        409,
        &format!(
            "receipt {} updated at 2026-11-25T13:20:01.004Z is already stored",
            uuid(10)
        ),
    );
    assert_eq!(s.count(), 1);
}

fn enforces_the_body_limit(b: Backend) {
    let s = Server::start(b);
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(9000));
    // declared length over the limit
    s.refused(
        |a| beacon(a, &big),
        413,
        "the body is larger than 8192 bytes",
    );
    // chunked: no declared length, cut at the limit
    s.refused(
        |a| {
            request(
                a,
                "POST",
                "/receipts",
                &[
                    ("Content-Type", "application/json"),
                    ("Transfer-Encoding", "chunked"),
                ],
                big.as_bytes(),
            )
        },
        413,
        "the body is larger than 8192 bytes",
    );
    // a receipt padded to exactly the limit is fine
    let padded = format!("{:<8192}", receipt(&uuid(20)));
    assert_eq!(beacon(s.addr, &padded).status, 201);
}

#[test]
fn huge_declared_length_does_not_kill_the_server() {
    // tiny_http 0.12.0 allocated the declared remainder when dropping an unread body: this
    // request aborted the process of an earlier receiver.
    let s = Server::start(Backend::Sqlite);
    let r = {
        let mut c = Conn::open(s.addr).unwrap();
        let r = c.send(
            "POST",
            "/receipts",
            &[
                ("Content-Type", "application/json"),
                ("Content-Length", "100000000000"),
            ],
            b"{}",
        );
        drop(c); // the server does not wait for the rest: it answers and closes
        r.unwrap()
    };
    assert_eq!(r.status, 413);
    let health = request(s.addr, "GET", "/health", &[], b"");
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
}

fn cors_for_allowed_origins_only(b: Backend) {
    let s = Server::start(b);
    let preflight = |origin: &str| {
        request(
            s.addr,
            "OPTIONS",
            "/receipts",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type"),
            ],
            b"",
        )
    };
    let ok = preflight("https://example.com");
    assert_eq!(ok.status, 204);
    assert_eq!(
        ok.header("Access-Control-Allow-Origin"),
        Some("https://example.com")
    );
    assert_eq!(ok.header("Access-Control-Allow-Methods"), Some("POST"));
    assert_eq!(
        ok.header("Access-Control-Allow-Headers"),
        Some("Content-Type")
    );
    assert_eq!(ok.header("Access-Control-Max-Age"), Some("7200"));
    assert_eq!(ok.header("Vary"), Some("Origin"));

    let bad = preflight("https://evil.example");
    assert_eq!(bad.status, 403);
    assert_eq!(bad.header("Access-Control-Allow-Origin"), None);
    assert_eq!(bad.header("Access-Control-Allow-Methods"), None);
    assert_eq!(
        bad.error(),
        "origin \"https://evil.example\" is not allowed to send receipts"
    );

    s.refused(
        |a| {
            let r = request(
                a,
                "POST",
                "/receipts",
                &[
                    ("Content-Type", "text/plain"),
                    ("Origin", "https://evil.example"),
                ],
                receipt(&uuid(30))
                    .replace(SITE, "https://evil.example")
                    .as_bytes(),
            );
            assert_eq!(r.header("Access-Control-Allow-Origin"), None);
            r
        },
        403,
        "origin \"https://evil.example\" is not allowed to send receipts",
    );
}

#[test]
fn health_routes_and_keep_alive() {
    let s = Server::start(Backend::Sqlite);
    let mut c = Conn::open(s.addr).unwrap();
    let r = c.send("GET", "/health", &[], b"").unwrap();
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    let r = c.send("HEAD", "/health", &[], b"").unwrap();
    assert_eq!(r.status, 200);
    let r = c.send("GET", "/nope", &[], b"").unwrap();
    assert_eq!(
        (r.status, r.error()),
        (404, "no such path (POST /receipts, GET /health)".into())
    );
    let r = c.send("DELETE", "/receipts", &[], b"").unwrap();
    assert_eq!(r.status, 405);
    assert_eq!(r.header("Allow"), Some("OPTIONS, POST"));
    // several receipts on the same connection
    for n in 40..45 {
        let r = c
            .send(
                "POST",
                "/receipts",
                &[("Content-Type", "application/json")],
                receipt(&uuid(n)).as_bytes(),
            )
            .unwrap();
        assert_eq!(r.status, 201);
    }
    assert_eq!(s.count(), 5);
}

fn never_stores_the_senders_address_or_user_agent(b: Backend) {
    let s = Server::start(b);
    let r = request(
        s.addr,
        "POST",
        "/receipts",
        &[
            ("Content-Type", "application/json"),
            ("User-Agent", "SecretAgent/9.9"),
            ("X-Forwarded-For", "203.0.113.77"),
            ("X-Real-IP", "203.0.113.78"),
        ],
        receipt(&uuid(50)).as_bytes(),
    );
    assert_eq!(r.status, 201);
    // SQLite: every byte of the database files; PostgreSQL: every row, as text.
    let text = match s.pg {
        None => {
            let mut bytes = Vec::new();
            for entry in std::fs::read_dir(&s.scratch.0).unwrap() {
                bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Some(_) => all_rows_as_text(&s.db),
    };
    assert!(text.contains(&uuid(50)), "the receipt is in the database");
    for secret in ["SecretAgent", "203.0.113.77", "203.0.113.78"] {
        assert!(!text.contains(secret), "{secret} was stored");
    }
}

fn stop_finishes_the_requests_in_progress(b: Backend) {
    let mut s = Server::start(b);
    let body = receipt(&uuid(60));
    let (first, rest) = body.split_at(40);
    let mut c = TcpStream::connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        c,
        "POST /receipts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    // An idle keep-alive connection: closed at once by the shutdown.
    let mut idle = Conn::open(s.addr).unwrap();
    assert_eq!(idle.send("GET", "/health", &[], b"").unwrap().status, 200);
    thread::sleep(Duration::from_millis(200));
    let running = s.running.take().unwrap();
    let started = Instant::now();
    let stopper = thread::spawn(move || running.stop());
    thread::sleep(Duration::from_millis(300));
    // No new connection is accepted, and the idle one was closed.
    assert!(TcpStream::connect_timeout(&s.addr, Duration::from_secs(1)).is_err());
    assert!(idle.send("GET", "/health", &[], b"").is_err());
    // The request in progress still gets its answer, and is stored.
    c.write_all(rest.as_bytes()).unwrap();
    let mut reply = String::new();
    let _ = c.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 201"), "{reply:?}");
    stopper.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(s.count(), 1);
}
