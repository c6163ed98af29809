//! Where the consent record lives, and the only code that touches it.
//!
//! localStorage can be missing, disabled, throwing on access or full (private modes, sandboxed
//! iframes, a page that patched `Storage.prototype`). Every access goes through web-sys `Result`s,
//! never a panic, and when the browser's storage fails the record is kept in memory for the page,
//! so the visitor's choice still applies where it was made.

use crate::log;

pub struct Store {
    key: String,
    backend: Backend,
}

enum Backend {
    Local(web_sys::Storage),
    Memory(Option<String>),
}

impl Store {
    /// Opens localStorage if it answers a read of `key`, else memory.
    pub fn open(key: &str) -> Store {
        let backend = match probe(key) {
            Ok(storage) => Backend::Local(storage),
            Err(why) => {
                log::warn(
                    &[
                        "localStorage is not usable (",
                        why,
                        "); the choice is kept for this page only",
                    ]
                    .concat(),
                );
                Backend::Memory(None)
            }
        };
        Store {
            key: key.to_owned(),
            backend,
        }
    }

    pub fn read(&self) -> Option<String> {
        match &self.backend {
            Backend::Local(s) => s.get_item(&self.key).ok().flatten(),
            Backend::Memory(v) => v.clone(),
        }
    }

    /// Stores `value`; if the browser refuses (quota, revoked access) it is kept in memory.
    pub fn write(&mut self, value: &str) {
        if let Backend::Local(s) = &self.backend {
            if s.set_item(&self.key, value).is_ok() {
                return;
            }
            log::warn("localStorage refused the consent record; it is kept for this page only");
        }
        self.backend = Backend::Memory(Some(value.to_owned()));
    }
}

fn probe(key: &str) -> Result<web_sys::Storage, &'static str> {
    let window = web_sys::window().ok_or("no window")?;
    let storage = window
        .local_storage()
        .map_err(|_| "access denied")?
        .ok_or("not available")?;
    storage.get_item(key).map_err(|_| "reading throws")?;
    Ok(storage)
}
