//! A bounded load and durability test of the real binary, on 127.0.0.1 only.
//!
//! Starts `optin-receiver` as a child process, opens `IDLE` keep-alive connections that make one
//! request and then sit idle, sends `N` receipts from `THREADS` keep-alive connections and
//! measures how many per second are acknowledged and how long each took; checks that the idle
//! connections were all held meanwhile (the sockets, and the open-connections gauge of
//! `/metrics` in the middle of the load) and that `/metrics` counted every receipt. Then, during
//! a second burst, kills it with SIGKILL, restarts it on the same database file and checks that
//! every receipt acknowledged with 201 is stored (count and ids). Once on a SQLite file, once on
//! a throwaway PostgreSQL server (`common/pg.rs`; the PostgreSQL server keeps running, the
//! receiver is what is killed), one after the other so the figures are not skewed. Bounded by
//! count and by `LIMIT`; prints `receiver load (sqlite): N receipts from 64 clients, R/s, p50 …,
//! p99 …, 200 idle connections held …, 0 lost …` on stderr.

mod common;

use common::pg::PgServer;
use common::*;
use std::collections::HashSet;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

const N: usize = 4096;
const THREADS: usize = 64;
/// Keep-alive connections held open, idle, while the load runs.
const IDLE: usize = 200;

/// Client threads: `THREADS`, or `$OPTIN_LOAD_CLIENTS` (1 to 64) to measure other loads.
fn threads() -> usize {
    std::env::var("OPTIN_LOAD_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| (1..=64).contains(n))
        .unwrap_or(THREADS)
}
/// The second burst sends at most this many per thread; it is cut short by the kill.
const BURST: usize = 1000;
/// Acknowledged receipts of the second burst after which the server is killed.
const KILL_AFTER: usize = 200;
/// Hard limit for the whole test.
const LIMIT: Duration = Duration::from_secs(60);

/// The receiver as a child process; killed (SIGKILL) and reaped when dropped.
struct Receiver {
    child: Child,
    addr: SocketAddr,
    /// `receipts=` of the startup line: what the database held when it started.
    stored_at_start: u64,
}

impl Receiver {
    fn start(db: &str) -> Receiver {
        let mut command = Command::new(env!("CARGO_BIN_EXE_optin-receiver"));
        command
            // one client address sends thousands: no rate limit here
            .args([
                "--listen",
                "127.0.0.1:0",
                "--origin",
                SITE,
                "--rate",
                "0",
                // the open-connections gauge, read mid-load
                "--metrics-from",
                "127.0.0.1",
                // idle connections are closed after 10 s of silence by default; here they
                // must outlive the load, whatever the machine's speed
                "--header-timeout",
                "60",
                "--idle-timeout",
                "60",
                "--db",
            ])
            .arg(db);
        let (child, line) = spawn_receiver(command);
        let addr = startup_field(&line, "http://")
            .parse()
            .expect("listen address");
        let stored_at_start = startup_field(&line, "receipts=")
            .parse()
            .expect("receipt count");
        Receiver {
            child,
            addr,
            stored_at_start,
        }
    }

    /// SIGKILL: no chance to flush or clean up.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `IDLE` keep-alive connections, each after one `GET /health`, as a browser's connection after
/// its beacon.
fn idle_connections(addr: SocketAddr) -> Vec<TcpStream> {
    (0..IDLE)
        .map(|i| {
            let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            s.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .unwrap();
            let mut answer = Vec::new();
            let mut buf = [0; 1024];
            while !answer.ends_with(b"\r\n\r\nok") {
                let n = s.read(&mut buf).expect("the /health answer");
                assert!(n > 0, "idle connection {i} closed before its answer");
                answer.extend_from_slice(&buf[..n]);
            }
            assert!(answer.starts_with(b"HTTP/1.1 200 "));
            s
        })
        .collect()
}

/// How many of `idle` the receiver still holds open: nothing to read and no end of stream.
fn still_open(idle: &[TcpStream]) -> usize {
    idle.iter()
        .filter(|s| {
            s.set_nonblocking(true).unwrap();
            matches!(s.peek(&mut [0; 1]), Err(e) if e.kind() == ErrorKind::WouldBlock)
        })
        .count()
}

/// A metric's value from `/metrics` (`name` without labels).
fn metric(addr: SocketAddr, name: &str) -> f64 {
    let r = request(addr, "GET", "/metrics", &[], b"");
    assert_eq!(r.status, 200, "{r:?}");
    r.body
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in {}", r.body))
        .parse()
        .unwrap()
}

/// Sends receipts `ids` on one keep-alive connection until done, `stop` is set, the deadline
/// passes, or (with `stop_on_error`) a request fails. Returns the ids acknowledged with 201,
/// each with the time its request took.
fn send_all(
    addr: SocketAddr,
    ids: Vec<String>,
    deadline: Instant,
    stop: &AtomicBool,
    stop_on_error: bool,
    acked_total: &AtomicUsize,
) -> Vec<(String, Duration)> {
    let mut acked = Vec::new();
    let mut conn = None;
    for id in ids {
        if stop.load(Ordering::SeqCst) || Instant::now() > deadline {
            break;
        }
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match Conn::open(addr) {
                Ok(c) => conn.insert(c),
                Err(_) if stop_on_error => break,
                Err(e) => panic!("connect: {e}"),
            },
        };
        let body = receipt(&id);
        let sent = Instant::now();
        let result = c.send(
            "POST",
            "/receipts",
            &[
                ("Content-Type", "text/plain;charset=UTF-8"),
                ("Origin", SITE),
            ],
            body.as_bytes(),
        );
        match result {
            Ok(r) if r.status == 201 => {
                acked.push((id, sent.elapsed()));
                acked_total.fetch_add(1, Ordering::SeqCst);
            }
            Ok(r) => panic!("receipt {id}: {} {}", r.status, r.body),
            Err(_) if stop_on_error => break,
            Err(e) => panic!("receipt {id}: {e}"),
        }
    }
    acked
}

/// Runs `THREADS` senders over `per_thread` ids each, the ids of thread `t` starting at
/// `first + t * per_thread`; `watch` runs on this thread meanwhile and may set the stop flag.
fn burst(
    addr: SocketAddr,
    first: u64,
    per_thread: usize,
    deadline: Instant,
    stop_on_error: bool,
    watch: impl FnOnce(&AtomicUsize, &AtomicBool),
) -> Vec<(String, Duration)> {
    let acked_total = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..threads())
        .map(|t| {
            let start = first + (t * per_thread) as u64;
            let ids = (start..start + per_thread as u64).map(uuid).collect();
            let (acked_total, stop) = (acked_total.clone(), stop.clone());
            thread::spawn(move || send_all(addr, ids, deadline, &stop, stop_on_error, &acked_total))
        })
        .collect();
    watch(&acked_total, &stop);
    senders
        .into_iter()
        .flat_map(|s| s.join().expect("sender thread"))
        .collect()
}

#[test]
fn sqlite_load_then_sigkill_loses_no_acknowledged_receipt() {
    let _one = one_at_a_time();
    let scratch = Scratch::new("load");
    let db = scratch.path("receipts.sqlite");
    load_then_sigkill("sqlite", db.to_str().unwrap());
}

#[test]
fn postgres_load_then_sigkill_loses_no_acknowledged_receipt() {
    let _one = one_at_a_time();
    let pg = PgServer::start();
    load_then_sigkill("postgres", &pg.url());
}

/// A receiver that cannot reach its PostgreSQL server says so and exits with status 1.
#[test]
fn an_unreachable_postgres_is_exit_status_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://optin:secret@127.0.0.1:{port}/consent");
    let out = Command::new(env!("CARGO_BIN_EXE_optin-receiver"))
        .args(["--listen", "127.0.0.1:0", "--db", &url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let expected = format!(
        "optin-receiver: cannot connect to PostgreSQL at postgres://optin:***@127.0.0.1:{port}/consent: "
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(!stderr.contains("secret"));
}

/// One load test at a time (PostgreSQL's initdb included), so the figures of one store are not
/// skewed by the other.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static ONE: Mutex<()> = Mutex::new(());
    ONE.lock().unwrap_or_else(|e| e.into_inner())
}

fn load_then_sigkill(store: &str, db: &str) {
    let started = Instant::now();
    let deadline = started + LIMIT;
    let receiver = Receiver::start(db);
    assert_eq!(receiver.stored_at_start, 0);

    // 1. N receipts as fast as THREADS clients can get them acknowledged, while IDLE
    //    connections sit idle; halfway, the open connections as the receiver counts them.
    let idle = idle_connections(receiver.addr);
    let mut open_mid_load = 0.0;
    let t0 = Instant::now();
    let first = burst(
        receiver.addr,
        0,
        N / threads(),
        deadline,
        false,
        |acked_total, _| {
            while acked_total.load(Ordering::SeqCst) < N / 2 && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(2));
            }
            open_mid_load = metric(receiver.addr, "optin_receiver_open_connections");
        },
    );
    let elapsed = t0.elapsed();
    let held = still_open(&idle);
    assert_eq!(held, IDLE, "idle connections closed during the load");
    // the idle ones, this scrape's, and the clients' (all of them, unless one had yet to connect)
    assert!(
        open_mid_load >= (IDLE + 1) as f64 && open_mid_load <= (IDLE + 1 + threads()) as f64,
        "open connections mid-load: {open_mid_load}"
    );
    drop(idle);
    let mut latencies: Vec<Duration> = first.iter().map(|(_, d)| *d).collect();
    latencies.sort();
    let p50 = latencies[latencies.len() / 2];
    let p99 = latencies[latencies.len() * 99 / 100];
    let mut acked: Vec<String> = first.into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        acked.len(),
        N / threads() * threads(),
        "not every receipt was acknowledged within {LIMIT:?}"
    );
    let sent = acked.len();
    let per_second = sent as f64 / elapsed.as_secs_f64();
    assert_eq!(
        metric(receiver.addr, "optin_receiver_receipts_stored_total"),
        sent as f64
    );

    // 2. A second burst, and SIGKILL in the middle of it.
    let second = burst(
        receiver.addr,
        10_000_000,
        BURST,
        deadline,
        true,
        |acked_total, stop| {
            while acked_total.load(Ordering::SeqCst) < KILL_AFTER && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(2));
            }
            receiver.kill();
            stop.store(true, Ordering::SeqCst);
        },
    );
    let second_acked = second.len();
    acked.extend(second.into_iter().map(|(id, _)| id));

    // 3. Restart on the same file: every acknowledged receipt is there.
    let restarted = Receiver::start(db);
    let stored = restarted.stored_at_start;
    let acked_ids: HashSet<&str> = acked.iter().map(String::as_str).collect();
    assert_eq!(acked_ids.len(), acked.len());
    let stored_ids: HashSet<String> = stored_ids(db);
    let lost: Vec<&&str> = acked_ids
        .iter()
        .filter(|id| !stored_ids.contains(**id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged receipts lost: {lost:?}",
        lost.len()
    );
    assert_eq!(stored, stored_ids.len() as u64);
    // Stored but never acknowledged: at most the one request each client had in flight.
    let unacked = stored - acked.len() as u64;
    assert!(
        unacked <= threads() as u64,
        "{unacked} stored receipts were never sent?"
    );
    // The restarted server knows them too: replays are refused.
    for id in acked.iter().rev().take(50) {
        let r = beacon(restarted.addr, &receipt(id));
        assert_eq!(r.status, 409, "{id}: {r:?}");
    }
    restarted.kill();
    assert!(started.elapsed() < LIMIT + Duration::from_secs(30));

    // Printed past the test harness's capture, so `cargo test` shows it.
    let _ = writeln!(
        std::io::stderr(),
        "receiver load ({store}): {sent} receipts from {} clients, {per_second:.0}/s, p50 {:.1} ms, p99 {:.1} ms, \
         {held} idle connections held ({open_mid_load} open mid-load), 0 lost \
         (then SIGKILL after {second_acked} more acknowledged; restart found all {} plus {unacked} \
         in flight; {:.1} s)",
        threads(),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        acked.len(),
        started.elapsed().as_secs_f64()
    );
}
