//! Brings gated elements to life: finds them in the page, asks `gate::step` what to do with each,
//! and does it. Scripts are replaced by live copies, one at a time; iframes, images, media and
//! stylesheets get their real URL; a blocked iframe shows a placeholder (`placeholder.rs`) in its place.
//!
//! External scripts without `async` run one after another, each waiting for the previous one to
//! load or fail, as the HTML parser would run them. Every element is marked the moment it is
//! queued (`data-optin-state`), so nothing ever runs twice, however often or from wherever
//! activation is triggered. Both the walk over the page and the scripts go in time slices, so
//! hundreds of gated elements make no long task.
//! A MutationObserver brings content the page adds later under the same rules; it does no work
//! unless a gated element arrives. While the page is still being parsed (optin.js without
//! `defer`), a walk stops at the first allowed inline script, whose text may be incomplete, and
//! one more walk at `DOMContentLoaded` goes on from there.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlIFrameElement, HtmlScriptElement, NodeList};

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
/// Owned, because a walk over a large page outlives the call that started it.
pub struct Context {
    pub access: Access,
    pub config: Rc<Config>,
    pub lang: String,
}

/// The gated elements of the page still to be looked at, in document order. The list is
/// static (`querySelectorAll`); elements are taken from it one by one as the walk goes.
struct Walk {
    /// Tells this walk from a newer one that replaced it while an element was being handled.
    id: u32,
    elements: Option<NodeList>,
    next: u32,
    ctx: Rc<Context>,
    /// The HTML parser had not finished the page when the walk began.
    parsing: bool,
}

/// When a walk starts: at page start at once, after a choice in a task of its own, so that the
/// click's task ends (and the banner closes) before the page's scripts run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum When {
    Now,
    NextTask,
}

/// The activation state. Like the widget's, it is never borrowed across a call into the page:
/// a DOM call can run page code (a patched prototype, a mutation's side effects, a script),
/// which may call the API and start another run.
#[derive(Default)]
struct Queue {
    /// At most one walk: a newer access replaces what an unfinished walk would still have done.
    walk: Option<Walk>,
    /// The id the next walk gets.
    walks: u32,
    waiting: VecDeque<Element>,
    /// A pump is running or scheduled: new work joins the queue instead of starting another.
    active: bool,
    /// A blocking script is loading: the other scripts wait for its load or error event.
    loading: bool,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::new(Queue::default());
}

fn gated_elements(document: &web_sys::Document) -> Option<NodeList> {
    document.query_selector_all(GATED).ok()
}

fn parsing(document: &web_sys::Document) -> bool {
    document.ready_state() == "loading"
}

/// Applies `ctx.access` to every gated element of the page, starting `when`, and going on in
/// later tasks when the page has more than one time slice's worth.
pub fn run(ctx: Context, when: When) {
    let document = crate::document();
    let elements = document.as_ref().and_then(gated_elements);
    let parsing = document.as_ref().is_some_and(parsing);
    let start = QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        q.walks = q.walks.wrapping_add(1);
        q.walk = Some(Walk {
            id: q.walks,
            elements,
            next: 0,
            ctx: Rc::new(ctx),
            parsing,
        });
        !std::mem::replace(&mut q.active, true)
    });
    // Scheduling can only fail without a window; then the walk runs now rather than never.
    if start && (when == When::Now || !schedule_pump()) {
        pump();
    }
}

/// The next element of the walk, taken out of the queue's state: (walk id, position, list,
/// what applies, whether the page was being parsed).
type WalkItem = (u32, u32, NodeList, Rc<Context>, bool);

fn next_of_walk(q: &mut Queue) -> Option<WalkItem> {
    let walk = q.walk.as_mut()?;
    let Some(list) = walk.elements.clone() else {
        q.walk = None;
        return None;
    };
    walk.next += 1;
    Some((
        walk.id,
        walk.next - 1,
        list,
        Rc::clone(&walk.ctx),
        walk.parsing,
    ))
}

/// Ends walk `id`, unless a newer one has replaced it meanwhile.
fn end_walk(id: u32) {
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        if q.walk.as_ref().is_some_and(|w| w.id == id) {
            q.walk = None;
        }
    });
}

/// Looks at one element of a walk and does what `gate::step` says, with the queue let go. Past
/// the last element, or at an inline script the parser may still be adding to, the walk ends.
fn walk_step((id, at, list, ctx, parsing): WalkItem) {
    let Some(el) = list.item(at).map(|node| node.unchecked_into::<Element>()) else {
        end_walk(id);
        return;
    };
    let described = describe(&el);
    match gate::step(&described, &ctx.access, parsing) {
        Some(Step::Activate) => match described.kind {
            Kind::Script { .. } => {
                let _ = el.set_attribute(STATE, "queued");
                QUEUE.with(|q| q.borrow_mut().waiting.push_back(el));
            }
            Kind::Frame => {
                placeholder::remove(&el);
                load(&el);
            }
            Kind::Media => load(&el),
        },
        Some(Step::Block) => block_frame(&el, &ctx),
        Some(Step::WaitForParser) => end_walk(id),
        None => {}
    }
}

/// Whether a script that ran on this page is no longer allowed under `access`.
pub fn ran_but_withdrawn(access: &Access) -> bool {
    let Some(list) = crate::document().as_ref().and_then(gated_elements) else {
        return false;
    };
    let described: Vec<Gated> = (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|node| describe(node.unchecked_ref()))
        .collect();
    gate::ran_but_withdrawn(&described, access)
}

/// What the plan needs to know of an element. Type checks and `has_attribute` instead of
/// reading strings where possible: this runs for every gated element of the page.
fn describe(el: &Element) -> Gated {
    let kind = if el.is_instance_of::<HtmlScriptElement>() {
        Kind::Script {
            inline: !el.has_attribute("src") && !el.has_attribute("data-src"),
        }
    } else if el.is_instance_of::<HtmlIFrameElement>() {
        Kind::Frame
    } else {
        Kind::Media
    };
    let state = if !el.has_attribute(STATE) {
        State::New
    } else if el.matches("[data-optin-state=blocked]").unwrap_or(false) {
        State::Blocked
    } else {
        State::Live
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
/// gated scripts at once must not make one long task. Every slice costs a timer hop (4 ms once
/// timers nest) and a frame, so slices are as long as the 50 ms long-task line allows. Measured
/// (README "Benchmark", 500 gated scripts, phone profile, `OPTIN_SLICE_MS=<ms>` at build time
/// with `node bench/run.mjs --kinds stress`): a slice's task is the slice plus 3 to 13 ms (the
/// script that ends it, the timer, the trace): 8 → 9–20 ms, 16 → 19–26, 24 → 31–35, 32 → 33–45,
/// 40 → 42–48. 32 is the longest that keeps 5 ms for a slow last script.
const SLICE_MS: f64 = match option_env!("OPTIN_SLICE_MS") {
    Some(ms) => parse_ms(ms.as_bytes()),
    None => 32.0,
};

/// A whole number of milliseconds, at compile time (`str::parse` is not `const`).
const fn parse_ms(digits: &[u8]) -> f64 {
    let mut value = 0u32;
    let mut i = 0;
    while i < digits.len() {
        assert!(
            digits[i].is_ascii_digit(),
            "OPTIN_SLICE_MS must be a whole number of ms"
        );
        value = value * 10 + (digits[i] - b'0') as u32;
        i += 1;
    }
    value as f64
}

/// Walks the page, then runs queued scripts, until a script must be waited for, there is nothing
/// left, or the time slice is used up. Holds no borrow while a script runs: an inline script may
/// call the widget's API, which may start a new walk or queue more.
fn pump() {
    let started = js_sys::Date::now();
    loop {
        if js_sys::Date::now() - started > SLICE_MS && schedule_pump() {
            // Still active: runs started meanwhile only replace the walk or add to the queue.
            return;
        }
        // First the walk, element by element; then the queued scripts, one by one.
        let next = QUEUE.with(|q| {
            let mut q = q.borrow_mut();
            if let Some(item) = next_of_walk(&mut q) {
                return Some(Work::Look(item));
            }
            let next = if q.loading {
                None
            } else {
                q.waiting.pop_front()
            };
            q.active = next.is_some();
            next.map(Work::Run)
        });
        match next {
            Some(Work::Look(item)) => walk_step(item),
            Some(Work::Run(el)) => {
                if run_script(&el) {
                    return;
                }
            }
            None => return,
        }
    }
}

/// What the pump does next, decided with the queue borrowed and done with it let go.
enum Work {
    Look(WalkItem),
    Run(Element),
}

/// Runs `pump` in a task of its own. False if it cannot be scheduled (then the caller goes on).
fn schedule_pump() -> bool {
    let resume = Closure::once_into_js(pump);
    web_sys::window().is_some_and(|w| w.set_timeout_with_callback(resume.unchecked_ref()).is_ok())
}

/// Replaces an inert script with its live copy. True when it is a blocking script, whose load
/// or error event resumes the queue.
fn run_script(el: &Element) -> bool {
    let Some(live) = live_copy(el) else {
        return false;
    };
    // As the parser would: an external script without `async` blocks the ones after it.
    let blocking = live.has_attribute("src") && !live.r#async();
    if blocking {
        // One function for both outcomes: a script that 404s must not stall the rest.
        let resume = Closure::once_into_js(resume_after_load);
        live.set_onload(Some(resume.unchecked_ref()));
        live.set_onerror(Some(resume.unchecked_ref()));
    }
    let replaced = el.replace_with_with_node_1(&live).is_ok();
    if replaced && blocking {
        QUEUE.with(|q| {
            let mut q = q.borrow_mut();
            q.loading = true;
            // Idle until the load event: a new walk meanwhile may start a pump of its own.
            q.active = false;
        });
    }
    replaced && blocking
}

/// A blocking script loaded (or failed): the queue goes on, unless a pump is already running.
fn resume_after_load() {
    let start = QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        q.loading = false;
        !std::mem::replace(&mut q.active, true)
    });
    if start {
        pump();
    }
}

/// A runnable copy of an inert script: same attributes and nonce, the real type, the real src.
/// A clone, then the inert script's own attributes off: one call copies the attributes and the
/// text (however long, never through the wasm's memory), where copying them one by one took
/// about 20 calls across the wasm boundary per script (README "Benchmark", 500 gated). A clone
/// of a script the browser never started (its type was not JavaScript) is not started either,
/// so it runs when inserted.
fn live_copy(el: &Element) -> Option<HtmlScriptElement> {
    let live: HtmlScriptElement = el.clone_node_with_deep(true).ok()?.dyn_into().ok()?;
    let real_type = el.get_attribute("data-type");
    let data_src = el.get_attribute("data-src");
    for name in NOT_COPIED {
        let _ = live.remove_attribute(name);
    }
    if let Some(kind) = real_type {
        let _ = live.set_attribute("type", &kind);
    }
    let external = live.has_attribute("src");
    if !external {
        if let Some(src) = data_src {
            let _ = live.set_attribute("src", &src);
            // The parser would have ignored the text of a script with a src: so does the copy.
            live.set_text_content(None);
        }
    }
    // The spec has cloning copy the nonce; set again all the same, in case a browser does not.
    if let Some(html) = el.dyn_ref::<web_sys::HtmlElement>() {
        live.set_nonce(&html.nonce());
    }
    // Dynamically inserted scripts are async by default; order is kept by the queue instead.
    live.set_async(el.has_attribute("async"));
    let _ = live.set_attribute(STATE, "live");
    Some(live)
}

/// Calls `on_gated_added` whenever the page adds an element nobody has looked at yet that is
/// gated (or contains one), and once more when the parser finishes the page if it has not yet:
/// a walk during parsing leaves the inline scripts it may not have whole (`Step::WaitForParser`).
/// Our own insertions carry `data-optin-state` and do not count.
pub fn observe(on_gated_added: fn()) {
    let Some(document) = crate::document() else {
        return;
    };
    if parsing(&document) {
        let parsed = Closure::once_into_js(on_gated_added);
        let _ =
            document.add_event_listener_with_callback("DOMContentLoaded", parsed.unchecked_ref());
    }
    let Some(root) = document.document_element() else {
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
