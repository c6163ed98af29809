//! The words the widget shows: the site's per-language overrides, the built-in catalogue, and how
//! one language is chosen and filled in.
//!
//! Only the UI renders texts, so the catalogue is only reached from the UI's wasm; the core needs
//! no more than `choose_lang` (the record keeps the language the visitor was shown).

use crate::config::{entries, Config};
use crate::json::Value;

/// Texts a site sets for one language; anything left out comes from the built-in catalogue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Texts {
    /// `(key, text)` pairs, keys as in the config (`acceptAll`, …).
    pub entries: Vec<(String, String)>,
    /// Per category id, its title and description.
    pub categories: Vec<(String, CategoryTexts)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CategoryTexts {
    pub title: Option<String>,
    pub description: Option<String>,
}

impl Texts {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Reads texts the config check has accepted.
    pub(crate) fn read(v: &Value) -> Texts {
        let mut texts = Texts::default();
        if let Value::Obj(fields) = v {
            for (key, value) in fields {
                if let Value::Str(t) = value {
                    texts.entries.push((key.clone(), t.clone()));
                }
            }
        }
        for (id, c) in entries(v, "categories") {
            let get = |k| match c.get(k) {
                Some(Value::Str(s)) => Some(s.clone()),
                _ => None,
            };
            texts.categories.push((
                id.clone(),
                CategoryTexts {
                    title: get("title"),
                    description: get("description"),
                },
            ));
        }
        texts
    }
}

/// Languages with a built-in catalogue.
pub const BUILTIN_LANGS: &[&str] = &["en"];

/// Picks the language to show: the config's `lang`, then the page's `<html lang>`, then the
/// browser's preferences, then English. A language counts when the site or the catalogue has
/// texts for it; `de-AT` matches `de`.
pub fn choose_lang(config: &Config, html_lang: Option<&str>, browser: &[String]) -> String {
    let available = |code: &str| -> Option<String> {
        let code = code.trim().to_ascii_lowercase();
        let primary = code.split(['-', '_']).next().unwrap_or("").to_owned();
        [code, primary].into_iter().find(|c| {
            !c.is_empty()
                && (BUILTIN_LANGS.contains(&c.as_str())
                    || config.texts.iter().any(|(k, _)| k.eq_ignore_ascii_case(c)))
        })
    };
    config
        .lang
        .as_deref()
        .into_iter()
        .chain(html_lang)
        .chain(browser.iter().map(String::as_str))
        .find_map(available)
        .unwrap_or_else(|| "en".to_owned())
}

/// Every text filled in for one language: what the UI renders.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub banner_title: String,
    pub banner_description: String,
    pub accept_all: String,
    pub reject_all: String,
    pub preferences: String,
    pub preferences_title: String,
    pub preferences_description: String,
    pub save: String,
    pub close: String,
    pub always_on: String,
    pub privacy_policy: String,
    /// Shown in the banner when the visitor chose under an older config revision (site text only).
    pub revision_notice: Option<String>,
}

fn english() -> Resolved {
    Resolved {
        banner_title: "We use cookies".into(),
        banner_description: "We use cookies and similar technologies to run this site and, with your consent, to measure its use and show third-party content. You can change your choice at any time.".into(),
        accept_all: "Accept all".into(),
        reject_all: "Reject all".into(),
        preferences: "Preferences".into(),
        preferences_title: "Cookie preferences".into(),
        preferences_description: "Choose which kinds of cookies and third-party services you allow. Strictly necessary ones are always on.".into(),
        save: "Save choices".into(),
        close: "Close".into(),
        always_on: "Always on".into(),
        privacy_policy: "Privacy policy".into(),
        revision_notice: None,
    }
}

/// Built-in category titles for the usual ids, so the bare tag reads well.
fn builtin_category(id: &str) -> Option<(&'static str, &'static str)> {
    Some(match id {
        "necessary" => ("Strictly necessary", "Needed for the site to work, such as keeping you signed in. They cannot be switched off."),
        "analytics" => ("Analytics", "Help us understand how the site is used, so we can improve it."),
        "marketing" => ("Marketing", "Used to show you relevant advertising on this and other sites."),
        "social" => ("Social media", "Share buttons and embedded posts from social networks."),
        "comments" => ("Comments", "The third-party comment system under articles."),
        _ => return None,
    })
}

impl Resolved {
    /// The built-in texts for `lang` with the site's overrides on top.
    pub fn for_lang(config: &Config, lang: &str) -> Resolved {
        let mut r = english();
        if let Some(site) = site_texts(config, lang) {
            let slots: [(&str, &mut String); 11] = [
                ("bannerTitle", &mut r.banner_title),
                ("bannerDescription", &mut r.banner_description),
                ("acceptAll", &mut r.accept_all),
                ("rejectAll", &mut r.reject_all),
                ("preferences", &mut r.preferences),
                ("preferencesTitle", &mut r.preferences_title),
                ("preferencesDescription", &mut r.preferences_description),
                ("save", &mut r.save),
                ("close", &mut r.close),
                ("alwaysOn", &mut r.always_on),
                ("privacyPolicy", &mut r.privacy_policy),
            ];
            for (key, slot) in slots {
                if let Some(text) = site.get(key) {
                    *slot = text.to_owned();
                }
            }
            r.revision_notice = site.get("revisionNotice").map(str::to_owned);
        }
        r
    }
}

fn site_texts<'a>(config: &'a Config, lang: &str) -> Option<&'a Texts> {
    config
        .texts
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(lang))
        .map(|(_, t)| t)
}

/// A category's title and description in `lang`: the site's, else built-in, else its id.
pub fn category_texts(config: &Config, lang: &str, id: &str) -> (String, String) {
    let site = site_texts(config, lang)
        .and_then(|t| t.categories.iter().find(|(k, _)| k == id))
        .map(|(_, c)| c);
    let builtin = builtin_category(id);
    let title = site
        .and_then(|s| s.title.clone())
        .or_else(|| builtin.map(|b| b.0.to_owned()))
        .unwrap_or_else(|| id.to_owned());
    let description = site
        .and_then(|s| s.description.clone())
        .or_else(|| builtin.map(|b| b.1.to_owned()))
        .unwrap_or_default();
    (title, description)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_with_texts(json: &str) -> Config {
        Config::parse(&format!(
            r#"{{"categories":[{{"id":"necessary","required":true}},{{"id":"stats"}}],"texts":{json}}}"#
        ))
        .unwrap()
        .config
    }

    #[test]
    fn lang_follows_config_then_html_then_browser_then_english() {
        let c = config_with_texts(r#"{"de":{},"fr":{}}"#);
        let browser = vec!["fr-CA".to_owned(), "de".to_owned()];
        assert_eq!(choose_lang(&c, Some("de-AT"), &browser), "de");
        assert_eq!(choose_lang(&c, None, &browser), "fr");
        assert_eq!(choose_lang(&c, Some("xx"), &[]), "en");
        let mut forced = c.clone();
        forced.lang = Some("fr".into());
        assert_eq!(choose_lang(&forced, Some("de"), &browser), "fr");
    }

    #[test]
    fn site_texts_override_builtin_per_field() {
        let c = config_with_texts(
            r#"{"en":{"acceptAll":"Yes please","categories":{"stats":{"title":"Stats"}}}}"#,
        );
        let r = Resolved::for_lang(&c, "en");
        assert_eq!(r.accept_all, "Yes please");
        assert_eq!(r.reject_all, "Reject all");
        assert_eq!(
            category_texts(&c, "en", "stats"),
            ("Stats".into(), String::new())
        );
        assert_eq!(
            category_texts(&c, "en", "necessary").0,
            "Strictly necessary"
        );
        assert_eq!(category_texts(&c, "en", "other").0, "other");
    }
}
