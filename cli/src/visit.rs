//! One visit of one page in a fresh browser context, as a visitor in one of three situations
//! (before any choice, after "Reject all", after "Accept all"): loads the page, clicks the
//! widget's own button when the situation asks for one, reloads, and records what the page left
//! behind: cookies, storage keys, third-party requests (with the script that made each), the
//! page's links and gated markup, and whether the preferences can be reopened.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{json, Value};

use crate::cdp::{Browser, CdpError, Event, Tab};
use crate::site;

/// How long a page may take to fire its load event.
const LOAD_TIMEOUT: Duration = Duration::from_secs(20);
/// The network is settled after this long without a request starting or ending...
const QUIET: Duration = Duration::from_millis(600);
/// ...or, with a page that never stops (polling, long requests), after this long.
const SETTLE_MAX: Duration = Duration::from_secs(6);

/// The situation a visit records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    BeforeChoice,
    AfterRejectAll,
    AfterAcceptAll,
}

impl Stage {
    pub const ALL: [Stage; 3] = [
        Stage::BeforeChoice,
        Stage::AfterRejectAll,
        Stage::AfterAcceptAll,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Stage::BeforeChoice => "before a choice",
            Stage::AfterRejectAll => "after reject-all",
            Stage::AfterAcceptAll => "after accept-all",
        }
    }

    /// The widget's button for this situation.
    fn button(self) -> Option<&'static str> {
        match self {
            Stage::BeforeChoice => None,
            Stage::AfterRejectAll => Some("reject-all"),
            Stage::AfterAcceptAll => Some("accept-all"),
        }
    }
}

/// A cookie in the browser's jar at the end of a visit.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cookie {
    pub name: String,
    pub domain: String,
    pub path: String,
    /// Seconds until it expires; None for a session cookie.
    pub expires_in: Option<i64>,
    pub third_party: bool,
    pub secure: bool,
    pub http_only: bool,
    pub same_site: Option<String>,
    /// The script whose `document.cookie` write set it, when a script did.
    pub set_by: Option<String>,
}

/// A localStorage or sessionStorage key of the page's origin.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct StorageKey {
    /// `local` or `session`.
    pub kind: &'static str,
    pub key: String,
}

/// A request to another site.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub host: String,
    pub url: String,
    /// The script that made it, or the document that referenced it (the protocol's initiator).
    pub initiator: Option<String>,
}

/// An element of the page's markup that optin gates: `data-category` with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gated {
    pub category: String,
    pub service: Option<String>,
    /// The absolute URL of its `src` / `data-src`, if any.
    pub src: Option<String>,
}

/// How a visitor gets back to the preferences after a choice.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WayBack {
    /// Elements with `data-optin-open`.
    pub open_links: usize,
    /// The widget's floating settings button.
    pub settings_button: bool,
    /// Clicking one of them opened the preferences panel.
    pub opens_preferences: bool,
}

/// Everything one visit recorded.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Visit {
    pub stage: Stage,
    /// The URL after redirects.
    pub url: String,
    /// Why the visit failed, if it did (then the rest may be partial).
    pub error: Option<String>,
    /// `absent`, `ready` or `broken` (the widget's `optin.ready` rejected).
    pub optin: String,
    /// Whether the stage's button was found and clicked.
    pub clicked: bool,
    pub cookies: Vec<Cookie>,
    pub storage: Vec<StorageKey>,
    pub requests: Vec<Request>,
    #[serde(skip)]
    pub links: Vec<String>,
    #[serde(skip)]
    pub gated: Vec<Gated>,
    pub way_back: Option<WayBack>,
}

#[cfg(test)]
impl Visit {
    /// A visit of `page` as the audit and draft tests describe one: the cookies, local storage
    /// keys and third-party hosts it found (each host requested by the page), nothing else.
    pub fn synthetic(
        stage: Stage,
        page: &str,
        cookies: Vec<Cookie>,
        storage: &[&str],
        hosts: &[&str],
    ) -> Visit {
        Visit {
            stage,
            url: page.into(),
            error: None,
            optin: "ready".into(),
            clicked: stage != Stage::BeforeChoice,
            cookies,
            storage: storage
                .iter()
                .map(|k| StorageKey {
                    kind: "local",
                    key: (*k).into(),
                })
                .collect(),
            requests: hosts
                .iter()
                .map(|h| Request {
                    host: (*h).into(),
                    url: format!("https://{h}/x.js"),
                    initiator: Some(page.into()),
                })
                .collect(),
            links: Vec::new(),
            gated: Vec::new(),
            way_back: None,
        }
    }
}

/// Notes which script writes each cookie: `document.cookie`'s setter, wrapped before any script
/// of the page runs, keeps [name, script URL] pairs from the writer's stack.
const COOKIE_TRACER: &str = r#"(() => {
  const d = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  if (!d || !d.set) return;
  const log = [];
  Object.defineProperty(window, '__optinScanCookieWrites', { value: log });
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true, enumerable: d.enumerable,
    get() { return d.get.call(this); },
    set(v) {
      try {
        const lines = String(new Error().stack).split('\n').slice(2);
        let url = '';
        for (const l of lines) { const m = l.match(/(https?:\/\/[^\s()]+?):\d+:\d+/); if (m) { url = m[1]; break; } }
        log.push([String(v).split(';')[0].split('=')[0].trim(), url]);
      } catch (e) {}
      d.set.call(this, v);
    },
  });
})()"#;

/// Whether the widget is on the page and started: `absent`, `ready` or `broken`.
const OPTIN_STATE: &str = r#"(async () => {
  const o = window.optin;
  if (!o || !o.ready || typeof o.ready.then !== 'function') return 'absent';
  try {
    const ok = await Promise.race([o.ready.then(() => true), new Promise((r) => setTimeout(() => r(false), 10000))]);
    return ok ? 'ready' : 'broken';
  } catch (e) { return 'broken'; }
})()"#;

/// Clicks the widget's own button (in its shadow root) once it is there; true if clicked.
fn click_button(hook: &str) -> String {
    format!(
        r#"(async () => {{
  for (let i = 0; i < 100; i++) {{
    const host = document.querySelector('optin-widget');
    const b = host && host.shadowRoot && host.shadowRoot.querySelector('[data-optin="{hook}"]');
    if (b) {{ b.click(); return true; }}
    await new Promise((r) => setTimeout(r, 100));
  }}
  return false;
}})()"#
    )
}

/// What the page offers to reopen the preferences, and whether the first offer works.
const WAY_BACK: &str = r#"(async () => {
  const links = document.querySelectorAll('[data-optin-open]');
  const host = document.querySelector('optin-settings');
  const settings = host && host.shadowRoot && host.shadowRoot.querySelector('[data-optin="settings"]');
  const target = links[0] || settings;
  let opens = false;
  if (target) {
    target.click();
    for (let i = 0; i < 100 && !opens; i++) {
      const w = document.querySelector('optin-widget');
      opens = !!(w && w.shadowRoot && w.shadowRoot.querySelector('[data-optin="preferences"]'));
      if (!opens) await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { openLinks: links.length, settingsButton: !!settings, opensPreferences: opens };
})()"#;

const STORAGE_KEYS: &str = r#"(() => {
  const keys = (s) => { try { return Object.keys(s()); } catch (e) { return []; } };
  return { local: keys(() => localStorage), session: keys(() => sessionStorage) };
})()"#;

const PAGE_FACTS: &str = r#"(() => ({
  url: location.href,
  links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
  gated: [...document.querySelectorAll('[data-category]')].map((e) => {
    const raw = e.getAttribute('data-src') || e.getAttribute('src');
    let src = null;
    try { src = raw ? new URL(raw, location.href).href : null; } catch (err) {}
    return { category: e.getAttribute('data-category'), service: e.getAttribute('data-service'), src };
  }),
}))()"#;

/// Records one visit of `url` in `stage` (a fresh browser context, closed afterwards).
pub fn visit(browser: &mut Browser, url: &str, stage: Stage) -> Visit {
    let mut visit = Visit {
        stage,
        url: url.to_owned(),
        error: None,
        optin: "absent".into(),
        clicked: false,
        cookies: Vec::new(),
        storage: Vec::new(),
        requests: Vec::new(),
        links: Vec::new(),
        gated: Vec::new(),
        way_back: None,
    };
    let tab = match browser.new_tab() {
        Ok(tab) => tab,
        Err(e) => {
            visit.error = Some(e.to_string());
            return visit;
        }
    };
    let mut recorder = Recorder::new(&tab);
    if let Err(e) = recorder.run(browser, &tab, &mut visit) {
        visit.error = Some(e.to_string());
    }
    if let Err(e) = browser.close_tab(&tab) {
        visit.error.get_or_insert(e.to_string());
    }
    visit
}

/// The events of one tab (and of the frames of other sites inside it, which run in sessions of
/// their own), and the cookie writes seen so far.
struct Recorder {
    sessions: HashSet<String>,
    log: Vec<Event>,
    writers: HashMap<String, String>,
}

impl Recorder {
    fn new(tab: &Tab) -> Recorder {
        Recorder {
            sessions: HashSet::from([tab.session.clone()]),
            log: Vec::new(),
            writers: HashMap::new(),
        }
    }

    fn run(&mut self, browser: &mut Browser, tab: &Tab, visit: &mut Visit) -> Result<(), CdpError> {
        let session = Some(tab.session.as_str());
        browser.call("Network.enable", json!({}), session)?;
        browser.call("Page.enable", json!({}), session)?;
        browser.call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": COOKIE_TRACER}),
            session,
        )?;
        // Frames of other sites run in processes of their own: attach to them (paused until
        // their network is watched) so their requests are seen too.
        browser.call(
            "Target.setAutoAttach",
            json!({"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}),
            session,
        )?;
        self.load(browser, tab, "Page.navigate", json!({"url": visit.url}))?;
        visit.optin = browser
            .evaluate(tab, OPTIN_STATE)?
            .as_str()
            .unwrap_or("absent")
            .to_owned();
        let mut since = 0;
        if let Some(hook) = stage_button(visit) {
            self.note_writers(browser, tab)?;
            visit.clicked = browser.evaluate(tab, &click_button(hook))? == json!(true);
            // What the page asked for before the click belongs to the "before" visit.
            since = self.log.len();
            self.settle(browser)?;
            self.note_writers(browser, tab)?;
            self.load(browser, tab, "Page.reload", json!({}))?;
        }
        self.record(browser, tab, visit, since)?;
        if visit.stage == Stage::AfterRejectAll && visit.optin == "ready" {
            visit.way_back = serde_json::from_value(browser.evaluate(tab, WAY_BACK)?).ok();
        }
        Ok(())
    }

    /// Navigates (or reloads), waits for the load event, then for the network to settle.
    fn load(
        &mut self,
        browser: &mut Browser,
        tab: &Tab,
        method: &str,
        params: Value,
    ) -> Result<(), CdpError> {
        let start = self.log.len();
        let answer = browser.call(method, params, Some(&tab.session))?;
        if let Some(error) = answer["errorText"].as_str().filter(|e| !e.is_empty()) {
            return Err(CdpError::Command {
                method: method.to_owned(),
                message: error.to_owned(),
            });
        }
        let deadline = Instant::now() + LOAD_TIMEOUT;
        while !self.log[start..]
            .iter()
            .any(|e| e.method == "Page.loadEventFired" && e.session.as_ref() == Some(&tab.session))
        {
            if Instant::now() > deadline {
                return Err(CdpError::Timeout("the page's load event".into()));
            }
            self.pump(browser, Duration::from_millis(100))?;
        }
        self.settle(browser)
    }

    /// Waits until no request has started or ended for QUIET (at most SETTLE_MAX).
    fn settle(&mut self, browser: &mut Browser) -> Result<(), CdpError> {
        let start = Instant::now();
        let mut last_activity = Instant::now();
        while start.elapsed() < SETTLE_MAX && last_activity.elapsed() < QUIET {
            let before = self.log.len();
            self.pump(browser, Duration::from_millis(100))?;
            if self.log[before..]
                .iter()
                .any(|e| e.method.starts_with("Network."))
            {
                last_activity = Instant::now();
            }
        }
        Ok(())
    }

    /// Reads events for a while, keeping ours and following newly attached frames.
    fn pump(&mut self, browser: &mut Browser, duration: Duration) -> Result<(), CdpError> {
        browser.pump(duration)?;
        let events: Vec<Event> = browser
            .take_events()
            .into_iter()
            .filter(|e| {
                e.session
                    .as_ref()
                    .is_some_and(|s| self.sessions.contains(s))
            })
            .collect();
        for event in &events {
            if event.method == "Target.attachedToTarget" {
                self.follow(browser, event)?;
            }
        }
        self.log.extend(events);
        Ok(())
    }

    /// Watches the network of a frame of another site, then lets it run.
    fn follow(&mut self, browser: &mut Browser, event: &Event) -> Result<(), CdpError> {
        let Some(child) = event.params["sessionId"].as_str() else {
            return Ok(());
        };
        self.sessions.insert(child.to_owned());
        // A frame may be gone by the time we ask; that is no reason to fail the visit.
        let _ = browser.call("Network.enable", json!({}), Some(child));
        let _ = browser.call(
            "Target.setAutoAttach",
            json!({"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}),
            Some(child),
        );
        let _ = browser.call("Runtime.runIfWaitingForDebugger", json!({}), Some(child));
        Ok(())
    }

    /// Keeps which script wrote each cookie (the log lives in the document, gone on reload).
    fn note_writers(&mut self, browser: &mut Browser, tab: &Tab) -> Result<(), CdpError> {
        let writes = browser.evaluate(tab, "window.__optinScanCookieWrites || []")?;
        for pair in writes.as_array().into_iter().flatten() {
            if let (Some(name), Some(url)) = (pair[0].as_str(), pair[1].as_str()) {
                if !url.is_empty() {
                    self.writers.insert(name.to_owned(), url.to_owned());
                }
            }
        }
        Ok(())
    }

    /// Takes the page's state: facts, cookie writers, cookies, storage, requests since `since`.
    fn record(
        &mut self,
        browser: &mut Browser,
        tab: &Tab,
        visit: &mut Visit,
        since: usize,
    ) -> Result<(), CdpError> {
        let facts = browser.evaluate(tab, PAGE_FACTS)?;
        if let Some(url) = facts["url"].as_str() {
            visit.url = url.to_owned();
        }
        visit.links = facts["links"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_str().map(str::to_owned))
            .collect();
        visit.gated = facts["gated"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(gated)
            .collect();
        self.note_writers(browser, tab)?;
        let page_host = site::host(&visit.url).unwrap_or_default();
        let jar = browser.call(
            "Storage.getCookies",
            json!({"browserContextId": tab.context}),
            None,
        )?;
        visit.cookies = jar["cookies"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| cookie(c, &page_host, &self.writers))
            .collect();
        visit
            .cookies
            .sort_by(|a, b| (&a.name, &a.domain).cmp(&(&b.name, &b.domain)));
        visit.storage = storage_keys(&browser.evaluate(tab, STORAGE_KEYS)?);
        visit.requests = third_party_requests(&self.log[since..], &page_host);
        Ok(())
    }
}

/// The button to click in this visit, if the widget is there to click it.
fn stage_button(visit: &Visit) -> Option<&'static str> {
    visit.stage.button().filter(|_| visit.optin == "ready")
}

fn gated(value: &Value) -> Option<Gated> {
    Some(Gated {
        category: value["category"].as_str()?.to_owned(),
        service: value["service"].as_str().map(str::to_owned),
        src: value["src"].as_str().map(str::to_owned),
    })
}

/// One cookie of `Storage.getCookies`.
fn cookie(c: &Value, page_host: &str, writers: &HashMap<String, String>) -> Cookie {
    let name = c["name"].as_str().unwrap_or_default().to_owned();
    let domain = c["domain"].as_str().unwrap_or_default().to_owned();
    let session = c["session"].as_bool().unwrap_or(true);
    let expires_in = c["expires"]
        .as_f64()
        .filter(|e| !session && *e > 0.0)
        .map(|e| e as i64 - now_secs());
    Cookie {
        set_by: writers.get(&name).cloned(),
        third_party: site::third_party(&domain, page_host),
        name,
        domain,
        path: c["path"].as_str().unwrap_or("/").to_owned(),
        expires_in,
        secure: c["secure"].as_bool().unwrap_or(false),
        http_only: c["httpOnly"].as_bool().unwrap_or(false),
        same_site: c["sameSite"].as_str().map(str::to_owned),
    }
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn storage_keys(value: &Value) -> Vec<StorageKey> {
    let mut keys = Vec::new();
    for kind in ["local", "session"] {
        for key in value[kind].as_array().into_iter().flatten() {
            if let Some(key) = key.as_str() {
                keys.push(StorageKey {
                    kind,
                    key: key.to_owned(),
                });
            }
        }
    }
    keys.sort();
    keys
}

/// The requests to other sites among the events, one per URL.
fn third_party_requests(events: &[Event], page_host: &str) -> Vec<Request> {
    let mut by_url = BTreeMap::new();
    for event in events
        .iter()
        .filter(|e| e.method == "Network.requestWillBeSent")
    {
        let url = event.params["request"]["url"].as_str().unwrap_or_default();
        let Some(host) = site::host(url) else {
            continue;
        };
        if !site::third_party(&host, page_host) {
            continue;
        }
        by_url.entry(url.to_owned()).or_insert_with(|| Request {
            host,
            url: url.to_owned(),
            initiator: initiator(&event.params),
        });
    }
    by_url.into_values().collect()
}

/// The script that made a request (the first frame of its stack with a URL, through async
/// parents), else the document that referenced it.
fn initiator(params: &Value) -> Option<String> {
    let initiator = &params["initiator"];
    let mut stack = &initiator["stack"];
    while stack.is_object() {
        let frames = stack["callFrames"].as_array().into_iter().flatten();
        for frame in frames {
            if let Some(url) = frame["url"].as_str().filter(|u| !u.is_empty()) {
                return Some(url.to_owned());
            }
        }
        stack = &stack["parent"];
    }
    initiator["url"]
        .as_str()
        .or(params["documentURL"].as_str())
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initiators_come_from_the_stack_then_the_document() {
        let from_stack = json!({"initiator": {"type": "script", "stack": {"callFrames": [],
            "parent": {"callFrames": [{"url": "http://a.test/x.js"}]}}}});
        assert_eq!(
            initiator(&from_stack).as_deref(),
            Some("http://a.test/x.js")
        );
        let parser = json!({"initiator": {"type": "parser", "url": "http://a.test/"}});
        assert_eq!(initiator(&parser).as_deref(), Some("http://a.test/"));
        let other = json!({"initiator": {"type": "other"}, "documentURL": "http://a.test/p"});
        assert_eq!(initiator(&other).as_deref(), Some("http://a.test/p"));
    }

    #[test]
    fn only_other_sites_requests_are_kept() {
        let event = |url: &str| Event {
            method: "Network.requestWillBeSent".into(),
            session: Some("s".into()),
            params: json!({"request": {"url": url}, "initiator": {"type": "other"}}),
        };
        let events = [
            event("http://www.demo.test/app.js"),
            event("http://cdn.demo.test/x.js"),
            event("http://www.google-analytics.com/g/collect"),
            event("http://www.google-analytics.com/g/collect"),
            event("data:image/png;base64,AAAA"),
        ];
        let kept = third_party_requests(&events, "www.demo.test");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].host, "www.google-analytics.com");
    }
}
