//! The placeholder a blocked iframe shows in its place: same size, a labelled region that names
//! the service and why it is blocked, with "Load content" (this page view only) and "Always
//! allow" (stored).
//!
//! Only the buttons made here can grant anything: each gets its listener when it is created,
//! and the listener reads what to allow from the placeholder it belongs to. Markup that looks
//! the same (user content keeps `data-*` attributes through most sanitizers) has no listener,
//! so it does nothing.
//!
//! Built with DOM calls and `textContent` only (config texts are text), and styled through the
//! CSSOM, which a strict `style-src` policy does not block (inline `style` attributes it would).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement};

use crate::activate::Context;
use crate::texts;

const MARK: &str = "data-optin-placeholder";

/// Look that needs no stylesheet; sites can restyle `[data-optin-placeholder]` with `!important`.
/// Set as one `cssText` (the CSSOM, like `setProperty`): one string, not thirteen pairs.
const STYLE: &str = "box-sizing:border-box;display:flex;flex-direction:column;align-items:center;\
justify-content:center;gap:8px;padding:16px;overflow:auto;text-align:center;\
font:15px/1.4 system-ui, sans-serif;color:#1b1f24;background:#eef1f4;border:1px solid #6b7480";

thread_local! {
    /// The placeholders the widget made. Known by identity, never by their attributes: markup
    /// that copies them must neither hide a frame's real placeholder nor stand in for it.
    static OURS: js_sys::WeakSet = js_sys::WeakSet::new();
}

/// The placeholder right before `frame`, if the widget put one there.
fn existing(frame: &Element) -> Option<Element> {
    frame
        .previous_element_sibling()
        .filter(|p| OURS.with(|ours| ours.has(p.unchecked_ref())))
}

pub fn remove(frame: &Element) {
    if let Some(p) = existing(frame) {
        p.remove();
    }
}

/// `400` -> `400px`; `100%` stays; missing -> the frame's rendered size, else HTML's default.
fn dimension(frame: &Element, attr: &str, rendered: f64, default: &str) -> String {
    match frame.get_attribute(attr) {
        Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => v + "px",
        Some(v) if !v.is_empty() => v,
        _ if rendered > 0.0 => {
            let mut s = String::new();
            crate::json::push_uint(&mut s, rendered as u64);
            s + "px"
        }
        _ => default.to_owned(),
    }
}

pub fn insert(frame: &Element, ctx: &Context) {
    if existing(frame).is_some() {
        return;
    }
    // The page's document: the walk and the observer only see frames in it.
    let Some(document) = crate::document() else {
        return;
    };
    let category = frame.get_attribute("data-category").unwrap_or_default();
    let service = frame.get_attribute("data-service");
    let category_title = texts::category_title(&ctx.config, &ctx.lang, &category);
    let name = service
        .as_deref()
        .and_then(|s| {
            let c = ctx.config.category(&category)?;
            let svc = c.services.iter().find(|x| x.id == s)?;
            Some(svc.name.clone().unwrap_or_else(|| svc.id.clone()))
        })
        .or_else(|| frame.get_attribute("title"))
        .unwrap_or_else(|| category_title.clone());

    let Ok(region) = document.create_element("div") else {
        return;
    };
    let target = match &service {
        Some(s) => [category.as_str(), "/", s].concat(),
        None => category.clone(),
    };
    let _ = region.set_attribute(MARK, &target);
    let _ = region.set_attribute("role", "region");
    let _ = region.set_attribute("aria-label", &["Blocked content: ", &name].concat());
    let rect = frame.get_bounding_client_rect();
    if let Some(el) = region.dyn_ref::<HtmlElement>() {
        let style = el.style();
        style.set_css_text(STYLE);
        let _ = style.set_property("width", &dimension(frame, "width", rect.width(), "300px"));
        let _ = style.set_property(
            "height",
            &dimension(frame, "height", rect.height(), "150px"),
        );
    }
    let text = [
        &name,
        " is blocked because you have not allowed ",
        &category_title,
        " cookies.",
    ]
    .concat();
    append(&document, &region, "p", &text);
    for (label, hook, listener) in [
        ("Load content", "load-content", &LOAD_CONTENT),
        ("Always allow", "always-allow", &ALWAYS_ALLOW),
    ] {
        if let Some(button) = append(&document, &region, "button", label) {
            let _ = button.set_attribute("type", "button");
            // For styling and tests only: what the button does is its listener.
            let _ = button.set_attribute("data-optin", hook);
            listener.with(|l| {
                let _ =
                    button.add_event_listener_with_callback("click", l.as_ref().unchecked_ref());
            });
        }
    }
    OURS.with(|ours| ours.add(region.unchecked_ref()));
    let _ = frame.before_with_node_1(&region);
}

fn append(
    document: &web_sys::Document,
    parent: &Element,
    tag: &str,
    text: &str,
) -> Option<Element> {
    let el = document.create_element(tag).ok()?;
    el.set_text_content(Some(text));
    parent.append_child(&el).ok()?;
    Some(el)
}

// A click is never inside optin's own work and placeholders exist only once the widget has
// started, so the API's two errors (busy, not started) cannot happen here: they are ignored.
thread_local! {
    /// The listeners of the placeholder buttons the widget made, and of nothing else.
    static LOAD_CONTENT: Closure<dyn Fn(Event)> = Closure::new(|e: Event| {
        if let Some(target) = target_of(&e) {
            let _ = crate::api::allow_for_page(&target);
        }
    });
    static ALWAYS_ALLOW: Closure<dyn Fn(Event)> = Closure::new(|e: Event| {
        if let Some(target) = target_of(&e) {
            // `category/service`, or a category alone (an empty service grants all of it).
            let (category, service) = target.split_once('/').unwrap_or((&target, ""));
            let _ = crate::api::accept_service(category, service);
        }
    });
}

/// What the clicked button's placeholder stands for: `category` or `category/service`.
fn target_of(event: &Event) -> Option<String> {
    event
        .current_target()?
        .dyn_into::<Element>()
        .ok()?
        .parent_element()?
        .get_attribute(MARK)
}
