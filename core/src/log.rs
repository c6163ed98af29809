//! Console messages for site owners, all prefixed so they are easy to find and filter.

pub fn warn(message: &str) {
    web_sys::console::warn_1(&["optin: ", message].concat().into());
}
