//! optin-core: the consent widget's engine, with no UI.
//!
//! Pure decisions (plain data in, plain data out, tested natively with `cargo test`):
//! [`config`] (the site owner's JSON), [`texts`] and [`catalogue`] (languages), [`record`] (the
//! consent record and its JSON), [`consent`] (is a record valid, what a choice grants),
//! [`receipt`] (the record as sent to the consent log, checked there by the same code),
//! [`formats`] (ids, language tags, origins), [`consent_mode`] (Google Consent Mode values),
//! [`cookies`] (what a withdrawal clears), [`gate`] (which gated elements may run), [`time`]
//! (ISO 8601), [`json`] (a small JSON reader and writer: serde_json alone was five times the
//! returning-visitor budget).
//!
//! The browser shell, compiled with the `exports` feature (the wasm the loader inlines):
//! `api` (the exports behind `window.optin`), `activate` (the DOM side of gating) and
//! `placeholder` (what a blocked iframe shows), `storage`
//! (the only code that reads or writes the record), `events`, `log`, and `alloc` (a small
//! allocator that replaces dlmalloc in the wasm).

pub mod catalogue;
pub mod config;
pub mod consent;
pub mod consent_mode;
pub mod cookies;
pub mod formats;
pub mod gate;
pub mod json;
pub mod receipt;
pub mod record;
pub mod texts;
pub mod time;

#[cfg(feature = "exports")]
pub mod activate;
// Natively too under test, where its logic runs on an arena (alloc.rs).
#[cfg(any(target_arch = "wasm32", test))]
pub mod alloc;
/// Every wasm that links the core (its own and the UI's) uses this allocator instead of dlmalloc.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: alloc::Allocator = alloc::Allocator::new();
#[cfg(feature = "exports")]
pub mod api;
#[cfg(feature = "exports")]
mod events;
#[cfg(feature = "exports")]
mod log;
#[cfg(feature = "exports")]
mod placeholder;
#[cfg(feature = "exports")]
pub mod storage;

/// The page's document, for the browser shell's modules; `None` outside a window.
#[cfg(feature = "exports")]
pub(crate) fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}
