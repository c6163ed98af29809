//! A bounded load and durability test of the real binary, on 127.0.0.1 only.
//!
//! Starts `optin-receiver` as a child process, sends `N` receipts from `THREADS` keep-alive
//! connections and measures how many per second are acknowledged; then, during a second burst,
//! kills it with SIGKILL, restarts it on the same database file and checks that every receipt
//! acknowledged with 201 is stored (count and ids). Bounded by count and by `LIMIT`; prints
//! `receiver load: N receipts, R/s, 0 lost` on stderr.

mod common;

use common::*;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

const N: usize = 2000;
const THREADS: usize = 4;
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
    fn start(db: &std::path::Path) -> Receiver {
        let mut child = Command::new(env!("CARGO_BIN_EXE_optin-receiver"))
            .args(["--listen", "127.0.0.1:0", "--origin", SITE, "--db"])
            .arg(db)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn optin-receiver");
        // Read the startup line, then keep draining the log so the pipe never fills.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.starts_with("optin-receiver ") {
                    let _ = tx.send(line);
                }
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the receiver did not start within 20 s");
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .unwrap_or_else(|| panic!("no {name} in {line:?}"))
                .to_owned()
        };
        let addr = field("http://").parse().expect("listen address");
        let stored_at_start = field("receipts=").parse().expect("receipt count");
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

/// Sends receipts `ids` on one keep-alive connection until done, `stop` is set, the deadline
/// passes, or (with `stop_on_error`) a request fails. Returns the ids acknowledged with 201.
fn send_all(
    addr: SocketAddr,
    ids: Vec<String>,
    deadline: Instant,
    stop: &AtomicBool,
    stop_on_error: bool,
    acked_total: &AtomicUsize,
) -> Vec<String> {
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
                acked.push(id);
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
) -> Vec<String> {
    let acked_total = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..THREADS)
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
fn load_then_sigkill_loses_no_acknowledged_receipt() {
    let started = Instant::now();
    let deadline = started + LIMIT;
    let scratch = Scratch::new("load");
    let db = scratch.path("receipts.sqlite");
    let receiver = Receiver::start(&db);
    assert_eq!(receiver.stored_at_start, 0);

    // 1. N receipts as fast as THREADS clients can get them acknowledged.
    let t0 = Instant::now();
    let mut acked = burst(receiver.addr, 0, N / THREADS, deadline, false, |_, _| {});
    let elapsed = t0.elapsed();
    assert_eq!(
        acked.len(),
        N,
        "not every receipt was acknowledged within {LIMIT:?}"
    );
    let per_second = N as f64 / elapsed.as_secs_f64();

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
    acked.extend(second);

    // 3. Restart on the same file: every acknowledged receipt is there.
    let restarted = Receiver::start(&db);
    let stored = restarted.stored_at_start;
    let acked_ids: HashSet<&str> = acked.iter().map(String::as_str).collect();
    assert_eq!(acked_ids.len(), acked.len());
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn.prepare("SELECT consent_id FROM receipts").unwrap();
    let stored_ids: HashSet<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
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
        unacked <= THREADS as u64,
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
        "receiver load: {N} receipts, {per_second:.0}/s, 0 lost \
         (then SIGKILL after {second_acked} more acknowledged; restart found all {} plus {unacked} \
         in flight; {:.1} s)",
        acked.len(),
        started.elapsed().as_secs_f64()
    );
}
