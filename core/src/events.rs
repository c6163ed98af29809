//! The events the widget announces on `document` (`optin:ready`, `optin:consent`, `optin:change`).

use wasm_bindgen::JsValue;

/// Dispatches `name` with `detail_json` parsed into a plain object. Listeners run synchronously,
/// so callers must hold no widget state borrow while calling this.
pub fn dispatch(name: &str, detail_json: &str) {
    let Some(document) = crate::document() else {
        return;
    };
    let detail = js_sys::JSON::parse(detail_json).unwrap_or(JsValue::NULL);
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = document.dispatch_event(&event);
    }
}
