//! Where the consent record lives, and the only code that touches `localStorage` and
//! `document.cookie`.
//!
//! localStorage can be missing, disabled, throwing on access or full (private modes, sandboxed
//! iframes, a page that patched `Storage.prototype`). Every access goes through web-sys `Result`s,
//! never a panic. The chain: localStorage; a first-party cookie when localStorage fails, or always
//! when the config names a `cookieDomain` (so the choice holds across the site's hosts); and
//! memory for the page, so a choice applies where it was made whatever the browser refuses.
//!
//! Every one of these calls can run page code (a patched `Storage.prototype`, a `document.cookie`
//! accessor, `console.warn`), which may call straight back into the widget. So a `Store` is used
//! through `&self`, shared by `Rc` and called with no other state borrowed, and its own cells
//! are never borrowed across a call into the page.

use std::cell::Cell;

use wasm_bindgen::JsCast;
use web_sys::HtmlDocument;

use crate::cookies::{self, Clearing};
use crate::log;

/// Browsers cap a cookie at 4096 bytes, name and attributes included.
const COOKIE_MAX: usize = 3800;

pub struct Store {
    key: String,
    local: Cell<Option<web_sys::Storage>>,
    /// Whether the record is also kept in a cookie, and on which domain (`None`: this host).
    cookie: Cell<Option<Option<String>>>,
    max_age_secs: u64,
    memory: Cell<Option<String>>,
    /// Set while a call into the page is under way: see [`Store::busy`].
    busy: Cell<bool>,
}

/// A copy of what a cell holds. Cells, not `RefCell`s: nothing here is ever borrowed across a
/// call, and a `RefCell`'s borrow checks would each bring a panic path into the wasm.
fn peek<T: Clone>(cell: &Cell<Option<T>>) -> Option<T> {
    let value = cell.take();
    cell.set(value.clone());
    value
}

fn document() -> Option<HtmlDocument> {
    crate::document()?.dyn_into().ok()
}

fn probe(key: &str) -> Result<web_sys::Storage, &'static str> {
    let window = crate::window().ok_or("no window")?;
    let storage = window
        .local_storage()
        .map_err(|_| "access denied")?
        .ok_or("not available")?;
    storage.get_item(key).map_err(|_| "reading throws")?;
    Ok(storage)
}

impl Store {
    /// Opens the chain for `key`. `cookie_domain` mirrors the record into a cookie on that domain.
    pub fn open(key: &str, cookie_domain: Option<&str>, lifetime_days: u32) -> Store {
        let local = match probe(key) {
            Ok(storage) => Some(storage),
            Err(why) => {
                log::warn(
                    &[
                        "localStorage is not usable (",
                        why,
                        "); keeping the choice in a cookie",
                    ]
                    .concat(),
                );
                None
            }
        };
        let cookie = match (cookie_domain, &local) {
            (Some(domain), _) => Some(Some(domain.to_owned())),
            (None, None) => Some(None),
            (None, Some(_)) => None,
        };
        Store {
            key: key.to_owned(),
            local: Cell::new(local),
            cookie: Cell::new(cookie),
            max_age_secs: u64::from(lifetime_days) * 86_400,
            memory: Cell::new(None),
            busy: Cell::new(false),
        }
    }

    /// Whether the store is reading or writing right now: a page hook on storage, cookies or the
    /// console is running. A choice made from inside such a hook is refused (it would interleave
    /// with the one being stored); questions are answered from the widget's state as usual.
    pub fn busy(&self) -> bool {
        self.busy.get()
    }

    /// Runs `f`, which calls into the page, with `busy` set. Every call in here is a `Result`
    /// (or `log::warn`, which catches too), so no exception can skip resetting the flag.
    fn io<R>(&self, f: impl FnOnce() -> R) -> R {
        let was = self.busy.replace(true);
        let r = f();
        self.busy.set(was);
        r
    }

    fn local(&self) -> Option<web_sys::Storage> {
        peek(&self.local)
    }

    fn cookie_domain(&self) -> Option<Option<String>> {
        peek(&self.cookie)
    }

    /// Every stored copy (localStorage, cookie, memory), for the caller to pick the newest.
    pub fn read_all(&self) -> Vec<String> {
        self.io(|| {
            let mut out = Vec::new();
            if let Some(v) = self
                .local()
                .and_then(|s| s.get_item(&self.key).ok().flatten())
            {
                out.push(v);
            }
            if self.cookie_domain().is_some() {
                if let Some(v) = self.read_cookie() {
                    out.push(v);
                }
            }
            out.extend(peek(&self.memory));
            out
        })
    }

    /// Whether every place the chain writes to holds exactly `value`.
    pub fn in_step(&self, value: &str) -> bool {
        self.io(|| {
            let local_ok = self
                .local()
                .is_none_or(|s| s.get_item(&self.key).ok().flatten().as_deref() == Some(value));
            local_ok
                && (self.cookie_domain().is_none() || self.read_cookie().as_deref() == Some(value))
        })
    }

    fn read_cookie(&self) -> Option<String> {
        let header = document()?.cookie().ok()?;
        let value = header.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == self.key).then_some(value)
        })?;
        js_sys::decode_uri_component(value).ok()?.as_string()
    }

    /// Stores `value` everywhere the chain uses; what the browser refuses falls to the next link.
    pub fn write(&self, value: &str) {
        // Memory first: whatever the page's hooks do meanwhile, the choice holds on this page.
        self.memory.set(Some(value.to_owned()));
        self.io(|| {
            if let Some(s) = self.local() {
                if s.set_item(&self.key, value).is_err() {
                    self.local.set(None);
                    // A cookie from now on, on the configured domain if there is one.
                    self.cookie.set(Some(self.cookie.take().unwrap_or(None)));
                    log::warn("localStorage refused the consent record; keeping it in a cookie");
                }
            }
            if let Some(domain) = self.cookie_domain() {
                self.write_cookie(value, domain.as_deref());
            }
        });
    }

    fn write_cookie(&self, value: &str, domain: Option<&str>) {
        let encoded = percent_encode(value);
        if encoded.len() > COOKIE_MAX {
            log::warn("the consent record is too large for a cookie; not shared across hosts");
            return;
        }
        let mut cookie = [
            self.key.as_str(),
            "=",
            &encoded,
            "; Path=/; SameSite=Lax; Max-Age=",
        ]
        .concat();
        crate::json::push_uint(&mut cookie, self.max_age_secs);
        if let Some(d) = domain {
            cookie.push_str("; Domain=");
            cookie.push_str(d);
        }
        let secure = crate::window()
            .and_then(|w| w.location().protocol().ok())
            .is_some_and(|p| p == "https:");
        if secure {
            cookie.push_str("; Secure");
        }
        if let Some(doc) = document() {
            let _ = doc.set_cookie(&cookie);
        }
    }

    /// Forgets the record everywhere (`optin.reset()`).
    pub fn remove(&self) {
        self.memory.set(None);
        self.io(|| {
            if let Some(s) = self.local() {
                let _ = s.remove_item(&self.key);
            }
            if let Some(domain) = self.cookie_domain() {
                let mut deletion = [self.key.as_str(), "=; Path=/; Max-Age=0"].concat();
                if let Some(d) = domain {
                    deletion.push_str("; Domain=");
                    deletion.push_str(&d);
                }
                if let Some(doc) = document() {
                    let _ = doc.set_cookie(&deletion);
                }
            }
        });
    }

    /// Deletes the cookies and localStorage keys a withdrawal clears, wherever they may be set.
    pub fn clear(&self, clearing: &Clearing) {
        if clearing.is_empty() {
            // Most changes withdraw nothing: no need to read the cookie header.
            return;
        }
        self.io(|| self.clear_now(clearing));
    }

    fn clear_now(&self, clearing: &Clearing) {
        if let Some(doc) = document() {
            let host = crate::window()
                .and_then(|w| w.location().hostname().ok())
                .unwrap_or_default();
            let header = doc.cookie().unwrap_or_default();
            let visible = cookies::names(&header);
            for (pattern, paths) in &clearing.cookies {
                // An exact name is deleted blindly: a cookie set on another path is invisible
                // here. A pattern can only match the names this page can see.
                let names: Vec<&str> = if pattern.contains('*') {
                    visible
                        .iter()
                        .copied()
                        .filter(|n| cookies::matches(pattern, n))
                        .collect()
                } else {
                    vec![pattern.as_str()]
                };
                for name in names {
                    for deletion in cookies::deletions(name, &host, paths) {
                        let _ = doc.set_cookie(&deletion);
                    }
                }
            }
        }
        if let Some(s) = self.local() {
            for key in &clearing.local_storage {
                let _ = s.remove_item(key);
            }
        }
    }
}

/// What `encodeURIComponent` does, in Rust: the page can replace the global, and this runs
/// while the store is busy.
fn percent_encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len() * 3 / 2);
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}
