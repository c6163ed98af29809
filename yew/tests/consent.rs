//! optin-yew in a real browser (`wasm-pack test --headless --chrome` in yew/): the provider with
//! the core in-process, the hook's re-render on a change (also from another tab), `<Gated>`
//! before and after a grant and after a withdrawal, the banner's buttons, `<Banner/>` and
//! `<Preferences/>` placed apart over one state (and the panel inline), the record in
//! localStorage in the standalone widget's format, both ways, and what the provider does for
//! the page: `[data-optin-open]`, the visitor's language (German compiled in: the dev-dependency
//! turns `lang-de` on), Consent Mode through the page's `gtag`, the receipt to `log.endpoint`,
//! `optin:ready`. Each test clears the storage, mounts its own app in a host of its own, and
//! unmounts it when done.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;

use optin_core::receipt::Receipt;
use optin_core::record::Record;
use optin_yew::{use_consent, Banner, Consent, Gated, OptinProvider, Preferences};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

mod support;
use support::{document, sleep, storage};

wasm_bindgen_test_configure!(run_in_browser);

const KEY: &str = "optin.consent";
/// No reload on withdrawal: a test page must not reload under the test runner.
const CONFIG: &str = r#"{
  "revision": 3,
  "reloadOnWithdraw": false,
  "categories": [
    { "id": "necessary", "required": true },
    { "id": "analytics", "services": [{ "id": "stats", "name": "Statistics" }] },
    { "id": "social" }
  ]
}"#;

thread_local! {
    /// What the probe saw at each render: (analytics granted, chosen).
    static RENDERS: RefCell<Vec<(bool, bool)>> = const { RefCell::new(Vec::new()) };
    /// The probe's handle, for the test to act through.
    static HANDLE: RefCell<Option<Consent>> = const { RefCell::new(None) };
}

/// A component using the hook: records every render.
#[function_component(Probe)]
fn probe() -> Html {
    let consent = use_consent();
    RENDERS.with(|r| {
        r.borrow_mut()
            .push((consent.granted("analytics"), consent.chosen()))
    });
    HANDLE.with(|h| *h.borrow_mut() = Some(consent.clone()));
    html! {}
}

#[function_component(TestApp)]
fn test_app() -> Html {
    html! {
        <OptinProvider config={CONFIG}>
            <Probe />
            <Gated category="analytics" fallback={html! { <p id="fallback">{ "ask" }</p> }}>
                <p id="gated">{ "stats" }</p>
            </Gated>
            <Gated category="analytics" service="stats">
                <p id="gated-service">{ "stats service" }</p>
            </Gated>
            <Banner />
        </OptinProvider>
    }
}

/// One test's app `F` in a host of its own; dropping it unmounts the app, removes the host and
/// clears storage.
struct App<F: BaseComponent<Properties = ()>> {
    host: Element,
    app: Option<yew::AppHandle<F>>,
}

/// The provider with its banner and the probe, the app most tests mount.
type Mounted = App<TestApp>;

impl<F: BaseComponent<Properties = ()>> App<F> {
    /// Mounts the app after setting the stored record to `stored` (`None`: first visit).
    async fn new(stored: Option<&str>) -> Self {
        let storage = storage();
        storage.clear().unwrap();
        if let Some(json) = stored {
            storage.set_item(KEY, json).unwrap();
        }
        RENDERS.with(|r| r.borrow_mut().clear());
        let host = document().create_element("div").unwrap();
        document().body().unwrap().append_child(&host).unwrap();
        let app = yew::Renderer::<F>::with_root(host.clone()).render();
        sleep(100).await;
        App {
            host,
            app: Some(app),
        }
    }

    fn has(&self, selector: &str) -> bool {
        self.host.query_selector(selector).unwrap().is_some()
    }

    /// `selector` inside the `n`th `<optin-widget>` shadow root of this app.
    fn in_widget(&self, n: u32, selector: &str) -> Option<Element> {
        let hosts = self.host.query_selector_all("optin-widget").unwrap();
        let widget = hosts.item(n)?.unchecked_into::<Element>();
        widget.shadow_root()?.query_selector(selector).unwrap()
    }

    fn click(&self, n: u32, selector: &str) {
        self.in_widget(n, selector)
            .unwrap_or_else(|| panic!("{selector} not rendered in widget {n}"))
            .unchecked_into::<HtmlElement>()
            .click();
    }

    /// The element the banner's shadow root (the first widget) holds, if shown.
    fn in_shadow(&self, selector: &str) -> Option<Element> {
        self.in_widget(0, selector)
    }

    fn click_in_shadow(&self, selector: &str) {
        self.click(0, selector);
    }
}

impl<F: BaseComponent<Properties = ()>> Drop for App<F> {
    fn drop(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.host.remove();
        storage().clear().unwrap();
    }
}

fn handle() -> Consent {
    HANDLE
        .with(|h| h.borrow().clone())
        .expect("the probe rendered")
}

fn last_render() -> (bool, bool) {
    RENDERS.with(|r| *r.borrow().last().expect("the probe rendered"))
}

fn stored() -> Option<String> {
    storage().get_item(KEY).unwrap()
}

#[wasm_bindgen_test]
async fn provider_starts_the_core_and_asks_on_a_first_visit() {
    let app = Mounted::new(None).await;
    assert!(handle().started());
    assert_eq!(
        last_render(),
        (false, false),
        "nothing granted, nothing chosen"
    );
    assert!(
        app.in_shadow("[data-optin=\"banner\"]").is_some(),
        "banner shows"
    );
    assert!(app.has("#fallback") && !app.has("#gated") && !app.has("#gated-service"));
}

#[wasm_bindgen_test]
async fn a_broken_config_starts_nothing_and_grants_nothing() {
    #[function_component(Broken)]
    fn broken() -> Html {
        html! { <OptinProvider config={"{\"categories\": 1}"}><Probe /><Banner /></OptinProvider> }
    }
    storage().clear().unwrap();
    let host = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    let app = yew::Renderer::<Broken>::with_root(host.clone()).render();
    sleep(100).await;
    assert!(!handle().started());
    assert!(!handle().granted("analytics"));
    app.destroy();
    host.remove();
}

#[wasm_bindgen_test]
async fn the_hook_re_renders_on_a_change_and_gated_follows_grant_and_withdrawal() {
    let app = Mounted::new(None).await;
    let before = RENDERS.with(|r| r.borrow().len());
    handle().accept(&["analytics"]);
    sleep(50).await;
    assert!(RENDERS.with(|r| r.borrow().len()) > before, "re-rendered");
    assert_eq!(last_render(), (true, true));
    assert!(app.has("#gated") && app.has("#gated-service") && !app.has("#fallback"));
    assert!(
        app.in_shadow("[data-optin=\"banner\"]").is_none(),
        "a choice closes the banner"
    );

    handle().accept(&["analytics/stats"]);
    sleep(50).await;
    assert!(
        !app.has("#gated"),
        "the category is no longer granted as a whole"
    );
    assert!(app.has("#gated-service"), "its one service still is");

    handle().reject_all();
    sleep(50).await;
    assert_eq!(last_render(), (false, true));
    assert!(!app.has("#gated") && !app.has("#gated-service") && app.has("#fallback"));
}

#[wasm_bindgen_test]
async fn banner_buttons_choose_and_reset_asks_again() {
    let app = Mounted::new(None).await;
    app.click_in_shadow("[data-optin=\"accept-all\"]");
    sleep(50).await;
    assert!(app.in_shadow("[data-optin=\"banner\"]").is_none());
    assert_eq!(last_render(), (true, true));

    handle().reset();
    sleep(50).await;
    assert!(stored().is_none(), "reset forgets the record");
    assert_eq!(last_render(), (false, false));
    app.click_in_shadow("[data-optin=\"reject-all\"]");
    sleep(50).await;
    assert!(app.in_shadow("[data-optin=\"banner\"]").is_none());
    assert_eq!(last_render(), (false, true));
    assert!(stored().unwrap().contains("\"method\":\"reject-all\""));

    handle().show_preferences();
    sleep(50).await;
    assert!(app.in_shadow("[data-optin=\"preferences\"]").is_some());
    app.click_in_shadow("input[data-optin-category=\"analytics\"]");
    sleep(20).await;
    app.click_in_shadow("[data-optin=\"save\"]");
    sleep(50).await;
    assert!(app.in_shadow("[data-optin=\"preferences\"]").is_none());
    assert_eq!(last_render(), (true, true));
}

/// The record the in-process core writes is the standalone widget's: the same key, and a record
/// the widget's own reader (`Record::parse`, what optin.js runs) accepts with the same choices.
#[wasm_bindgen_test]
async fn the_stored_record_is_the_standalone_widgets() {
    let _app = Mounted::new(None).await;
    handle().accept(&["social"]);
    sleep(50).await;
    let json = stored().expect("stored under optin.consent");
    let record = Record::from_json(&json).expect("a record the widget reads");
    assert_eq!(record.method.as_str(), "custom");
    assert_eq!(record.revision, 3);
    assert_eq!(
        record.categories,
        [
            ("necessary".to_owned(), true),
            ("analytics".to_owned(), false),
            ("social".to_owned(), true)
        ]
    );
    assert_eq!(Some(json), handle().record_json());
}

/// A record as the standalone widget stores it (written by optin.js, README "The consent
/// record") is taken up as the visitor's choice: no banner, its grants in force.
#[wasm_bindgen_test]
async fn a_record_written_by_the_standalone_widget_is_the_choice_in_force() {
    let now = js_sys::Date::new_0().to_iso_string().as_string().unwrap();
    let later = js_sys::Date::new(&(js_sys::Date::now() + 86_400_000.0).into())
        .to_iso_string()
        .as_string()
        .unwrap();
    let json = format!(
        r#"{{"schema":1,"id":"7f0c8a52-3c1e-4f7a-9b1d-2e4f6a8c0b3d","revision":3,"givenAt":"{now}","updatedAt":"{now}","expiresAt":"{later}","method":"custom","categories":{{"necessary":true,"analytics":true,"social":false}},"services":{{}},"lang":"en","gpc":false}}"#
    );
    assert!(
        Record::from_json(&json).is_ok(),
        "the fixture is a valid record"
    );
    let app = Mounted::new(Some(&json)).await;
    assert_eq!(last_render(), (true, true));
    assert!(
        app.in_shadow("[data-optin=\"banner\"]").is_none(),
        "no banner"
    );
    assert!(app.has("#gated"));
    assert!(!handle().granted("social"));
}

/// Another tab's choice arrives as a `storage` event: the core re-reads, and the hook re-renders.
#[wasm_bindgen_test]
async fn a_choice_made_in_another_tab_re_renders() {
    let app = Mounted::new(None).await;
    handle().accept(&["analytics"]);
    sleep(50).await;
    let granted = stored().unwrap();
    handle().reset();
    sleep(50).await;
    assert_eq!(last_render(), (false, false));
    // What another tab's accept leaves behind: its record, and a storage event in this tab.
    storage().set_item(KEY, &granted).unwrap();
    let init = web_sys::StorageEventInit::new();
    init.set_key(Some(KEY));
    let event = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
    sleep(50).await;
    assert_eq!(last_render(), (true, true));
    assert!(app.has("#gated"));
    assert!(
        app.in_shadow("[data-optin=\"banner\"]").is_none(),
        "the banner closes"
    );
}

/// `shadow={false}`: the same banner, in the app's own tree (the app brings the stylesheet).
#[wasm_bindgen_test]
async fn the_banner_renders_in_the_apps_tree_without_a_shadow_root() {
    #[function_component(InTree)]
    fn in_tree() -> Html {
        html! { <OptinProvider config={CONFIG}><Probe /><Banner shadow={false} /></OptinProvider> }
    }
    storage().clear().unwrap();
    let host = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    let app = yew::Renderer::<InTree>::with_root(host.clone()).render();
    sleep(100).await;
    assert!(host.query_selector("optin-widget").unwrap().is_none());
    let banner = host
        .query_selector(".optin [data-optin=\"banner\"]")
        .unwrap()
        .expect("the banner in the app's tree");
    banner
        .query_selector("[data-optin=\"reject-all\"]")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    sleep(50).await;
    assert!(host
        .query_selector("[data-optin=\"banner\"]")
        .unwrap()
        .is_none());
    assert_eq!(last_render(), (false, true));
    assert!(
        optin_yew::STYLESHEET.contains(":host"),
        "the stylesheet is exported"
    );
    app.destroy();
    host.remove();
    storage().clear().unwrap();
}

const BANNER: &str = "[data-optin=\"banner\"]";
const PANEL: &str = "[data-optin=\"preferences\"]";

/// `<Banner/>` and `<Preferences/>` apart (each in a shadow root of its own) share one state: the
/// banner's Preferences button opens the panel where `<Preferences/>` is, and closing it goes
/// back to the banner, as in the standalone widget.
#[wasm_bindgen_test]
async fn banner_and_preferences_apart_share_one_state() {
    #[function_component(Apart)]
    fn apart() -> Html {
        html! {
            <OptinProvider config={CONFIG}>
                <Probe />
                <Banner />
                <main><Preferences /></main>
            </OptinProvider>
        }
    }
    let app = App::<Apart>::new(None).await;
    assert!(
        app.in_widget(0, BANNER).is_some(),
        "the banner in the first"
    );
    assert!(app.in_widget(1, PANEL).is_none(), "no panel yet");
    app.click(0, "[data-optin=\"preferences-open\"]");
    sleep(50).await;
    assert!(app.in_widget(0, BANNER).is_none(), "one view at a time");
    assert!(
        app.in_widget(0, PANEL).is_none(),
        "the banner leaves the panel to <Preferences/>"
    );
    let panel = app
        .in_widget(1, PANEL)
        .expect("the panel where <Preferences/> is");
    assert_eq!(panel.get_attribute("role").as_deref(), Some("dialog"));
    app.click(1, "[data-optin=\"close\"]");
    sleep(50).await;
    assert!(app.in_widget(1, PANEL).is_none());
    assert!(
        app.in_widget(0, BANNER).is_some(),
        "a panel opened from the banner closes back to it"
    );
    // Focus as a keyboard user left it: on the (re-rendered) banner's Preferences button.
    let open = app
        .in_widget(0, "[data-optin=\"preferences-open\"]")
        .unwrap();
    open.unchecked_ref::<HtmlElement>().focus().unwrap();
    app.click(0, "[data-optin=\"preferences-open\"]");
    sleep(50).await;
    app.click(1, "[data-optin=\"close\"]");
    sleep(50).await;
    let widget = app.host.query_selector("optin-widget").unwrap().unwrap();
    let focused = widget.shadow_root().unwrap().active_element();
    assert_eq!(
        focused
            .and_then(|f| f.get_attribute("data-optin"))
            .as_deref(),
        Some("preferences-open"),
        "focus back on the banner's Preferences button"
    );
    app.click(0, "[data-optin=\"preferences-open\"]");
    sleep(50).await;
    app.click(1, "input[data-optin-category=\"social\"]");
    sleep(20).await;
    app.click(1, "[data-optin=\"save\"]");
    sleep(50).await;
    assert!(app.in_widget(0, BANNER).is_none() && app.in_widget(1, PANEL).is_none());
    assert!(handle().granted("social") && !handle().granted("analytics"));
}

/// `<Preferences inline/>`: a part of the page (a settings route), shown without being opened,
/// not a dialog, its switches following the choice in force, its Save recording.
#[wasm_bindgen_test]
async fn the_panel_inline_is_part_of_the_page_and_follows_the_choice() {
    #[function_component(Settings)]
    fn settings() -> Html {
        html! {
            <OptinProvider config={CONFIG}>
                <Probe />
                <Preferences inline=true shadow={false} />
            </OptinProvider>
        }
    }
    let app = App::<Settings>::new(None).await;
    let panel = app
        .host
        .query_selector(".optin [data-optin=\"preferences\"]")
        .unwrap()
        .expect("shown without being opened, in the app's tree");
    assert_eq!(panel.get_attribute("role"), None, "not a dialog");
    assert!(panel
        .query_selector("[data-optin=\"close\"]")
        .unwrap()
        .is_none());
    let analytics = || {
        app.host
            .query_selector("input[data-optin-category=\"analytics\"]")
            .unwrap()
            .unwrap()
            .unchecked_into::<web_sys::HtmlInputElement>()
    };
    assert!(!analytics().checked());
    handle().accept(&["analytics"]);
    sleep(50).await;
    assert!(
        analytics().checked(),
        "the switches follow a choice made elsewhere"
    );
    analytics().click();
    sleep(20).await;
    app.host
        .query_selector("[data-optin=\"save\"]")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    sleep(50).await;
    assert!(!handle().granted("analytics"), "its Save records");
    assert!(
        app.host.query_selector(PANEL).unwrap().is_some(),
        "and it stays"
    );
}

/// A `[data-optin-open]` element anywhere in the page opens the panel through the provider's one
/// listener on `document`, which goes with the provider.
#[wasm_bindgen_test]
async fn data_optin_open_opens_the_panel_while_the_provider_is_mounted() {
    let link = document().create_element("a").unwrap();
    link.set_attribute("href", "#nowhere").unwrap();
    link.set_attribute("data-optin-open", "").unwrap();
    link.set_inner_html("<span>Privacy choices</span>");
    document().body().unwrap().append_child(&link).unwrap();
    let click_inside = || {
        link.first_element_child()
            .unwrap()
            .unchecked_into::<HtmlElement>()
            .click()
    };
    {
        let app = Mounted::new(None).await;
        handle().reject_all();
        sleep(50).await;
        click_inside();
        sleep(50).await;
        assert!(
            app.in_shadow(PANEL).is_some(),
            "a click inside the link opens the panel"
        );
        assert_ne!(
            web_sys::window().unwrap().location().hash().unwrap(),
            "#nowhere",
            "and does not follow it"
        );
    }
    // Unmounted: the listener is gone, so nothing waits in the inbox for the next app.
    click_inside();
    let app = Mounted::new(None).await;
    assert!(app.in_shadow(PANEL).is_none(), "no stale panel");
    assert!(app.in_shadow(BANNER).is_some());
    link.remove();
}

/// A German visitor (`<html lang="de">`) sees the built-in German texts, compiled in.
#[wasm_bindgen_test]
async fn a_german_visitor_sees_german_texts() {
    let root = document().document_element().unwrap();
    let before = root.get_attribute("lang");
    root.set_attribute("lang", "de").unwrap();
    let app = Mounted::new(None).await;
    assert_eq!(handle().language().as_deref(), Some("de"));
    let title = app
        .in_shadow("#optin-banner-title")
        .expect("banner")
        .text_content();
    assert_eq!(title.as_deref(), Some("Wir verwenden Cookies"));
    drop(app);
    match before {
        Some(lang) => root.set_attribute("lang", &lang).unwrap(),
        None => root.remove_attribute("lang").unwrap(),
    }
}

/// Installs a page global `name` made by `body` (test stubs of what a page or browser defines).
fn stub(name: &str, body: &str) {
    let f = js_sys::Function::new_with_args("", body);
    js_sys::Reflect::set(&js_sys::global(), &name.into(), &f).unwrap();
}

fn forget_global(name: &str) {
    let global: js_sys::Object = js_sys::global().unchecked_into();
    js_sys::Reflect::delete_property(&global, &name.into()).unwrap();
}

fn global(name: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(&js_sys::global(), &name.into()).unwrap()
}

const SIGNALS_CONFIG: &str = r#"{
  "reloadOnWithdraw": false,
  "googleConsentMode": { "analytics_storage": "analytics", "ad_storage": "social" },
  "log": { "endpoint": "/consent-log" },
  "categories": [
    { "id": "necessary", "required": true },
    { "id": "analytics" },
    { "id": "social" }
  ]
}"#;

#[function_component(SignalsApp)]
fn signals_app() -> Html {
    html! { <OptinProvider config={SIGNALS_CONFIG}><Probe /><Banner /></OptinProvider> }
}

/// Consent Mode through the page's `gtag`: the default at the start, an update with the core's
/// values after each choice; and the `optin:ready` event once started.
#[wasm_bindgen_test]
async fn consent_mode_goes_through_the_pages_gtag_and_ready_is_announced() {
    stub(
        "gtag",
        "window.gtagCalls.push(JSON.stringify(Array.from(arguments)))",
    );
    stub(
        "onReady",
        "window.readyCount = (window.readyCount || 0) + 1",
    );
    js_sys::Reflect::set(
        &js_sys::global(),
        &"gtagCalls".into(),
        &js_sys::Array::new(),
    )
    .unwrap();
    document()
        .add_event_listener_with_callback("optin:ready", global("onReady").unchecked_ref())
        .unwrap();
    let calls = || -> Vec<String> {
        js_sys::Array::from(&global("gtagCalls"))
            .iter()
            .map(|v| v.as_string().unwrap())
            .collect()
    };
    let app = App::<SignalsApp>::new(None).await;
    assert_eq!(global("readyCount").as_f64(), Some(1.0), "optin:ready once");
    assert_eq!(
        calls(),
        [
            r#"["consent","default",{"analytics_storage":"denied","ad_storage":"denied","wait_for_update":500}]"#
        ]
    );
    handle().accept(&["analytics"]);
    sleep(50).await;
    assert_eq!(
        calls()[1..],
        [r#"["consent","update",{"analytics_storage":"granted","ad_storage":"denied"}]"#]
    );
    drop(app);
    document()
        .remove_event_listener_with_callback("optin:ready", global("onReady").unchecked_ref())
        .unwrap();
    for name in ["gtag", "gtagCalls", "onReady", "readyCount"] {
        forget_global(name);
    }
}

/// Each choice's receipt (the core's, `Receipt::parse` accepts it) is POSTed once to
/// `log.endpoint` with a keepalive fetch.
#[wasm_bindgen_test]
async fn each_choice_posts_its_receipt_to_the_consent_log() {
    let real_fetch = global("fetch");
    stub(
        "fetch",
        "window.posts.push({ url: arguments[0], init: arguments[1] }); \
         return Promise.resolve({ status: 201 });",
    );
    js_sys::Reflect::set(&js_sys::global(), &"posts".into(), &js_sys::Array::new()).unwrap();
    let posts = || js_sys::Array::from(&global("posts"));
    let field = |post: &wasm_bindgen::JsValue, path: &[&str]| {
        path.iter().fold(post.clone(), |v, k| {
            js_sys::Reflect::get(&v, &(*k).into()).unwrap()
        })
    };
    let app = App::<SignalsApp>::new(None).await;
    assert_eq!(posts().length(), 0, "nothing before a choice");
    handle().accept(&["social"]);
    sleep(50).await;
    assert_eq!(posts().length(), 1);
    let post = posts().get(0);
    assert_eq!(
        field(&post, &["url"]).as_string().as_deref(),
        Some("/consent-log")
    );
    assert_eq!(
        field(&post, &["init", "method"]).as_string().as_deref(),
        Some("POST")
    );
    assert_eq!(field(&post, &["init", "keepalive"]).as_bool(), Some(true));
    let body = field(&post, &["init", "body"]).as_string().unwrap();
    let receipt = Receipt::parse(&body).expect("a receipt the consent log accepts");
    assert_eq!(Some(receipt.record.to_json()), handle().record_json());
    assert_eq!(
        receipt.site,
        web_sys::window().unwrap().location().origin().unwrap()
    );
    handle().reject_all();
    sleep(50).await;
    assert_eq!(posts().length(), 2, "one per choice");
    drop(app);
    js_sys::Reflect::set(&js_sys::global(), &"fetch".into(), &real_fetch).unwrap();
    forget_global("posts");
}

/// Tab and Shift+Tab stay inside a modal panel, whether it sits in a shadow root or in the app's
/// own tree (`shadow={false}`), and move freely between its controls in between.
#[wasm_bindgen_test]
fn tab_is_kept_inside_the_panel_in_a_shadow_root_and_in_the_apps_tree() {
    let tab = |container: &Element, shift: bool| {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key("Tab");
        init.set_shift_key(shift);
        init.set_cancelable(true);
        let event =
            web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
        optin_yew::dom::trap_tab(container, &event);
        event.default_prevented()
    };
    let focused = || optin_yew::dom::active_element().and_then(|e| e.get_attribute("id"));
    let focus = |root: &Element, id: &str| {
        root.query_selector(&["#", id].concat())
            .unwrap()
            .unwrap()
            .unchecked_into::<HtmlElement>()
            .focus()
            .unwrap();
    };
    let host = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    let shadow_host = document().create_element("div").unwrap();
    host.append_child(&shadow_host).unwrap();
    let in_shadow = optin_yew::dom::styled_shadow(&document(), &shadow_host).unwrap();
    let light = document().create_element("div").unwrap();
    host.append_child(&light).unwrap();
    for panel in [&in_shadow, &light] {
        panel.set_inner_html(
            "<button id=a>a</button><input id=b type=checkbox><button id=c>c</button>",
        );
        focus(panel, "b");
        assert!(!tab(panel, false), "Tab from the middle is the browser's");
        assert!(!tab(panel, true), "so is Shift+Tab");
        focus(panel, "c");
        assert!(tab(panel, false), "Tab on the last control wraps");
        assert_eq!(focused().as_deref(), Some("a"));
        assert!(tab(panel, true), "Shift+Tab on the first control wraps");
        assert_eq!(focused().as_deref(), Some("c"));
    }
    host.remove();
}
