//! The built-in texts of languages other than English, compiled into the app's wasm behind one
//! cargo feature per language (`lang-de`, …, or `all-langs`). The standalone widget fetches
//! `lang/<code>.json` when that language shows; a Yew app embeds the files it enables instead:
//! no file to copy next to the app, no request, no English flash while one loads (README "In a
//! Yew app" says why). `lang/` is the repository's own folder (a symlink, packaged as files).

/// The `lang/<code>.json` content for `lang` (`de-AT`: German), if its feature is on.
// Without any language feature only the fallback arm is left.
#[allow(clippy::match_single_binding)]
pub(crate) fn embedded(lang: &str) -> Option<&'static str> {
    match optin_core::texts::primary(lang) {
        #[cfg(feature = "lang-de")]
        "de" => Some(include_str!("../lang/de.json")),
        #[cfg(feature = "lang-fr")]
        "fr" => Some(include_str!("../lang/fr.json")),
        #[cfg(feature = "lang-es")]
        "es" => Some(include_str!("../lang/es.json")),
        #[cfg(feature = "lang-it")]
        "it" => Some(include_str!("../lang/it.json")),
        #[cfg(feature = "lang-nl")]
        "nl" => Some(include_str!("../lang/nl.json")),
        #[cfg(feature = "lang-pl")]
        "pl" => Some(include_str!("../lang/pl.json")),
        #[cfg(feature = "lang-hu")]
        "hu" => Some(include_str!("../lang/hu.json")),
        _ => None,
    }
}
