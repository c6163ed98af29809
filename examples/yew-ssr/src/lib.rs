//! optin-yew's server-rendering example: one small app rendered twice. Natively (feature `ssr`),
//! `src/bin/render.rs` renders it with Yew's server renderer into `index.html` at build time; in
//! the browser (feature `hydration`), [`start`] hydrates that markup. The server cannot know the
//! visitor's choice (it lives in the browser's localStorage), so it renders what the provider
//! renders before the core starts: no banner, the media block's fallback. After hydration the
//! provider starts the core and the banner, the grants and `<Gated>` follow.

use optin_yew::{use_consent, Banner, Gated, OptinProvider, Preferences};
use yew::prelude::*;

/// Inline, so that the server and the browser render from the same document.
const CONFIG: &str = r#"{
  "revision": 1,
  "categories": [
    { "id": "necessary", "required": true },
    { "id": "analytics", "services": [{ "id": "stats", "name": "Page statistics" }] },
    { "id": "media", "services": [{ "id": "video", "name": "Video player" }] }
  ]
}"#;

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <OptinProvider config={CONFIG}>
            <Page />
            <Banner />
            <Preferences />
        </OptinProvider>
    }
}

/// The page: the consent state as the hook sees it, a media block behind `<Gated>` and the way
/// back to the preferences panel.
#[function_component(Page)]
fn page() -> Html {
    let consent = use_consent();
    let analytics = if consent.granted("analytics") {
        "granted"
    } else {
        "not granted"
    };
    let open = Callback::from(move |_: MouseEvent| consent.show_preferences());
    let fallback = html! {
        <p class="placeholder" data-placeholder="media">{ "The video shows once media is allowed." }</p>
    };
    html! {
        <main id="page">
            <h1>{ "optin-yew, server-rendered" }</h1>
            <p data-analytics={analytics}>{ "Analytics: " }{ analytics }</p>
            <Gated category="media" {fallback}>
                <figure data-gated="media">{ "The video player would load here." }</figure>
            </Gated>
            <button type="button" data-settings="" onclick={open}>{ "Cookie settings" }</button>
        </main>
    }
}

/// The browser's entry point: takes over the server's markup in `<body>` instead of replacing it.
#[cfg(all(target_arch = "wasm32", feature = "hydration"))]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().hydrate();
}
