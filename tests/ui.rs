//! The Yew UI in a real browser (`wasm-pack test --headless --chrome`), one test per behaviour.
//! Each test mounts the app afresh in a host of its own, against a stand-in `window.optin` that
//! records the calls the UI makes, and removes the host when it is done.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;

use optin_ui::App;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{
    Document, Element, HtmlElement, HtmlInputElement, ShadowRoot, ShadowRootInit, ShadowRootMode,
};
use yew::AppHandle;

wasm_bindgen_test_configure!(run_in_browser);

fn js(code: &str) -> JsValue {
    js_sys::Function::new_no_args(code)
        .call0(&JsValue::NULL)
        .unwrap()
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

fn document() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A stand-in for the core's public API, recording what the UI asks of it.
const FAKE_API: &str = r#"
window.__calls = [];
window.__granted = [];
window.optin = {
  config: () => ({
    privacyPolicyUrl: '/privacy',
    categories: [
      { id: 'necessary', required: true },
      { id: 'analytics', services: [{ id: 'ga', name: 'Google Analytics', provider: 'Google', cookies: [{ name: '_ga' }] }, { id: 'hotjar', name: 'Hotjar' }] },
      { id: 'social' },
    ],
    texts: { en: { bannerTitle: '<img src=x onerror="window.__xss=1">', categories: { social: { title: 'Social buttons' } } } },
  }),
  language: () => 'en',
  granted: (c) => c === 'necessary' || window.__granted.includes(c),
  grantedService: (c, s) => window.optin.granted(c) || window.__granted.includes(c + '/' + s),
  choices: () => {
    const categories = {}, services = {};
    for (const c of window.optin.config().categories) {
      categories[c.id] = window.optin.granted(c.id);
      services[c.id] = {};
      for (const s of c.services || []) services[c.id][s.id] = window.optin.grantedService(c.id, s.id);
    }
    return { categories, services, revised: false, gpc: false };
  },
  receipt: () => null,
  acceptAll: () => { window.__calls.push('acceptAll'); return Promise.resolve(); },
  rejectAll: () => { window.__calls.push('rejectAll'); return Promise.resolve(); },
  accept: (cats) => { window.__calls.push('accept:' + cats.join('+')); return Promise.resolve(); },
};
"#;

/// The calls the UI made to the stand-in API since the test mounted its widget.
fn calls() -> String {
    js("return window.__calls.join(',')").as_string().unwrap()
}

/// What the core does after any choice: the UI listens to this event, whoever made the choice.
fn core_says_changed() {
    js("document.dispatchEvent(new CustomEvent('optin:change', { detail: {} }))");
}

thread_local! {
    /// The widget's stylesheet, from the host the crate mounted itself (see `widget_styles`).
    static STYLES: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// The crate mounts its own app once per page, on the first `optin_ui::show`, and from then on
/// passes `show`/`hide` to the app that connected last. So the first time, let that mount happen
/// (its app hides again), take its host out of the page, and keep its stylesheet: each test's
/// own host gets the same one, and its app is the one `show` and `hide` reach.
async fn widget_styles() -> JsValue {
    if let Some(styles) = STYLES.with(|s| s.borrow().clone()) {
        return styles;
    }
    optin_ui::show("banner", None);
    optin_ui::hide();
    sleep(50).await;
    let host = document()
        .query_selector("optin-widget")
        .unwrap()
        .expect("the host the crate mounts");
    let shadow = host.shadow_root().expect("an open shadow root");
    let styles = js_sys::Reflect::get(&shadow, &"adoptedStyleSheets".into()).unwrap();
    host.remove();
    STYLES.with(|s| *s.borrow_mut() = Some(styles.clone()));
    styles
}

/// One test's widget: a fresh `<optin-widget>` host (open shadow root, the widget's stylesheet)
/// with the app mounted in it. Dropping it unmounts the app and removes the host.
struct Widget {
    host: Element,
    app: Option<AppHandle<App>>,
}

impl Widget {
    /// Mounts the app against a fresh stand-in API whose core has granted `granted` (category
    /// ids and `category/service` pairs; `necessary` always).
    async fn mount(granted: &[&str]) -> Widget {
        js(FAKE_API);
        let granted: js_sys::Array = granted.iter().copied().map(JsValue::from_str).collect();
        js_sys::Reflect::set(&js_sys::global(), &"__granted".into(), &granted).unwrap();

        let styles = widget_styles().await;
        let document = document();
        let host = document.create_element("optin-widget").unwrap();
        let shadow = host
            .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .unwrap();
        js_sys::Reflect::set(&shadow, &"adoptedStyleSheets".into(), &styles).unwrap();
        let root = document.create_element("div").unwrap();
        root.set_class_name("optin");
        shadow.append_child(&root).unwrap();
        document.body().unwrap().append_child(&host).unwrap();
        let app = yew::Renderer::<App>::with_root(root).render();
        sleep(50).await;
        Widget {
            host,
            app: Some(app),
        }
    }

    /// What the loader does: `"banner"` or `"preferences"`.
    async fn show(&self, view: &str) {
        optin_ui::show(view, None);
        sleep(50).await;
    }

    fn shadow(&self) -> ShadowRoot {
        self.host.shadow_root().expect("an open shadow root")
    }

    fn find(&self, selector: &str) -> Option<Element> {
        self.shadow().query_selector(selector).unwrap()
    }

    fn banner(&self) -> Option<Element> {
        self.find("[data-optin=\"banner\"]")
    }

    fn panel(&self) -> Option<Element> {
        self.find("[data-optin=\"preferences\"]")
    }

    fn click(&self, selector: &str) {
        self.find(selector)
            .unwrap_or_else(|| panic!("{selector} not rendered"))
            .unchecked_into::<HtmlElement>()
            .click();
    }

    fn checkbox(&self, id: &str) -> HtmlInputElement {
        self.find(&format!("input[data-optin-category=\"{id}\"]"))
            .unwrap_or_else(|| panic!("no switch for {id}"))
            .unchecked_into()
    }

    fn service_checkbox(&self, key: &str) -> HtmlInputElement {
        self.find(&format!("input[data-optin-service=\"{key}\"]"))
            .expect("a switch per service")
            .unchecked_into()
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.host.remove();
    }
}

#[wasm_bindgen_test]
async fn banner_renders_config_texts_as_text_never_html() {
    let widget = Widget::mount(&[]).await;
    widget.show("banner").await;

    let banner = widget.banner().expect("banner shows");
    let title = banner.query_selector(".title").unwrap().unwrap();
    assert_eq!(
        title.text_content().unwrap(),
        "<img src=x onerror=\"window.__xss=1\">"
    );
    assert!(banner.query_selector("img").unwrap().is_none());
    assert!(js("return window.__xss").is_undefined());
    assert_eq!(
        banner.get_attribute("aria-labelledby").as_deref(),
        Some("optin-banner-title")
    );
}

#[wasm_bindgen_test]
async fn banner_offers_every_choice_in_the_same_style() {
    let widget = Widget::mount(&[]).await;
    widget.show("banner").await;

    let banner = widget.banner().expect("banner shows");
    for hook in ["accept-all", "reject-all", "preferences-open"] {
        let button = banner
            .query_selector(&format!("[data-optin=\"{hook}\"]"))
            .unwrap();
        assert_eq!(
            button.expect(hook).class_name(),
            "button",
            "{hook}: same style for every choice"
        );
    }
}

#[wasm_bindgen_test]
async fn accept_all_calls_the_api_and_the_change_event_closes_the_banner() {
    let widget = Widget::mount(&[]).await;
    widget.show("banner").await;

    widget.click("[data-optin=\"accept-all\"]");
    assert_eq!(calls(), "acceptAll");
    core_says_changed();
    sleep(50).await;
    assert!(widget.banner().is_none(), "banner gone after a choice");
}

#[wasm_bindgen_test]
async fn reject_all_calls_the_api_and_the_change_event_closes_the_banner() {
    let widget = Widget::mount(&[]).await;
    widget.show("banner").await;

    widget.click("[data-optin=\"reject-all\"]");
    assert_eq!(calls(), "rejectAll");
    core_says_changed();
    sleep(50).await;
    assert!(widget.banner().is_none(), "banner gone after a choice");
}

#[wasm_bindgen_test]
async fn panel_is_a_modal_dialog_that_takes_focus() {
    let widget = Widget::mount(&[]).await;
    widget.show("preferences").await;

    let dialog = widget.panel().expect("panel shows");
    assert_eq!(dialog.get_attribute("role").as_deref(), Some("dialog"));
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    assert!(
        widget
            .shadow()
            .active_element()
            .is_some_and(|a| a.is_same_node(Some(&dialog))),
        "focus moves into the dialog"
    );
}

/// Required is on and locked; nothing is pre-ticked that the core has not granted.
#[wasm_bindgen_test]
async fn panel_starts_from_the_current_grants() {
    let widget = Widget::mount(&["social"]).await;
    widget.show("preferences").await;

    let dialog = widget.panel().expect("panel shows");
    let necessary = widget.checkbox("necessary");
    assert!(necessary.checked() && necessary.disabled());
    assert!(!widget.checkbox("analytics").checked());
    assert!(widget.checkbox("social").checked());
    assert!(dialog.text_content().unwrap().contains("Social buttons"));
    assert!(dialog.text_content().unwrap().contains("Google Analytics"));
}

#[wasm_bindgen_test]
async fn save_accepts_exactly_the_switched_on_categories() {
    let widget = Widget::mount(&["social"]).await;
    widget.show("preferences").await;

    widget.checkbox("analytics").click();
    widget.checkbox("social").click();
    sleep(20).await;
    widget.click("[data-optin=\"save\"]");
    assert_eq!(calls(), "accept:necessary+analytics");
    core_says_changed();
    sleep(50).await;
    assert!(widget.panel().is_none());
}

#[wasm_bindgen_test]
async fn a_single_service_has_its_own_switch_saved_as_category_slash_service() {
    let widget = Widget::mount(&["social"]).await;
    widget.show("preferences").await;

    let ga = widget.service_checkbox("analytics/ga");
    assert!(!ga.checked());
    ga.click();
    sleep(20).await;
    assert!(
        !widget.checkbox("analytics").checked(),
        "one service is not the whole category"
    );
    widget.click("[data-optin=\"save\"]");
    assert_eq!(calls(), "accept:necessary+analytics/ga+social");
    core_says_changed();
    sleep(50).await;
    assert!(widget.panel().is_none());
}

#[wasm_bindgen_test]
async fn escape_closes_the_panel_and_records_nothing() {
    let widget = Widget::mount(&[]).await;
    widget.show("preferences").await;

    let dialog = widget.panel().expect("panel shows");
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let esc = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    dialog.dispatch_event(&esc).unwrap();
    sleep(50).await;
    assert!(widget.panel().is_none(), "Escape closes");
    assert_eq!(calls(), "", "and records nothing");
}
