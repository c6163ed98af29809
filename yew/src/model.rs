//! What the UI shows, built once from the core (through a [`Connector`]): texts in the visitor's
//! language and the categories with their services.

use std::cell::RefCell;

use optin_core::config::{Config, Service};
use optin_core::texts::{category_texts, is_rtl, Resolved, Texts};

use crate::connector::Connector;

thread_local! {
    /// The visitor's language file, as the loader handed it over (`None`: English, or the file
    /// could not be had, and English it is). Reached through `try_with`, as the inbox is
    /// (connector.rs).
    static SHIPPED: RefCell<Option<Texts>> = const { RefCell::new(None) };
}

/// Keeps the texts of the language's shipped file (`lang/<code>.json`) for the model; a broken
/// file is ignored.
pub fn use_shipped_texts(json: &str) {
    set_shipped_texts(Texts::from_file(json));
}

/// Keeps the texts of the language's shipped file, read by the caller (`None`: the file was
/// broken, and English it is).
pub fn set_shipped_texts(texts: Option<Texts>) {
    if texts.is_none() {
        web_sys::console::warn_1(
            &"optin: the language file is not valid JSON; showing English".into(),
        );
    }
    let _ = SHIPPED.try_with(|s| *s.borrow_mut() = texts);
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub lang: String,
    pub texts: Resolved,
    pub privacy_policy_url: Option<String>,
    pub categories: Vec<CategoryView>,
    /// The stored choice predates the config's revision: the banner says what changed.
    pub revised: bool,
    /// A Global Privacy Control signal keeps some categories off: the banner says so.
    pub gpc: bool,
    /// The panel's code could not be loaded: the banner says so (only the early banner optin-core
    /// shows before the UI has loaded can get there).
    pub settings_unavailable: bool,
    /// `ltr` or `rtl`, from the language.
    pub dir: &'static str,
    /// Banner layout class (`bar-bottom`, `box-center`, …) and colour theme (`auto`, …).
    pub layout: String,
    pub theme: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CategoryView {
    pub id: String,
    pub required: bool,
    pub title: String,
    pub description: String,
    pub services: Vec<Service>,
}

impl Model {
    pub fn new(config: &Config, lang: &str, shipped: Option<&Texts>) -> Model {
        let categories = config
            .categories
            .iter()
            .map(|c| {
                let (title, description) = category_texts(config, lang, &c.id, shipped);
                CategoryView {
                    id: c.id.clone(),
                    required: c.required,
                    title,
                    description,
                    services: c.services.clone(),
                }
            })
            .collect();
        Model {
            lang: lang.to_owned(),
            texts: Resolved::for_lang(config, lang, shipped),
            privacy_policy_url: config.privacy_policy_url.clone(),
            categories,
            revised: false,
            gpc: false,
            settings_unavailable: false,
            dir: if is_rtl(lang) { "rtl" } else { "ltr" },
            layout: config.layout.clone(),
            theme: config.theme.clone(),
        }
    }

    /// The model for the running widget, or `None` if the core has not started.
    pub fn load<C: Connector>() -> Option<Model> {
        let config = C::config()?;
        let lang = C::language().unwrap_or_else(|| "en".to_owned());
        let mut model = SHIPPED
            .try_with(|s| Model::new(&config, &lang, s.borrow().as_ref()))
            .ok()?;
        model.revised = C::choices().is_some_and(|(_, revised)| revised);
        model.gpc = C::gpc_honoured();
        Some(model)
    }
}
