//! optin-yew's example app: a router with four pages, consent by optin-yew in the app's own
//! wasm. `use_page_views` is an analytics hook that records a page view only while analytics is
//! granted; the video page holds a `<Gated>` embed; the settings page shows the preferences
//! panel inline; the footer's "Cookie settings" button (through `use_consent`) and its "Privacy
//! choices" link (plain `data-optin-open` markup) open the panel as a dialog. Built without the
//! `optin` feature, it is the same app with no consent management (its size is the baseline of
//! optin's marginal cost; see README "In a Yew app").

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;
use yew_router::prelude::*;

#[cfg(feature = "optin")]
use optin_yew::{use_consent, Banner, Gated, OptinProvider, Preferences};

/// The same config document the standalone widget reads (see README "Config").
#[cfg(feature = "optin")]
const CONFIG: &str = include_str!("../optin-config.json");

#[derive(Clone, Copy, Routable, PartialEq)]
enum Route {
    #[at("/")]
    Home,
    #[at("/video")]
    Video,
    #[at("/about")]
    About,
    #[at("/settings")]
    Settings,
    #[not_found]
    #[at("/404")]
    NotFound,
}

#[function_component(App)]
fn app() -> Html {
    let site = html! {
        <BrowserRouter>
            <Layout />
        </BrowserRouter>
    };
    #[cfg(feature = "optin")]
    let site = html! {
        <OptinProvider config={CONFIG}>
            { site }
            // The banner, and the panel as a dialog wherever it is opened from.
            <Banner />
            <Preferences />
        </OptinProvider>
    };
    site
}

#[function_component(Layout)]
fn layout() -> Html {
    use_page_views();
    html! {
        <>
            <nav>
                <Link<Route> to={Route::Home}>{ "Home" }</Link<Route>>
                <Link<Route> to={Route::Video}>{ "Video" }</Link<Route>>
                <Link<Route> to={Route::About}>{ "About" }</Link<Route>>
                <Link<Route> to={Route::Settings}>{ "Settings" }</Link<Route>>
            </nav>
            <main><Switch<Route> render={page} /></main>
            <footer><SettingsLink /></footer>
        </>
    }
}

fn page(route: Route) -> Html {
    match route {
        Route::Home => html! { <h1>{ "Home" }</h1> },
        Route::Video => html! { <><h1>{ "Video" }</h1><VideoEmbed /></> },
        Route::About => html! { <h1>{ "About" }</h1> },
        Route::Settings => html! { <><h1>{ "Settings" }</h1><CookieSettings /></> },
        Route::NotFound => html! { <h1>{ "Not found" }</h1> },
    }
}

/// Records a page view on every route change, and only while analytics is granted; a grant
/// given on a page records that page at once (the hook re-runs with the consent).
#[hook]
fn use_page_views() {
    let route = use_route::<Route>();
    #[cfg(feature = "optin")]
    let granted = use_consent().granted("analytics");
    #[cfg(not(feature = "optin"))]
    let granted = true;
    use_effect_with((route, granted), |(route, granted)| {
        if let (Some(route), true) = (route, *granted) {
            record_page_view(&route.to_path());
        }
    });
}

/// Stands in for an analytics client: appends the path to `window.pageViews`.
fn record_page_view(path: &str) {
    let global = js_sys::global();
    let views = js_sys::Reflect::get(&global, &"pageViews".into())
        .ok()
        .and_then(|v| v.dyn_into::<js_sys::Array>().ok())
        .unwrap_or_else(|| {
            let list = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&global, &"pageViews".into(), &list);
            list
        });
    views.push(&path.into());
}

/// A video from another site: no request to it until the `social/video` service is granted.
#[function_component(VideoEmbed)]
fn video_embed() -> Html {
    let player = html! {
        <iframe class="video" src="/embed.html" title="Video" width="560" height="315"></iframe>
    };
    #[cfg(feature = "optin")]
    let player = {
        let consent = use_consent();
        let allow = Callback::from(move |_: MouseEvent| consent.accept_service("social", "video"));
        let fallback = html! {
            <div class="placeholder" data-placeholder="video">
                <p>{ "This video is hosted by a third party, who may set cookies." }</p>
                <button type="button" onclick={allow}>{ "Allow video" }</button>
            </div>
        };
        html! { <Gated category="social" service="video" {fallback}>{ player }</Gated> }
    };
    player
}

/// The settings page's consent part: the preferences panel as a section of the page.
#[function_component(CookieSettings)]
fn cookie_settings() -> Html {
    #[cfg(feature = "optin")]
    html! { <Preferences inline=true /> }
    #[cfg(not(feature = "optin"))]
    html! {}
}

/// The footer's ways to the preferences panel (the right to change one's mind): a button that
/// asks through the hook, and a link with `data-optin-open` that the provider's one listener on
/// `document` serves (as optin.js does on a standalone page).
#[function_component(SettingsLink)]
fn settings_link() -> Html {
    #[cfg(feature = "optin")]
    {
        let consent = use_consent();
        let open = Callback::from(move |_: MouseEvent| consent.show_preferences());
        html! {
            <>
                <button type="button" class="link" data-settings="" onclick={open}>{ "Cookie settings" }</button>
                <a href="/about" data-optin-open="">{ "Privacy choices" }</a>
            </>
        }
    }
    #[cfg(not(feature = "optin"))]
    html! {}
}

#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}
