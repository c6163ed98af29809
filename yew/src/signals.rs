//! What the loader does on a standalone page that belongs to the consent rather than to the
//! loader's plumbing, done by [`crate::OptinProvider`] in the app's own wasm: `[data-optin-open]`
//! controls, Google Consent Mode (`googleConsentMode`), the consent log (`log.endpoint`) and the
//! `optin:ready` event. The values come from the core's own definitions (`consent_mode.rs`,
//! `receipt.rs`, through its Rust API), as the loader's do through `window.optin`.

use std::cell::{Cell, RefCell};

use js_sys::{Function, Reflect};
use optin_core::api;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event};

use crate::connector::{send, Command};

fn warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}

/// A click on (or inside) any `[data-optin-open]` element opens the preferences panel: one
/// listener on `document` serves every such element, also ones rendered later. Only opening is
/// handled, never granting: a page-wide listener cannot tell our markup from a look-alike.
pub(crate) fn open_from_page(event: &Event) {
    let opener = event
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|el| el.closest("[data-optin-open]").ok().flatten());
    if opener.is_some() {
        event.prevent_default();
        send(Command::Preferences);
    }
}

thread_local! {
    /// The page has no `gtag` and was told so once.
    static NO_GTAG_TOLD: Cell<bool> = const { Cell::new(false) };
}

/// `gtag('consent', kind, values)` through the page's own `gtag`. Unlike the loader, the
/// provider does not define one when the page has none: a function that pushes `arguments`
/// (what Google's tag reads) cannot be written in Rust without `eval`, which a strict CSP
/// forbids, and Consent Mode's default must be in the page before the wasm anyway.
fn gtag(kind: &str, values: &JsValue) {
    let Some(window) = web_sys::window() else {
        return;
    };
    match Reflect::get(&window, &"gtag".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    {
        Some(gtag) => {
            let _ = gtag.call3(&window, &"consent".into(), &kind.into(), values);
        }
        None if !NO_GTAG_TOLD.with(|t| t.replace(true)) => warn(
            "optin: the config sets googleConsentMode, but the page defines no gtag(); define it \
             in index.html before the app (README \"In a Yew app\")",
        ),
        None => {}
    }
}

/// After the start: the default (every mapped type denied, as the loader sends it) and, with a
/// choice stored, the update. Nothing when the config maps no consent type.
pub(crate) fn consent_mode_start() {
    let Some(config) = api::config() else { return };
    if config.google_consent_mode.is_empty() {
        return;
    }
    let values = js_sys::Object::new();
    for (consent_type, _) in &config.google_consent_mode {
        let _ = Reflect::set(&values, &consent_type.into(), &"denied".into());
    }
    let _ = Reflect::set(&values, &"wait_for_update".into(), &500.into());
    gtag("default", &values);
    consent_mode_update();
}

/// `gtag('consent', 'update', …)` with the core's value for every mapped type
/// (`consent_mode::update_json`), while a choice is stored.
pub(crate) fn consent_mode_update() {
    let mapped = api::config().is_some_and(|c| !c.google_consent_mode.is_empty());
    if !mapped || api::consent_json().is_none() {
        return;
    }
    if let Some(values) = api::consent_mode_json().and_then(|j| js_sys::JSON::parse(&j).ok()) {
        gtag("update", &values);
    }
}

/// POSTs the receipt of the choice in force to `log.endpoint`, once per choice (`last` holds the
/// one sent), as `text/plain` (no CORS preflight) with a keepalive fetch, as the loader does.
/// Unlike the loader there is no outbox: a receipt the log does not take is not sent again, and
/// the console says so (README "In a Yew app").
pub(crate) fn log_receipt(last: &RefCell<Option<String>>) {
    let Some(endpoint) = api::config().and_then(|c| c.log_endpoint.clone()) else {
        return;
    };
    let Some(receipt) = api::receipt_json() else {
        return;
    };
    if last.borrow().as_ref() == Some(&receipt) {
        return;
    }
    *last.borrow_mut() = Some(receipt.clone());
    let Some(window) = web_sys::window() else {
        return;
    };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    // A string body is sent as text/plain;charset=UTF-8: a simple request, no preflight.
    init.set_body(&receipt.into());
    let _ = Reflect::set(&init, &"keepalive".into(), &true.into());
    let answered = Closure::<dyn FnMut(JsValue)>::new(|response: JsValue| {
        let status = Reflect::get(&response, &"status".into())
            .ok()
            .and_then(|s| s.as_f64())
            .unwrap_or(0.0);
        // 2xx stored it, 409 had it already.
        if !(200.0..300.0).contains(&status) && status != 409.0 {
            warn(
                &[
                    "optin: the consent log answered HTTP ",
                    &(status as u32).to_string(),
                    "; the receipt is not sent again",
                ]
                .concat(),
            );
        }
    });
    let failed = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {
        warn("optin: the consent log could not be reached; the receipt is not sent again");
    });
    let _ = window
        .fetch_with_str_and_init(&endpoint, &init)
        .then2(&answered, &failed);
    // One pair per choice; they must outlive this call, and the page is their lifetime.
    answered.forget();
    failed.forget();
}

/// `optin:ready` on `document`, as the loader announces its start (there is no `window.optin`
/// to hand over: the app has `use_consent()`).
pub(crate) fn ready() {
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        if let Ok(event) = Event::new("optin:ready") {
            let _ = document.dispatch_event(&event);
        }
    }
}
