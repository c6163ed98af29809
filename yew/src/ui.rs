//! The UI's root component, the one both connectors mount: owns the UI state (a reducer), turns
//! commands (from the loader, or from the in-process provider) into actions, asks its
//! [`Connector`] for choices, and moves focus the way a dialog should.

use std::rc::Rc;

use web_sys::HtmlElement;
use yew::prelude::*;

use crate::banner::Banner;
use crate::connector::{connect, disconnect, Command, Connector};
use crate::dom;
use crate::model::Model;
use crate::preferences::Preferences;
use crate::state::{Action, UiState, View};

/// The banner, or the preferences panel, or nothing: one state machine, since a panel opened
/// from the banner closes back to it. `C` is how it reaches the core.
#[function_component(ConsentUi)]
pub fn consent_ui<C: Connector>() -> Html {
    let model = use_memo((), |_| Model::load::<C>());
    let state = use_reducer(UiState::default);
    let opener = use_mut_ref(|| None::<HtmlElement>);
    let last_view = use_mut_ref(|| View::Hidden);
    let banner_preferences = use_node_ref();

    let open_preferences = {
        let dispatcher = state.dispatcher();
        let model = model.clone();
        let opener = opener.clone();
        Callback::from(move |()| {
            if model.is_some() {
                *opener.borrow_mut() = dom::active_element();
                let (choices, _) = C::choices().unwrap_or_default();
                dispatcher.dispatch(Action::OpenPreferences(choices));
            }
        })
    };

    {
        let dispatcher = state.dispatcher();
        let open_preferences = open_preferences.clone();
        use_effect_with((), move |_| {
            connect(Callback::from(move |command| match command {
                Command::Banner => dispatcher.dispatch(Action::ShowBanner),
                Command::Preferences => open_preferences.emit(()),
                Command::Hide => dispatcher.dispatch(Action::Hide),
                Command::Chosen => dispatcher.dispatch(Action::Chosen),
            }));
            disconnect
        });
    }

    {
        let theme = model.as_ref().as_ref().map(|m| m.theme.clone());
        use_effect_with((), move |_| {
            if let Some(theme) = theme {
                dom::set_theme(&theme);
            }
        });
    }

    // Focus follows the dialog: back to what opened the panel, or to the banner's button.
    {
        let opener = opener.clone();
        let banner_preferences = banner_preferences.clone();
        use_effect_with(state.view, move |view| {
            let was = std::mem::replace(&mut *last_view.borrow_mut(), *view);
            if was == View::Preferences {
                // Back to what opened the panel if it is still there (a page button), else to
                // the banner's Preferences button (the banner was re-rendered).
                match opener.borrow_mut().take().filter(|e| e.is_connected()) {
                    Some(el) => {
                        let _ = el.focus();
                    }
                    None if *view == View::Banner => {
                        if let Some(el) = banner_preferences.cast::<web_sys::Element>() {
                            dom::focus(&el);
                        }
                    }
                    None => {}
                }
            }
        });
    }

    let Some(model) = (*model).clone() else {
        return html! {};
    };
    let model = Rc::new(model);
    let on_accept_all = Callback::from(|()| C::accept_all());
    let on_reject_all = Callback::from(|()| C::reject_all());

    match state.view {
        View::Hidden => html! {},
        View::Banner => html! {
            <Banner
                model={model}
                on_accept_all={on_accept_all}
                on_reject_all={on_reject_all}
                on_preferences={open_preferences}
                preferences_ref={banner_preferences}
            />
        },
        View::Preferences => {
            let dispatcher = state.dispatcher();
            let on_toggle = Callback::from(move |id| dispatcher.dispatch(Action::Toggle(id)));
            let dispatcher = state.dispatcher();
            let on_toggle_service = Callback::from(move |(category, service)| {
                dispatcher.dispatch(Action::ToggleService(category, service))
            });
            let dispatcher = state.dispatcher();
            let on_close = Callback::from(move |()| dispatcher.dispatch(Action::Close));
            let accepted = state.accepted();
            let on_save = Callback::from(move |()| C::accept(&accepted));
            html! {
                <Preferences<C>
                    model={model}
                    choices={state.choices.clone()}
                    on_toggle={on_toggle}
                    on_toggle_service={on_toggle_service}
                    on_save={on_save}
                    on_accept_all={on_accept_all}
                    on_reject_all={on_reject_all}
                    on_close={on_close}
                    has_record={!C::receipt().is_null()}
                />
            }
        }
    }
}
