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
    let click = |cb: &Callback<()>| cb.reform(|_: MouseEvent| ());
    html! {
        <section class="banner" data-optin="banner" lang={props.model.lang.clone()}
            aria-labelledby="optin-banner-title" aria-describedby="optin-banner-text">
            <h2 id="optin-banner-title" class="title">{ &texts.banner_title }</h2>
            <p id="optin-banner-text" class="text">
                { &texts.banner_description }
                if let Some(url) = &props.model.privacy_policy_url {
                    { " " }
                    <a href={url.clone()}>{ &texts.privacy_policy }</a>
                }
            </p>
            <div class="actions">
                <button type="button" class="button" data-optin="accept-all"
                    onclick={click(&props.on_accept_all)}>{ &texts.accept_all }</button>
                <button type="button" class="button" data-optin="reject-all"
                    onclick={click(&props.on_reject_all)}>{ &texts.reject_all }</button>
                <button type="button" class="button" data-optin="preferences-open"
                    aria-haspopup="dialog" ref={props.preferences_ref.clone()}
                    onclick={click(&props.on_preferences)}>{ &texts.preferences }</button>
            </div>
        </section>
    }
}
