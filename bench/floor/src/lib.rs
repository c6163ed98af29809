//! The smallest banner Yew can render the way optin's UI does (a function component whose state is
//! a reducer, a title, a sentence, two buttons wired to actions, mounted from an exported `show`).
//! It exists only to be measured: its brotli size is the floor under any Yew-rendered banner, the
//! part of the first-visit download that no work on optin's own UI code can remove.
//! With the `bench` feature it stands in for optin's UI in `make bench-floor`: the same banner in
//! an `optin-widget` shadow root, its buttons calling `window.optin`, so that the benchmark can
//! time the first visit of a widget whose UI is nothing but this floor. The markup is the same
//! either way, so that `make size-floor` measures the bare banner.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use yew::prelude::*;

enum Action {
    AcceptAll,
    RejectAll,
}

#[cfg(feature = "bench")]
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = optin, js_name = acceptAll)]
    fn accept_all();
    #[wasm_bindgen(js_namespace = optin, js_name = rejectAll)]
    fn reject_all();
}

#[derive(Default, PartialEq)]
struct Choice {
    made: Option<bool>,
}

impl Reducible for Choice {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        #[cfg(feature = "bench")]
        match action {
            Action::AcceptAll => accept_all(),
            Action::RejectAll => reject_all(),
        }
        Rc::new(Choice {
            made: Some(matches!(action, Action::AcceptAll)),
        })
    }
}

#[function_component]
fn Banner() -> Html {
    let choice = use_reducer(Choice::default);
    if choice.made.is_some() {
        return html! {};
    }
    let on = |action: fn() -> Action| {
        let dispatcher = choice.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(action()))
    };
    html! {
        <div role="dialog" aria-labelledby="t">
            <h2 id="t">{"We use cookies"}</h2>
            <p>{"Choose which cookies this site may use."}</p>
            <button type="button" onclick={on(|| Action::AcceptAll)}>{"Accept all"}</button>
            <button type="button" onclick={on(|| Action::RejectAll)}>{"Reject all"}</button>
        </div>
    }
}

#[wasm_bindgen]
pub fn show() {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        yew::Renderer::<Banner>::with_root(root(body)).render();
    }
}

/// Where the banner renders: the body, or for the benchmark a fixed shadow host like optin's.
#[cfg(not(feature = "bench"))]
fn root(body: web_sys::HtmlElement) -> web_sys::Element {
    body.into()
}

#[cfg(feature = "bench")]
fn root(body: web_sys::HtmlElement) -> web_sys::Element {
    let document = body.owner_document().expect("an element has a document");
    let host = document
        .create_element("optin-widget")
        .expect("a valid name");
    // A page's long text would put a host at the end of the body out of view.
    let _ = host.set_attribute(
        "style",
        "position:fixed;left:0;right:0;bottom:0;background:#fff;padding:1em",
    );
    let _ = body.append_child(&host);
    let shadow = host
        .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
        .expect("optin-widget can have a shadow root");
    let mount = document.create_element("div").expect("a valid name");
    let _ = shadow.append_child(&mount);
    mount
}
