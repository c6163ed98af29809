//! The crawl `optin scan` and `optin audit` share: breadth-first over same-site links from the
//! start URLs, within --depth, --max-pages and --max-time, one page at a time with a delay
//! between page loads, obeying robots.txt unless told not to; three visits per page.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cdp::{Browser, CdpError, LaunchOptions, Tab};
use crate::robots::Robots;
use crate::site;
use crate::visit::{self, Stage, Visit};

/// The crawl's options, shared by `scan` and `audit`.
#[derive(clap::Args, Debug, Clone)]
pub struct CrawlArgs {
    /// Pages to start from (http or https).
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,
    /// How many links deep to follow from the start pages (0: the start pages only).
    #[arg(long, default_value_t = 1)]
    pub depth: usize,
    /// At most this many pages (each is visited three times).
    #[arg(long, default_value_t = 20)]
    pub max_pages: usize,
    /// Stop starting new pages after this many seconds.
    #[arg(long, default_value_t = 900)]
    pub max_time: u64,
    /// Milliseconds to wait between two page loads (politeness).
    #[arg(long, default_value_t = 1000)]
    pub delay: u64,
    /// Visit pages that robots.txt disallows.
    #[arg(long)]
    pub ignore_robots: bool,
    /// The Chromium (or Chrome) executable; default: chromium, chromium-browser or
    /// google-chrome on PATH.
    #[arg(long, value_name = "PATH")]
    pub chrome: Option<PathBuf>,
    /// Chromium's --host-resolver-rules, e.g. "MAP * 127.0.0.1" (testing a staging server
    /// under its real host names).
    #[arg(long, value_name = "RULES")]
    pub host_resolver_rules: Option<String>,
}

/// The three visits of one page.
#[derive(Debug, Serialize)]
pub struct PageScan {
    pub url: String,
    pub visits: Vec<Visit>,
}

impl PageScan {
    pub fn visit(&self, stage: Stage) -> Option<&Visit> {
        self.visits.iter().find(|v| v.stage == stage)
    }

    /// Whether the widget was found started on the page (in its first visit).
    pub fn has_optin(&self) -> bool {
        self.visits.first().is_some_and(|v| v.optin == "ready")
    }
}

/// Everything a crawl found, and what it left out and why.
#[derive(Debug, Serialize)]
pub struct Crawl {
    pub pages: Vec<PageScan>,
    /// (URL, reason) of pages not visited: robots.txt, limits.
    pub skipped: Vec<(String, String)>,
}

/// Why the crawl could not run at all.
#[derive(Debug)]
pub enum CrawlError {
    /// A start URL is not an absolute http(s) URL.
    BadUrl(String),
    /// No browser to drive.
    NoChrome,
    Browser(CdpError),
}

impl std::fmt::Display for CrawlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CrawlError::BadUrl(u) => write!(f, "{u}: not an absolute http or https URL"),
            CrawlError::NoChrome => write!(
                f,
                "no Chromium found: install it (Debian: apt-get install chromium) or give --chrome PATH"
            ),
            CrawlError::Browser(e) => write!(f, "{e}"),
        }
    }
}

/// Links to files that are not pages are not worth three browser visits.
const NOT_PAGES: &[&str] = &[
    ".pdf", ".zip", ".gz", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".css", ".js",
    ".mjs", ".json", ".xml", ".txt", ".mp3", ".mp4", ".webm", ".woff", ".woff2", ".wasm",
];

/// Crawls from the start URLs and visits every page three times.
pub fn crawl(args: &CrawlArgs) -> Result<Crawl, CrawlError> {
    for url in &args.urls {
        if site::origin(url).is_none() {
            return Err(CrawlError::BadUrl(url.clone()));
        }
    }
    let chrome = match &args.chrome {
        Some(path) => path.clone(),
        None => find_chrome().ok_or(CrawlError::NoChrome)?,
    };
    let mut browser = Browser::launch(&LaunchOptions {
        chrome: &chrome,
        host_resolver_rules: args.host_resolver_rules.as_deref(),
    })
    .map_err(CrawlError::Browser)?;
    let sites: HashSet<String> = args
        .urls
        .iter()
        .filter_map(|u| site::host(u))
        .map(|h| site::site(&h))
        .collect();
    let mut crawler = Crawler {
        args,
        started: Instant::now(),
        robots: HashMap::new(),
        last_load: None,
        out: Crawl {
            pages: Vec::new(),
            skipped: Vec::new(),
        },
    };
    let mut queue: VecDeque<(String, usize)> = args
        .urls
        .iter()
        .map(|u| (site::without_fragment(u).to_owned(), 0))
        .collect();
    let mut seen: HashSet<String> = queue.iter().map(|(u, _)| u.clone()).collect();
    while let Some((url, depth)) = queue.pop_front() {
        let Some(page) = crawler.page(&mut browser, &url) else {
            continue;
        };
        if depth < args.depth {
            for link in links(&page, &sites) {
                if seen.insert(link.clone()) {
                    queue.push_back((link, depth + 1));
                }
            }
        }
        crawler.out.pages.push(page);
    }
    Ok(crawler.out)
}

struct Crawler<'a> {
    args: &'a CrawlArgs,
    started: Instant,
    /// robots.txt per origin.
    robots: HashMap<String, Robots>,
    last_load: Option<Instant>,
    out: Crawl,
}

impl Crawler<'_> {
    /// The three visits of a page, or None (noted in `skipped`) when it may not be visited.
    fn page(&mut self, browser: &mut Browser, url: &str) -> Option<PageScan> {
        if let Some(reason) = self.refusal(browser, url) {
            self.out.skipped.push((url.to_owned(), reason));
            return None;
        }
        let n = self.out.pages.len() + 1;
        eprintln!(
            "optin: visiting {url} ({n}/{} at most)",
            self.args.max_pages
        );
        let mut visits = Vec::new();
        for stage in Stage::ALL {
            self.wait_politely();
            let v = visit::visit(browser, url, stage);
            self.last_load = Some(Instant::now());
            if let Some(e) = &v.error {
                eprintln!("optin: {url} ({}): {e}", stage.label());
            }
            // Without the widget there is nothing to click: the first visit says it all.
            let absent = v.optin != "ready";
            visits.push(v);
            if absent {
                break;
            }
        }
        Some(PageScan {
            url: url.to_owned(),
            visits,
        })
    }

    /// Why a page is not visited, if it is not.
    fn refusal(&mut self, browser: &mut Browser, url: &str) -> Option<String> {
        if self.out.pages.len() >= self.args.max_pages {
            return Some(format!("--max-pages {} reached", self.args.max_pages));
        }
        if self.started.elapsed() > Duration::from_secs(self.args.max_time) {
            return Some(format!("--max-time {} s reached", self.args.max_time));
        }
        if self.args.ignore_robots {
            return None;
        }
        let origin = site::origin_string(url)?;
        if !self.robots.contains_key(&origin) {
            self.wait_politely();
            let robots = fetch_robots(browser, &origin).unwrap_or_default();
            self.last_load = Some(Instant::now());
            self.robots.insert(origin.clone(), robots);
        }
        let path = site::path_and_query(url);
        (!self.robots[&origin].allows(path)).then(|| "disallowed by robots.txt".to_owned())
    }

    fn wait_politely(&self) {
        if let Some(last) = self.last_load {
            let delay = Duration::from_millis(self.args.delay);
            if let Some(rest) = delay.checked_sub(last.elapsed()) {
                std::thread::sleep(rest);
            }
        }
    }
}

/// The same-site links of a page's first visit, without fragments and non-pages.
fn links(page: &PageScan, sites: &HashSet<String>) -> Vec<String> {
    let Some(first) = page.visits.first() else {
        return Vec::new();
    };
    first
        .links
        .iter()
        .filter(|l| site::host(l).is_some_and(|h| sites.contains(&site::site(&h))))
        .map(|l| site::without_fragment(l).to_owned())
        .filter(|l| {
            let path = site::path_and_query(l).split('?').next().unwrap_or("");
            !NOT_PAGES
                .iter()
                .any(|ext| path.to_ascii_lowercase().ends_with(ext))
        })
        .collect()
}

/// robots.txt of an origin, read by the browser itself (so https, proxies and host rules work
/// as for the pages); none (everything allowed) when it is missing or not a 200.
fn fetch_robots(browser: &mut Browser, origin: &str) -> Option<Robots> {
    let tab = browser.new_tab().ok()?;
    let body = robots_body(browser, &tab, origin);
    let _ = browser.close_tab(&tab);
    body.map(|b| Robots::parse(&b))
}

fn robots_body(browser: &mut Browser, tab: &Tab, origin: &str) -> Option<String> {
    let url = format!("{origin}/robots.txt");
    let expression = format!(
        "fetch({}, {{cache: 'no-store', redirect: 'follow'}}).then((r) => r.ok ? r.text() : '').catch(() => '')",
        serde_json::to_string(&url).ok()?
    );
    // A fetch from the origin's own page is same-origin: navigate to the file first.
    let session = Some(tab.session.as_str());
    browser
        .call("Page.enable", serde_json::json!({}), session)
        .ok()?;
    browser
        .call("Page.navigate", serde_json::json!({"url": url}), session)
        .ok()?;
    browser
        .wait_for("robots.txt", Duration::from_secs(15), |e| {
            e.method == "Page.loadEventFired" && e.session.as_deref() == session
        })
        .ok()?;
    let body = browser.evaluate(tab, &expression).ok()?;
    body.as_str().map(str::to_owned)
}

/// chromium, chromium-browser or google-chrome, the first found on PATH.
fn find_chrome() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
