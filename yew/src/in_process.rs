//! The in-process connector: the UI calls optin-core's Rust API directly, in the app's own wasm
//! (the same functions the standalone core exports to `window.optin`, over the same state).

use optin_core::api;
use optin_core::config::Config;
use optin_core::consent::Access;
use wasm_bindgen::JsValue;

use crate::connector::Connector;

/// The core linked into this wasm; started by [`crate::OptinProvider`].
pub struct InProcess;

impl Connector for InProcess {
    fn config() -> Option<Config> {
        api::config().map(|c| (*c).clone())
    }

    fn language() -> Option<String> {
        api::lang()
    }

    fn choices() -> Option<(Access, bool)> {
        Access::from_choices_json(&api::choices_json()?)
    }

    fn gpc_honoured() -> bool {
        api::choices_json()
            .and_then(|json| js_sys::JSON::parse(&json).ok())
            .and_then(|v| js_sys::Reflect::get(&v, &"gpc".into()).ok())
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    fn accept_all() {
        choose("accept-all", Vec::new());
    }

    fn reject_all() {
        choose("reject-all", Vec::new());
    }

    fn accept(accepted: &[String]) {
        choose("custom", accepted.to_vec());
    }

    fn receipt() -> JsValue {
        api::receipt_json()
            .and_then(|json| js_sys::JSON::parse(&json).ok())
            .unwrap_or(JsValue::NULL)
    }
}

/// Records a choice; the core refuses one only before it started or from inside its own storage
/// hooks, and says why in the console, as `window.optin`'s promise would.
pub(crate) fn choose(method: &str, accepted: Vec<String>) {
    report(api::choose(method, accepted));
}

/// Logs a refused operation (`optin: not started`, …) to the console.
pub(crate) fn report(result: Result<(), JsValue>) {
    if let Err(e) = result {
        web_sys::console::error_1(&e);
    }
}
