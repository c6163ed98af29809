//! optin-yew under Yew's server rendering, in a real browser (`wasm-pack test --headless --chrome
//! -- --features ssr,hydration --test hydration` in yew/): a tree of the components rendered to a
//! string by `LocalServerRenderer`, put into a host, then hydrated by `Renderer::hydrate`. The
//! server's render is the one before the core starts, whatever the storage holds; hydration keeps
//! the server's nodes (the same DOM objects, not copies) and leaves a live app: the banner on a
//! first visit, accept-all stores the record and shows `<Gated>`'s children, the panel opens from
//! the page, and a returning visitor gets the grant without a banner. Each test clears the storage
//! first and last.
#![cfg(all(target_arch = "wasm32", feature = "ssr", feature = "hydration"))]

use optin_yew::{use_consent, Banner, Gated, OptinProvider, Preferences};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;
use yew::LocalServerRenderer;

mod support;
use support::{document, sleep, storage};

wasm_bindgen_test_configure!(run_in_browser);

const KEY: &str = "optin.consent";
const CONFIG: &str = r#"{
  "revision": 1,
  "reloadOnWithdraw": false,
  "categories": [
    { "id": "necessary", "required": true },
    { "id": "analytics", "services": [{ "id": "stats", "name": "Statistics" }] },
    { "id": "media" }
  ]
}"#;
const BANNER: &str = "[data-optin=\"banner\"]";
const PANEL: &str = "[data-optin=\"preferences\"]";

#[derive(Properties, PartialEq, Clone)]
struct AppProps {
    config: AttrValue,
}

/// The same tree on the server and in the browser, as a server-rendered app has it.
#[function_component(TestApp)]
fn test_app(props: &AppProps) -> Html {
    html! {
        <OptinProvider config={props.config.clone()}>
            <Page />
            <Banner />
            <Preferences />
        </OptinProvider>
    }
}

#[function_component(Page)]
fn page() -> Html {
    let consent = use_consent();
    let open = Callback::from(move |_: MouseEvent| consent.show_preferences());
    html! {
        <main id="page">
            <Gated category="media" fallback={html! { <p id="fallback">{ "ask" }</p> }}>
                <p id="gated">{ "media" }</p>
            </Gated>
            <button type="button" id="settings" onclick={open}>{ "Cookie settings" }</button>
        </main>
    }
}

fn props() -> AppProps {
    AppProps {
        config: CONFIG.into(),
    }
}

/// The server's markup, rendered in this page as a server would (hydratable: with Yew's markers).
async fn server_render() -> String {
    LocalServerRenderer::<TestApp>::with_props(props())
        .render()
        .await
}

/// The server's markup in a host of its own, hydrated; dropping it unmounts the app, removes the
/// host and clears the storage.
struct Hydrated {
    host: Element,
    app: Option<yew::AppHandle<TestApp>>,
}

impl Hydrated {
    /// `markup` in a new host, and what `keep` selects in it before hydration, for the test
    /// to compare with what is there after.
    fn prepare(markup: &str, keep: &[&str]) -> (Element, Vec<Element>) {
        let host = document().create_element("div").unwrap();
        host.set_inner_html(markup);
        document().body().unwrap().append_child(&host).unwrap();
        let kept = keep
            .iter()
            .map(|s| {
                host.query_selector(s)
                    .unwrap()
                    .unwrap_or_else(|| panic!("{s}"))
            })
            .collect();
        (host, kept)
    }

    async fn hydrate(host: Element) -> Self {
        let app = yew::Renderer::<TestApp>::with_root_and_props(host.clone(), props()).hydrate();
        sleep(100).await;
        Hydrated {
            host,
            app: Some(app),
        }
    }

    fn get(&self, selector: &str) -> Option<Element> {
        self.host.query_selector(selector).unwrap()
    }

    /// `selector` in any `<optin-widget>` shadow root of the app.
    fn in_widget(&self, selector: &str) -> Option<Element> {
        let hosts = self.host.query_selector_all("optin-widget").unwrap();
        (0..hosts.length())
            .filter_map(|i| hosts.item(i)?.unchecked_into::<Element>().shadow_root())
            .find_map(|root| root.query_selector(selector).unwrap())
    }

    fn click(element: Option<Element>, what: &str) {
        element
            .unwrap_or_else(|| panic!("{what} is not rendered"))
            .unchecked_into::<HtmlElement>()
            .click();
    }

    /// The node the selector finds now is the very node that was there before hydration.
    fn same(&self, selector: &str, before: &Element) -> bool {
        self.get(selector)
            .is_some_and(|now| now.is_same_node(Some(before)))
    }
}

impl Drop for Hydrated {
    fn drop(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.host.remove();
        storage().clear().unwrap();
    }
}

#[wasm_bindgen_test]
async fn a_first_visit_hydrates_the_servers_markup_then_asks() {
    storage().clear().unwrap();
    let markup = server_render().await;
    assert!(markup.contains("id=\"fallback\""), "{markup}");
    assert!(
        !markup.contains("optin-widget") && !markup.contains("id=\"gated\""),
        "the server renders the state before the start: {markup}"
    );

    let (host, kept) = Hydrated::prepare(&markup, &["#page", "#fallback", "#settings"]);
    let app = Hydrated::hydrate(host).await;
    for (selector, before) in ["#page", "#fallback", "#settings"].iter().zip(&kept) {
        assert!(
            app.same(selector, before),
            "{selector} is the server's node"
        );
    }
    assert!(
        app.in_widget(BANNER).is_some(),
        "the provider started the core after hydration, and asks"
    );

    Hydrated::click(app.in_widget("[data-optin=\"accept-all\"]"), "accept-all");
    sleep(50).await;
    let record = storage()
        .get_item(KEY)
        .unwrap()
        .expect("the choice is stored");
    assert!(record.contains("\"accept-all\""), "{record}");
    assert!(app.get("#gated").is_some() && app.get("#fallback").is_none());
    assert!(
        app.in_widget(BANNER).is_none(),
        "a choice closes the banner"
    );
    assert!(
        app.same("#page", &kept[0]),
        "still the server's node after re-renders"
    );

    // The page's button reaches the panel: commands flow once the core has started.
    Hydrated::click(app.get("#settings"), "the settings button");
    sleep(50).await;
    assert!(app.in_widget(PANEL).is_some(), "the panel opens");
}

#[wasm_bindgen_test]
async fn a_returning_visitor_gets_the_grant_after_hydration_without_a_banner() {
    storage().clear().unwrap();
    let record = {
        let (host, _) = Hydrated::prepare(&server_render().await, &[]);
        let app = Hydrated::hydrate(host).await;
        Hydrated::click(app.in_widget("[data-optin=\"accept-all\"]"), "accept-all");
        sleep(50).await;
        storage()
            .get_item(KEY)
            .unwrap()
            .expect("the choice is stored")
    };
    storage().set_item(KEY, &record).unwrap();

    let markup = server_render().await;
    assert!(
        markup.contains("id=\"fallback\"") && !markup.contains("id=\"gated\""),
        "the server never reads the visitor's storage: {markup}"
    );
    let (host, kept) = Hydrated::prepare(&markup, &["#page"]);
    let app = Hydrated::hydrate(host).await;
    assert!(app.same("#page", &kept[0]));
    assert!(
        app.get("#gated").is_some(),
        "the grant shows after the start"
    );
    assert!(app.in_widget(BANNER).is_none(), "nothing to ask");
    assert_eq!(storage().get_item(KEY).unwrap().as_deref(), Some(&*record));
}
