//! optin-core: the consent widget's engine, with no UI.
//!
//! Pure decisions (plain data in, plain data out, tested natively with `cargo test`):
//! [`config`] (the site owner's JSON), [`texts`] and [`catalogue`] (languages), [`record`] (the
//! consent record and its JSON), [`consent`] (is a record valid, what a choice grants),
//! [`receipt`] (the record as sent to the consent log, checked there by the same code),
//! [`formats`] (ids, language tags, origins), [`consent_mode`] (Google Consent Mode values),
//! [`cookies`] (what a withdrawal clears), [`gate`] (which gated elements may run), [`time`]
//! (ISO 8601), [`json`] (a small JSON reader and writer: serde_json alone was five times the
//! returning-visitor budget), [`early_banner`] (the banner Yew rendered ahead of time, filled
//! with the config's texts).
//!
//! The browser shell, compiled with the `engine` feature: `api` (the widget's state and every
//! operation on it; with the `exports` feature also the wasm exports behind `window.optin`, the
//! wasm the loader inlines; without it a Rust API for a Yew app that links the core in-process,
//! the `optin-yew` crate), `activate` (the DOM side of gating) and
//! `placeholder` (what a blocked iframe shows), `storage`
//! (the only code that reads or writes the record), `events`, `log`, and `alloc` (a small
//! allocator that replaces dlmalloc in the wasm).

pub mod catalogue;
pub mod config;
pub mod consent;
pub mod consent_mode;
pub mod cookies;
pub mod early_banner;
pub mod formats;
pub mod gate;
pub mod json;
pub mod receipt;
pub mod record;
pub mod texts;
pub mod time;

#[cfg(feature = "engine")]
pub mod activate;
// Natively too under test, where its logic runs on an arena (alloc.rs).
#[cfg(any(target_arch = "wasm32", test))]
pub mod alloc;
/// Every wasm that links the core (its own and the UI's) uses this allocator instead of dlmalloc.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: alloc::Allocator = alloc::Allocator::new();
#[cfg(feature = "engine")]
pub mod api;
#[cfg(feature = "engine")]
mod events;
#[cfg(feature = "engine")]
mod log;
#[cfg(feature = "engine")]
mod placeholder;
#[cfg(feature = "engine")]
pub mod storage;

#[cfg(feature = "engine")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The global `window` (`undefined` outside one), looked up once. `web_sys::window()` finds
    /// it through `js_sys::global()`: four globals tried in turn and an `instanceof Window`, five
    /// imports with their glue, on every visitor's download.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Option<web_sys::Window>;
    /// The global `document`, looked up once too (a window keeps its document).
    #[wasm_bindgen(thread_local_v2, js_name = document)]
    static DOCUMENT: Option<web_sys::Document>;
}

/// The page's window, for the browser shell's modules; `None` outside one (a worker).
#[cfg(feature = "engine")]
pub(crate) fn window() -> Option<web_sys::Window> {
    WINDOW.with(Option::clone)
}

/// The page's document, for the browser shell's modules; `None` outside a window.
#[cfg(feature = "engine")]
pub(crate) fn document() -> Option<web_sys::Document> {
    DOCUMENT.with(Option::clone)
}
