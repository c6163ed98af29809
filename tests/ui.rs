//! The Yew UI in a real browser (`wasm-pack test --headless --chrome`): mounted in its shadow
//! root against a stand-in `window.optin` that records the calls the UI makes.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, ShadowRoot};

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

fn shadow() -> ShadowRoot {
    web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .query_selector("optin-widget")
        .unwrap()
        .expect("the widget's host element")
        .shadow_root()
        .expect("an open shadow root")
}

fn find(selector: &str) -> Option<Element> {
    shadow().query_selector(selector).unwrap()
}

fn click(selector: &str) {
    find(selector)
        .unwrap_or_else(|| panic!("{selector} not rendered"))
        .unchecked_into::<HtmlElement>()
        .click();
}

fn calls() -> String {
    js("return window.__calls.join(',')").as_string().unwrap()
}

fn checkbox(id: &str) -> HtmlInputElement {
    find(&format!("input[data-optin-category=\"{id}\"]"))
        .unwrap_or_else(|| panic!("no switch for {id}"))
        .unchecked_into()
}

fn core_says_changed() {
    js("document.dispatchEvent(new CustomEvent('optin:change', { detail: {} }))");
}

#[wasm_bindgen_test]
async fn banner_and_panel_drive_the_public_api() {
    js(FAKE_API);
    optin_ui::show("banner", None);
    sleep(50).await;

    // Banner: config texts render as text, never HTML.
    let banner = find("[data-optin=\"banner\"]").expect("banner shows");
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

    // Accept all calls the API; the core's change event closes the banner.
    click("[data-optin=\"accept-all\"]");
    assert_eq!(calls(), "acceptAll");
    core_says_changed();
    sleep(50).await;
    assert!(
        find("[data-optin=\"banner\"]").is_none(),
        "banner gone after a choice"
    );

    // The panel starts from the current grants; required is on and locked; nothing pre-ticked.
    js("window.__granted = ['social']");
    optin_ui::show("preferences", None);
    sleep(50).await;
    let dialog = find("[data-optin=\"preferences\"]").expect("panel shows");
    assert_eq!(dialog.get_attribute("role").as_deref(), Some("dialog"));
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    assert!(
        shadow()
            .active_element()
            .is_some_and(|a| a.is_same_node(Some(&dialog))),
        "focus moves into the dialog"
    );
    let necessary = checkbox("necessary");
    assert!(necessary.checked() && necessary.disabled());
    assert!(!checkbox("analytics").checked());
    assert!(checkbox("social").checked());
    assert!(dialog.text_content().unwrap().contains("Social buttons"));
    assert!(dialog.text_content().unwrap().contains("Google Analytics"));

    // Toggle and save: exactly the switched-on categories are accepted.
    checkbox("analytics").click();
    checkbox("social").click();
    sleep(20).await;
    click("[data-optin=\"save\"]");
    assert_eq!(calls(), "acceptAll,accept:necessary+analytics");
    core_says_changed();
    sleep(50).await;
    assert!(find("[data-optin=\"preferences\"]").is_none());

    // A single service: its own switch, saved as `category/service`.
    optin_ui::show("preferences", None);
    sleep(50).await;
    let ga = find("input[data-optin-service=\"analytics/ga\"]")
        .expect("a switch per service")
        .unchecked_into::<HtmlInputElement>();
    assert!(!ga.checked());
    ga.click();
    sleep(20).await;
    assert!(
        !checkbox("analytics").checked(),
        "one service is not the whole category"
    );
    click("[data-optin=\"save\"]");
    assert_eq!(
        calls(),
        "acceptAll,accept:necessary+analytics,accept:necessary+analytics/ga+social"
    );
    core_says_changed();
    sleep(50).await;

    // Escape closes the panel without recording anything.
    optin_ui::show("preferences", None);
    sleep(50).await;
    let dialog = find("[data-optin=\"preferences\"]").expect("panel again");
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let esc = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    dialog.dispatch_event(&esc).unwrap();
    sleep(50).await;
    assert!(
        find("[data-optin=\"preferences\"]").is_none(),
        "Escape closes"
    );
    assert_eq!(
        calls(),
        "acceptAll,accept:necessary+analytics,accept:necessary+analytics/ga+social",
        "and records nothing"
    );
}
