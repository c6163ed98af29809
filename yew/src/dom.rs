//! The few DOM chores Yew does not do: the shadow-root host with its stylesheet (taken over from
//! the early banner when there is one), document event listeners, and focus handling for the
//! dialog.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, ShadowRootInit, ShadowRootMode};

fn document() -> Result<web_sys::Document, JsValue> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))
}

/// The host element's tag: the early banner's (`loader/src/early-banner.js`) and the standalone
/// UI's, which renders beside it; the loader takes the early banner away once the UI's shows.
const HOST: &str = "optin-widget";

/// The `.optin` element in `<optin-widget>`'s shadow root where the standalone UI renders: the
/// host the early banner is in when there is one (the UI takes it over), else a new one at the
/// end of the body. Host-page CSS cannot reach inside; the widget's CSS cannot leak out.
pub fn shadow_mount_point() -> Result<Element, JsValue> {
    let document = document()?;
    let host = match document.query_selector(HOST)? {
        Some(host) => host,
        None => {
            let host = document.create_element(HOST)?;
            document
                .body()
                .ok_or_else(|| JsValue::from_str("no body"))?
                .append_child(&host)?;
            host
        }
    };
    styled_shadow(&document, &host)
}

/// Gives `host` an open shadow root (or takes the one it has) with the widget's styles, adopted
/// as a constructed stylesheet (no `<style>` element and no `style` attribute, so a strict
/// `style-src 'self'` policy does not block them), and returns a new `.optin` element inside it
/// where the UI renders.
pub fn styled_shadow(document: &web_sys::Document, host: &Element) -> Result<Element, JsValue> {
    let shadow = match host.shadow_root() {
        Some(shadow) => shadow,
        None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
    };
    let sheet = web_sys::CssStyleSheet::new()?;
    sheet.replace_sync(crate::STYLESHEET)?;
    js_sys::Reflect::set(
        &shadow,
        &"adoptedStyleSheets".into(),
        &js_sys::Array::of1(&sheet),
    )?;
    let root = document.create_element("div")?;
    root.set_attribute("class", "optin")?;
    shadow.append_child(&root)?;
    Ok(root)
}

/// Runs `f` in a task of its own, after the current one.
pub fn next_task(f: impl FnOnce() + 'static) {
    let f = Closure::once_into_js(f);
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback(f.unchecked_ref());
    }
}

/// Listens to `name` on `document` for the page's lifetime.
pub fn on_document_event(name: &str, f: impl Fn() + 'static) {
    let Ok(document) = document() else { return };
    let listener = Closure::<dyn Fn()>::new(f);
    let _ = document.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
    listener.forget();
}

/// Pads the page's scroll area at the banner's edge by `px` (0 removes it), so that the browser
/// scrolls focused elements clear of the banner (WCAG 2.2, 2.4.11); a centred box covers no
/// edge. Set through the CSSOM, which a strict CSP allows. (The early banner pads the same way,
/// in `loader/src/early-banner.js`.)
pub fn pad_scroll_area(layout: &str, px: f64) {
    let Some(root) = document().ok().and_then(|d| d.document_element()) else {
        return;
    };
    let Some(root) = root.dyn_ref::<HtmlElement>() else {
        return;
    };
    // At the bottom, the page also gets that much padding at its end, so that even its last
    // link can scroll clear of the banner (padding at the end moves nothing: no layout shift).
    let properties: &[&str] = match layout {
        "box-center" => &[],
        "bar-top" => &["scroll-padding-top"],
        _ => &["scroll-padding-bottom", "padding-bottom"],
    };
    let style = root.style();
    let value = [&*(px.ceil() as u32).to_string(), "px"].concat();
    for property in properties {
        if px > 0.0 {
            let _ = style.set_property(property, &value);
        } else {
            let _ = style.remove_property(property);
        }
    }
}

/// Marks the host element with the config's colour theme (`auto`, `light`, `dark`).
pub fn set_theme(theme: &str) {
    if let Some(host) = document()
        .ok()
        .and_then(|d| d.query_selector(HOST).ok().flatten())
    {
        let _ = host.set_attribute("data-theme", theme);
    }
}

/// The element that has focus, looking inside our shadow root too.
pub fn active_element() -> Option<HtmlElement> {
    let mut active = document().ok()?.active_element()?;
    while let Some(inner) = active.shadow_root().and_then(|s| s.active_element()) {
        active = inner;
    }
    active.dyn_into().ok()
}

pub fn focus(el: &Element) {
    if let Some(el) = el.dyn_ref::<HtmlElement>() {
        let _ = el.focus();
    }
}

/// Keeps Tab and Shift+Tab inside `container` (a modal dialog).
pub fn trap_tab(container: &Element, event: &web_sys::KeyboardEvent) {
    let Ok(list) = container.query_selector_all(
        "button:not([disabled]), input:not([disabled]), a[href], [tabindex]:not([tabindex=\"-1\"])",
    ) else {
        return;
    };
    let (Some(first), Some(last)) = (
        list.item(0),
        list.length().checked_sub(1).and_then(|i| list.item(i)),
    ) else {
        return;
    };
    // Through the document and any shadow root: the panel may sit in the app's own tree
    // (`shadow={false}`), where looking in a shadow root alone found nothing, so every Tab was
    // taken for one from outside and sent focus back to the first control.
    let active = active_element();
    let active_node: Option<&web_sys::Node> = active.as_ref().map(|a| a.as_ref());
    let at_edge = |edge: &web_sys::Node| active_node.is_some_and(|a| a.is_same_node(Some(edge)));
    let outside = active_node.is_none_or(|a| !container.contains(Some(a)));
    if event.shift_key() && (at_edge(&first) || outside) {
        event.prevent_default();
        focus(last.unchecked_ref());
    } else if !event.shift_key() && (at_edge(&last) || outside) {
        event.prevent_default();
        focus(first.unchecked_ref());
    }
}

/// Downloads the receipt as a JSON file (the visitor's right of access and portability).
pub fn download_receipt(receipt: &JsValue) {
    let Some(json) =
        js_sys::JSON::stringify_with_replacer_and_space(receipt, &JsValue::NULL, &2.into())
            .ok()
            .and_then(|s| s.as_string())
    else {
        return;
    };
    let id = js_sys::Reflect::get(receipt, &"id".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let parts = js_sys::Array::of1(&JsValue::from_str(&json));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = document().and_then(|d| d.create_element("a")) {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", &["consent-record-", &id, ".json"].concat());
        if let Some(a) = a.dyn_ref::<HtmlElement>() {
            a.click();
        }
    }
    // Revoked a little later: revoking at once can cancel the download in some browsers.
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
}

/// A listener on `document` for as long as this value lives (a component's effect holds it).
pub struct DocumentListener {
    name: &'static str,
    listener: Closure<dyn Fn(web_sys::Event)>,
}

impl DocumentListener {
    pub fn new(name: &'static str, f: impl Fn(web_sys::Event) + 'static) -> DocumentListener {
        let listener = Closure::<dyn Fn(web_sys::Event)>::new(f);
        if let Ok(document) = document() {
            let _ =
                document.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
        DocumentListener { name, listener }
    }
}

impl Drop for DocumentListener {
    fn drop(&mut self) {
        if let Ok(document) = document() {
            let _ = document.remove_event_listener_with_callback(
                self.name,
                self.listener.as_ref().unchecked_ref(),
            );
        }
    }
}
