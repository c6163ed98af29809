//! The built-in texts. English is compiled in: the fallback for every language and every text.
//! The other languages ship beside the widget as `lang/<code>.json`, in the config's `texts`
//! format, and are fetched only when that language is shown (`file_for`): a visitor downloads
//! one language, not eight. Site texts in the config override any of them.
//!
//! The core itself needs no more than the settings button's label (for returning visitors, who
//! never load the UI) and English for the iframe placeholder.

/// Every built-in text of one language. Field names match the config's `texts` keys.
pub struct Catalogue {
    pub banner_title: &'static str,
    pub banner_description: &'static str,
    pub accept_all: &'static str,
    pub reject_all: &'static str,
    pub preferences: &'static str,
    pub preferences_title: &'static str,
    pub preferences_description: &'static str,
    pub save: &'static str,
    pub close: &'static str,
    pub always_on: &'static str,
    pub privacy_policy: &'static str,
    /// The floating button that reopens the panel after a choice.
    pub settings: &'static str,
    /// Cookie table headers.
    pub cookie: &'static str,
    pub purpose: &'static str,
    pub duration: &'static str,
    pub set_by: &'static str,
    pub first_party: &'static str,
    pub third_party: &'static str,
    /// Shown when the browser's Global Privacy Control signal turned categories off.
    pub gpc_notice: &'static str,
    pub download_record: &'static str,
    /// The banner's Preferences was pressed but the panel's code could not be loaded.
    pub settings_unavailable: &'static str,
    /// (category id, title, description) for the usual category ids.
    pub categories: &'static [(&'static str, &'static str, &'static str)],
}

// The settings button's labels stand apart from the tables: the core needs them without the rest
// of the catalogue (measured: reaching them through `get` put all eight tables, 13 KB brotli,
// into the returning visitor's download).
const SETTINGS_EN: &str = "Cookie settings";
const SETTINGS_DE: &str = "Cookie-Einstellungen";
const SETTINGS_FR: &str = "Paramètres des cookies";
const SETTINGS_ES: &str = "Configuración de cookies";
const SETTINGS_IT: &str = "Impostazioni cookie";
const SETTINGS_NL: &str = "Cookie-instellingen";
const SETTINGS_PL: &str = "Ustawienia plików cookie";
const SETTINGS_HU: &str = "Sütibeállítások";

/// Languages with built-in texts: English here, the others in `lang/<code>.json`.
pub const LANGS: &[&str] = &["en", "de", "fr", "es", "it", "nl", "pl", "hu"];

/// The file, relative to the widget's own folder, with the built-in texts of `lang` (`de-AT`:
/// `lang/de.json`); `None` for English, which is compiled in, and languages without texts.
pub fn file_for(lang: &str) -> Option<String> {
    let primary = crate::texts::primary(lang);
    if primary == "en" || !LANGS.contains(&primary) {
        return None;
    }
    let mut file = String::from("lang/");
    file.push_str(primary);
    file.push_str(".json");
    Some(file)
}

/// English, also the fallback for any language without a catalogue.
pub static EN: Catalogue = Catalogue {
    banner_title: "We use cookies",
    banner_description: "We use cookies and similar technologies to run this site and, with your consent, to measure its use and show third-party content. You can change your choice at any time.",
    accept_all: "Accept all",
    reject_all: "Reject all",
    preferences: "Preferences",
    preferences_title: "Cookie preferences",
    preferences_description: "Choose which kinds of cookies and third-party services you allow. Strictly necessary ones are always on.",
    save: "Save choices",
    close: "Close",
    always_on: "Always on",
    privacy_policy: "Privacy policy",
    settings: SETTINGS_EN,
    cookie: "Cookie",
    purpose: "Purpose",
    duration: "Duration",
    set_by: "Set by",
    first_party: "This site",
    third_party: "Third party",
    gpc_notice: "Your browser's Global Privacy Control signal was honoured: sale and sharing of your data stay off unless you switch them on here.",
    download_record: "Download my consent record",
    settings_unavailable: "The settings could not be loaded. You can still accept or reject all.",
    categories: &[
        (TITLES_EN[0].0, TITLES_EN[0].1, "Needed for the site to work, such as keeping you signed in. They cannot be switched off."),
        (TITLES_EN[1].0, TITLES_EN[1].1, "Help us understand how the site is used, so we can improve it."),
        (TITLES_EN[2].0, TITLES_EN[2].1, "Used to show you relevant advertising on this and other sites."),
        (TITLES_EN[3].0, TITLES_EN[3].1, "Share buttons and embedded posts from social networks."),
        (TITLES_EN[4].0, TITLES_EN[4].1, "The third-party comment system under articles."),
    ],
};

// The English category titles stand apart from `EN.categories` for the same reason as the
// settings labels: the core's placeholder names a blocked category by its title, and reaching it
// through `EN.categories` put the descriptions into the returning visitor's download.
const TITLES_EN: [(&str, &str); 5] = [
    ("necessary", "Strictly necessary"),
    ("analytics", "Analytics"),
    ("marketing", "Marketing"),
    ("social", "Social media"),
    ("comments", "Comments"),
];

/// The English title of a usual category id (`EN.categories`), without its description.
pub fn category_title(id: &str) -> Option<&'static str> {
    TITLES_EN.iter().find(|(k, _)| *k == id).map(|(_, t)| *t)
}

/// Just the floating settings button's label, for the core: it shows the button on pages where
/// the UI (and the rest of the catalogue) is never loaded.
pub fn settings_label(lang: &str) -> &'static str {
    match crate::texts::primary(lang) {
        "de" => SETTINGS_DE,
        "fr" => SETTINGS_FR,
        "es" => SETTINGS_ES,
        "it" => SETTINGS_IT,
        "nl" => SETTINGS_NL,
        "pl" => SETTINGS_PL,
        "hu" => SETTINGS_HU,
        _ => SETTINGS_EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{self, Value};

    /// The shipped language files, as the loader serves them from `dist/lang/`.
    const FILES: &[(&str, &str)] = &[
        ("de", include_str!("../../lang/de.json")),
        ("fr", include_str!("../../lang/fr.json")),
        ("es", include_str!("../../lang/es.json")),
        ("it", include_str!("../../lang/it.json")),
        ("nl", include_str!("../../lang/nl.json")),
        ("pl", include_str!("../../lang/pl.json")),
        ("hu", include_str!("../../lang/hu.json")),
    ];

    /// Every text of English as config `texts` keys. Destructured so that a new field must be
    /// added here, and so to every language file (the test below).
    fn english() -> Vec<(&'static str, &'static str)> {
        let Catalogue {
            banner_title,
            banner_description,
            accept_all,
            reject_all,
            preferences,
            preferences_title,
            preferences_description,
            save,
            close,
            always_on,
            privacy_policy,
            settings,
            cookie,
            purpose,
            duration,
            set_by,
            first_party,
            third_party,
            gpc_notice,
            download_record,
            settings_unavailable,
            categories: _,
        } = &EN;
        vec![
            ("bannerTitle", *banner_title),
            ("bannerDescription", *banner_description),
            ("acceptAll", *accept_all),
            ("rejectAll", *reject_all),
            ("preferences", *preferences),
            ("preferencesTitle", *preferences_title),
            ("preferencesDescription", *preferences_description),
            ("save", *save),
            ("close", *close),
            ("alwaysOn", *always_on),
            ("privacyPolicy", *privacy_policy),
            ("settings", *settings),
            ("cookie", *cookie),
            ("purpose", *purpose),
            ("duration", *duration),
            ("setBy", *set_by),
            ("firstParty", *first_party),
            ("thirdParty", *third_party),
            ("gpcNotice", *gpc_notice),
            ("downloadRecord", *download_record),
            ("settingsUnavailable", *settings_unavailable),
        ]
    }

    fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
        match v.get(key) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    #[test]
    fn every_language_but_english_ships_as_a_file() {
        let shipped: Vec<&str> = FILES.iter().map(|(lang, _)| *lang).collect();
        let expected: Vec<&str> = LANGS.iter().copied().filter(|l| *l != "en").collect();
        assert_eq!(shipped, expected);
        assert_eq!(file_for("de-AT").as_deref(), Some("lang/de.json"));
        assert_eq!(file_for("en-GB"), None);
        assert_eq!(file_for("xx"), None);
        assert_eq!(file_for(""), None);
    }

    #[test]
    fn every_file_has_every_text_translated_and_no_markup() {
        for (lang, file) in FILES {
            let v = json::parse(file).unwrap_or_else(|e| panic!("{lang}: {e:?}"));
            for (key, en) in english() {
                let t = text(&v, key).unwrap_or_else(|| panic!("{lang}: {key} missing"));
                assert!(!t.trim().is_empty(), "{lang}: {key} empty");
                assert!(!t.contains(['<', '>']), "{lang}: markup in {t:?}");
                if key == "acceptAll" {
                    assert_ne!(t, en, "{lang} falls back to English");
                }
            }
            // The core keeps its own copy of this one label (see `settings_label`).
            assert_eq!(
                text(&v, "settings"),
                Some(settings_label(lang)),
                "{lang}: settings"
            );
            let Some(Value::Obj(fields)) = v.get("categories") else {
                panic!("{lang}: no categories");
            };
            let ids: Vec<&str> = fields.iter().map(|(id, _)| id.as_str()).collect();
            let en_ids: Vec<&str> = EN.categories.iter().map(|(id, _, _)| *id).collect();
            assert_eq!(ids, en_ids, "{lang}: categories");
            for (id, c) in fields {
                for key in ["title", "description"] {
                    let t = text(c, key).unwrap_or_else(|| panic!("{lang}: {id}.{key}"));
                    assert!(
                        !t.trim().is_empty() && !t.contains(['<', '>']),
                        "{lang}: {id}.{key}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_settings_label_matches_each_language_file() {
        assert_eq!(settings_label("en"), EN.settings);
        for (lang, file) in FILES {
            let v = json::parse(file).unwrap();
            assert_eq!(Some(settings_label(lang)), text(&v, "settings"), "{lang}");
        }
    }

    #[test]
    fn english_has_no_empty_text_or_markup() {
        for (key, t) in english() {
            assert!(!t.trim().is_empty() && !t.contains(['<', '>']), "{key}");
        }
        for (id, title, description) in EN.categories {
            assert!(!title.is_empty() && !description.is_empty(), "{id}");
        }
    }
}
