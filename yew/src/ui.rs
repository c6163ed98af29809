//! The UI's state machine and its two views, shared by both mounts. [`use_ui`] owns the state (a
//! reducer over [`Action`]), turns commands (from the loader, or from the in-process provider)
//! into actions and moves focus the way a dialog should; [`banner_view`] and [`panel_view`]
//! render from it. The standalone widget's [`ConsentUi`] holds all of it in one component; in a
//! Yew app the provider holds the state and hands it by context to `<Banner/>` and
//! `<Preferences/>`, wherever the app places them.

use std::cell::RefCell;
use std::rc::Rc;

use web_sys::HtmlElement;
use yew::prelude::*;

use crate::banner::Banner;
use crate::connector::{connect, disconnect, Command, Connector};
use crate::dom;
use crate::model::Model;
use crate::preferences::Preferences;
use crate::state::{Action, UiState, View};

/// One page's UI state and what its views need to act on it. Equal while the state is: a new
/// state re-renders whoever holds it.
#[derive(Clone)]
pub(crate) struct Ui {
    pub state: UseReducerHandle<UiState>,
    /// Opens the panel, from the current grants (does nothing before the core started).
    pub open_preferences: Callback<()>,
    /// The banner's Preferences button: where focus lands when the panel closes back to it.
    banner_button: NodeRef,
}

impl PartialEq for Ui {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
    }
}

/// The banner, or the preferences panel, or nothing: one state machine, since a panel opened
/// from the banner closes back to it. `C` is how it reaches the core.
#[function_component(ConsentUi)]
pub fn consent_ui<C: Connector>() -> Html {
    // Built once: `use_ref`, as `use_memo` with no dependencies would (without its comparison).
    // The host gets the config's colour theme then too: it is on the page before the first
    // render (an effect for it cost the UI's wasm 0.2 KB).
    let model = use_ref(|| {
        let model = Model::load::<C>()?;
        dom::set_theme(&model.theme);
        Some(Rc::new(model))
    });
    let ui = use_ui::<C>(model.is_some());
    let Some(model) = &*model else {
        return html! {};
    };
    match ui.state.view {
        View::Hidden => html! {},
        View::Banner => banner_view::<C>(&ui, model),
        View::Preferences => panel_view::<C>(&ui, model, true),
    }
}

/// The UI state of one page: connects the command inbox to it, and moves focus back to what
/// opened the panel when it closes (or to the banner's Preferences button).
#[hook]
pub(crate) fn use_ui<C: Connector>(started: bool) -> Ui {
    let state = use_reducer(UiState::default);
    let opener = use_mut_ref(|| None::<HtmlElement>);
    let last_view = use_mut_ref(|| View::Hidden);
    let banner_button = use_element_ref();

    let open_preferences = {
        let dispatcher = state.dispatcher();
        let opener = opener.clone();
        Callback::from(move |()| {
            if started {
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

    // Focus follows the dialog: back to what opened the panel, or to the banner's button.
    {
        let banner_button = banner_button.clone();
        use_effect_with(state.view, move |view| {
            let was = std::mem::replace(&mut *last_view.borrow_mut(), *view);
            if was == View::Preferences {
                restore_focus(&opener, &banner_button, *view);
            }
        });
    }

    Ui {
        state,
        open_preferences,
        banner_button,
    }
}

/// A [`NodeRef`] that stays the same across renders, like Yew's `use_node_ref`, without the
/// `use_state` (a reducer for a value that never changes) that one links into the UI's wasm.
#[hook]
pub(crate) fn use_element_ref() -> NodeRef {
    (*use_ref(NodeRef::default)).clone()
}

/// Back to what opened the panel if it is still there (a page button), else to the banner's
/// Preferences button (the banner was re-rendered).
fn restore_focus(opener: &RefCell<Option<HtmlElement>>, banner_button: &NodeRef, view: View) {
    match opener.borrow_mut().take().filter(|e| e.is_connected()) {
        Some(el) => {
            let _ = el.focus();
        }
        None if view == View::Banner => {
            if let Some(el) = banner_button.cast::<web_sys::Element>() {
                dom::focus(&el);
            }
        }
        None => {}
    }
}

/// The banner, its buttons wired to the connector and the panel.
pub(crate) fn banner_view<C: Connector>(ui: &Ui, model: &Rc<Model>) -> Html {
    html! {
        <Banner
            model={model.clone()}
            on_accept_all={Callback::from(|()| C::accept_all())}
            on_reject_all={Callback::from(|()| C::reject_all())}
            on_preferences={ui.open_preferences.clone()}
            preferences_ref={ui.banner_button.clone()}
        />
    }
}

/// The panel over the state's switches: a modal dialog, or (`modal` false) a section in the
/// page, always open, that nothing closes.
pub(crate) fn panel_view<C: Connector>(ui: &Ui, model: &Rc<Model>, modal: bool) -> Html {
    let state = &ui.state;
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
            model={model.clone()}
            choices={state.choices.clone()}
            on_toggle={on_toggle}
            on_toggle_service={on_toggle_service}
            on_save={on_save}
            on_accept_all={Callback::from(|()| C::accept_all())}
            on_reject_all={Callback::from(|()| C::reject_all())}
            on_close={on_close}
            has_record={!C::receipt().is_null()}
            modal={modal}
        />
    }
}
