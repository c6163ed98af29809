//! What the integration tests share: a tiny HTTP/1.1 client on `std::net::TcpStream` (enough
//! for one server we wrote ourselves, on loopback), receipt bodies, and scratch directories.

#![allow(dead_code)] // each test binary uses a different part

pub mod pg;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

pub const SITE: &str = "http://127.0.0.1:8000";

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `error` of a JSON error body.
    pub fn error(&self) -> String {
        let v: serde_json::Value = serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not a JSON body ({e}): {:?}", self.body));
        v["error"].as_str().expect("an error field").to_owned()
    }
}

/// One keep-alive connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.set_write_timeout(Some(Duration::from_secs(10)))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            reader: BufReader::new(stream),
        })
    }

    /// A connection from the local address `from` (e.g. 127.0.0.2, to be another client).
    pub fn open_from(from: std::net::IpAddr, addr: SocketAddr) -> io::Result<Conn> {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
        socket.bind(&SocketAddr::new(from, 0).into())?;
        socket.connect_timeout(&addr.into(), Duration::from_secs(5))?;
        let stream: TcpStream = socket.into();
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.set_write_timeout(Some(Duration::from_secs(10)))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            reader: BufReader::new(stream),
        })
    }

    /// Sends a request (adding Host and, with a body, Content-Length) and reads the response.
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Response> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let chunked = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("Transfer-Encoding"));
        let declared = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("Content-Length"));
        if !chunked && !declared && (method == "POST" || !body.is_empty()) {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes())?;
        if chunked {
            for chunk in body.chunks(1000) {
                write!(stream, "{:x}\r\n", chunk.len())?;
                stream.write_all(chunk)?;
                stream.write_all(b"\r\n")?;
            }
            stream.write_all(b"0\r\n\r\n")?;
        } else {
            stream.write_all(body)?;
        }
        stream.flush()?;
        self.read_response(method == "HEAD")
    }

    fn read_response(&mut self, head_only: bool) -> io::Result<Response> {
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(&format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':').ok_or_else(|| bad("bad header"))?;
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
        let mut response = Response {
            status,
            headers,
            body: String::new(),
        };
        let length: usize = response
            .header("Content-Length")
            .map_or(Ok(0), str::parse)
            .map_err(|_| bad("bad Content-Length"))?;
        if !head_only {
            let mut body = vec![0; length];
            self.reader.read_exact(&mut body)?;
            response.body = String::from_utf8(body).map_err(|_| bad("body not UTF-8"))?;
        }
        Ok(response)
    }
}

/// One request on its own connection.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    Conn::open(addr)
        .and_then(|mut c| c.send(method, path, headers, body))
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// A POST as the widget's sendBeacon sends it from `SITE`.
pub fn beacon(addr: SocketAddr, body: &str) -> Response {
    request(
        addr,
        "POST",
        "/receipts",
        &[
            ("Content-Type", "text/plain;charset=UTF-8"),
            ("Origin", SITE),
        ],
        body.as_bytes(),
    )
}

/// A distinct lowercase UUID v4 for each `n`.
pub fn uuid(n: u64) -> String {
    format!("{:08x}-{:04x}-4000-8000-{:012x}", n >> 16, n & 0xffff, n)
}

/// A valid receipt for `SITE`.
pub fn receipt(id: &str) -> String {
    serde_json::json!({
        "schema": 1,
        "id": id,
        "revision": 1,
        "givenAt": "2026-11-25T13:18:56.123Z",
        "updatedAt": "2026-11-25T13:20:01.004Z",
        "expiresAt": "2027-05-26T13:20:01.004Z",
        "method": "custom",
        "categories": {"necessary": true, "analytics": false, "marketing": true},
        "services": {"analytics": {"ga": true}},
        "lang": "en",
        "policyUrl": "/privacy.html",
        "gpc": false,
        "site": SITE
    })
    .to_string()
}

/// A fresh scratch directory under the system temp dir, removed by `Drop`.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "optin-receiver-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Rows in the receipts table, read with a separate read-only connection.
pub fn count_rows(db: &std::path::Path) -> u64 {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open db");
    conn.query_row("SELECT COUNT(*) FROM receipts", [], |r| r.get::<_, i64>(0))
        .expect("count") as u64
}

/// Rows in the receipts table of `--db` (a SQLite file or a PostgreSQL URL), read with a
/// separate connection.
pub fn count_receipts(db: &str) -> u64 {
    if optin_receiver::store::is_postgres_url(db) {
        let mut c = postgres::Client::connect(db, postgres::NoTls).expect("connect");
        let n: i64 = c
            .query_one("SELECT COUNT(*) FROM receipts", &[])
            .expect("count")
            .get(0);
        n as u64
    } else {
        count_rows(std::path::Path::new(db))
    }
}

/// The consent ids stored in `--db`, read with a separate connection.
pub fn stored_ids(db: &str) -> std::collections::HashSet<String> {
    if optin_receiver::store::is_postgres_url(db) {
        let mut c = postgres::Client::connect(db, postgres::NoTls).expect("connect");
        let rows = c
            .query("SELECT consent_id FROM receipts", &[])
            .expect("select");
        rows.iter().map(|r| r.get(0)).collect()
    } else {
        let conn =
            rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .expect("open db");
        let mut stmt = conn.prepare("SELECT consent_id FROM receipts").unwrap();
        let ids = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        ids
    }
}

/// Every row of a PostgreSQL receipts table (and of its schema_version), as text.
pub fn all_rows_as_text(url: &str) -> String {
    let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    let mut text = String::new();
    for table in ["receipts", "schema_version"] {
        for row in c
            .query(&format!("SELECT t::text FROM {table} t"), &[])
            .expect("select")
        {
            text.push_str(row.get::<_, &str>(0));
            text.push('\n');
        }
    }
    text
}

/// Starts the receiver binary as `command` describes it (its stdio is set here) and waits for its
/// startup line (`optin-receiver … http://<addr> … receipts=<n>`), then keeps draining its log so
/// the pipe never fills. The caller owns the child: kill and reap it when done.
pub fn spawn_receiver(mut command: Command) -> (Child, String) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn optin-receiver");
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
    (child, line)
}

/// The word of the startup line that starts with `prefix`, without it (`http://`, `receipts=`).
pub fn startup_field<'a>(line: &'a str, prefix: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {line:?}"))
}
