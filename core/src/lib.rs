//! optin-core: the consent widget's engine, with no UI.
//!
//! Pure decisions (plain data in, plain data out, tested natively with `cargo test`):
//! [`config`] (the site owner's JSON), [`texts`] (languages), [`consent`] (the record and its
//! validity), [`gate`] (which gated elements may run), [`time`] (ISO 8601), [`json`] (a small
//! JSON reader and writer: serde_json alone was five times the returning-visitor budget).
//!
//! The browser shell, compiled with the `exports` feature (the wasm the loader inlines):
//! `api` (the exports behind `window.optin`), `activate` (the DOM side of gating), `storage`
//! (the only code that reads or writes the record), `events` and `log`.

pub mod config;
pub mod consent;
pub mod gate;
pub mod json;
pub mod texts;
pub mod time;

#[cfg(feature = "exports")]
mod activate;
#[cfg(feature = "exports")]
pub mod api;
#[cfg(feature = "exports")]
mod events;
#[cfg(feature = "exports")]
mod log;
#[cfg(feature = "exports")]
mod storage;
