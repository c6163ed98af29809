//! The core's browser shell in a real browser (`wasm-pack test --headless --chrome core`):
//! DOM gating, storage and its fallback, and the exported API end to end.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use optin_core::activate::{self, Context};
use optin_core::config::Config;
use optin_core::consent::{self, Access, Method};
use optin_core::{api, storage::Store};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

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

/// The run log the fixtures write to, as one comma-separated string.
fn runs() -> String {
    js("return (window.__runs || []).join(',')")
        .as_string()
        .unwrap()
}

async fn wait_for_runs(count: usize) -> String {
    for _ in 0..100 {
        let r = runs();
        if r.split(',').filter(|s| !s.is_empty()).count() >= count {
            return r;
        }
        sleep(20).await;
    }
    runs()
}

/// Builds a container of gated markup in the page and returns it (remove it when done).
fn fixture(html: &str) -> web_sys::Element {
    js("window.__runs = []");
    let div = document().create_element("div").unwrap();
    div.set_inner_html(html);
    // innerHTML-inserted scripts never run; re-create them so the test markup behaves like parsed markup.
    let scripts = div.query_selector_all("script").unwrap();
    for i in 0..scripts.length() {
        let old: web_sys::Element = scripts.item(i).unwrap().dyn_into().unwrap();
        let fresh = document().create_element("script").unwrap();
        let attrs = old.attributes();
        for j in 0..attrs.length() {
            let a = attrs.item(j).unwrap();
            fresh.set_attribute(&a.name(), &a.value()).unwrap();
        }
        fresh.set_text_content(old.text_content().as_deref());
        old.replace_with_with_node_1(&fresh).unwrap();
    }
    document().body().unwrap().append_child(&div).unwrap();
    div
}

/// Runs activation as if the visitor had accepted `accepted` (categories and `cat/svc` pairs).
/// Waits a task first: the widget another test started observes the page, and its own walk over
/// the fixture (under its own access) must not replace this one.
async fn activate_with(accepted: &[&str]) {
    sleep(0).await;
    let config = Config::parse(
        r#"{"categories":[{"id":"necessary","required":true},
            {"id":"analytics","services":[{"id":"ga"}]},{"id":"social"}]}"#,
    )
    .unwrap()
    .config;
    let accepted: Vec<String> = accepted.iter().map(|s| s.to_string()).collect();
    let record = consent::record_choice(
        &config,
        None,
        consent::choices(&config, Method::Custom, &accepted, false),
        Method::Custom,
        consent::Context {
            now: js_sys::Date::now(),
            lang: "en",
            new_id: "test".into(),
            gpc: false,
        },
    );
    let access = Access::new(&config, Some(&record), &[]);
    activate::run(
        Context {
            access,
            config: Rc::new(config),
            lang: "en".into(),
        },
        activate::When::Now,
    );
}

fn data_url(code: &str) -> String {
    format!("data:text/javascript,{}", code.replace(' ', "%20"))
}

#[wasm_bindgen_test]
async fn activation_keeps_document_order_and_runs_each_script_once() {
    let push = |name: &str| format!("window.__runs.push('{name}')");
    let html = format!(
        r#"<script type="text/plain" data-category="analytics" src="{a}"></script>
           <script type="text/plain" data-category="analytics">{inline}</script>
           <script type="text/plain" data-category="social" src="{x}"></script>
           <script type="text/plain" data-category="analytics" data-src="{b}"></script>
           <script type="text/plain" data-category="!social">{neg}</script>
           <script type="text/plain" data-category="!analytics">{never}</script>"#,
        a = data_url(&push("a")),
        inline = push("inline"),
        x = data_url(&push("social")),
        b = data_url(&push("b")),
        neg = push("not-social"),
        never = push("not-analytics"),
    );
    let root = fixture(&html);
    activate_with(&["analytics"]).await;
    assert_eq!(wait_for_runs(4).await, "a,inline,b,not-social");
    // Repeated activation (repeated accept, another tab, the API called twice) runs nothing again.
    activate_with(&["analytics"]).await;
    activate_with(&["analytics"]).await;
    sleep(100).await;
    assert_eq!(runs(), "a,inline,b,not-social");
    let inert = root
        .query_selector("script[data-category=\"social\"]")
        .unwrap()
        .unwrap();
    assert_eq!(inert.get_attribute("type").as_deref(), Some("text/plain"));
    root.remove();
}

#[wasm_bindgen_test]
async fn a_failing_script_does_not_stop_the_ones_after_it() {
    let html = format!(
        r#"<script type="text/plain" data-category="analytics" src="/no-such-file-404.js"></script>
           <script type="text/plain" data-category="analytics" src="{after}"></script>"#,
        after = data_url("window.__runs.push('after')"),
    );
    let root = fixture(&html);
    activate_with(&["analytics"]).await;
    assert_eq!(wait_for_runs(1).await, "after");
    root.remove();
}

#[wasm_bindgen_test]
async fn the_live_copy_keeps_attributes_and_restores_the_real_type() {
    let root = fixture(
        r#"<script type="text/plain" data-type="text/javascript" data-category="analytics"
             id="ga" class="tracker" data-extra="1">window.__runs.push('typed')</script>"#,
    );
    activate_with(&["analytics"]).await;
    assert_eq!(wait_for_runs(1).await, "typed");
    let live = document().get_element_by_id("ga").unwrap();
    assert_eq!(
        live.get_attribute("type").as_deref(),
        Some("text/javascript")
    );
    assert_eq!(live.get_attribute("class").as_deref(), Some("tracker"));
    assert_eq!(live.get_attribute("data-extra").as_deref(), Some("1"));
    assert_eq!(
        live.get_attribute("data-optin-state").as_deref(),
        Some("live")
    );
    assert!(!live.has_attribute("data-type"));
    root.remove();
}

#[wasm_bindgen_test]
async fn a_blocked_iframe_gets_a_sized_placeholder_and_goes_back_to_it_on_withdrawal() {
    let root = fixture(
        r#"<iframe id="yt" data-category="social" data-src="about:blank#video" width="320" height="180" title="Video"></iframe>"#,
    );
    activate_with(&[]).await;
    let frame = document().get_element_by_id("yt").unwrap();
    assert!(frame.has_attribute("hidden"));
    assert!(!frame.has_attribute("src"), "nothing loaded before consent");
    let placeholder = frame.previous_element_sibling().expect("placeholder");
    assert_eq!(
        placeholder
            .get_attribute("data-optin-placeholder")
            .as_deref(),
        Some("social")
    );
    assert_eq!(placeholder.get_attribute("role").as_deref(), Some("region"));
    let rect = placeholder.get_bounding_client_rect();
    assert_eq!((rect.width(), rect.height()), (320.0, 180.0));
    assert!(placeholder
        .text_content()
        .unwrap()
        .contains("not allowed Social media cookies"));

    activate_with(&["social"]).await;
    assert_eq!(
        frame.get_attribute("src").as_deref(),
        Some("about:blank#video")
    );
    assert!(!frame.has_attribute("hidden"));
    assert!(frame
        .previous_element_sibling()
        .is_none_or(|p| !p.has_attribute("data-optin-placeholder")));

    activate_with(&[]).await;
    assert_eq!(
        frame.get_attribute("src").as_deref(),
        Some("about:blank"),
        "emptied on withdrawal"
    );
    assert!(frame.has_attribute("hidden"));
    assert!(frame
        .previous_element_sibling()
        .unwrap()
        .has_attribute("data-optin-placeholder"));
    root.remove();
}

#[wasm_bindgen_test]
async fn a_service_grant_runs_only_that_services_scripts() {
    let root = fixture(
        r#"<script type="text/plain" data-category="analytics" data-service="ga">window.__runs.push('ga')</script>
           <script type="text/plain" data-category="analytics">window.__runs.push('all-analytics')</script>
           <script type="text/plain" data-category="analytics" data-service="!ga">window.__runs.push('no-ga')</script>"#,
    );
    activate_with(&["analytics/ga"]).await;
    sleep(50).await;
    assert_eq!(runs(), "ga");
    root.remove();
}

fn first(store: &Store) -> Option<String> {
    store.read_all().into_iter().next()
}

fn cookie() -> String {
    js("return document.cookie").as_string().unwrap()
}

#[wasm_bindgen_test]
fn storage_round_trips_and_falls_back_to_a_cookie_when_it_throws() {
    let store = Store::open("optin.test.store", None, 1);
    store.write("value-1");
    assert_eq!(first(&store).as_deref(), Some("value-1"));
    assert!(
        !cookie().contains("optin.test.store"),
        "no cookie while localStorage works"
    );
    js("window.__realGet = Storage.prototype.getItem; Storage.prototype.getItem = function () { throw new Error('denied'); }");
    let broken = Store::open("optin.test.store", None, 1);
    assert_eq!(
        first(&broken),
        None,
        "a throwing storage reads as nothing, never panics"
    );
    broken.write("value 2; with=odd \"chars\"");
    // A new page (a new Store) finds the choice in the cookie.
    let again = Store::open("optin.test.store", None, 1);
    js("Storage.prototype.getItem = window.__realGet");
    assert_eq!(
        first(&again).as_deref(),
        Some("value 2; with=odd \"chars\"")
    );
    js("localStorage.removeItem('optin.test.store'); document.cookie = 'optin.test.store=; Path=/; Max-Age=0'");
}

#[wasm_bindgen_test]
fn storage_that_refuses_writes_keeps_the_choice_in_a_cookie_and_memory() {
    let store = Store::open("optin.test.quota", None, 1);
    js("window.__realSet = Storage.prototype.setItem; Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); }");
    store.write("kept");
    js("Storage.prototype.setItem = window.__realSet");
    assert!(store.read_all().contains(&"kept".to_string()));
    assert!(cookie().contains("optin.test.quota=kept"), "{}", cookie());
    store.remove();
    assert!(
        !cookie().contains("optin.test.quota"),
        "reset removes the cookie too"
    );
}

#[wasm_bindgen_test]
fn a_withdrawal_clears_listed_cookies_and_keys_and_nothing_else() {
    js("document.cookie = '_ga=1; Path=/'; document.cookie = '_ga_ABC=1; Path=/'; document.cookie = 'keep=1; Path=/'; localStorage.setItem('ga_key', 'x')");
    let store = Store::open("optin.test.clear", None, 1);
    store.clear(&optin_core::cookies::Clearing {
        cookies: vec![("_ga".into(), vec![]), ("_ga_*".into(), vec![])],
        local_storage: vec!["ga_key".into()],
    });
    let jar = cookie();
    assert!(!jar.contains("_ga"), "{jar}");
    assert!(jar.contains("keep=1"), "{jar}");
    assert!(js("return localStorage.getItem('ga_key')").is_null());
    js("document.cookie = 'keep=; Path=/; Max-Age=0'");
}

/// Categories of their own: the page-wide observer that `start` installs applies this widget's
/// state to later fixtures, and must leave the other tests' categories unknown (never run).
const CONFIG: &str = r#"{"storageKey":"optin.test.api","categories":[{"id":"necessary","required":true},{"id":"stats"},{"id":"chat"}]}"#;

fn stored() -> Option<String> {
    js("return localStorage.getItem('optin.test.api')").as_string()
}

#[wasm_bindgen_test]
fn the_api_records_choices_and_survives_corrupt_storage_and_broken_config() {
    js("localStorage.setItem('optin.test.api', '{corrupt')");
    assert_eq!(
        api::start(Some(CONFIG.into())),
        Ok(true),
        "corrupt record: ask again"
    );
    assert!(!api::granted("stats"));
    assert!(api::granted("necessary"));
    assert_eq!(api::consent_json(), None);

    api::choose("accept-all", vec![]).unwrap();
    let record = stored().expect("stored");
    assert!(record.contains(r#""method":"accept-all""#), "{record}");
    assert!(record.contains(r#""stats":true"#), "{record}");
    assert!(api::granted("stats"));

    // A reload: the valid record applies, no banner.
    assert_eq!(api::start(Some(CONFIG.into())), Ok(false));
    assert!(api::granted("chat"));

    api::choose("custom", vec!["chat".into()]).unwrap();
    assert!(!api::granted("stats"));
    assert!(api::granted("chat"));
    let again = stored().unwrap();
    let id = |r: &str| r.split(r#""id":""#).nth(1).unwrap()[..36].to_owned();
    assert_eq!(id(&again), id(&record), "same consent id across changes");
    assert!(api::choose("maybe", vec![]).is_err());
    // Leave nothing granted: the page's observer applies this state to later tests' fixtures.
    api::choose("reject-all", vec![]).unwrap();
    let again = stored().unwrap();

    // A broken config is refused with the field path, and the stored choice is left alone.
    let err = api::start(Some(r#"{"categories":[{"id":"bad id"}]}"#.into())).unwrap_err();
    assert_eq!(
        err.as_string().unwrap(),
        "optin config: categories[0].id: is not a valid id (1 to 64 of a-z, A-Z, 0-9, '-', '_')"
    );
    assert_eq!(stored().as_deref(), Some(again.as_str()));
    js("localStorage.removeItem('optin.test.api')");
}
