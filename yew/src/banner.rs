//! The first-layer banner: title, text, privacy policy link, and three equal buttons.
//!
//! Accept all, Reject all and Preferences share one class, size and style: refusing must be as
//! easy and as visible as accepting (EDPB guidelines 03/2022 on deceptive design patterns).

use std::rc::Rc;

use yew::prelude::*;

use crate::dom;
use crate::model::Model;
use crate::rich_text::rich_text;
use crate::ui::use_element_ref;

#[derive(Properties)]
pub struct BannerProps {
    pub model: Rc<Model>,
    pub on_accept_all: Callback<()>,
    pub on_reject_all: Callback<()>,
    pub on_preferences: Callback<()>,
    pub preferences_ref: NodeRef,
}

/// The model is built once per start and shared, so it is compared by pointer: a comparison
/// field by field cost the standalone UI's wasm 414 B brotli (with the panel's props).
impl PartialEq for BannerProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.model, &other.model)
            && self.on_accept_all == other.on_accept_all
            && self.on_reject_all == other.on_reject_all
            && self.on_preferences == other.on_preferences
            && self.preferences_ref == other.preferences_ref
    }
}

#[function_component(Banner)]
pub fn banner(props: &BannerProps) -> Html {
    let texts = &props.model.texts;
    let section = use_element_ref();
    {
        // WCAG 2.2 (2.4.11): while the banner covers an edge of the viewport, keep focused
        // elements clear of it by padding the page's scroll area by its height.
        let section = section.clone();
        let layout = props.model.layout.clone();
        use_effect_with((), move |_| {
            let height = section
                .cast::<web_sys::Element>()
                .map(|el| el.get_bounding_client_rect().height())
                .unwrap_or(0.0);
            dom::pad_scroll_area(&layout, height);
            move || dom::pad_scroll_area(&layout, 0.0)
        });
    }
    // The layout is an attribute of its own, not a class: a dynamic `class` goes through `Classes`
    // (an IndexSet in the UI's wasm), and Yew's server renderer leaves out properties such as
    // `className`, so the banner rendered ahead of time (optin-core's early banner) would lose it.
    html! {
        <section class="banner" data-layout={props.model.layout.clone()} data-optin="banner"
            lang={props.model.lang.clone()} dir={props.model.dir}
            ref={section} aria-labelledby="optin-banner-title" aria-describedby="optin-banner-text">
            <h2 id="optin-banner-title" class="title">{ &texts.banner_title }</h2>
            if props.model.gpc {
                <p class="text notice" data-optin="gpc-notice">{ &texts.gpc_notice }</p>
            }
            if let (true, Some(notice)) = (props.model.revised, &texts.revision_notice) {
                <p class="text notice" data-optin="revision-notice">{ notice }</p>
            }
            <p id="optin-banner-text" class="text">
                { rich_text(&texts.banner_description) }
                if let Some(url) = &props.model.privacy_policy_url {
                    { " " }
                    <a href={url.clone()}>{ &texts.privacy_policy }</a>
                }
            </p>
            if props.model.settings_unavailable {
                <p class="text notice" role="alert" data-optin="settings-unavailable">
                    { &texts.settings_unavailable }
                </p>
            }
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
