//! Consent inside a Yew app: [`OptinProvider`] starts optin-core in the app's own wasm and
//! provides a [`Consent`] handle by context; [`use_consent`] reads it (and re-renders its
//! component after every change of choice, also one made in another tab); [`Banner`] shows the
//! banner and the preferences panel.

use std::rc::Rc;

use optin_core::api;
use yew::prelude::*;

use crate::connector::{send, Command, Connector};
use crate::dom;
use crate::in_process::{report, InProcess};
use crate::model::use_shipped_texts;
use crate::ui::ConsentUi;

#[derive(Properties, PartialEq)]
pub struct OptinProviderProps {
    /// The config: the same JSON document the standalone widget reads, with the same validation
    /// and errors (in the console). `None`: the built-in config.
    #[prop_or_default]
    pub config: Option<AttrValue>,
    /// The built-in texts of the visitor's language when it is not English: the content of the
    /// widget's `lang/<code>.json` (the config's own `texts` come first, as in the widget).
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
    /// browser's languages, else `en`): with a language other than English, pass the content of
    /// the widget's `lang/<code>.json` as the provider's `texts` for its built-in texts.
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

#[function_component(OptinProvider)]
pub fn optin_provider(props: &OptinProviderProps) -> Html {
    // Started during the first render, so that children rendering for the first time already
    // get a returning visitor's grants (an analytics hook fires at once, `<Gated>` shows).
    let started = use_memo(props.config.clone(), |config| start(config.as_deref()));
    use_memo(props.texts.clone(), |texts| {
        if let Some(texts) = texts {
            use_shipped_texts(texts);
        }
    });
    let changes = use_reducer(Changes::default);
    {
        let dispatcher = changes.dispatcher();
        use_effect_with((), move |_| {
            // Whoever made the choice (our buttons, use_consent, another tab, the page's code),
            // the core announces it with this event.
            let listener = dom::DocumentListener::new("optin:change", move || {
                send(Command::Chosen);
                dispatcher.dispatch(());
            });
            move || drop(listener)
        });
    }
    let consent = Consent {
        version: changes.0,
        started: *started,
    };
    html! {
        <ContextProvider<Consent> context={consent}>
            { props.children.clone() }
        </ContextProvider<Consent>>
    }
}

/// Starts the core with `config` (`None`: the built-in one) and asks for the banner when the
/// visitor has to choose. A broken config is reported in the console and starts nothing.
fn start(config: Option<&str>) -> bool {
    match api::start(config.map(str::to_owned)) {
        Ok(ask) => {
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

/// The banner when the visitor must choose, the preferences panel when opened
/// ([`Consent::show_preferences`]), nothing otherwise: the standalone widget's UI, in-process.
#[function_component(Banner)]
pub fn banner(props: &BannerProps) -> Html {
    if props.shadow {
        html! { <ShadowHost><ConsentUi<InProcess> /></ShadowHost> }
    } else {
        html! { <div class="optin"><ConsentUi<InProcess> /></div> }
    }
}

#[derive(Properties, PartialEq)]
struct ShadowHostProps {
    children: Html,
}

/// An `<optin-widget>` element whose open shadow root (styled like the widget's) holds the
/// children, rendered there through a portal so they stay part of the app's tree.
#[function_component(ShadowHost)]
fn shadow_host(props: &ShadowHostProps) -> Html {
    let host = use_node_ref();
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
    html! { <optin-widget ref={host}>{ for contents }</optin-widget> }
}
