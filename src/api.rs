//! The UI's only way to the core: `window.optin`, the same public API site owners use.

use js_sys::{Array, Promise};
use optin_core::config::Config;
use optin_core::consent::Access;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = optin, js_name = acceptAll)]
    pub fn accept_all() -> Promise;
    #[wasm_bindgen(js_namespace = optin, js_name = rejectAll)]
    pub fn reject_all() -> Promise;
    #[wasm_bindgen(js_namespace = optin, js_name = accept)]
    fn accept_array(categories: &Array) -> Promise;
    #[wasm_bindgen(js_namespace = optin)]
    pub fn granted(category: &str) -> bool;
    #[wasm_bindgen(js_namespace = optin, js_name = grantedService)]
    pub fn granted_service(category: &str, service: &str) -> bool;
    #[wasm_bindgen(js_namespace = optin, js_name = config)]
    fn config_value() -> JsValue;
    #[wasm_bindgen(js_namespace = optin)]
    pub fn language() -> Option<String>;
    #[wasm_bindgen(js_namespace = optin, js_name = choices)]
    fn choices_value() -> JsValue;
    #[wasm_bindgen(js_namespace = optin, js_name = receipt)]
    pub fn receipt() -> JsValue;
}

/// Grants exactly `categories`: ids and `category/service` pairs (required ones are granted by
/// the core regardless).
pub fn accept(categories: &[String]) -> Promise {
    accept_array(&categories.iter().map(|c| JsValue::from_str(c)).collect())
}

/// The site's config, read back through `optin.config()`.
pub fn config() -> Option<Config> {
    let json = js_sys::JSON::stringify(&config_value()).ok()?.as_string()?;
    Config::parse(&json).ok().map(|p| p.config)
}

/// Whether the browser's Global Privacy Control signal is being honoured (the banner says so).
pub fn gpc_honoured() -> bool {
    js_sys::Reflect::get(&choices_value(), &"gpc".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// The switches the panel starts from, and whether the stored choice predates a new revision.
pub fn choices() -> Option<(Access, bool)> {
    let json = js_sys::JSON::stringify(&choices_value())
        .ok()?
        .as_string()?;
    Access::from_choices_json(&json)
}
