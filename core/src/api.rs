//! The core's wasm exports: what the loader (`loader/loader.js`) wraps into `window.optin`.
//!
//! The widget's state lives here, in one thread-local. Every export borrows it briefly and lets it
//! go before running gated scripts or dispatching events, because those run page code that may
//! call straight back into the API.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::activate::{self, Context, When};
use crate::config::Config;
use crate::consent::{self, Access, Method, Stored};
use crate::cookies;
use crate::json::{string_array, ObjectWriter};
use crate::storage::Store;
use crate::{events, log, texts};

struct Widget {
    /// Shared, not cloned, with each activation run (the observer triggers many).
    config: Rc<Config>,
    /// The config as JSON, handed to the UI and to `optin.config()`.
    config_json: String,
    lang: String,
    store: Store,
    stored: Stored,
    /// Allowed for this page view only (a placeholder's "Load content"): `cat` or `cat/svc`.
    page_only: Vec<String>,
    /// The browser sends a Global Privacy Control signal.
    gpc_seen: bool,
}

impl Widget {
    fn access(&self) -> Access {
        Access::new(&self.config, self.stored.valid(), &self.page_only)
    }

    /// The signal is honoured and some category is marked as sale or sharing of data.
    fn gpc_applies(&self) -> bool {
        self.gpc_seen && self.config.honor_gpc && self.config.categories.iter().any(|c| c.gpc)
    }
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
    let mut store = Store::open(
        &config.storage_key,
        config.cookie_domain.as_deref(),
        config.expires_after_days,
    );
    let stored = read_stored(&store, &config);
    report(&stored, &config);
    if let Some(record) = stored.valid() {
        // Keep localStorage and the cross-host cookie in step with the newest copy.
        let json = record.to_json();
        if !store.in_step(&json) {
            store.write(&json);
        }
    }
    let ask = stored.valid().is_none();
    let first_start = WIDGET.with(|w| {
        w.borrow_mut()
            .replace(Widget {
                config: Rc::new(config),
                config_json,
                lang,
                store,
                stored,
                page_only: Vec::new(),
                gpc_seen: gpc_signal(),
            })
            .is_none()
    });
    // With a stored choice, granted scripts must not wait; without one nothing is granted, and
    // the walk (placeholders only) can wait a task rather than lengthen the one showing the banner.
    apply(if ask { When::NextTask } else { When::Now });
    if first_start {
        activate::observe(|| apply(When::Now));
        follow_choices_made_elsewhere();
    }
    Ok(ask)
}

/// The freshest stored choice, from every place the storage chain keeps it.
fn read_stored(store: &Store, config: &Config) -> Stored {
    consent::assess_all(&store.read_all(), config, js_sys::Date::now())
}

/// A console warning for whatever is wrong with the stored choice, once per stored value.
fn report(stored: &Stored, config: &Config) {
    if let Some(problem) = stored.problem() {
        log::warn(&[problem, "; asking again"].concat());
    }
    if let Some(record) = stored.valid() {
        let unknown = consent::unknown_categories(record, config);
        if !unknown.is_empty() {
            log::warn(
                &[
                    "the stored consent names categories the config no longer has (",
                    &unknown.join(", "),
                    "); they are ignored",
                ]
                .concat(),
            );
        }
    }
}

/// Takes up a choice made elsewhere: in another tab of this host (a `storage` event), on another
/// host of the site (the shared `cookieDomain` cookie fires no event at all), or while this page
/// sat in the back/forward cache (it hears no events). So the stored choice is read again on
/// `storage`, on `pageshow` and whenever the page is shown again (`visibilitychange`), and
/// applied if it is not the one in force.
fn follow_choices_made_elsewhere() {
    let Some(window) = web_sys::window() else {
        return;
    };
    // Any `storage` event re-reads, whatever key it names: the read is cheap, the comparison
    // makes it harmless, and filtering by key cost 168 B of every visitor's download.
    let reread = Closure::<dyn Fn()>::new(|| {
        let fresh = with_widget(|w| {
            let fresh = read_stored(&w.store, &w.config);
            let changed = !fresh.same_choice(&w.stored);
            if changed {
                report(&fresh, &w.config);
            }
            changed.then_some(fresh)
        });
        if let Some(fresh) = fresh.flatten() {
            update(|w| w.stored = fresh);
        }
    });
    let f = reread.as_ref().unchecked_ref();
    let _ = window.add_event_listener_with_callback("storage", f);
    let _ = window.add_event_listener_with_callback("pageshow", f);
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", f);
    }
    reread.forget();
}

/// Changes the widget's state with `f`, then brings the page in line: clears what was
/// withdrawn, runs what is newly allowed (or reloads when a script that ran lost its grant),
/// and announces the change. `None` before the widget has started.
fn update(f: impl FnOnce(&mut Widget)) -> Option<()> {
    let (first, change, reload) = with_widget(|w| {
        let before = w.access();
        let first = w.stored.valid().is_none();
        f(w);
        let after = w.access();
        w.store
            .clear(&cookies::to_clear(&w.config, &before, &after));
        // Only a withdrawal can need a reload; a pure grant skips the walk over the page.
        let reload = w.config.reload_on_withdraw
            && after.withdraws_from(&before)
            && activate::ran_but_withdrawn(&after);
        (
            first && w.stored.valid().is_some(),
            change_json(&before, &after),
            reload,
        )
    })?;
    if !reload {
        apply(When::NextTask);
    }
    if first {
        events::dispatch("optin:consent", &change);
    }
    events::dispatch("optin:change", &change);
    if reload {
        // The new choice is stored; a script that ran cannot be unloaded, so start afresh.
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    }
    Some(())
}

/// Applies the current access to the page (also when the page adds gated content).
fn apply(when: When) {
    // Taken out so that no borrow is held while page scripts run.
    let Some((access, config, lang)) =
        with_widget(|w| (w.access(), Rc::clone(&w.config), w.lang.clone()))
    else {
        return;
    };
    activate::run(
        Context {
            access,
            config,
            lang,
        },
        when,
    );
}

/// Records a choice: `method` is `accept-all`, `reject-all` or `custom`, with `accepted` listing
/// category ids and `category/service` pairs.
#[wasm_bindgen]
pub fn choose(method: &str, accepted: Vec<String>) -> Result<(), JsValue> {
    let method = Method::parse(method).ok_or_else(|| {
        JsValue::from_str("optin: unknown choice; use accept-all, reject-all or custom")
    })?;
    update(|w| {
        let record = consent::record_choice(
            &w.config,
            w.stored.previous(),
            consent::choices(&w.config, method, &accepted, w.gpc_applies()),
            method,
            consent::Context {
                now: js_sys::Date::now(),
                lang: &w.lang,
                new_id: new_uuid(),
                gpc: w.gpc_seen,
            },
        );
        w.store.write(&record.to_json());
        w.stored = Stored::Valid(record);
        // A real choice replaces what was allowed for this page view only.
        w.page_only.clear();
    })
    .ok_or_else(|| JsValue::from_str("optin: not started"))?;
    Ok(())
}

/// Forgets the stored choice everywhere (`optin.reset()`); the loader then shows the banner.
#[wasm_bindgen]
pub fn reset() {
    update(|w| {
        w.store.remove();
        w.stored = Stored::Missing;
        w.page_only.clear();
    });
}

/// The switches the panel starts from: the valid record's choices, or after a new revision or
/// expiry the previous record's choices for categories that still exist (new ones off).
/// `revised` tells the banner to show the config's `revisionNotice`.
#[wasm_bindgen]
pub fn choices_json() -> Option<String> {
    with_widget(|w| {
        let access = Access::new(&w.config, w.stored.previous(), &w.page_only);
        let mut services = ObjectWriter::new();
        for (category, grants) in &access.services {
            services = services.raw(category, &grants_object(grants));
        }
        let revised = w
            .stored
            .previous()
            .is_some_and(|r| r.revision != w.config.revision);
        ObjectWriter::new()
            .raw("categories", &grants_object(&access.categories))
            .raw("services", &services.finish())
            .bool("revised", revised)
            .bool("gpc", w.gpc_applies())
            .finish()
    })
}

fn grants_object(grants: &[(String, bool)]) -> String {
    grants
        .iter()
        .fold(ObjectWriter::new(), |w, (id, on)| w.bool(id, *on))
        .finish()
}

/// Grants one service (stored), or with an empty `service` the whole category, keeping
/// everything else as it is.
#[wasm_bindgen]
pub fn accept_service(category: &str, service: &str) -> Result<(), JsValue> {
    let mut accepted =
        with_widget(|w| consent::accepted_with(&w.access(), Some((category, service))))
            .ok_or_else(|| JsValue::from_str("optin: not started"))?;
    if service.is_empty() {
        accepted.push(category.to_owned());
    }
    choose("custom", accepted)
}

/// Allows a category (`cat`) or a service (`cat/svc`) for this page view, without storing it.
#[wasm_bindgen]
pub fn allow_for_page(target: &str) {
    update(|w| {
        if !w.page_only.iter().any(|p| p == target) {
            w.page_only.push(target.to_owned());
        }
    });
}

/// The detail of `optin:change`: what changed, and what is granted and denied now.
fn change_json(before: &Access, after: &Access) -> String {
    let pick = |on: bool| {
        string_array(
            after
                .categories
                .iter()
                .filter(|(_, v)| *v == on)
                .map(|(k, _)| k.as_str()),
        )
    };
    let changed = after.changed(before);
    ObjectWriter::new()
        .raw("changed", &string_array(changed.iter().map(String::as_str)))
        .raw("granted", &pick(true))
        .raw("denied", &pick(false))
        .finish()
}

#[wasm_bindgen]
pub fn granted(category: &str) -> bool {
    with_widget(|w| w.access().category(category) == Some(true)).unwrap_or(false)
}

#[wasm_bindgen]
pub fn granted_service(category: &str, service: &str) -> bool {
    with_widget(|w| w.access().service(category, service) == Some(true)).unwrap_or(false)
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

/// The floating settings button's label: the site's `settings` text, else the built-in one.
#[wasm_bindgen]
pub fn settings_label() -> Option<String> {
    with_widget(|w| {
        let site = w
            .config
            .texts
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&w.lang))
            .and_then(|(_, t)| t.get("settings"));
        site.unwrap_or(crate::catalogue::settings_label(&w.lang))
            .to_owned()
    })
}

#[wasm_bindgen]
pub fn lang() -> Option<String> {
    with_widget(|w| w.lang.clone())
}

/// The file with the built-in texts of the visitor's language, relative to the widget's folder
/// (`lang/de.json`), for the loader to fetch with the UI; `None` for English (compiled in).
#[wasm_bindgen]
pub fn catalogue_file() -> Option<String> {
    with_widget(|w| crate::catalogue::file_for(&w.lang)).flatten()
}

/// Google Consent Mode v2 values for every mapped consent type under the current access, as a
/// `gtag('consent', 'update', …)` argument: `{"ad_storage":"denied", …}`.
#[wasm_bindgen]
pub fn consent_mode_json() -> Option<String> {
    with_widget(|w| {
        let access = w.access();
        let mut values = ObjectWriter::new();
        for (consent_type, target) in &w.config.google_consent_mode {
            let on = match target.split_once('/') {
                Some((c, s)) => access.service(c, s),
                None => access.category(target),
            };
            values = values.str(
                consent_type,
                if on == Some(true) {
                    "granted"
                } else {
                    "denied"
                },
            );
        }
        values.finish()
    })
}

/// The consent receipt: the stored record plus the policy it was given under and the site, for
/// the visitor to download and for the site's consent log (`log.endpoint`).
#[wasm_bindgen]
pub fn receipt_json() -> Option<String> {
    with_widget(|w| {
        let record = w.stored.valid()?.to_json();
        let site = web_sys::window()
            .and_then(|win| win.location().origin().ok())
            .unwrap_or_default();
        let policy = match &w.config.privacy_policy_url {
            Some(url) => {
                let mut quoted = String::new();
                crate::json::push_str(&mut quoted, url);
                quoted
            }
            None => "null".to_owned(),
        };
        // The record's JSON object, extended with two more fields: its closing `}` goes first.
        // (Popping, not slicing: a str slice drags in the panic formatting for char boundaries.)
        let mut receipt = record;
        receipt.pop();
        receipt.push_str(",\"policyUrl\":");
        receipt.push_str(&policy);
        receipt.push_str(",\"site\":");
        crate::json::push_str(&mut receipt, &site);
        receipt.push('}');
        Some(receipt)
    })
    .flatten()
}

/// `navigator.globalPrivacyControl === true`
fn gpc_signal() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"globalPrivacyControl".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
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
