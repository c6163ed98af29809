//! Brings gated elements to life: finds them in the page, asks `gate::plan` which may run, and
//! replaces each inert `<script type="text/plain">` with a live copy, one at a time.
//!
//! External scripts without `async` run one after another, each waiting for the previous to load
//! or fail, as the HTML parser would run them. Every element is marked the moment it is queued
//! (`data-optin-state`), and the walk skips marked elements, so nothing ever runs twice, however
//! often or from wherever activation is triggered.

use std::cell::RefCell;
use std::collections::VecDeque;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlScriptElement};

use crate::gate::{self, Gated, Requirement};

const STATE_ATTR: &str = "data-optin-state";
const GATED_SCRIPTS: &str = "script[type=\"text/plain\"][data-category]:not([data-optin-state])";
/// Attributes that describe the inert element, not the live one.
const NOT_COPIED: &[&str] = &["type", "data-type", "data-src", STATE_ATTR];

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Element>,
    /// A blocking script is loading: the rest waits for its load or error event.
    busy: bool,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::new(Queue::default());
}

/// Activates every not-yet-handled gated element that `grants` allows.
pub fn run(grants: &[(String, bool)]) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(found) = document.query_selector_all(GATED_SCRIPTS) else {
        return;
    };
    let elements: Vec<Element> = (0..found.length())
        .filter_map(|i| found.item(i)?.dyn_into().ok())
        .collect();
    let described: Vec<Gated> = elements.iter().map(describe).collect();
    let chosen = gate::plan(&described, grants);
    if chosen.is_empty() {
        return;
    }
    let start = QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        for i in chosen {
            let _ = elements[i].set_attribute(STATE_ATTR, "queued");
            q.waiting.push_back(elements[i].clone());
        }
        !std::mem::replace(&mut q.busy, true)
    });
    if start {
        pump();
    }
}

fn describe(el: &Element) -> Gated {
    let external = el.has_attribute("src") || el.has_attribute("data-src");
    Gated {
        requirement: el
            .get_attribute("data-category")
            .and_then(|a| Requirement::parse(&a)),
        blocking: external && !el.has_attribute("async"),
    }
}

/// Runs queued elements until one must be waited for. Holds no borrow while a script runs: an
/// inline script may call the widget's API, which may queue more.
fn pump() {
    loop {
        let next = QUEUE.with(|q| {
            let mut q = q.borrow_mut();
            let next = q.waiting.pop_front();
            q.busy = next.is_some();
            next
        });
        let Some(el) = next else {
            return;
        };
        if let Some(live) = live_copy(&el) {
            let blocking = describe(&el).blocking;
            if blocking {
                // One function for both outcomes: a script that 404s must not stall the rest.
                let resume = Closure::once_into_js(pump);
                live.set_onload(Some(resume.unchecked_ref()));
                live.set_onerror(Some(resume.unchecked_ref()));
            }
            if el.replace_with_with_node_1(&live).is_ok() && blocking {
                return;
            }
        }
    }
}

/// A runnable copy of an inert script: same attributes and nonce, the real type, the real src.
fn live_copy(el: &Element) -> Option<HtmlScriptElement> {
    let document = el.owner_document()?;
    let live: HtmlScriptElement = document.create_element("script").ok()?.dyn_into().ok()?;
    let attrs = el.attributes();
    for i in 0..attrs.length() {
        if let Some(attr) = attrs.item(i) {
            let name = attr.name();
            if !NOT_COPIED.contains(&name.as_str()) {
                let _ = live.set_attribute(&name, &attr.value());
            }
        }
    }
    if let Some(kind) = el.get_attribute("data-type") {
        let _ = live.set_attribute("type", &kind);
    }
    if !el.has_attribute("src") {
        if let Some(src) = el.get_attribute("data-src") {
            let _ = live.set_attribute("src", &src);
        }
    }
    // After parsing, the nonce attribute reads empty; only the property still has it.
    if let Some(html) = el.dyn_ref::<web_sys::HtmlElement>() {
        live.set_nonce(&html.nonce());
    }
    // Dynamically inserted scripts are async by default; order is kept by the queue instead.
    live.set_async(el.has_attribute("async"));
    if !live.has_attribute("src") {
        live.set_text(&el.text_content().unwrap_or_default()).ok()?;
    }
    let _ = live.set_attribute(STATE_ATTR, "activated");
    Some(live)
}
