//! The standalone UI's only way to the core: `window.optin`, the same public API site owners
//! use, as optin-yew's [`Connector`].

use js_sys::{Array, Promise};
use optin_core::config::Config;
use optin_core::consent::Access;
use optin_yew::Connector;
use wasm_bindgen::prelude::*;

use crate::read;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = optin, js_name = acceptAll)]
    fn accept_all() -> Promise;
    #[wasm_bindgen(js_namespace = optin, js_name = rejectAll)]
    fn reject_all() -> Promise;
    #[wasm_bindgen(js_namespace = optin, js_name = accept)]
    fn accept_array(categories: &Array) -> Promise;
    #[wasm_bindgen(js_namespace = optin, js_name = config)]
    fn config_value() -> JsValue;
    #[wasm_bindgen(js_namespace = optin)]
    fn language() -> Option<String>;
    #[wasm_bindgen(js_namespace = optin, js_name = choices)]
    fn choices_value() -> JsValue;
    #[wasm_bindgen(js_namespace = optin, js_name = receipt)]
    fn receipt() -> JsValue;
}

/// `window.optin`, as the UI's connector.
pub struct JsApi;

impl Connector for JsApi {
    /// The site's config, read from the object `optin.config()` returns.
    fn config() -> Option<Config> {
        read::config(&config_value())
    }

    fn language() -> Option<String> {
        language()
    }

    /// The switches the panel starts from, and whether the stored choice predates a new revision.
    fn choices() -> Option<(Access, bool)> {
        read::choices(&choices_value())
    }

    /// Whether the browser's Global Privacy Control signal is being honoured.
    fn gpc_honoured() -> bool {
        js_sys::Reflect::get(&choices_value(), &"gpc".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    fn accept_all() {
        drop(accept_all());
    }

    fn reject_all() {
        drop(reject_all());
    }

    /// Grants exactly `categories`: ids and `category/service` pairs (required ones are granted
    /// by the core regardless).
    fn accept(categories: &[String]) {
        drop(accept_array(
            &categories.iter().map(|c| JsValue::from_str(c)).collect(),
        ));
    }

    fn receipt() -> JsValue {
        receipt()
    }
}
