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

use js_sys::JsString;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlIFrameElement, HtmlScriptElement, NodeList};

use crate::config::Config;
use crate::consent::Access;
use crate::gate::{self, Gated, Kind, Requirement, State, Step};
use crate::placeholder;

// The attribute names and selectors read or written for every gated element, as JS strings made
// once. Passed as `&str` (web-sys), each would be decoded from the wasm's memory on every call:
// with 500 gated scripts that was thousands of decodes and their garbage (README "Benchmark").
// (rustfmt would drop the initializers, which only wasm-bindgen understands.)
#[rustfmt::skip]
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(thread_local_v2, static_string)]
    static A_STATE: JsString = "data-optin-state";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static A_SRC: JsString = "src";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static A_DATA_SRC: JsString = "data-src";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static A_TYPE: JsString = "type";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static A_DATA_TYPE: JsString = "data-type";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static A_CATEGORY: JsString = "data-category";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static A_SERVICE: JsString = "data-service";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static A_ASYNC: JsString = "async";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static V_QUEUED: JsString = "queued";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static V_LIVE: JsString = "live";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static V_BLOCKED: JsString = "blocked";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static S_BLOCKED: JsString = "[data-optin-state=blocked]";
    /// A gated element nobody has looked at yet: what the observer waits for.
    #[wasm_bindgen(thread_local_v2, static_string)]
    static S_UNSEEN: JsString = "[data-category]:not([data-optin-state])";
}

#[wasm_bindgen]
extern "C" {
    /// An element, for these calls only (web-sys's bindings take `&str`).
    type Hot;
    #[wasm_bindgen(method, js_name = hasAttribute)]
    fn has(this: &Hot, name: &JsString) -> bool;
    #[wasm_bindgen(method, js_name = getAttribute)]
    fn get(this: &Hot, name: &JsString) -> Option<String>;
    #[wasm_bindgen(method, js_name = getAttribute)]
    fn get_js(this: &Hot, name: &JsString) -> Option<JsString>;
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set(this: &Hot, name: &JsString, value: &JsString);
    #[wasm_bindgen(method, js_name = removeAttribute)]
    fn remove(this: &Hot, name: &JsString);
    #[wasm_bindgen(method, js_name = matches)]
    fn is(this: &Hot, selector: &JsString) -> bool;
    #[wasm_bindgen(method, js_name = querySelector)]
    fn find(this: &Hot, selector: &JsString) -> Option<Element>;
}

/// The element for the calls above (a cast, no call).
fn hot(el: &Element) -> &Hot {
    el.unchecked_ref()
}

/// Sets `data-optin-state`.
fn mark(el: &Element, state: &'static wasm_bindgen::JsThreadLocal<JsString>) {
    A_STATE.with(|name| state.with(|value| hot(el).set(name, value)));
}

/// Every gated element, including scripts that already ran (for withdrawals).
const GATED: &str = "script[type=\"text/plain\"][data-category],script[data-category][data-optin-state],\
iframe[data-category],img[data-category],video[data-category],audio[data-category],link[data-category]";

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
    /// Scripts held up by a blocking one, and whether each is inline.
    waiting: VecDeque<(Element, bool)>,
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
            Kind::Script { inline } => {
                // The pump runs what waits before it looks further, so the queue is empty here
                // unless a blocking script is loading: then this one waits its turn.
                let wait = QUEUE.with(|q| q.borrow().loading);
                if wait {
                    mark(&el, &V_QUEUED);
                    QUEUE.with(|q| q.borrow_mut().waiting.push_back((el, inline)));
                } else {
                    run_script(&el, inline);
                }
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
            inline: !A_SRC.with(|n| hot(el).has(n)) && !A_DATA_SRC.with(|n| hot(el).has(n)),
        }
    } else if el.is_instance_of::<HtmlIFrameElement>() {
        Kind::Frame
    } else {
        Kind::Media
    };
    let state = if !A_STATE.with(|n| hot(el).has(n)) {
        State::New
    } else if S_BLOCKED.with(|s| hot(el).is(s)) {
        State::Blocked
    } else {
        State::Live
    };
    Gated {
        requirement: A_CATEGORY
            .with(|n| hot(el).get(n))
            .and_then(|c| Requirement::parse(&c, A_SERVICE.with(|n| hot(el).get(n)).as_deref())),
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
    mark(el, &V_LIVE);
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
    mark(frame, &V_BLOCKED);
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

/// Walks the page and runs the scripts it finds, until a script must be waited for, there is
/// nothing left, or the time slice is used up. A script the walk has queued runs before the walk
/// goes on (unless a blocking one is loading), so the first runs at once rather than after a
/// walk over the whole page. Holds no borrow while a script runs: an inline script may call the
/// widget's API, which may start a new walk or queue more.
fn pump() {
    let started = js_sys::Date::now();
    // The clock is read every few steps: a step is a fraction of a millisecond, a read a call.
    for step in 0u32.. {
        if step % 4 == 3 && js_sys::Date::now() - started > SLICE_MS && schedule_pump() {
            // Still active: runs started meanwhile only replace the walk or add to the queue.
            return;
        }
        let next = QUEUE.with(|q| {
            let mut q = q.borrow_mut();
            if !q.loading {
                if let Some((el, inline)) = q.waiting.pop_front() {
                    return Some(Work::Run(el, inline));
                }
            }
            let item = next_of_walk(&mut q);
            // Idle (until a load event, or new work) when there is nothing left to look at.
            q.active = item.is_some();
            item.map(Work::Look)
        });
        match next {
            Some(Work::Look(item)) => walk_step(item),
            Some(Work::Run(el, inline)) => run_script(&el, inline),
            None => return,
        }
    }
}

/// What the pump does next, decided with the queue borrowed and done with it let go.
enum Work {
    Look(WalkItem),
    Run(Element, bool),
}

/// Runs `pump` in a task of its own. False if it cannot be scheduled (then the caller goes on).
fn schedule_pump() -> bool {
    let resume = Closure::once_into_js(pump);
    crate::window().is_some_and(|w| w.set_timeout_with_callback(resume.unchecked_ref()).is_ok())
}

/// Replaces an inert script with its live copy. A blocking script holds the queue until its load
/// or error event.
fn run_script(el: &Element, inline: bool) {
    let Some((live, blocking)) = live_copy(el, inline) else {
        return;
    };
    if blocking {
        // One function for both outcomes: a script that 404s must not stall the rest.
        let resume = Closure::once_into_js(resume_after_load);
        live.set_onload(Some(resume.unchecked_ref()));
        live.set_onerror(Some(resume.unchecked_ref()));
    }
    if el.replace_with_with_node_1(&live).is_ok() && blocking {
        QUEUE.with(|q| q.borrow_mut().loading = true);
    }
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

/// A runnable copy of an inert script (same attributes and nonce, the real type, the real src)
/// and whether it blocks the scripts after it. A clone, then the inert script's own attributes
/// off: one call copies the attributes, the text (however long, never through the wasm's
/// memory) and the nonce (the spec's cloning steps copy it; a browser that did not would block
/// the copy, never run it unchecked). Only attributes that can be there are touched: a plain
/// inline script takes 5 calls across the wasm boundary, none with a string from the wasm's
/// memory (README "Benchmark", 500 gated). A clone of a script the browser never started (its
/// type was not JavaScript) is not started either, so it runs when inserted.
fn live_copy(el: &Element, inline: bool) -> Option<(HtmlScriptElement, bool)> {
    // Only scripts reach here (`walk_step`), and a script's clone is a script.
    let live: HtmlScriptElement = el.clone_node_with_deep(true).ok()?.unchecked_into();
    match A_DATA_TYPE.with(|n| hot(el).get_js(n)) {
        Some(real) => {
            A_TYPE.with(|n| hot(&live).set(n, &real));
            A_DATA_TYPE.with(|n| hot(&live).remove(n));
        }
        None => A_TYPE.with(|n| hot(&live).remove(n)),
    }
    let mut blocking = false;
    if !inline {
        if let Some(src) = A_DATA_SRC.with(|n| hot(el).get_js(n)) {
            A_DATA_SRC.with(|n| hot(&live).remove(n));
            if !A_SRC.with(|n| hot(&live).has(n)) {
                A_SRC.with(|n| hot(&live).set(n, &src));
                // The parser would have ignored the text of a script with a src: so does the copy.
                live.set_text_content(None);
            }
        }
        // Inserted scripts are async by default; the queue keeps the order instead: as the
        // parser would, an external script without `async` blocks the ones after it.
        let is_async = A_ASYNC.with(|n| hot(el).has(n));
        live.set_async(is_async);
        blocking = !is_async;
    }
    mark(&live, &V_LIVE);
    Some((live, blocking))
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
                        S_UNSEEN.with(|s| hot(&el).is(s) || hot(&el).find(s).is_some())
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
