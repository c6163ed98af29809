//! How the UI reaches the core, and how the outside world drives it: the [`Connector`] trait
//! (one implementation per way of reaching the core) and the command inbox ([`send`]).
//!
//! The connector's functions are associated functions, not methods: both cores are one per
//! page (the core's state is a thread-local, `window.optin` a global), and static dispatch lets
//! the standalone widget's wasm stay exactly as small as when it called `window.optin` directly.

use std::cell::RefCell;

use optin_core::config::Config;
use optin_core::consent::Access;
use wasm_bindgen::JsValue;
use yew::Callback;

/// The core, as the UI needs it. Choices are fire-and-forget: the core announces the result
/// with `optin:change`, which comes back to the UI as [`Command::Chosen`].
pub trait Connector: 'static {
    /// The config in effect, or `None` if the core has not started (nothing shows).
    fn config() -> Option<Config>;
    /// The language the core chose for the visitor.
    fn language() -> Option<String>;
    /// The switches the panel starts from, and whether the stored choice predates a revision.
    fn choices() -> Option<(Access, bool)>;
    /// A Global Privacy Control signal is honoured (the banner says so).
    fn gpc_honoured() -> bool;
    fn accept_all();
    fn reject_all();
    /// Grants exactly these category ids and `category/service` pairs.
    fn accept(accepted: &[String]);
    /// The consent receipt as a JS object, `null` before a choice.
    fn receipt() -> JsValue;
}

/// What the outside world asks of the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Banner,
    Preferences,
    Hide,
    /// The core recorded a choice (`optin:change`), from our buttons or from the page's code.
    Chosen,
}

thread_local! {
    // Reached through `try_with`, never `with`: a wasm page's thread-locals are never destroyed,
    // and `with`'s panic on a destroyed one (its message, its Debug) cost the UI's wasm bytes.
    static INBOX: RefCell<Inbox> = RefCell::new(Inbox::default());
}

/// Commands from outside the Yew tree, held until the UI has mounted and can take them.
#[derive(Default)]
struct Inbox {
    deliver: Option<Callback<Command>>,
    pending: Vec<Command>,
}

/// Delivers `command` to the mounted UI, or keeps it until one connects.
pub fn send(command: Command) {
    let deliver = INBOX.try_with(|inbox| {
        let mut inbox = inbox.borrow_mut();
        match &inbox.deliver {
            Some(cb) => Some(cb.clone()),
            None => {
                inbox.pending.push(command.clone());
                None
            }
        }
    });
    if let Ok(Some(cb)) = deliver {
        cb.emit(command);
    }
}

/// Called by the UI when it unmounts: commands wait for the next one again.
pub(crate) fn disconnect() {
    let _ = INBOX.try_with(|inbox| inbox.borrow_mut().deliver = None);
}

/// Called by the UI once mounted: from now on commands go straight to it.
pub(crate) fn connect(deliver: Callback<Command>) {
    let pending = INBOX
        .try_with(|inbox| {
            let mut inbox = inbox.borrow_mut();
            inbox.deliver = Some(deliver.clone());
            std::mem::take(&mut inbox.pending)
        })
        .unwrap_or_default();
    for command in pending {
        deliver.emit(command);
    }
}
