//! What an attacker would try, against the real binary on 127.0.0.1: each test is bounded in time
//! and traffic, and each failed against the tiny_http receiver this one replaced.
//!
//! - idle connections past the file-descriptor limit (the accept thread died, the port closed);
//! - bodies declared and never sent, or trickled (every worker froze, even `/health`);
//! - a header line of many MiB (the process grew without bound);
//! - malformed or duplicate `Content-Length` (the body was served as a second request).
//!
//! `OPTIN_RECEIVER_UNDER_TEST=/path/to/optin-receiver` runs them against another build, with
//! only `--listen --db --origin` (the flags every version has) instead of the short limits.

mod common;

use common::*;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command};
use std::thread;
use std::time::{Duration, Instant};

/// The receiver as a child process (optionally under `ulimit -n`); killed when dropped.
struct Receiver {
    child: Child,
    addr: SocketAddr,
    scratch: Scratch,
}

impl Receiver {
    fn start(name: &str, fd_limit: Option<u32>, limits: &[&str]) -> Receiver {
        let scratch = Scratch::new(name);
        let db = scratch.path("receipts.sqlite");
        let (bin, limits) = match std::env::var("OPTIN_RECEIVER_UNDER_TEST") {
            Ok(other) => (other, &[][..]),
            Err(_) => (env!("CARGO_BIN_EXE_optin-receiver").to_owned(), limits),
        };
        let mut command = match fd_limit {
            Some(n) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(&bin);
                c
            }
            None => Command::new(&bin),
        };
        command
            .args(["--listen", "127.0.0.1:0", "--origin", SITE, "--db"])
            .arg(&db)
            .args(limits);
        let (child, line) = spawn_receiver(command);
        let addr = startup_field(&line, "http://")
            .parse()
            .unwrap_or_else(|_| panic!("no address in {line:?}"));
        Receiver {
            child,
            addr,
            scratch,
        }
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    fn count(&self) -> u64 {
        count_rows(&self.scratch.path("receipts.sqlite"))
    }

    /// `GET /health` on a new connection, within `within`.
    fn healthy(&self, within: Duration) -> Result<Duration, String> {
        let started = Instant::now();
        let stream = TcpStream::connect_timeout(&self.addr, within).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(within)).unwrap();
        stream.set_write_timeout(Some(within)).unwrap();
        let mut stream = stream;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .map_err(|e| e.to_string())?;
        let reply = read_all(&mut stream, within);
        if reply.starts_with("HTTP/1.1 200") && reply.ends_with("ok") {
            Ok(started.elapsed())
        } else {
            Err(format!("/health answered {reply:?}"))
        }
    }

    /// Peak resident memory of the receiver (`VmHWM`), in KiB.
    fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/<pid>/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Everything the server sends until it closes the connection or `within` passes.
fn read_all(stream: &mut TcpStream, within: Duration) -> String {
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break, // timed out or reset
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A POST of a receipt, as raw bytes, with `content_length` as the header's exact text.
fn post_head(content_length: &str) -> String {
    format!(
        "POST /receipts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {content_length}\r\n\r\n"
    )
}

/// (a) More idle connections than the process has file descriptors. The old receiver's accept
/// thread panicked on EMFILE and the port closed for good. Now accepting pauses, the idle
/// connections are closed after the idle timeout, and new clients are served again.
#[test]
fn idle_connections_past_the_descriptor_limit() {
    const FDS: u32 = 64;
    const IDLE: usize = 150;
    // --max-connections above the descriptor limit on purpose: accept() itself fails (EMFILE).
    let mut r = Receiver::start(
        "idle",
        Some(FDS),
        &[
            "--idle-timeout",
            "1",
            "--header-timeout",
            "1",
            "--max-connections",
            "1000",
        ],
    );
    let mut idle = Vec::new();
    for _ in 0..IDLE {
        // Past the listen backlog, connecting may time out: that is the kernel's business.
        if let Ok(s) = TcpStream::connect_timeout(&r.addr, Duration::from_secs(1)) {
            idle.push(s);
        }
    }
    assert!(idle.len() > FDS as usize, "only {} connected", idle.len());
    thread::sleep(Duration::from_millis(300));
    assert!(r.alive(), "the receiver exited");

    // The idle ones are closed after 1 s each, so a new client is served within a few rounds.
    let started = Instant::now();
    let served = loop {
        match r.healthy(Duration::from_secs(2)) {
            Ok(_) => break Ok(started.elapsed()),
            Err(e) if started.elapsed() > Duration::from_secs(20) => break Err(e),
            Err(_) => thread::sleep(Duration::from_millis(200)),
        }
    };
    let served = served.unwrap_or_else(|e| {
        panic!("no new client served for 20 s while {IDLE} idle connections were held: {e}")
    });
    assert!(r.alive(), "the receiver exited");
    // And it stores receipts again (the store's descriptors were never at risk).
    let stored = beacon(r.addr, &receipt(&uuid(1)));
    assert_eq!(stored.status, 201, "{stored:?}");
    assert_eq!(r.count(), 1);
    // The attacker's connections were closed by the server (EOF, or reset), not kept forever.
    let mut closed = 0;
    for s in &mut idle {
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let mut b = [0u8; 1];
        match s.read(&mut b) {
            Ok(0) => closed += 1,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => closed += 1,
            _ => {}
        }
    }
    assert!(
        closed >= FDS as usize / 2,
        "only {closed} of {} idle connections closed",
        idle.len()
    );
    let _ = writeln!(
        std::io::stderr(),
        "attack (a): {} idle connections under ulimit -n {FDS}: new client served after {:.1} s, \
         {closed} idle closed",
        idle.len(),
        served.as_secs_f64()
    );
}

/// (b) Bodies declared and never sent, or sent a byte at a time. The old receiver's workers each
/// blocked on one for ever (refused ones too: their body was drained with no timeout) and
/// `/health` stopped answering. Now `/health` answers throughout and each of them gets a 408 (or
/// an immediate refusal) and is closed within the request timeout.
#[test]
fn absent_and_slow_bodies_time_out() {
    let r = Receiver::start("slow", None, &["--request-timeout", "2"]);
    let timeout = Duration::from_secs(2);
    let started = Instant::now();
    let body = receipt(&uuid(2));
    let mut hanging = Vec::new();
    // 4 declare a body and send none of it.
    for _ in 0..4 {
        let mut s = TcpStream::connect(r.addr).unwrap();
        s.write_all(post_head("500").as_bytes()).unwrap();
        hanging.push((s, "absent"));
    }
    // 2 are refused on their head (415) and never send their body.
    for _ in 0..2 {
        let mut s = TcpStream::connect(r.addr).unwrap();
        s.write_all(
            b"POST /receipts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/html\r\n\
              Content-Length: 1000\r\n\r\n",
        )
        .unwrap();
        hanging.push((s, "refused"));
    }
    // 2 send their body one byte every 200 ms (it would take minutes).
    let mut tricklers = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(r.addr).unwrap();
        s.write_all(post_head(&body.len().to_string()).as_bytes())
            .unwrap();
        let mut writer = s.try_clone().unwrap();
        let bytes = body.clone().into_bytes();
        tricklers.push(thread::spawn(move || {
            for b in bytes.iter().take(50) {
                thread::sleep(Duration::from_millis(200));
                if writer.write_all(&[*b]).is_err() {
                    return;
                }
            }
        }));
        hanging.push((s, "trickled"));
    }
    thread::sleep(Duration::from_millis(200));
    // /health answers at once, several times, while all 8 hang.
    for _ in 0..5 {
        let took = r
            .healthy(Duration::from_secs(1))
            .unwrap_or_else(|e| panic!("/health while 8 bodies hang: {e}"));
        assert!(took < Duration::from_secs(1), "/health took {took:?}");
        thread::sleep(Duration::from_millis(100));
    }
    // Each hanging request is answered (408, or 415 for the refused ones) and closed in time.
    let mut readers = Vec::new();
    for (mut s, kind) in hanging {
        readers.push(thread::spawn(move || {
            let reply = read_all(&mut s, Duration::from_secs(6));
            (kind, reply, started.elapsed())
        }));
    }
    for reader in readers {
        let (kind, reply, at) = reader.join().unwrap();
        let status = reply.get(..12).unwrap_or(&reply);
        match kind {
            "refused" => assert_eq!(status, "HTTP/1.1 415", "{kind}: {reply:?}"),
            _ => assert!(
                status == "HTTP/1.1 408" || reply.is_empty(),
                "{kind}: {reply:?}"
            ),
        }
        assert!(
            at < timeout + Duration::from_millis(1500),
            "{kind}: closed only after {at:?}"
        );
    }
    for t in tricklers {
        t.join().unwrap();
    }
    assert_eq!(r.count(), 0);
    assert!(r.healthy(Duration::from_secs(1)).is_ok());
}

/// (c) A header line of many MiB on two connections. The old receiver kept reading it into
/// memory (two of 300 MiB took it past 600 MB until it aborted). Now hyper stops at
/// `--max-header-bytes` with 431 and closes; memory stays flat and `/health` answers.
#[test]
fn a_huge_header_is_refused_without_growing() {
    /// Bytes each connection tries to send in its header line; far less arrives.
    const HUGE: usize = 64 << 20;
    let r = Receiver::start("header", None, &[]);
    let senders: Vec<_> = (0..2)
        .map(|_| {
            let addr = r.addr;
            thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut sent = 0;
                let mut open = s
                    .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
                    .is_ok();
                let chunk = vec![b'a'; 64 << 10];
                while open && sent < HUGE {
                    open = s.write_all(&chunk).is_ok();
                    sent += chunk.len();
                }
                if open {
                    let _ = s.write_all(b"\r\n\r\n");
                }
                let reply = read_all(&mut s, Duration::from_secs(5));
                (sent, reply)
            })
        })
        .collect();
    for sender in senders {
        let (sent, reply) = sender.join().unwrap();
        assert!(
            reply.is_empty() || reply.starts_with("HTTP/1.1 431"),
            "after {sent} bytes: {:?}",
            reply.get(..200).unwrap_or(&reply)
        );
    }
    assert!(r.healthy(Duration::from_secs(1)).is_ok());
    let peak = r.peak_rss_kib();
    assert!(peak < 100 * 1024, "peak RSS {peak} KiB");
    let _ = writeln!(
        std::io::stderr(),
        "attack (c): two header lines of up to {} MiB: refused, peak RSS {} MiB",
        HUGE >> 20,
        peak / 1024
    );
}

/// (d) `Content-Length: abc`, `+34`, and two different values. The old receiver accepted them,
/// and what followed was read as a second request (request smuggling). Now each is a 400, the
/// connection is closed, and the receipt hidden behind it is never stored.
#[test]
fn malformed_content_length_is_400_and_nothing_follows() {
    let r = Receiver::start("length", None, &[]);
    let cases: [(&str, String); 3] = [
        ("abc", post_head("abc")),
        ("+34", post_head("+34")),
        (
            "two values",
            post_head("34").replace(
                "Content-Length: 34\r\n",
                "Content-Length: 34\r\nContent-Length: 0\r\n",
            ),
        ),
    ];
    for (n, (name, head)) in cases.into_iter().enumerate() {
        let hidden = receipt(&uuid(100 + n as u64));
        let smuggled = format!("{}{hidden}", post_head(&hidden.len().to_string()));
        let mut s = TcpStream::connect(r.addr).unwrap();
        s.write_all(format!("{head}{smuggled}").as_bytes()).unwrap();
        let reply = read_all(&mut s, Duration::from_secs(5));
        assert!(reply.starts_with("HTTP/1.1 400"), "{name}: {reply:?}");
        assert_eq!(
            reply.matches("HTTP/1.1 ").count(),
            1,
            "{name}: a second response: {reply:?}"
        );
        assert_eq!(r.count(), n as u64, "{name}: the hidden receipt was stored");
        // It really was never stored: sent properly now, it is new (201), not a replay (409).
        assert_eq!(beacon(r.addr, &hidden).status, 201, "{name}");
        assert_eq!(r.count(), 1 + n as u64);
    }
}

/// Not an attack: SIGTERM stops it cleanly (exit status 0) with every acknowledged receipt
/// stored, and the store closed (no WAL left behind to replay).
#[test]
fn sigterm_stops_it_cleanly() {
    let mut r = Receiver::start("sigterm", None, &[]);
    assert_eq!(beacon(r.addr, &receipt(&uuid(7))).status, 201);
    let status = Command::new("kill")
        .args(["-TERM", &r.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = r.child.try_wait().unwrap() {
            break exit;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still running");
        thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
    // (before anything opens the file again)
    assert!(
        !r.scratch.path("receipts.sqlite-wal").exists(),
        "the store was not closed"
    );
    assert_eq!(r.count(), 1);
}
