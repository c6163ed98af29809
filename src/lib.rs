//! optin-ui: the standalone widget's banner and preferences panel, a Yew app in an open shadow
//! root. The components are optin-yew's; this crate only mounts them and connects them to the
//! core through `window.optin` (`api.rs`, the [`JsApi`] connector).
//!
//! The loader fetches this wasm only when something must show, and drives it through two exports,
//! `show(view, texts)` and `hide()`; `texts` is the visitor's language file (`lang/<code>.json`),
//! which the loader fetches beside this wasm when the language is not English. The UI in turn
//! talks to the core only through `window.optin` and listens to the core's `optin:change` event,
//! like any site script would.

mod api;
mod read;

use std::cell::Cell;

use optin_yew::{dom, send, Command, ConsentUi};
use wasm_bindgen::prelude::*;

pub use api::JsApi;
pub use optin_yew::state;

/// The UI this crate mounts: optin-yew's, reaching the core through `window.optin`.
pub type App = ConsentUi<JsApi>;

thread_local! {
    /// The app is mounted once per page, on the first `show`.
    static MOUNTED: Cell<bool> = const { Cell::new(false) };
}

/// Shows the banner (`"banner"`) or the preferences panel (`"preferences"`), in the words of
/// `texts` (the content of the language's shipped file) where the site has none of its own.
#[wasm_bindgen]
pub fn show(view: &str, texts: Option<String>) {
    if let Some(texts) = texts {
        optin_yew::set_shipped_texts(read::language_file(&texts));
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

fn mount() {
    if MOUNTED.with(|m| m.replace(true)) {
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
