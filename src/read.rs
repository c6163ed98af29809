//! The page's JS objects as optin-core's JSON values: the config and the choices `window.optin`
//! hands out (`config()`, `choices()`) and a parsed language file become `json::Value`s, which
//! the core's own readers read (`Config::read`, `Texts::read`, `Access::from_choices`). So this
//! wasm carries no copy of the core's JSON text reader, config shape check or validation (7 KB
//! brotli of the first visit) and no second reader of the config's shape. Nothing is checked
//! again: the core checked the config before it started (`optin.config()` is `null` until then),
//! and `choices()` is the core's own output. The loader builds the objects with `JSON.parse`, so
//! they hold what the JSON text held, in the same order.

use js_sys::{Array, Object};
use optin_core::config::Config;
use optin_core::consent::Access;
use optin_core::json::Value;
use optin_core::texts::Texts;
use wasm_bindgen::{JsCast, JsValue};

/// The value a JSON parser would have made of the text `JSON.stringify(v)`.
fn value(v: &JsValue) -> Value {
    if let Some(s) = v.as_string() {
        Value::Str(s)
    } else if let Some(b) = v.as_bool() {
        Value::Bool(b)
    } else if let Some(n) = v.as_f64() {
        // As the core's reader: integers that fit, and any other number unread.
        if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
            Value::Int(n as i64)
        } else {
            Value::OtherNumber
        }
    } else if let Some(items) = v.dyn_ref::<Array>() {
        Value::Arr(items.iter().map(|item| value(&item)).collect())
    } else if v.is_object() {
        let entries = Object::entries(v.unchecked_ref());
        let members = entries.iter().map(|pair| {
            let pair: Array = pair.unchecked_into();
            (
                pair.get(0).as_string().unwrap_or_default(),
                value(&pair.get(1)),
            )
        });
        Value::Obj(members.collect())
    } else {
        Value::Null
    }
}

/// The config `optin.config()` returned, `None` before the core started.
pub fn config(v: &JsValue) -> Option<Config> {
    match value(v) {
        v @ Value::Obj(_) => Some(Config::read(&v)),
        _ => None,
    }
}

/// A shipped language file (`lang/<code>.json`); `None` if it is not a JSON object.
pub fn language_file(json: &str) -> Option<Texts> {
    match value(&js_sys::JSON::parse(json).ok()?) {
        v @ Value::Obj(_) => Some(Texts::read(&v)),
        _ => None,
    }
}

/// What `optin.choices()` returned: the switches and whether the choice predates a new revision.
/// `None` if it is not that shape (`null` before the core started).
pub fn choices(v: &JsValue) -> Option<(Access, bool)> {
    Access::from_choices(&value(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    wasm_bindgen_test_configure!(run_in_browser);

    /// A config with every field, in each of its forms.
    const RICH: &str = r#"{
        "revision": 3, "lang": "de", "storageKey": "k", "cookieDomain": ".example.com",
        "expiresAfterDays": 30, "layout": "bar-top", "theme": "dark",
        "settingsButton": "bottom-right", "honorGpc": false, "reloadOnWithdraw": false,
        "log": {"endpoint": "/consent-log"}, "privacyPolicyUrl": "https://example.com/privacy",
        "googleConsentMode": {"analytics_storage": "analytics", "ad_storage": "analytics/ga"},
        "categories": [
            {"id": "necessary", "required": true},
            {"id": "analytics", "gpc": true, "services": [
                {"id": "ga", "name": "Google Analytics", "provider": "Google",
                 "purpose": "Counts visits.", "privacyPolicyUrl": "https://policies.google.com/",
                 "localStorage": ["_ga_store"],
                 "cookies": ["_gid", {"name": "_ga", "purpose": "Tells visitors apart.",
                     "duration": "2 years", "party": "third", "path": "/"}]},
                {"id": "plain"}]}],
        "texts": {
            "en": {"bannerTitle": "Cookies", "categories": {"analytics": {"title": "Stats",
                "description": "Counting visits."}}},
            "de": {"acceptAll": "Alle akzeptieren", "categories": {"necessary": {"title": "Nötig"}}}
        }
    }"#;

    /// The config read from the page's object equals the core's parse of the same text, field for
    /// field.
    #[wasm_bindgen_test]
    fn the_ui_reads_the_config_as_the_core_parses_it() {
        for text in [include_str!("../www/optin-config.json"), RICH] {
            let core = Config::parse(text).expect("a valid config").config;
            let read = config(&js_sys::JSON::parse(text).unwrap()).expect("an object");
            assert_eq!(read, core);
        }
    }

    /// The choices `optin.choices()` hands out are read back as the core wrote them.
    #[wasm_bindgen_test]
    fn the_ui_reads_the_choices_as_the_core_wrote_them() {
        let json = r#"{"categories":{"necessary":true,"analytics":false},
            "services":{"analytics":{"ga":true}},"revised":true,"gpc":false}"#;
        let from_object = choices(&js_sys::JSON::parse(json).unwrap());
        assert_eq!(from_object, Access::from_choices_json(json));
        assert!(from_object.is_some_and(|(access, revised)| revised
            && access.services == [("analytics".to_owned(), vec![("ga".to_owned(), true)])]));
        assert_eq!(choices(&JsValue::NULL), None);
    }
}
