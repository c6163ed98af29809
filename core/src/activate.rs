//! Brings gated elements to life: finds them in the page, asks `gate::plan` what to do, and does
//! it. Scripts are replaced by live copies, one at a time; iframes, images, media and stylesheets
//! get their real URL; a blocked iframe shows a placeholder (`placeholder.rs`) in its place.
//!
//! External scripts without `async` run one after another, each waiting for the previous one to
//! load or fail, as the HTML parser would run them. Every element is marked the moment it is
//! queued (`data-optin-state`), so nothing ever runs twice, however often or from wherever
//! activation is triggered. Scripts run in time slices, so hundreds of them make no long task.
//! A MutationObserver brings content the page adds later under the same rules; it does no work
//! unless a gated element arrives.

use std::cell::RefCell;
use std::collections::VecDeque;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlScriptElement};

use crate::config::Config;
use crate::consent::Access;
use crate::gate::{self, Gated, Kind, Requirement, State, Step};
use crate::placeholder;

const STATE: &str = "data-optin-state";
/// Every gated element, including scripts that already ran (for withdrawals).
const GATED: &str = "script[type=\"text/plain\"][data-category],script[data-category][data-optin-state],\
iframe[data-category],img[data-category],video[data-category],audio[data-category],link[data-category]";
/// A gated element nobody has looked at yet: what the observer waits for.
const UNSEEN: &str = "[data-category]:not([data-optin-state])";
/// Attributes that describe the inert script, not the live one.
const NOT_COPIED: &[&str] = &["type", "data-type", "data-src", STATE];

/// What activation needs besides the page: what is granted, and the words for placeholders.
pub struct Context<'a> {
    pub access: &'a Access,
    pub config: &'a Config,
    pub lang: &'a str,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Element>,
    /// A blocking script is loading: the rest waits for its load or error event.
    busy: bool,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::new(Queue::default());
}

fn gated_elements() -> Vec<Element> {
    let Some(found) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all(GATED).ok())
    else {
        return Vec::new();
    };
    (0..found.length())
        .filter_map(|i| found.item(i)?.dyn_into().ok())
        .collect()
}

/// Applies `ctx.access` to every gated element of the page.
pub fn run(ctx: &Context) {
    let elements = gated_elements();
    let described: Vec<Gated> = elements.iter().map(describe).collect();
    let mut scripts = Vec::new();
    for step in gate::plan(&described, ctx.access) {
        match step {
            Step::Activate(i) => match described[i].kind {
                Kind::Script { .. } => {
                    let _ = elements[i].set_attribute(STATE, "queued");
                    scripts.push(elements[i].clone());
                }
                Kind::Frame => {
                    placeholder::remove(&elements[i]);
                    load(&elements[i]);
                }
                Kind::Media => load(&elements[i]),
            },
            Step::Block(i) => block_frame(&elements[i], ctx),
        }
    }
    if scripts.is_empty() {
        return;
    }
    let start = QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        q.waiting.extend(scripts);
        !std::mem::replace(&mut q.busy, true)
    });
    if start {
        pump();
    }
}

/// Whether a script that ran on this page is no longer allowed under `access`.
pub fn ran_but_withdrawn(access: &Access) -> bool {
    let described: Vec<Gated> = gated_elements().iter().map(describe).collect();
    gate::ran_but_withdrawn(&described, access)
}

fn describe(el: &Element) -> Gated {
    let kind = match el.tag_name().as_str() {
        "SCRIPT" => Kind::Script {
            blocking: (el.has_attribute("src") || el.has_attribute("data-src"))
                && !el.has_attribute("async"),
        },
        "IFRAME" => Kind::Frame,
        _ => Kind::Media,
    };
    let state = match el.get_attribute(STATE).as_deref() {
        None => State::New,
        Some("blocked") => State::Blocked,
        Some(_) => State::Live,
    };
    Gated {
        requirement: el
            .get_attribute("data-category")
            .and_then(|c| Requirement::parse(&c, el.get_attribute("data-service").as_deref())),
        kind,
        state,
    }
}

/// Gives an embed its real URL: `data-src` (iframe, img, video, audio) or `data-href` (link).
fn load(el: &Element) {
    let (from, to) = if el.tag_name() == "LINK" {
        ("data-href", "href")
    } else {
        ("data-src", "src")
    };
    if let Some(url) = el.get_attribute(from) {
        let _ = el.set_attribute(to, &url);
    }
    let _ = el.remove_attribute("hidden");
    if let Some(html) = el.dyn_ref::<web_sys::HtmlElement>() {
        let _ = html.style().remove_property("display");
    }
    let _ = el.set_attribute(STATE, "live");
}

/// Hides a frame behind its placeholder; a frame that was loaded is emptied first.
fn block_frame(frame: &Element, ctx: &Context) {
    placeholder::insert(frame, ctx);
    if frame.has_attribute("src") {
        let _ = frame.set_attribute("src", "about:blank");
    }
    let _ = frame.set_attribute("hidden", "");
    // Also through the CSSOM: a page rule such as `iframe { display: block }` beats `[hidden]`.
    if let Some(html) = frame.dyn_ref::<web_sys::HtmlElement>() {
        let _ = html.style().set_property("display", "none");
    }
    let _ = frame.set_attribute(STATE, "blocked");
}

/// How long one task may run scripts before yielding to the browser (input, rendering): many
/// gated scripts at once must not make one long task.
const SLICE_MS: f64 = 8.0;

/// Runs queued scripts until one must be waited for, or the time slice is used up. Holds no
/// borrow while a script runs: an inline script may call the widget's API, which may queue more.
fn pump() {
    let started = js_sys::Date::now();
    loop {
        if js_sys::Date::now() - started > SLICE_MS {
            // Still busy: runs queued meanwhile only add to the queue.
            let resume = Closure::once_into_js(pump);
            if let Some(w) = web_sys::window() {
                if w.set_timeout_with_callback(resume.unchecked_ref()).is_ok() {
                    return;
                }
            }
        }
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
            let blocking = matches!(describe(&el).kind, Kind::Script { blocking: true });
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
    let _ = live.set_attribute(STATE, "live");
    Some(live)
}

/// Calls `on_gated_added` whenever the page adds an element nobody has looked at yet that is
/// gated (or contains one). Our own insertions carry `data-optin-state` and do not count.
pub fn observe(on_gated_added: fn()) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let callback = Closure::<dyn Fn(js_sys::Array)>::new(move |records: js_sys::Array| {
        let added = records.iter().any(|record| {
            let record: web_sys::MutationRecord = record.unchecked_into();
            let nodes = record.added_nodes();
            (0..nodes.length()).any(|i| {
                nodes
                    .item(i)
                    .and_then(|n| n.dyn_into::<Element>().ok())
                    .is_some_and(|el| {
                        el.matches(UNSEEN).unwrap_or(false)
                            || el.query_selector(UNSEEN).ok().flatten().is_some()
                    })
            })
        });
        if added {
            on_gated_added();
        }
    });
    if let Ok(observer) = web_sys::MutationObserver::new(callback.as_ref().unchecked_ref()) {
        let init = web_sys::MutationObserverInit::new();
        init.set_child_list(true);
        init.set_subtree(true);
        let _ = observer.observe_with_options(&root, &init);
    }
    callback.forget();
}
