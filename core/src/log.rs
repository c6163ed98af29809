//! Console messages for site owners, all prefixed so they are easy to find and filter.
//!
//! `console.warn` is the page's to replace, and a replacement may throw or call the widget's API.
//! The import catches, so a throwing one cannot unwind through the core with its state half-set.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn, catch)]
    fn console_warn(message: &str) -> Result<(), JsValue>;
}

pub fn warn(message: &str) {
    let _ = console_warn(&["optin: ", message].concat());
}
