//! Consent inside a Yew app: [`OptinProvider`] starts optin-core in the app's own wasm, owns the
//! UI's state (one reducer, shared by context) and provides a [`Consent`] handle; [`use_consent`]
//! reads it (and re-renders its component after every change of choice, also one made in another
//! tab); [`Banner`] and [`Preferences`] render the banner and the panel wherever the app places
//! them. The provider also does what the loader does on a standalone page (`signals.rs`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use optin_core::api;
use yew::prelude::*;

use crate::connector::{send, Command, Connector};
use crate::dom;
use crate::in_process::{report, InProcess};
use crate::model::{use_shipped_texts, Model};
use crate::state::{Action, View};
use crate::ui::{banner_view, panel_view, use_element_ref, use_ui, Ui};
use crate::{langs, signals};

#[derive(Properties, PartialEq)]
pub struct OptinProviderProps {
    /// The config: the same JSON document the standalone widget reads, with the same validation
    /// and errors (in the console). `None`: the built-in config.
    #[prop_or_default]
    pub config: Option<AttrValue>,
    /// The built-in texts of the visitor's language when it is not English, in the format of the
    /// widget's `lang/<code>.json` (the config's own `texts` come first, as in the widget). Not
    /// needed for a language whose feature is on (`lang-de`, …): those are compiled in.
    #[prop_or_default]
    pub texts: Option<AttrValue>,
    #[prop_or_default]
    pub children: Html,
}

/// The consent state as components see it. Every question goes to the core, which answers from
/// the choice in force; `version` only changes with that choice, so that a context change, and
/// with it a re-render of every [`use_consent`] component, follows each one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Consent {
    version: u32,
    started: bool,
}

impl Consent {
    /// The core started (a broken config leaves it stopped: nothing is granted, nothing shows).
    pub fn started(&self) -> bool {
        self.started
    }

    /// `false` for every optional category until the visitor grants it (and before the start).
    pub fn granted(&self, category: &str) -> bool {
        self.started && api::granted(category)
    }

    pub fn granted_service(&self, category: &str, service: &str) -> bool {
        self.started && api::granted_service(category, service)
    }

    /// The visitor has made a choice that is still valid.
    pub fn chosen(&self) -> bool {
        self.started && api::consent_json().is_some()
    }

    /// The language the banner and panel show (the config's `lang`, else `<html lang>`, else the
    /// browser's languages, else `en`). Its built-in texts come with its cargo feature
    /// (`lang-de`, …); without it, pass them as the provider's `texts`, or English shows.
    pub fn language(&self) -> Option<String> {
        self.started.then(api::lang).flatten()
    }

    /// The valid stored record as JSON (the format `optin.consent()` returns), if any.
    pub fn record_json(&self) -> Option<String> {
        api::consent_json()
    }

    pub fn accept_all(&self) {
        InProcess::accept_all();
    }

    pub fn reject_all(&self) {
        InProcess::reject_all();
    }

    /// Grants exactly these category ids and `category/service` pairs (required ones always).
    pub fn accept<S: AsRef<str>>(&self, accepted: &[S]) {
        InProcess::accept(
            &accepted
                .iter()
                .map(|s| s.as_ref().to_owned())
                .collect::<Vec<_>>(),
        );
    }

    /// Grants one service (or, with `""`, its whole category), keeping the rest of the choice.
    pub fn accept_service(&self, category: &str, service: &str) {
        report(api::accept_service(category, service));
    }

    pub fn show_banner(&self) {
        send(Command::Banner);
    }

    pub fn show_preferences(&self) {
        send(Command::Preferences);
    }

    /// Forgets the stored choice (localStorage and cookie) and asks again.
    pub fn reset(&self) {
        let reset = api::reset();
        let ok = reset.is_ok();
        report(reset);
        if ok {
            send(Command::Banner);
        }
    }
}

/// The consent state of the nearest [`OptinProvider`]; outside one, nothing is granted.
#[hook]
pub fn use_consent() -> Consent {
    use_context::<Consent>().unwrap_or_default()
}

/// Counts changes of choice: its value is what makes the context new.
#[derive(Default)]
struct Changes(u32);

impl Reducible for Changes {
    type Action = ();

    fn reduce(self: Rc<Self>, (): ()) -> Rc<Self> {
        Rc::new(Changes(self.0.wrapping_add(1)))
    }
}

/// What `<Banner/>` and `<Preferences/>` share through the provider.
#[derive(Clone)]
struct UiContext {
    ui: Ui,
    /// What the views show; `None` until the core started.
    model: Option<Rc<Model>>,
    /// How many `<Preferences/>` dialogs are mounted: with none, `<Banner/>` shows the panel
    /// itself, so that its Preferences button always opens one.
    dialogs: Rc<Cell<u32>>,
}

impl PartialEq for UiContext {
    /// The model is built once per start: the same one is the same `Rc` (no deep comparison).
    fn eq(&self, other: &Self) -> bool {
        let same_model = match (&self.model, &other.model) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (a, b) => a.is_none() && b.is_none(),
        };
        self.ui == other.ui && same_model
    }
}

#[function_component(OptinProvider)]
pub fn optin_provider(props: &OptinProviderProps) -> Html {
    let started = use_start(props.config.clone());
    let model = use_memo((started, props.texts.clone()), |(started, texts)| {
        if !*started {
            return None;
        }
        let lang = api::lang().unwrap_or_default();
        if let Some(texts) = texts.as_deref().or_else(|| langs::embedded(&lang)) {
            use_shipped_texts(texts);
        }
        Model::load::<InProcess>().map(Rc::new)
    });
    // Deferred, the UI connects to the inbox only after the start effect ran (hooks run their
    // effects in order), so every command it gets comes after the start.
    let ui = use_ui::<InProcess>(started || START_DEFERRED);
    let dialogs = use_memo((), |_| Cell::new(0));
    let changes = use_reducer(Changes::default);
    {
        let dispatcher = changes.dispatcher();
        use_effect_with((), move |_| {
            let sent = RefCell::new(None);
            // Whoever made the choice (our buttons, use_consent, another tab, the page's code),
            // the core announces it with this event; what follows each one follows it here.
            let changed = dom::DocumentListener::new("optin:change", move |_| {
                send(Command::Chosen);
                dispatcher.dispatch(());
                signals::consent_mode_update();
                signals::log_receipt(&sent);
            });
            let controls = dom::DocumentListener::new("click", |e| signals::open_from_page(&e));
            // Deferred, the start has not happened yet: `use_start` announces it.
            if started {
                signals::ready();
            }
            move || drop((changed, controls))
        });
    }
    let consent = Consent {
        version: changes.0,
        started,
    };
    let context = UiContext {
        ui,
        model: (*model).clone(),
        dialogs,
    };
    html! {
        <ContextProvider<Consent> context={consent}>
            <ContextProvider<UiContext> {context}>
                { props.children.clone() }
            </ContextProvider<UiContext>>
        </ContextProvider<Consent>>
    }
}

/// The server (feature `ssr`) knows nothing of the visitor, and hydration (feature `hydration`)
/// must first render exactly what it rendered: with either, the core starts in the provider's
/// first effect, and the first render is the one before the start.
const START_DEFERRED: bool = cfg!(any(feature = "ssr", feature = "hydration"));

/// Whether the core started with `config`: during the first render, so that children rendering
/// for the first time already get a returning visitor's grants (an analytics hook fires at once,
/// `<Gated>` shows).
#[cfg(not(any(feature = "ssr", feature = "hydration")))]
#[hook]
fn use_start(config: Option<AttrValue>) -> bool {
    *use_memo(config, |config| start(config.as_deref()))
}

/// Whether the core started with `config`: in the first effect, after the render the server
/// made (or the one that must match it), and `optin:ready` with it.
#[cfg(any(feature = "ssr", feature = "hydration"))]
#[hook]
fn use_start(config: Option<AttrValue>) -> bool {
    let started = use_state_eq(|| false);
    {
        let started = started.setter();
        use_effect_with(config, move |config| {
            let ok = start(config.as_deref());
            if ok {
                signals::ready();
            }
            started.set(ok);
        });
    }
    *started
}

/// Starts the core with `config` (`None`: the built-in one) and asks for the banner when the
/// visitor has to choose. A broken config is reported in the console and starts nothing.
fn start(config: Option<&str>) -> bool {
    match api::start(config.map(str::to_owned)) {
        Ok(ask) => {
            signals::consent_mode_start();
            if ask {
                send(Command::Banner);
            }
            true
        }
        Err(e) => {
            web_sys::console::error_1(&e);
            false
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct BannerProps {
    /// Renders inside a shadow root of its own with the widget's stylesheet, so the app's CSS
    /// and the widget's do not meet (the default). `false` renders into the app's tree: include
    /// [`crate::STYLESHEET`] in the page yourself.
    #[prop_or(true)]
    pub shadow: bool,
}

/// The banner while the visitor must choose, nothing otherwise: the standalone widget's banner,
/// in-process. Its Preferences button opens the panel: the app's [`Preferences`] dialog if one is
/// mounted, else one shown here; closing a panel opened from the banner goes back to it.
#[function_component(Banner)]
pub fn banner(props: &BannerProps) -> Html {
    let Some(UiContext { ui, model, dialogs }) = use_context::<UiContext>() else {
        return html! {};
    };
    let Some(model) = model else {
        return html! {};
    };
    let content = match ui.state.view {
        View::Banner => banner_view::<InProcess>(&ui, &model),
        View::Preferences if dialogs.get() == 0 => panel_view::<InProcess>(&ui, &model, true),
        _ => html! {},
    };
    place(props.shadow, &model, content)
}

#[derive(Properties, PartialEq)]
pub struct PreferencesProps {
    /// As for [`Banner`]: a shadow root of its own (the default), or the app's tree.
    #[prop_or(true)]
    pub shadow: bool,
    /// Always shown, as a section of the page (a settings route), starting from the choice in
    /// force and following it; not a dialog. By default the panel is the modal dialog, shown
    /// while opened ([`Consent::show_preferences`], the banner, `[data-optin-open]`).
    #[prop_or_default]
    pub inline: bool,
}

/// The preferences panel: the dialog (the default), or `inline` a part of the page.
#[function_component(Preferences)]
pub fn preferences(props: &PreferencesProps) -> Html {
    let context = use_context::<UiContext>();
    let Consent { version, started } = use_consent();
    let inline = props.inline;
    {
        // A mounted dialog takes the panel over from `<Banner/>`.
        let dialogs = context.as_ref().map(|c| c.dialogs.clone());
        use_effect_with((), move |_| {
            let dialogs = dialogs.filter(|_| !inline);
            if let Some(d) = &dialogs {
                d.set(d.get() + 1);
            }
            move || {
                if let Some(d) = dialogs {
                    d.set(d.get() - 1);
                }
            }
        });
    }
    {
        // Inline, the switches start from the choice in force, and again after each change.
        // The start counts as a change: deferred, it comes after the first effect.
        let dispatcher = context.as_ref().map(|c| c.ui.state.dispatcher());
        use_effect_with((version, started), move |_| {
            if let (true, Some(dispatcher)) = (inline, dispatcher) {
                let (choices, _) = InProcess::choices().unwrap_or_default();
                dispatcher.dispatch(Action::Load(choices));
            }
        });
    }
    let Some(UiContext {
        ui,
        model: Some(model),
        ..
    }) = context
    else {
        return html! {};
    };
    let content = if inline {
        panel_view::<InProcess>(&ui, &model, false)
    } else if ui.state.view == View::Preferences {
        panel_view::<InProcess>(&ui, &model, true)
    } else {
        html! {}
    };
    place(props.shadow, &model, content)
}

/// `content` in a shadow root of its own, or in the app's tree in a `.optin` element (the
/// stylesheet's root).
fn place(shadow: bool, model: &Model, content: Html) -> Html {
    if shadow {
        html! { <ShadowHost theme={model.theme.clone()}>{ content }</ShadowHost> }
    } else {
        html! { <div class="optin">{ content }</div> }
    }
}

#[derive(Properties, PartialEq)]
struct ShadowHostProps {
    /// The config's colour theme, as the stylesheet reads it from the host (`data-theme`).
    theme: AttrValue,
    children: Html,
}

/// An `<optin-widget>` element whose open shadow root (styled like the widget's) holds the
/// children, rendered there through a portal so they stay part of the app's tree.
#[function_component(ShadowHost)]
fn shadow_host(props: &ShadowHostProps) -> Html {
    let host = use_element_ref();
    let root = use_state(|| None::<web_sys::Element>);
    {
        let host = host.clone();
        let root = root.clone();
        use_effect_with((), move |_| {
            let document = web_sys::window().and_then(|w| w.document());
            if let (Some(document), Some(el)) = (document, host.cast::<web_sys::Element>()) {
                match dom::styled_shadow(&document, &el) {
                    Ok(inner) => root.set(Some(inner)),
                    Err(e) => web_sys::console::error_1(&e),
                }
            }
        });
    }
    let contents = (*root)
        .clone()
        .map(|inner| create_portal(props.children.clone(), inner));
    html! { <optin-widget ref={host} data-theme={props.theme.clone()}>{ for contents }</optin-widget> }
}
