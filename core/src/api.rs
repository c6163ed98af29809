//! The core's wasm exports: what the loader (`loader/loader.js`) wraps into `window.optin`.
//!
//! The widget's state lives here, in one thread-local. Every export borrows it briefly and lets it
//! go before running gated scripts or dispatching events, because those run page code that may
//! call straight back into the API.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::config::Config;
use crate::consent::{self, Method, Stored};
use crate::json::{string_array, ObjectWriter};
use crate::storage::Store;
use crate::{activate, events, log, texts};

struct Widget {
    config: Config,
    /// The config as JSON, handed to the UI and to `optin.config()`.
    config_json: String,
    lang: String,
    store: Store,
    stored: Stored,
}

thread_local! {
    static WIDGET: RefCell<Option<Widget>> = const { RefCell::new(None) };
}

fn with_widget<R>(f: impl FnOnce(&mut Widget) -> R) -> Option<R> {
    WIDGET.with(|w| w.borrow_mut().as_mut().map(f))
}

/// Starts the widget with the page's config (`None`: the built-in one), applies a valid stored
/// choice, and tells whether the visitor must be asked (banner). A broken config is an error:
/// nothing gated runs and the stored choice is left untouched.
#[wasm_bindgen]
pub fn start(config_json: Option<String>) -> Result<bool, JsValue> {
    let config_json = config_json.unwrap_or_else(|| Config::BUILTIN_JSON.to_owned());
    let parsed = Config::parse(&config_json).map_err(|e| JsValue::from_str(&e.describe()))?;
    for warning in &parsed.warnings {
        log::warn(&warning.describe());
    }
    let config = parsed.config;
    let lang = texts::choose_lang(&config, html_lang().as_deref(), &browser_langs());
    let store = Store::open(&config.storage_key);
    let stored = consent::assess(store.read().as_deref(), &config, js_sys::Date::now());
    if let Some(problem) = stored.problem() {
        log::warn(&[problem, "; asking again"].concat());
    }
    let grants = consent::grants(&config, stored.valid());
    let ask = stored.valid().is_none();
    WIDGET.with(|w| {
        *w.borrow_mut() = Some(Widget {
            config,
            config_json,
            lang,
            store,
            stored,
        })
    });
    activate::run(&grants);
    Ok(ask)
}

/// Records a choice: `method` is `accept-all`, `reject-all` or `custom` (with `accepted`).
#[wasm_bindgen]
pub fn choose(method: &str, accepted: Vec<String>) -> Result<(), JsValue> {
    let method = Method::parse(method).ok_or_else(|| {
        JsValue::from_str("optin: unknown choice; use accept-all, reject-all or custom")
    })?;
    let outcome = with_widget(|w| {
        let before = consent::grants(&w.config, w.stored.valid());
        let first = w.stored.valid().is_none();
        let record = consent::record_choice(
            &w.config,
            w.stored.previous(),
            consent::choices(&w.config, method, &accepted),
            method,
            consent::Context {
                now: js_sys::Date::now(),
                lang: &w.lang,
                new_id: new_uuid(),
            },
        );
        w.store.write(&record.to_json());
        w.stored = Stored::Valid(record);
        let after = consent::grants(&w.config, w.stored.valid());
        (first, change_json(&before, &after), after)
    })
    .ok_or_else(|| JsValue::from_str("optin: not started"))?;
    let (first, change, grants) = outcome;
    activate::run(&grants);
    if first {
        events::dispatch("optin:consent", &change);
    }
    events::dispatch("optin:change", &change);
    Ok(())
}

/// The detail of `optin:change`: what changed, and what is granted and denied now.
fn change_json(before: &[(String, bool)], after: &[(String, bool)]) -> String {
    let pick = |on: bool| {
        string_array(
            after
                .iter()
                .filter(|(_, v)| *v == on)
                .map(|(k, _)| k.as_str()),
        )
    };
    let changed = consent::changed(before, after);
    ObjectWriter::new()
        .raw("changed", &string_array(changed.iter().map(String::as_str)))
        .raw("granted", &pick(true))
        .raw("denied", &pick(false))
        .finish()
}

#[wasm_bindgen]
pub fn granted(category: &str) -> bool {
    with_widget(|w| consent::granted(&w.config, w.stored.valid(), category)).unwrap_or(false)
}

/// The valid stored record as JSON, or `None` before a choice.
#[wasm_bindgen]
pub fn consent_json() -> Option<String> {
    with_widget(|w| w.stored.valid().map(|r| r.to_json())).flatten()
}

#[wasm_bindgen]
pub fn config_json() -> Option<String> {
    with_widget(|w| w.config_json.clone())
}

#[wasm_bindgen]
pub fn lang() -> Option<String> {
    with_widget(|w| w.lang.clone())
}

fn html_lang() -> Option<String> {
    web_sys::window()?
        .document()?
        .document_element()?
        .get_attribute("lang")
}

fn browser_langs() -> Vec<String> {
    web_sys::window()
        .map(|w| w.navigator().languages())
        .map(|list| list.iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default()
}

fn new_uuid() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // No Web Crypto (very old or locked-down browsers): the id only has to be unlikely to
        // collide, it protects nothing.
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (js_sys::Math::random() * 256.0) as u8 ^ (i as u8);
        }
    }
    consent::uuid_v4(bytes)
}
