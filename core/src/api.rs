//! The widget's operations: with the `exports` feature, the wasm exports the loader
//! (`loader/src/api.js`) wraps into `window.optin`; with `engine` alone, the same functions as a
//! Rust API for an app that links the core into its own wasm (`optin-yew`), exporting nothing.
//!
//! The widget's state lives here, in one thread-local. Every export borrows it only for plain
//! computation and lets it go before anything that runs page code (storage, cookies, the console,
//! gated scripts, events), because page code may call straight back into the API. What the JSON
//! answers hold is built by the pure modules (`consent`, `consent_mode`, `receipt`).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::activate::{self, Context, When};
use crate::config::Config;
use crate::consent::{self, Access, Method, Stored};
use crate::receipt::Receipt;
use crate::storage::Store;
use crate::{consent_mode, cookies, events, log, texts};

struct Widget {
    /// Shared, not cloned, with each activation run (the observer triggers many).
    config: Rc<Config>,
    /// The config as JSON, handed to the UI and to `optin.config()`.
    config_json: String,
    lang: String,
    /// Shared so that storage is read and written after the state is let go (`Change::apply`).
    store: Rc<Store>,
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

    /// The stored choice predates the config's revision: the banner shows `revisionNotice`.
    fn revised(&self) -> bool {
        self.stored
            .previous()
            .is_some_and(|r| r.revision != self.config.revision)
    }
}

thread_local! {
    static WIDGET: RefCell<Option<Widget>> = const { RefCell::new(None) };
}

/// Reads the state. The borrow never spans a call into the page (storage, cookies, the console,
/// the DOM, events), so a page hook calling the API from inside one finds the state free; should
/// one ever find it taken, the answer is `None` (not started: fail closed), never a trap.
fn read_widget<R>(f: impl FnOnce(&Widget) -> R) -> Option<R> {
    WIDGET.with(|w| w.try_borrow().ok()?.as_ref().map(f))
}

/// Changes the state, under the same rule as `read_widget`: `f` is plain computation.
fn with_widget<R>(f: impl FnOnce(&mut Widget) -> R) -> Option<R> {
    WIDGET.with(|w| w.try_borrow_mut().ok()?.as_mut().map(f))
}

/// Starts the widget with the page's config (`None`: the built-in one), applies a valid stored
/// choice, and tells whether the visitor must be asked (banner). A broken config is an error:
/// nothing gated runs and the stored choice is left untouched.
pub fn start(config_json: Option<String>) -> Result<bool, JsValue> {
    let config_json = config_json.unwrap_or_else(|| Config::BUILTIN_JSON.to_owned());
    let parsed = Config::parse(&config_json).map_err(|e| JsValue::from_str(&e.describe()))?;
    for warning in &parsed.warnings {
        log::warn(&warning.describe());
    }
    let config = parsed.config;
    let lang = texts::choose_lang(&config, html_lang().as_deref(), &browser_langs());
    let store = Rc::new(Store::open(
        &config.storage_key,
        config.cookie_domain.as_deref(),
        config.expires_after_days,
    ));
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
    let widget = Widget {
        config: Rc::new(config),
        config_json,
        lang,
        store,
        stored,
        page_only: Vec::new(),
        gpc_seen: gpc_signal(),
    };
    let first_start = WIDGET
        .with(|w| w.try_borrow_mut().map(|mut w| w.replace(widget).is_none()))
        .map_err(|_| JsValue::from_str("optin: started again from inside its own work; ignored"))?;
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
    let Some(window) = crate::window() else {
        return;
    };
    // Any `storage` event re-reads, whatever key it names: the read is cheap, the comparison
    // makes it harmless, and filtering by key cost 168 B of every visitor's download.
    let reread = Closure::<dyn Fn()>::new(|| {
        let Some((store, config)) = read_widget(|w| (Rc::clone(&w.store), Rc::clone(&w.config)))
        else {
            return;
        };
        let fresh = read_stored(&store, &config);
        if read_widget(|w| fresh.same_choice(&w.stored)) != Some(false) {
            return;
        }
        report(&fresh, &config);
        let _ = update(|w| {
            w.stored = fresh;
            Save::Nothing
        });
    });
    let f = reread.as_ref().unchecked_ref();
    let _ = window.add_event_listener_with_callback("storage", f);
    let _ = window.add_event_listener_with_callback("pageshow", f);
    if let Some(document) = crate::document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", f);
    }
    reread.forget();
}

/// What a change of state asks of storage, done once the state is let go.
enum Save {
    Nothing,
    Write(String),
    Remove,
}

fn not_started() -> JsValue {
    JsValue::from_str("optin: not started")
}

fn busy() -> JsValue {
    JsValue::from_str(
        "optin: a choice was made from inside a storage, cookie or console hook while optin was \
         storing one; it is ignored",
    )
}

/// Changes the widget's state with `f` (plain computation), then brings the page in line (see
/// `Change::apply`). Only the part that runs `f` is generic: the rest is shared by every caller.
fn update(f: impl FnOnce(&mut Widget) -> Save) -> Result<(), JsValue> {
    if read_widget(|w| w.store.busy()).ok_or_else(not_started)? {
        return Err(busy());
    }
    let change = with_widget(|w| {
        let before = w.access();
        let first = w.stored.valid().is_none();
        let save = f(w);
        Change::new(w, &before, first, save)
    })
    .ok_or_else(not_started)?;
    change.apply();
    Ok(())
}

/// What a change of state means for the page, worked out while the state is held, and done
/// after it is let go: every one of these steps runs page code.
struct Change {
    store: Rc<Store>,
    save: Save,
    clearing: cookies::Clearing,
    /// The first valid choice on this page (`optin:consent`).
    first: bool,
    /// The `optin:change` detail.
    detail: String,
    /// Something granted before is not now, and the config reloads on withdrawal.
    withdrawn: bool,
    after: Access,
}

impl Change {
    #[inline(never)]
    fn new(w: &Widget, before: &Access, first: bool, save: Save) -> Change {
        let after = w.access();
        Change {
            store: Rc::clone(&w.store),
            save,
            clearing: cookies::to_clear(&w.config, before, &after),
            first: first && w.stored.valid().is_some(),
            detail: consent::change_json(before, &after),
            withdrawn: w.config.reload_on_withdraw && after.withdraws_from(before),
            after,
        }
    }

    /// Stores what the change asks, clears what was withdrawn, runs what is newly allowed (or
    /// reloads when a script that ran lost its grant), and announces the change.
    #[inline(never)]
    fn apply(self) {
        match &self.save {
            Save::Write(json) => self.store.write(json),
            Save::Remove => self.store.remove(),
            Save::Nothing => {}
        }
        self.store.clear(&self.clearing);
        // Only a withdrawal can need a reload; a pure grant skips the walk over the page.
        let reload = self.withdrawn && activate::ran_but_withdrawn(&self.after);
        if !reload {
            apply(When::NextTask);
        }
        if self.first {
            events::dispatch("optin:consent", &self.detail);
        }
        events::dispatch("optin:change", &self.detail);
        if reload {
            // The new choice is stored; a script that ran cannot be unloaded, so start afresh.
            if let Some(w) = crate::window() {
                let _ = w.location().reload();
            }
        }
    }
}

/// Applies the current access to the page (also when the page adds gated content).
fn apply(when: When) {
    // Taken out so that no borrow is held while page scripts run.
    let Some((access, config, lang)) =
        read_widget(|w| (w.access(), Rc::clone(&w.config), w.lang.clone()))
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
pub fn choose(method: &str, accepted: Vec<String>) -> Result<(), JsValue> {
    let method = Method::parse(method).ok_or_else(|| {
        JsValue::from_str("optin: unknown choice; use accept-all, reject-all or custom")
    })?;
    // The clock and the random id come from the page: asked before the state is taken.
    let now = js_sys::Date::now();
    let new_id = new_uuid();
    update(|w| {
        let record = consent::record_choice(
            &w.config,
            w.stored.previous(),
            consent::choices(&w.config, method, &accepted, w.gpc_applies()),
            method,
            consent::Context {
                now,
                lang: &w.lang,
                new_id,
                gpc: w.gpc_seen,
            },
        );
        let json = record.to_json();
        w.stored = Stored::Valid(record);
        // A real choice replaces what was allowed for this page view only.
        w.page_only.clear();
        Save::Write(json)
    })
}

/// Forgets the stored choice everywhere (`optin.reset()`); the loader then shows the banner.
pub fn reset() -> Result<(), JsValue> {
    update(|w| {
        w.stored = Stored::Missing;
        w.page_only.clear();
        Save::Remove
    })
}

/// The switches the panel starts from: the valid record's choices, or after a new revision or
/// expiry the previous record's choices for categories that still exist (new ones off).
/// `revised` tells the banner to show the config's `revisionNotice`.
pub fn choices_json() -> Option<String> {
    read_widget(|w| {
        Access::new(&w.config, w.stored.previous(), &w.page_only)
            .choices_json(w.revised(), w.gpc_applies())
    })
}

/// What the early banner shows beyond its texts: the config, the language, whether the Global
/// Privacy Control signal keeps categories off, and whether the stored choice predates the
/// config's revision (as `choices_json` tells the UI).
pub fn banner_context() -> Option<(Rc<Config>, String, bool, bool)> {
    read_widget(|w| {
        (
            Rc::clone(&w.config),
            w.lang.clone(),
            w.gpc_applies(),
            w.revised(),
        )
    })
}

/// Grants one service (stored), or with an empty `service` the whole category, keeping
/// everything else as it is.
pub fn accept_service(category: &str, service: &str) -> Result<(), JsValue> {
    let mut accepted =
        read_widget(|w| consent::accepted_with(&w.access(), Some((category, service))))
            .ok_or_else(not_started)?;
    if service.is_empty() {
        accepted.push(category.to_owned());
    }
    choose("custom", accepted)
}

/// Allows a category (`cat`) or a service (`cat/svc`) for this page view, without storing it.
pub fn allow_for_page(target: &str) -> Result<(), JsValue> {
    update(|w| {
        if !w.page_only.iter().any(|p| p == target) {
            w.page_only.push(target.to_owned());
        }
        Save::Nothing
    })
}

#[cfg_attr(feature = "exports", wasm_bindgen)]
pub fn granted(category: &str) -> bool {
    read_widget(|w| w.access().category(category) == Some(true)).unwrap_or(false)
}

#[cfg_attr(feature = "exports", wasm_bindgen)]
pub fn granted_service(category: &str, service: &str) -> bool {
    read_widget(|w| w.access().service(category, service) == Some(true)).unwrap_or(false)
}

/// The valid stored record as JSON, or `None` before a choice.
pub fn consent_json() -> Option<String> {
    read_widget(|w| w.stored.valid().map(|r| r.to_json())).flatten()
}

/// The config in effect, for an in-process UI (no JSON round trip); not a wasm export.
pub fn config() -> Option<Rc<Config>> {
    read_widget(|w| Rc::clone(&w.config))
}

pub fn config_json() -> Option<String> {
    read_widget(|w| w.config_json.clone())
}

/// The floating settings button's label: the site's `settings` text, else the built-in one.
pub fn settings_label() -> Option<String> {
    read_widget(|w| {
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

pub fn lang() -> Option<String> {
    read_widget(|w| w.lang.clone())
}

/// The file with the built-in texts of the visitor's language, relative to the widget's folder
/// (`lang/de.json`), for the loader to fetch with the UI; `None` for English (compiled in).
pub fn catalogue_file() -> Option<String> {
    read_widget(|w| crate::catalogue::file_for(&w.lang)).flatten()
}

/// Google Consent Mode v2 values for every mapped consent type under the current access, as a
/// `gtag('consent', 'update', …)` argument: `{"ad_storage":"denied", …}`.
pub fn consent_mode_json() -> Option<String> {
    read_widget(|w| consent_mode::update_json(&w.config, &w.access()))
}

/// The consent receipt: the stored record plus the policy it was given under and the site, for
/// the visitor to download and for the site's consent log (`log.endpoint`).
pub fn receipt_json() -> Option<String> {
    // The origin is read before the state is taken: `location` belongs to the page.
    let site = crate::window()
        .and_then(|win| win.location().origin().ok())
        .unwrap_or_default();
    read_widget(|w| {
        let record = w.stored.valid()?;
        Some(Receipt::json(
            record,
            w.config.privacy_policy_url.as_deref(),
            &site,
        ))
    })
    .flatten()
}

/// `navigator.globalPrivacyControl === true`
fn gpc_signal() -> bool {
    crate::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"globalPrivacyControl".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

fn html_lang() -> Option<String> {
    crate::document()?.document_element()?.get_attribute("lang")
}

fn browser_langs() -> Vec<String> {
    crate::window()
        .map(|w| w.navigator().languages())
        .map(|list| list.iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default()
}

fn new_uuid() -> String {
    let mut bytes = [0u8; 16];
    let filled = crate::window()
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

/// The wasm exports, as the functions above. A string or nothing (`undefined`) is made a JS
/// string here, and an error thrown here: wasm-bindgen's own `Option<String>` and `Result`
/// returns cost every export a multivalue shim in the wasm and a wrapper in the glue.
#[cfg(feature = "exports")]
mod exports {
    use wasm_bindgen::prelude::*;

    #[inline(never)]
    fn js(s: Option<String>) -> JsValue {
        s.map_or(JsValue::UNDEFINED, |s| JsValue::from_str(&s))
    }

    /// An error is thrown from here, once the operation has returned (nothing of it is left to
    /// drop).
    fn thrown<T>(r: Result<T, JsValue>) -> T {
        r.unwrap_or_else(|e| wasm_bindgen::throw_val(e))
    }

    /// The exports that answer with a text or nothing: each the function of the same name above,
    /// its answer a JS string or `undefined`.
    macro_rules! text_exports {
        ($($name:ident),*) => {$(
            #[wasm_bindgen(js_name = $name)]
            pub fn $name() -> JsValue {
                js(super::$name())
            }
        )*};
    }
    text_exports!(
        choices_json,
        consent_json,
        config_json,
        settings_label,
        lang,
        catalogue_file,
        consent_mode_json,
        receipt_json
    );

    #[wasm_bindgen(js_name = start)]
    pub fn start(config_json: Option<String>) -> bool {
        thrown(super::start(config_json))
    }

    #[wasm_bindgen(js_name = choose)]
    pub fn choose(method: &str, accepted: Vec<String>) {
        thrown(super::choose(method, accepted))
    }

    #[wasm_bindgen(js_name = reset)]
    pub fn reset() {
        thrown(super::reset())
    }

    #[wasm_bindgen(js_name = accept_service)]
    pub fn accept_service(category: &str, service: &str) {
        thrown(super::accept_service(category, service))
    }

    #[wasm_bindgen(js_name = allow_for_page)]
    pub fn allow_for_page(target: &str) {
        thrown(super::allow_for_page(target))
    }

    /// The banner rendered ahead of time, filled for this visitor (`early_banner::filled_json`).
    #[wasm_bindgen(js_name = early_banner)]
    pub fn early_banner(texts: Option<String>, settings_unavailable: bool) -> JsValue {
        js(crate::early_banner::filled_json(
            texts.as_deref(),
            settings_unavailable,
        ))
    }
}
