//! The first-layer banner: title, text, privacy policy link, and three equal buttons.
//!
//! Accept all, Reject all and Preferences share one class, size and style: refusing must be as
//! easy and as visible as accepting (EDPB guidelines 03/2022 on deceptive design patterns).

use std::rc::Rc;

use yew::prelude::*;

use crate::model::Model;

#[derive(Properties, PartialEq)]
pub struct BannerProps {
    pub model: Rc<Model>,
    pub on_accept_all: Callback<()>,
    pub on_reject_all: Callback<()>,
    pub on_preferences: Callback<()>,
    pub preferences_ref: NodeRef,
}

#[function_component(Banner)]
pub fn banner(props: &BannerProps) -> Html {
    let texts = &props.model.texts;
    html! {
        <section class="banner" data-optin="banner" lang={props.model.lang.clone()}
            aria-labelledby="optin-banner-title" aria-describedby="optin-banner-text">
            <h2 id="optin-banner-title" class="title">{ &texts.banner_title }</h2>
            if let (true, Some(notice)) = (props.model.revised, &texts.revision_notice) {
                <p class="text notice" data-optin="revision-notice">{ notice }</p>
            }
            <p id="optin-banner-text" class="text">
                { &texts.banner_description }
                if let Some(url) = &props.model.privacy_policy_url {
                    { " " }
                    <a href={url.clone()}>{ &texts.privacy_policy }</a>
                }
            </p>
            <div class="actions">
                { choice_button("accept-all", &texts.accept_all, &props.on_accept_all) }
                { choice_button("reject-all", &texts.reject_all, &props.on_reject_all) }
                <button type="button" class="button" data-optin="preferences-open"
                    aria-haspopup="dialog" ref={props.preferences_ref.clone()}
                    onclick={props.on_preferences.reform(|_: MouseEvent| ())}>{ &texts.preferences }</button>
            </div>
        </section>
    }
}

/// One of the choice buttons. Banner and panel use this one shape, so every choice gets the same
/// class and weight.
pub fn choice_button(hook: &'static str, label: &str, on_click: &Callback<()>) -> Html {
    html! {
        <button type="button" class="button" data-optin={hook}
            onclick={on_click.reform(|_: MouseEvent| ())}>{ label }</button>
    }
}
