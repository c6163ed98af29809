//! The core's model, read straight from the JS objects `window.optin` hands out (`config()`,
//! `choices()`) and from a parsed language file, through `Reflect`: no copy of optin-core's JSON
//! reader, config shape check or validation in this wasm (7.2 KB brotli of the first visit).
//! Nothing here is checked again: the core checked the config before it started (and
//! `optin.config()` is `null` until then), and `choices()` is the core's own output. What the
//! JSON text had, the object has too, in the same order: the loader builds both objects with
//! `JSON.parse`, which the UI once turned back into text with `JSON.stringify` to read it.

use js_sys::{Array, Object, Reflect};
use optin_core::config::{
    Category, Config, CookieInfo, Service, DEFAULT_EXPIRY_DAYS, LAYOUTS, SETTINGS_BUTTON, THEMES,
};
use optin_core::consent::Access;
use optin_core::record::Grants;
use optin_core::texts::{CategoryTexts, Texts};
use wasm_bindgen::{JsCast, JsValue};

/// `v[key]`, `undefined` where `v` is not an object.
fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or_default()
}

fn text(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

/// `v[key] === true`
fn yes(v: &JsValue, key: &str) -> bool {
    get(v, key).as_bool() == Some(true)
}

/// The items of the array `v[key]`, none if it is not one.
fn items(v: &JsValue, key: &str) -> Vec<JsValue> {
    get(v, key)
        .dyn_into::<Array>()
        .map(|a| a.to_vec())
        .unwrap_or_default()
}

/// `v` is an object, not an array.
fn is_object(v: &JsValue) -> bool {
    v.is_object() && !Array::is_array(v)
}

/// The `[key, value]` pairs of `v` if it is an object (not an array), in JS's order; none
/// otherwise.
fn entries(v: &JsValue) -> Vec<(String, JsValue)> {
    if !is_object(v) {
        return Vec::new();
    }
    Object::entries(v.unchecked_ref())
        .iter()
        .map(|pair| {
            let pair: Array = pair.unchecked_into();
            (pair.get(0).as_string().unwrap_or_default(), pair.get(1))
        })
        .collect()
}

/// The config `optin.config()` returned, `None` before the core started. Only what the UI reads
/// (categories, their services and cookies, texts, privacy policy, layout, theme) is read; the
/// rest is left empty or at the core's defaults, and nothing in this UI reads it.
pub fn config(v: &JsValue) -> Option<Config> {
    if !is_object(v) {
        return None;
    }
    Some(Config {
        revision: 1,
        lang: None,
        privacy_policy_url: text(v, "privacyPolicyUrl"),
        storage_key: String::new(),
        cookie_domain: None,
        expires_after_days: DEFAULT_EXPIRY_DAYS,
        layout: text(v, "layout").unwrap_or_else(|| LAYOUTS[0].to_owned()),
        theme: text(v, "theme").unwrap_or_else(|| THEMES[0].to_owned()),
        settings_button: SETTINGS_BUTTON[0].to_owned(),
        google_consent_mode: Vec::new(),
        honor_gpc: true,
        log_endpoint: None,
        reload_on_withdraw: true,
        categories: items(v, "categories").iter().map(category).collect(),
        texts: entries(&get(v, "texts"))
            .into_iter()
            .map(|(lang, t)| (lang, texts(&t)))
            .collect(),
    })
}

fn category(v: &JsValue) -> Category {
    Category {
        id: text(v, "id").unwrap_or_default(),
        required: yes(v, "required"),
        gpc: yes(v, "gpc"),
        services: items(v, "services").iter().map(service).collect(),
    }
}

fn service(v: &JsValue) -> Service {
    Service {
        id: text(v, "id").unwrap_or_default(),
        name: text(v, "name"),
        provider: text(v, "provider"),
        purpose: text(v, "purpose"),
        privacy_policy_url: text(v, "privacyPolicyUrl"),
        cookies: items(v, "cookies").iter().map(cookie).collect(),
        local_storage: Vec::new(),
    }
}

/// `"_ga"` or `{ "name": "_ga", … }`.
fn cookie(v: &JsValue) -> CookieInfo {
    CookieInfo {
        name: v
            .as_string()
            .unwrap_or_else(|| text(v, "name").unwrap_or_default()),
        purpose: text(v, "purpose"),
        duration: text(v, "duration"),
        party: text(v, "party"),
        path: None,
    }
}

/// Texts in the config's `texts` format: every string field, and per category its title and
/// description.
fn texts(v: &JsValue) -> Texts {
    let mut texts = Texts::default();
    for (key, value) in entries(v) {
        if let Some(t) = value.as_string() {
            texts.entries.push((key, t));
        }
    }
    for (id, c) in entries(&get(v, "categories")) {
        let texts_of = CategoryTexts {
            title: text(&c, "title"),
            description: text(&c, "description"),
        };
        texts.categories.push((id, texts_of));
    }
    texts
}

/// A shipped language file (`lang/<code>.json`); `None` if it is not a JSON object.
pub fn language_file(json: &str) -> Option<Texts> {
    let v = js_sys::JSON::parse(json).ok()?;
    is_object(&v).then(|| texts(&v))
}

/// What `optin.choices()` returned: `{categories: {id: bool}, services: {cat: {svc: bool}},
/// revised, gpc}`, as the switches and whether the choice predates a new revision. `None` if it
/// is not that shape (`null` before the core started).
pub fn choices(v: &JsValue) -> Option<(Access, bool)> {
    let by_category = get(v, "services");
    if !is_object(&by_category) {
        return None;
    }
    let mut services = Vec::new();
    for (category, per_service) in entries(&by_category) {
        services.push((category, grants(&per_service)?));
    }
    let access = Access {
        categories: grants(&get(v, "categories"))?,
        services,
        chosen: true,
    };
    Some((access, yes(v, "revised")))
}

/// `{id: bool, …}`
fn grants(v: &JsValue) -> Option<Grants> {
    if !is_object(v) {
        return None;
    }
    let mut grants = Grants::new();
    for (id, on) in entries(v) {
        grants.push((id, on.as_bool()?));
    }
    Some(grants)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    wasm_bindgen_test_configure!(run_in_browser);

    /// A config with every field the UI reads, in each of its forms.
    const RICH: &str = r#"{
        "revision": 3, "storageKey": "k", "layout": "bar-top", "theme": "dark",
        "privacyPolicyUrl": "https://example.com/privacy",
        "categories": [
            {"id": "necessary", "required": true},
            {"id": "analytics", "gpc": true, "services": [
                {"id": "ga", "name": "Google Analytics", "provider": "Google",
                 "purpose": "Counts visits.", "privacyPolicyUrl": "https://policies.google.com/",
                 "cookies": ["_gid", {"name": "_ga", "purpose": "Tells visitors apart.",
                     "duration": "2 years", "party": "third"}]},
                {"id": "plain"}]}],
        "texts": {
            "en": {"bannerTitle": "Cookies", "categories": {"analytics": {"title": "Stats",
                "description": "Counting visits."}}},
            "de": {"acceptAll": "Alle akzeptieren", "categories": {"necessary": {"title": "Nötig"}}}
        }
    }"#;

    /// The core's config as the UI sees it: the fields `config` does not read at their defaults.
    fn as_read(mut c: Config) -> Config {
        c.revision = 1;
        c.lang = None;
        c.storage_key = String::new();
        c.cookie_domain = None;
        c.expires_after_days = DEFAULT_EXPIRY_DAYS;
        c.settings_button = SETTINGS_BUTTON[0].to_owned();
        c.google_consent_mode = Vec::new();
        c.honor_gpc = true;
        c.log_endpoint = None;
        c.reload_on_withdraw = true;
        for service in c.categories.iter_mut().flat_map(|c| c.services.iter_mut()) {
            service.local_storage = Vec::new();
            for cookie in &mut service.cookies {
                cookie.path = None;
            }
        }
        c
    }

    /// What the UI reads from the object equals what the core parses from the same text, field
    /// for field: the two readings of the config's shape cannot drift apart unnoticed.
    #[wasm_bindgen_test]
    fn the_ui_reads_the_config_as_the_core_parses_it() {
        for text in [include_str!("../www/optin-config.json"), RICH] {
            let core = Config::parse(text).expect("a valid config").config;
            let read = config(&js_sys::JSON::parse(text).unwrap()).expect("an object");
            assert_eq!(read, as_read(core));
        }
    }
}
