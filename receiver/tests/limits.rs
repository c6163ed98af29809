//! The abuse limits of issue 13, against the receiver binary on 127.0.0.1 (port 0): the ceiling
//! on timestamps (`--max-clock-skew`) and the site allow-list (`--site`, by default the
//! `--origin` list).

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
