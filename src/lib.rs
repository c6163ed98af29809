//! optin-ui: the banner and the preferences panel, a Yew app in an open shadow root.
//!
//! The loader fetches this wasm only when something must show, and drives it through two exports,
//! `show(view, texts)` and `hide()`; `texts` is the visitor's language file (`lang/<code>.json`),
//! which the loader fetches beside this wasm when the language is not English. The UI in turn
//! talks to the core only through `window.optin` (see `api.rs`) and listens to the core's
//! `optin:change` event, like any site script would.

mod api;
mod app;
mod banner;
mod dom;
mod model;
mod preferences;
mod rich_text;
pub mod state;

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use yew::Callback;

pub use app::{App, Command};

thread_local! {
    static INBOX: RefCell<Inbox> = RefCell::new(Inbox::default());
}

/// Commands from outside the Yew app, held until the app has mounted and can take them.
#[derive(Default)]
struct Inbox {
    mounted: bool,
    deliver: Option<Callback<Command>>,
    pending: Vec<Command>,
}

/// Shows the banner (`"banner"`) or the preferences panel (`"preferences"`), in the words of
/// `texts` (the content of the language's shipped file) where the site has none of its own.
#[wasm_bindgen]
pub fn show(view: &str, texts: Option<String>) {
    if let Some(texts) = texts {
        model::use_shipped_texts(&texts);
    }
    mount();
    send(match view {
        "preferences" => Command::Preferences,
        _ => Command::Banner,
    });
}

#[wasm_bindgen]
pub fn hide() {
    send(Command::Hide);
}

pub(crate) fn send(command: Command) {
    let deliver = INBOX.with(|inbox| {
        let mut inbox = inbox.borrow_mut();
        match &inbox.deliver {
            Some(cb) => Some(cb.clone()),
            None => {
                inbox.pending.push(command.clone());
                None
            }
        }
    });
    if let Some(cb) = deliver {
        cb.emit(command);
    }
}

/// Called by the app once mounted: from now on commands go straight to it.
pub(crate) fn connect(deliver: Callback<Command>) {
    let pending = INBOX.with(|inbox| {
        let mut inbox = inbox.borrow_mut();
        inbox.deliver = Some(deliver.clone());
        std::mem::take(&mut inbox.pending)
    });
    for command in pending {
        deliver.emit(command);
    }
}

fn mount() {
    let first = INBOX.with(|inbox| !std::mem::replace(&mut inbox.borrow_mut().mounted, true));
    if !first {
        return;
    }
    match dom::shadow_mount_point() {
        Ok(root) => {
            // The app's first render builds the model from the config; together with the mount
            // above it made one task of up to 85 ms on the benchmark's phone, so it gets its own.
            dom::next_task(move || {
                yew::Renderer::<App>::with_root(root).render();
            });
            dom::on_document_event("optin:change", || send(Command::Chosen));
        }
        Err(e) => web_sys::console::error_2(&"optin: could not show the banner".into(), &e),
    }
}
