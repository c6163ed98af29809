//! The smallest banner Yew can render the way optin's UI does (a function component whose state is
//! a reducer, a title, a sentence, two buttons wired to actions, mounted from an exported `show`).
//! It exists only to be measured: its brotli size is the floor under any Yew-rendered banner, the
//! part of the first-visit download that no work on optin's own UI code can remove.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use yew::prelude::*;

enum Action {
    AcceptAll,
    RejectAll,
}

#[derive(Default, PartialEq)]
struct Choice {
    made: Option<bool>,
}

impl Reducible for Choice {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
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
        yew::Renderer::<Banner>::with_root(body.into()).render();
    }
}
