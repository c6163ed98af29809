//! The Chrome DevTools Protocol, as much of it as `optin scan` needs: launches headless Chromium
//! with a throwaway profile, talks to it over the browser's websocket (tungstenite, blocking, one
//! command at a time), and opens tabs in fresh browser contexts with flattened sessions. Events
//! that arrive while waiting for an answer are queued for the caller.

use std::collections::VecDeque;
use std::fmt;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// How long one command may take before the browser is considered stuck.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How long Chromium may take to print its DevTools address.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(30);
/// The socket's read timeout: the granularity of every wait.
const POLL: Duration = Duration::from_millis(50);

/// What went wrong talking to the browser, and in which step.
#[derive(Debug)]
pub enum CdpError {
    /// Chromium could not be started or did not announce its DevTools address.
    Launch(String),
    /// The websocket failed.
    Socket(String),
    /// The browser answered a command with an error.
    Command { method: String, message: String },
    /// No answer (or no awaited event) in time.
    Timeout(String),
}

impl fmt::Display for CdpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CdpError::Launch(m) => write!(f, "starting Chromium: {m}"),
            CdpError::Socket(m) => write!(f, "DevTools connection: {m}"),
            CdpError::Command { method, message } => write!(f, "DevTools {method}: {message}"),
            CdpError::Timeout(what) => write!(f, "DevTools: timed out waiting for {what}"),
        }
    }
}

/// An event the browser sent: its method, the session it belongs to, its parameters.
#[derive(Debug, Clone)]
pub struct Event {
    pub method: String,
    pub session: Option<String>,
    pub params: Value,
}

/// How to start the browser.
pub struct LaunchOptions<'a> {
    pub chrome: &'a Path,
    /// Chromium's `--host-resolver-rules` (tests map every host name to 127.0.0.1).
    pub host_resolver_rules: Option<&'a str>,
}

/// A running headless Chromium and the websocket to it; both go away on drop.
pub struct Browser {
    child: Child,
    ws: WebSocket<TcpStream>,
    next_id: u64,
    events: VecDeque<Event>,
    profile: PathBuf,
}

/// A tab in a browser context of its own (a fresh profile: no cookies, no storage).
pub struct Tab {
    pub context: String,
    pub session: String,
}

impl Browser {
    /// Starts Chromium headless with an empty profile and connects to it.
    pub fn launch(options: &LaunchOptions) -> Result<Browser, CdpError> {
        let profile = scratch_dir()?;
        let mut child = chromium_command(options, &profile)
            .spawn()
            .map_err(|e| CdpError::Launch(format!("{}: {e}", options.chrome.display())))?;
        let address = match devtools_address(&mut child) {
            Ok(a) => a,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_dir_all(&profile);
                return Err(e);
            }
        };
        let ws = match connect(&address) {
            Ok(ws) => ws,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_dir_all(&profile);
                return Err(e);
            }
        };
        Ok(Browser {
            child,
            ws,
            next_id: 0,
            events: VecDeque::new(),
            profile,
        })
    }

    /// Sends one command (to the browser, or to a tab's session) and waits for its answer.
    pub fn call(
        &mut self,
        method: &str,
        params: Value,
        session: Option<&str>,
    ) -> Result<Value, CdpError> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::text(message.to_string()))
            .map_err(|e| CdpError::Socket(format!("sending {method}: {e}")))?;
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            if Instant::now() > deadline {
                return Err(CdpError::Timeout(format!("the answer to {method}")));
            }
            let Some(mut value) = self.read()? else {
                continue;
            };
            if value.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(error) = value.get("error") {
                    return Err(CdpError::Command {
                        method: method.to_owned(),
                        message: error["message"].as_str().unwrap_or("error").to_owned(),
                    });
                }
                return Ok(value["result"].take());
            }
            self.queue(value);
        }
    }

    /// Reads events for `duration`, queueing them.
    pub fn pump(&mut self, duration: Duration) -> Result<(), CdpError> {
        let until = Instant::now() + duration;
        while Instant::now() < until {
            if let Some(value) = self.read()? {
                self.queue(value);
            }
        }
        Ok(())
    }

    /// Waits until an event that `wanted` accepts has arrived (queued before or read now).
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        wanted: impl Fn(&Event) -> bool,
    ) -> Result<(), CdpError> {
        let deadline = Instant::now() + timeout;
        let mut seen = 0;
        loop {
            if self.events.iter().skip(seen).any(&wanted) {
                return Ok(());
            }
            seen = self.events.len();
            if Instant::now() > deadline {
                return Err(CdpError::Timeout(what.to_owned()));
            }
            if let Some(value) = self.read()? {
                self.queue(value);
            }
        }
    }

    /// Takes every queued event.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.events.drain(..).collect()
    }

    /// Opens about:blank in a new browser context and attaches to it.
    pub fn new_tab(&mut self) -> Result<Tab, CdpError> {
        let context = self.call("Target.createBrowserContext", json!({}), None)?;
        let context = str_field(&context, "browserContextId", "Target.createBrowserContext")?;
        let target = self.call(
            "Target.createTarget",
            json!({"url": "about:blank", "browserContextId": context}),
            None,
        )?;
        let target = str_field(&target, "targetId", "Target.createTarget")?;
        let attached = self.call(
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
            None,
        )?;
        let session = str_field(&attached, "sessionId", "Target.attachToTarget")?;
        Ok(Tab { context, session })
    }

    /// Throws a tab's browser context away, with its cookies and storage.
    pub fn close_tab(&mut self, tab: &Tab) -> Result<(), CdpError> {
        self.call(
            "Target.disposeBrowserContext",
            json!({"browserContextId": tab.context}),
            None,
        )?;
        // Events of the closed tab are of no use to anyone.
        self.events
            .retain(|e| e.session.as_deref() != Some(tab.session.as_str()));
        Ok(())
    }

    /// Runs `expression` in the tab's page (awaiting a promise) and returns its JSON value.
    pub fn evaluate(&mut self, tab: &Tab, expression: &str) -> Result<Value, CdpError> {
        let mut result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
            Some(&tab.session),
        )?;
        if let Some(details) = result.get("exceptionDetails") {
            let text = details["exception"]["description"]
                .as_str()
                .or(details["text"].as_str())
                .unwrap_or("exception");
            return Err(CdpError::Command {
                method: "Runtime.evaluate".into(),
                message: text.to_owned(),
            });
        }
        Ok(result["result"]["value"].take())
    }

    /// One message from the socket, or None when nothing came within the poll interval.
    fn read(&mut self) -> Result<Option<Value>, CdpError> {
        match self.ws.read() {
            Ok(Message::Text(text)) => serde_json::from_str(text.as_str())
                .map(Some)
                .map_err(|e| CdpError::Socket(format!("not JSON: {e}"))),
            Ok(_) => Ok(None),
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(CdpError::Socket(e.to_string())),
        }
    }

    fn queue(&mut self, mut value: Value) {
        let Some(method) = value.get("method").and_then(Value::as_str) else {
            return;
        };
        self.events.push_back(Event {
            method: method.to_owned(),
            session: value
                .get("sessionId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            params: value["params"].take(),
        });
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ask politely first so Chromium flushes nothing half-written into the profile we delete.
        let _ = self
            .ws
            .send(Message::text(r#"{"id":0,"method":"Browser.close"}"#));
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(POLL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Chromium's command line: headless, an empty profile, the background services off (they
/// would call Google's hosts during a scan and show up in its report), DevTools on a free port.
fn chromium_command(options: &LaunchOptions, profile: &Path) -> Command {
    let mut command = Command::new(options.chrome);
    command.args([
        "--headless",
        "--remote-debugging-port=0",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        "--mute-audio",
        "--disable-quic",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    // Chromium refuses to run as root with its sandbox; only then is it switched off.
    if running_as_root() {
        command.arg("--no-sandbox");
    }
    if let Some(rules) = options.host_resolver_rules {
        command.arg(format!("--host-resolver-rules={rules}"));
    }
    command
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|uid| uid == "0"))
                .unwrap_or(false)
        })
        .unwrap_or(false)
}

/// Reads Chromium's stderr until it prints "DevTools listening on ws://…"; keeps draining it
/// afterwards on a thread of its own so the browser never blocks on a full pipe.
fn devtools_address(child: &mut Child) -> Result<String, CdpError> {
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| CdpError::Launch("no stderr".into()))?;
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tail = Vec::new();
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sent {
                continue;
            }
            if let Some(at) = line.find("ws://") {
                let _ = sender.send(Ok(line[at..].trim().to_owned()));
                sent = true;
            } else {
                tail.push(line);
            }
        }
        if !sent {
            let last: Vec<_> = tail.iter().rev().take(5).rev().cloned().collect();
            let _ = sender.send(Err(last.join(" | ")));
        }
    });
    match receiver.recv_timeout(LAUNCH_TIMEOUT) {
        Ok(Ok(address)) => Ok(address),
        Ok(Err(output)) => Err(CdpError::Launch(format!(
            "it exited without a DevTools address: {output}"
        ))),
        Err(_) => Err(CdpError::Timeout("Chromium's DevTools address".into())),
    }
}

/// Opens the websocket (ws://host:port/devtools/browser/…) with a short read timeout.
fn connect(address: &str) -> Result<WebSocket<TcpStream>, CdpError> {
    let authority = address
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| CdpError::Socket(format!("not a ws:// address: {address}")))?;
    let stream = TcpStream::connect(authority)
        .map_err(|e| CdpError::Socket(format!("connecting to {authority}: {e}")))?;
    let (ws, _) = tungstenite::client(address, stream)
        .map_err(|e| CdpError::Socket(format!("handshake with {address}: {e}")))?;
    ws.get_ref()
        .set_read_timeout(Some(POLL))
        .map_err(|e| CdpError::Socket(e.to_string()))?;
    Ok(ws)
}

/// A fresh directory for Chromium's profile (removed when the browser is dropped).
fn scratch_dir() -> Result<PathBuf, CdpError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("optin-scan-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| CdpError::Launch(format!("creating {}: {e}", dir.display())))?;
    Ok(dir)
}

fn str_field(value: &Value, key: &str, method: &str) -> Result<String, CdpError> {
    value[key]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| CdpError::Command {
            method: method.to_owned(),
            message: format!("no {key} in the answer"),
        })
}
