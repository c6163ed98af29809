//! The preferences panel: a modal dialog (or, in a Yew app, a section of a settings page) with
//! one switch per category, its services and their cookies, and Save / Accept all / Reject all.
//!
//! Nothing is pre-ticked (CJEU C-673/17 Planet49): switches start from the visitor's current
//! grants, which are all off before a first choice. Required categories show on and locked.

use std::rc::Rc;

use optin_core::config::{is_safe_url, Service};
use optin_core::consent::Access;
use optin_core::texts::Resolved;
use yew::prelude::*;

use crate::banner::choice_button;
use crate::connector::Connector;
use crate::dom;
use crate::model::{CategoryView, Model};
use crate::rich_text::rich_text;
use crate::ui::use_element_ref;

#[derive(Properties)]
pub struct PreferencesProps {
    pub model: Rc<Model>,
    pub choices: Access,
    pub on_toggle: Callback<String>,
    pub on_toggle_service: Callback<(String, String)>,
    pub on_save: Callback<()>,
    pub on_accept_all: Callback<()>,
    pub on_reject_all: Callback<()>,
    pub on_close: Callback<()>,
    /// A choice is stored: the visitor can download its receipt (right of access).
    pub has_record: bool,
    /// A modal dialog (focus moved in and trapped, Escape and × close it); `false`: a section in
    /// the page, always open, with none of that.
    pub modal: bool,
}

/// The model by pointer (built once per start and shared), the rest by value.
impl PartialEq for PreferencesProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.model, &other.model)
            && self.choices == other.choices
            && self.on_toggle == other.on_toggle
            && self.on_toggle_service == other.on_toggle_service
            && self.on_save == other.on_save
            && self.on_accept_all == other.on_accept_all
            && self.on_reject_all == other.on_reject_all
            && self.on_close == other.on_close
            && self.has_record == other.has_record
            && self.modal == other.modal
    }
}

/// `C` is where the receipt the visitor may download comes from.
#[function_component(Preferences)]
pub fn preferences<C: Connector>(props: &PreferencesProps) -> Html {
    let dialog = use_element_ref();
    let modal = props.modal;
    {
        let dialog = dialog.clone();
        use_effect_with((), move |_| {
            if let (true, Some(el)) = (modal, dialog.cast::<web_sys::Element>()) {
                dom::focus(&el);
            }
        });
    }
    let onkeydown = {
        let dialog = dialog.clone();
        let on_close = props.on_close.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            _ if !modal => {}
            "Escape" => {
                e.prevent_default();
                on_close.emit(());
            }
            "Tab" => {
                if let Some(el) = dialog.cast::<web_sys::Element>() {
                    dom::trap_tab(&el, &e);
                }
            }
            _ => {}
        })
    };
    let texts = &props.model.texts;
    let panel = html! {
        <div class="dialog" role={modal.then_some("dialog")} aria-modal={modal.then_some("true")}
            data-optin="preferences" lang={props.model.lang.clone()} dir={props.model.dir}
            tabindex={modal.then_some("-1")} ref={dialog} {onkeydown}
            aria-labelledby="optin-prefs-title" aria-describedby="optin-prefs-text">
            <div class="dialog-head">
                <h2 id="optin-prefs-title" class="title">{ &texts.preferences_title }</h2>
                if modal {
                    <button type="button" class="close" data-optin="close" aria-label={texts.close.clone()}
                        onclick={props.on_close.reform(|_: MouseEvent| ())}>{ "×" }</button>
                }
            </div>
            <p id="optin-prefs-text" class="text">{ rich_text(&texts.preferences_description) }</p>
            <ul class="categories">
                { for props.model.categories.iter().map(|c| category(props, c)) }
            </ul>
            <div class="actions">
                { choice_button("save", &texts.save, &props.on_save) }
                { choice_button("accept-all", &texts.accept_all, &props.on_accept_all) }
                { choice_button("reject-all", &texts.reject_all, &props.on_reject_all) }
            </div>
            if props.has_record {
                <p class="download">
                    <button type="button" class="link" data-optin="download-record"
                        onclick={Callback::from(|_: MouseEvent| dom::download_receipt(&C::receipt()))}>
                        { &texts.download_record }
                    </button>
                </p>
            }
        </div>
    };
    if modal {
        html! { <div class="overlay">{ panel }</div> }
    } else {
        panel
    }
}

fn category(props: &PreferencesProps, c: &CategoryView) -> Html {
    let input_id = ["optin-cat-", &c.id].concat();
    let desc_id = [&input_id, "-desc"].concat();
    let on = c.required || props.choices.category(&c.id).unwrap_or(false);
    let onchange = {
        let id = c.id.clone();
        props.on_toggle.reform(move |_: Event| id.clone())
    };
    html! {
        <li class="category">
            <div class="category-head">
                <input type="checkbox" class="switch" id={input_id.clone()}
                    data-optin-category={c.id.clone()} checked={on} disabled={c.required}
                    aria-describedby={desc_id.clone()} {onchange} />
                <label for={input_id}>{ &c.title }</label>
                if c.required {
                    <span class="badge">{ &props.model.texts.always_on }</span>
                }
            </div>
            <p id={desc_id} class="text">{ rich_text(&c.description) }</p>
            if !c.services.is_empty() {
                <ul class="services">{ for c.services.iter().map(|s| service(props, c, s)) }</ul>
            }
        </li>
    }
}

fn service(props: &PreferencesProps, c: &CategoryView, s: &Service) -> Html {
    let texts = &props.model.texts;
    let name = s.name.clone().unwrap_or_else(|| s.id.clone());
    let key = [c.id.as_str(), "/", &s.id].concat();
    let input_id = ["optin-svc-", &c.id, "-", &s.id].concat();
    let on = c.required || props.choices.service(&c.id, &s.id).unwrap_or(false);
    let onchange = {
        let pair = (c.id.clone(), s.id.clone());
        props.on_toggle_service.reform(move |_: Event| pair.clone())
    };
    html! {
        <li class="service">
            <div class="service-head">
                <input type="checkbox" class="switch" id={input_id.clone()}
                    data-optin-service={key} checked={on} disabled={c.required} {onchange} />
                <label for={input_id} class="service-name">{ name }</label>
                if let Some(provider) = &s.provider {
                    <span class="service-provider">{ [" (", provider, ")"].concat() }</span>
                }
            </div>
            if let Some(purpose) = &s.purpose {
                <p class="text">{ rich_text(purpose) }</p>
            }
            if let Some(url) = s.privacy_policy_url.as_ref().filter(|u| is_safe_url(u)) {
                <p class="text"><a href={url.clone()} rel="noopener">{ &texts.privacy_policy }</a></p>
            }
            if !s.cookies.is_empty() {
                <table class="cookies">
                    <thead><tr>
                        <th scope="col">{ &texts.cookie }</th>
                        <th scope="col">{ &texts.purpose }</th>
                        <th scope="col">{ &texts.duration }</th>
                        <th scope="col">{ &texts.set_by }</th>
                    </tr></thead>
                    <tbody>
                        { for s.cookies.iter().map(|cookie| html! {
                            <tr>
                                <td class="cookie-name">{ &cookie.name }</td>
                                <td>{ cookie.purpose.clone().unwrap_or_default() }</td>
                                <td>{ cookie.duration.clone().unwrap_or_default() }</td>
                                <td>{ party(texts, cookie.party.as_deref()) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
        </li>
    }
}

/// "This site" / "Third party" for the config's `first` / `third`; anything else as written.
fn party(texts: &Resolved, party: Option<&str>) -> String {
    match party {
        Some("first") => texts.first_party.clone(),
        Some("third") => texts.third_party.clone(),
        other => other.unwrap_or_default().to_owned(),
    }
}
