//! The abuse limits of issue 13, against the receiver binary on 127.0.0.1 (port 0): the ceiling
//! on timestamps (`--max-clock-skew`) and the site allow-list (`--site`, by default the
//! `--origin` list), the rate limit per client address (`--rate`, `--burst`,
//! `--trust-forwarded-for`), and the cap per consent id (`--max-per-id-per-day`).

mod common;

use common::*;
use std::net::SocketAddr;
use std::process::{Child, Command};

struct Receiver {
    child: Child,
    addr: SocketAddr,
    db: String,
    _scratch: Scratch,
}

impl Receiver {
    fn start(name: &str, flags: &[&str]) -> Receiver {
        let scratch = Scratch::new(name);
        let db = scratch.path("receipts.sqlite").to_str().unwrap().to_owned();
        let mut command = Command::new(env!("CARGO_BIN_EXE_optin-receiver"));
        command
            .args(["--listen", "127.0.0.1:0", "--db", &db])
            .args(flags);
        let (child, line) = spawn_receiver(command);
        let addr = startup_field(&line, "http://").parse().unwrap();
        Receiver {
            child,
            addr,
            db,
            _scratch: scratch,
        }
    }

    fn count(&self) -> u64 {
        count_receipts(&self.db)
    }

    fn post(&self, body: &str) -> Response {
        request(
            self.addr,
            "POST",
            "/receipts",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn with(field: &str, value: &str) -> String {
    let mut r: serde_json::Value = serde_json::from_str(&receipt(&uuid(7))).unwrap();
    r[field] = value.into();
    r.to_string()
}

#[test]
fn a_forged_future_updated_at_is_refused() {
    let r = Receiver::start("ceiling", &["--origin", SITE]);
    let mut forged: serde_json::Value = serde_json::from_str(&receipt(&uuid(1))).unwrap();
    forged["updatedAt"] = "9999-12-31T23:59:59.999Z".into();
    forged["expiresAt"] = "9999-12-31T23:59:59.999Z".into();
    let reply = beacon(r.addr, &forged.to_string());
    assert_eq!(reply.status, 400, "{reply:?}");
    assert!(
        reply
            .error()
            .starts_with("field \"updatedAt\": is in the future"),
        "{reply:?}"
    );
    // a minute ahead is within the default 5 minutes
    let soon = optin_receiver::time::format_iso(optin_receiver::time::now_ms() + 60_000);
    let mut ok: serde_json::Value = serde_json::from_str(&receipt(&uuid(2))).unwrap();
    ok["updatedAt"] = soon.clone().into();
    let reply = beacon(r.addr, &ok.to_string());
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(r.count(), 1);
    drop(r);

    // --max-clock-skew 1: a minute ahead is too far
    let r = Receiver::start("ceiling-1s", &["--max-clock-skew", "1"]);
    let reply = r.post(&ok.to_string());
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(r.count(), 0);
    // before 2020 is refused too (optin-core's floor)
    let reply = r.post(&with("givenAt", "2019-12-31T23:59:59.999Z"));
    assert_eq!(reply.status, 400, "{reply:?}");
    assert!(reply.error().starts_with("field \"givenAt\""), "{reply:?}");
}

#[test]
fn receipts_for_other_sites_are_refused() {
    let other = with("site", "https://other.example");
    // --site given: only those sites, with or without an Origin header
    let r = Receiver::start("site", &["--site", SITE]);
    let reply = r.post(&other);
    assert_eq!(reply.status, 403, "{reply:?}");
    assert_eq!(
        reply.error(),
        format!(
            "receipts for site \"https://other.example\" are not accepted here (allowed: {SITE})"
        )
    );
    assert_eq!(r.post(&receipt(&uuid(1))).status, 201);
    assert_eq!(r.count(), 1);
    drop(r);

    // no --site: the --origin list
    let r = Receiver::start("site-origin", &["--origin", SITE]);
    assert_eq!(r.post(&other).status, 403);
    assert_eq!(beacon(r.addr, &receipt(&uuid(1))).status, 201);
    drop(r);

    // neither: any site
    let r = Receiver::start("site-any", &[]);
    assert_eq!(r.post(&other).status, 201);
}

fn post_from(from: &str, addr: SocketAddr, body: &str, headers: &[(&str, &str)]) -> Response {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    Conn::open_from(from.parse().unwrap(), addr)
        .and_then(|mut c| c.send("POST", "/receipts", &all, body.as_bytes()))
        .unwrap_or_else(|e| panic!("POST from {from}: {e}"))
}

#[test]
fn a_burst_from_one_address_gets_429_while_another_is_served() {
    // a slow refill, so the test does not race the clock
    let r = Receiver::start("rate", &["--rate", "0.01", "--burst", "5"]);
    for i in 0..5 {
        let reply = post_from("127.0.0.1", r.addr, &receipt(&uuid(i)), &[]);
        assert_eq!(reply.status, 201, "{reply:?}");
    }
    let reply = post_from("127.0.0.1", r.addr, &receipt(&uuid(5)), &[]);
    assert_eq!(reply.status, 429, "{reply:?}");
    let wait: u64 = reply.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=100).contains(&wait), "{reply:?}");
    assert!(reply
        .error()
        .starts_with("too many receipts from this address"));
    assert_eq!(r.count(), 5, "nothing stored");
    // /health and preflights are not limited
    assert_eq!(request(r.addr, "GET", "/health", &[], b"").status, 200);
    assert_eq!(
        request(r.addr, "OPTIONS", "/receipts", &[], b"").status,
        204
    );
    // another address is still served
    let reply = post_from("127.0.0.2", r.addr, &receipt(&uuid(6)), &[]);
    assert_eq!(reply.status, 201, "{reply:?}");
    // X-Forwarded-For is ignored without --trust-forwarded-for
    let xff = [("X-Forwarded-For", "203.0.113.9")];
    assert_eq!(
        post_from("127.0.0.1", r.addr, &receipt(&uuid(7)), &xff).status,
        429
    );
    assert_eq!(r.count(), 6);
    drop(r);

    // behind a trusted proxy (127.0.0.1), each forwarded client has its own bucket
    let r = Receiver::start(
        "rate-proxy",
        &[
            "--rate",
            "0.01",
            "--burst",
            "1",
            "--trust-forwarded-for",
            "127.0.0.1",
        ],
    );
    let a = [("X-Forwarded-For", "203.0.113.9")];
    let b = [("X-Forwarded-For", "203.0.113.9, 198.51.100.4")];
    assert_eq!(
        post_from("127.0.0.1", r.addr, &receipt(&uuid(1)), &a).status,
        201
    );
    assert_eq!(
        post_from("127.0.0.1", r.addr, &receipt(&uuid(2)), &a).status,
        429
    );
    assert_eq!(
        post_from("127.0.0.1", r.addr, &receipt(&uuid(3)), &b).status,
        201
    );
    // 127.0.0.2 is not trusted: its header is ignored, it is limited as itself
    assert_eq!(
        post_from("127.0.0.2", r.addr, &receipt(&uuid(4)), &a).status,
        201
    );
    assert_eq!(
        post_from("127.0.0.2", r.addr, &receipt(&uuid(5)), &b).status,
        429
    );
}

#[test]
fn at_most_n_receipts_per_consent_id_per_day() {
    let r = Receiver::start("per-id", &["--max-per-id-per-day", "3"]);
    let id = uuid(42);
    let at = |s: u32| {
        let mut v: serde_json::Value = serde_json::from_str(&receipt(&id)).unwrap();
        v["updatedAt"] = format!("2026-11-25T14:00:0{s}.000Z").into();
        v.to_string()
    };
    for s in 0..3 {
        assert_eq!(r.post(&at(s)).status, 201);
    }
    let reply = r.post(&at(3));
    assert_eq!(reply.status, 429, "{reply:?}");
    assert_eq!(
        reply.error(),
        format!("consent id {id} already has 3 receipts stored in the last 24 hours (at most 3)")
    );
    assert_eq!(r.count(), 3);
    // another id is served
    assert_eq!(r.post(&receipt(&uuid(43))).status, 201);
}
