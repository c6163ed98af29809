//! Config texts as the visitor sees them: plain text, with `[label](url)` as the one way to
//! write a link. Never HTML: Yew sets text nodes, so `<img onerror=…>` shows as written.

use optin_core::texts::{segments, Segment};
use yew::prelude::*;

/// Renders `text`; a link to anything but http(s) or a relative URL shows as plain text, and the
/// site owner is told in the console.
pub fn rich_text(text: &str) -> Html {
    let (parts, refused) = segments(text);
    // Only a browser has a console: the server renderer (feature `ssr`) runs natively.
    #[cfg(target_arch = "wasm32")]
    for url in refused {
        web_sys::console::warn_1(
            &[
                "optin: refused the link \"",
                url,
                "\" in a config text: only http(s) and relative URLs are allowed",
            ]
            .concat()
            .into(),
        );
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = refused;
    parts
        .into_iter()
        .map(|part| match part {
            Segment::Text(t) => html! { { t } },
            Segment::Link { label, url } => html! {
                <a href={url.to_owned()} rel="noopener">{ label }</a>
            },
        })
        .collect()
}
