//! The sites `optin scan` and `optin audit` are tested on, served on 127.0.0.1 by a small HTTP
//! server that answers by Host: Chromium maps every host name to 127.0.0.1
//! (`--host-resolver-rules`), so the demo site is first party on www.banzai.test and its vendor
//! stand-ins (www/vendor/) are third parties on the real services' host names, as on a real site.
//! Nothing leaves 127.0.0.1.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What Chromium is told: every host is this machine.
pub const HOST_RULES: &str = "MAP * 127.0.0.1";

/// The vendor stand-ins and where the real services serve their scripts from. (Hosts on
/// Chromium's HSTS preload list, such as www.google-analytics.com and connect.facebook.net,
/// would be upgraded to https; these are not.)
pub const VENDORS: &[(&str, &str, &str)] = &[
    ("vendor/ga.js", "www.googletagmanager.com", "/gtag/js"),
    ("vendor/linkedin.js", "platform.linkedin.com", "/in.js"),
    ("vendor/twitter.js", "platform.twitter.com", "/widgets.js"),
    (
        "vendor/facebook.js",
        "connect.facebook.com",
        "/en_US/sdk.js",
    ),
    ("vendor/disqus.js", "banzaicloud.disqus.com", "/embed.js"),
];

/// A body by (host, path).
type ByHostAndPath = HashMap<(String, String), Vec<u8>>;

/// Files by (host, path); a request for anything else is a 404.
#[derive(Default, Clone)]
pub struct Files(Arc<Mutex<ByHostAndPath>>);

impl Files {
    pub fn put(&self, host: &str, path: &str, body: impl Into<Vec<u8>>) {
        self.0
            .lock()
            .unwrap()
            .insert((host.to_owned(), path.to_owned()), body.into());
    }

    fn get(&self, host: &str, path: &str) -> Option<Vec<u8>> {
        let files = self.0.lock().unwrap();
        files.get(&(host.to_owned(), path.to_owned())).cloned()
    }
}

/// A server on 127.0.0.1 (the port is in every URL) that lives as long as the test process.
pub struct Server {
    pub port: u16,
    pub files: Files,
    /// (host, path) of every request, in order.
    pub log: Arc<Mutex<Vec<(String, String)>>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let files = Files::default();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (f, l) = (files.clone(), log.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (f, l) = (f.clone(), l.clone());
                std::thread::spawn(move || {
                    let _ = answer(stream, &f, &l);
                });
            }
        });
        Server { port, files, log }
    }

    pub fn url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.port)
    }

    pub fn requested(&self, host: &str) -> bool {
        self.log.lock().unwrap().iter().any(|(h, _)| h == host)
    }

    /// The demo site (www/ with dist/ at optin/) on `host`, the vendor stand-ins on their
    /// services' hosts, `edit` applied to each HTML page and to optin-config.json.
    pub fn demo(&self, host: &str, edit: impl Fn(&str, String) -> String) {
        let www = root().join("www");
        for name in ["index.html", "privacy.html", "optin-config.json"] {
            let mut text = std::fs::read_to_string(www.join(name)).unwrap();
            for (file, vendor_host, path) in VENDORS {
                text = text.replace(
                    &format!("src=\"{file}\""),
                    &format!("src=\"{}\"", self.url(vendor_host, path)),
                );
            }
            let text = edit(name, text);
            self.files.put(host, &format!("/{name}"), text.clone());
            if name == "index.html" {
                self.files.put(host, "/", text);
            }
        }
        for name in ["site.css", "app.js", "newsletter.js"] {
            self.files.put(
                host,
                &format!("/{name}"),
                std::fs::read(www.join(name)).unwrap(),
            );
        }
        for (file, vendor_host, path) in VENDORS {
            self.files
                .put(vendor_host, path, std::fs::read(www.join(file)).unwrap());
        }
        put_tree(&self.files, host, "/optin", &dist());
    }
}

fn put_tree(files: &Files, host: &str, prefix: &str, dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
        if path.is_dir() {
            put_tree(files, host, &name, &path);
        } else {
            files.put(host, &name, std::fs::read(&path).unwrap());
        }
    }
}

/// One request, one answer, then the connection closes.
fn answer(
    stream: TcpStream,
    files: &Files,
    log: &Mutex<Vec<(String, String)>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split('?').next().unwrap_or("/").to_owned();
    let mut host = String::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            if k.eq_ignore_ascii_case("host") {
                host = v
                    .trim()
                    .rsplit_once(':')
                    .map_or(v.trim(), |(h, _)| h)
                    .to_owned();
            }
        }
    }
    log.lock().unwrap().push((host.clone(), path.clone()));
    let (status, body) = match files.get(&host, &path) {
        Some(body) => ("200 OK", body),
        None => ("404 Not Found", b"not found".to_vec()),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        content_type(&path),
        body.len()
    )?;
    stream.write_all(&body)?;
    stream.flush()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("txt") => "text/plain; charset=utf-8",
        _ if path.contains("/gtag/") || path.ends_with("sdk.js") => "text/javascript",
        _ => "text/html; charset=utf-8",
    }
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// dist/ (scripts/build-dist.sh; `make test-scan` builds it first).
pub fn dist() -> PathBuf {
    let dist = root().join("dist");
    assert!(
        dist.join("optin.js").is_file(),
        "dist/ is not built: run `make dist` (make test-scan does)"
    );
    dist
}

/// A scratch directory for this test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("optin-scan-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `optin ARGS` with a time limit: (exit status, stdout, stderr).
pub fn optin(args: &[&str], limit: Duration) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_optin"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("optin runs");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("optin {args:?} took more than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    (
        status.code().unwrap_or(-1),
        out.join().unwrap(),
        err.join().unwrap(),
    )
}
