//! The words the widget shows: the site's per-language overrides, the built-in catalogue, and how
//! one language is chosen and filled in.
//!
//! Three layers, each filling what the one above leaves out: the site's texts (config), the
//! language's shipped file (`lang/<code>.json`, same format), English (compiled in). Only the UI
//! renders texts; the core needs no more than `choose_lang` (the record keeps the language shown).

use crate::catalogue::{self, EN};
use crate::config::{entries, Config};
use crate::json::{self, Value};

/// Texts for one language, as a site sets them in its config or a shipped `lang/<code>.json`
/// has them; anything left out comes from the layer below (see the module doc).
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

    /// Reads a shipped language file (`lang/<code>.json`). `None` if it is not a JSON object:
    /// the widget then shows English rather than nothing.
    pub fn from_file(text: &str) -> Option<Texts> {
        match json::parse(text) {
            Ok(v @ Value::Obj(_)) => Some(Texts::read(&v)),
            _ => None,
        }
    }

    /// Reads texts the config check has accepted, or a language file.
    pub fn read(v: &Value) -> Texts {
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

/// Picks the language to show: the config's `lang`, then the page's `<html lang>`, then the
/// browser's preferences, then English. A language counts when the site or the catalogue has
/// texts for it; `de-AT` matches `de`.
pub fn choose_lang(config: &Config, html_lang: Option<&str>, browser: &[String]) -> String {
    let available = |code: &str| -> Option<String> {
        let code = code.trim().to_ascii_lowercase();
        let primary = primary(&code).to_owned();
        [code, primary].into_iter().find(|c| {
            !c.is_empty()
                && (catalogue::LANGS.contains(&c.as_str())
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

/// `pt-BR` -> `pt`
pub fn primary(lang: &str) -> &str {
    lang.split(['-', '_']).next().unwrap_or("")
}

/// Languages written right to left (the widget gets `dir="rtl"`).
pub fn is_rtl(lang: &str) -> bool {
    matches!(
        primary(&lang.to_ascii_lowercase()),
        "ar" | "he" | "fa" | "ur" | "ps" | "yi" | "dv" | "ckb"
    )
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
    pub settings: String,
    pub cookie: String,
    pub purpose: String,
    pub duration: String,
    pub set_by: String,
    pub first_party: String,
    pub third_party: String,
    pub gpc_notice: String,
    pub download_record: String,
    pub settings_unavailable: String,
    /// Shown in the banner when the visitor chose under an older config revision (site text only).
    pub revision_notice: Option<String>,
}

impl Resolved {
    /// English, then the language's shipped texts (`shipped`), then the site's for `lang`.
    pub fn for_lang(config: &Config, lang: &str, shipped: Option<&Texts>) -> Resolved {
        let c = &EN;
        let mut r = Resolved {
            banner_title: c.banner_title.into(),
            banner_description: c.banner_description.into(),
            accept_all: c.accept_all.into(),
            reject_all: c.reject_all.into(),
            preferences: c.preferences.into(),
            preferences_title: c.preferences_title.into(),
            preferences_description: c.preferences_description.into(),
            save: c.save.into(),
            close: c.close.into(),
            always_on: c.always_on.into(),
            privacy_policy: c.privacy_policy.into(),
            settings: c.settings.into(),
            cookie: c.cookie.into(),
            purpose: c.purpose.into(),
            duration: c.duration.into(),
            set_by: c.set_by.into(),
            first_party: c.first_party.into(),
            third_party: c.third_party.into(),
            gpc_notice: c.gpc_notice.into(),
            download_record: c.download_record.into(),
            settings_unavailable: c.settings_unavailable.into(),
            revision_notice: None,
        };
        let site = site_texts(config, lang);
        for layer in [shipped, site].into_iter().flatten() {
            r.overlay(layer);
        }
        // Only a site can know what changed between its revisions.
        r.revision_notice = site
            .and_then(|site| site.get("revisionNotice"))
            .map(str::to_owned);
        r
    }

    /// Replaces every text `texts` has.
    fn overlay(&mut self, texts: &Texts) {
        let slots: [(&str, &mut String); 21] = [
            ("bannerTitle", &mut self.banner_title),
            ("bannerDescription", &mut self.banner_description),
            ("acceptAll", &mut self.accept_all),
            ("rejectAll", &mut self.reject_all),
            ("preferences", &mut self.preferences),
            ("preferencesTitle", &mut self.preferences_title),
            ("preferencesDescription", &mut self.preferences_description),
            ("save", &mut self.save),
            ("close", &mut self.close),
            ("alwaysOn", &mut self.always_on),
            ("privacyPolicy", &mut self.privacy_policy),
            ("settings", &mut self.settings),
            ("cookie", &mut self.cookie),
            ("purpose", &mut self.purpose),
            ("duration", &mut self.duration),
            ("setBy", &mut self.set_by),
            ("firstParty", &mut self.first_party),
            ("thirdParty", &mut self.third_party),
            ("gpcNotice", &mut self.gpc_notice),
            ("downloadRecord", &mut self.download_record),
            ("settingsUnavailable", &mut self.settings_unavailable),
        ];
        for (key, slot) in slots {
            if let Some(text) = texts.get(key) {
                *slot = text.to_owned();
            }
        }
    }
}

/// The site's own text for `key` in `lang` (its config's `texts`), if it has one.
pub fn site_text<'a>(config: &'a Config, lang: &str, key: &str) -> Option<&'a str> {
    site_texts(config, lang)?.get(key)
}

fn site_texts<'a>(config: &'a Config, lang: &str) -> Option<&'a Texts> {
    config
        .texts
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(lang))
        .map(|(_, t)| t)
}

/// A category's title and description in `lang`: the site's, else the shipped file's (`shipped`),
/// else English, else its id.
pub fn category_texts(
    config: &Config,
    lang: &str,
    id: &str,
    shipped: Option<&Texts>,
) -> (String, String) {
    let layer = |texts: Option<&Texts>| {
        texts
            .and_then(|t| t.categories.iter().find(|(k, _)| k == id))
            .map(|(_, c)| c.clone())
    };
    let site = layer(site_texts(config, lang)).unwrap_or_default();
    let file = layer(shipped).unwrap_or_default();
    let title = title_or_english(site.title.or(file.title), id);
    let description = site
        .description
        .or(file.description)
        .or_else(|| {
            let english = EN.categories.iter().find(|(k, _, _)| *k == id);
            english.map(|e| e.2.to_owned())
        })
        .unwrap_or_default();
    (title, description)
}

/// A category's title alone, as `category_texts` gives it with no shipped file: what the core's
/// placeholder shows (without the English descriptions in its wasm).
pub fn category_title(config: &Config, lang: &str, id: &str) -> String {
    let site = site_texts(config, lang)
        .and_then(|t| t.categories.iter().find(|(k, _)| k == id))
        .and_then(|(_, c)| c.title.clone());
    title_or_english(site, id)
}

fn title_or_english(title: Option<String>, id: &str) -> String {
    title
        .or_else(|| catalogue::category_title(id).map(str::to_owned))
        .unwrap_or_else(|| id.to_owned())
}

/// A piece of a config text: plain text, or a link written `[label](url)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    Link { label: &'a str, url: &'a str },
}

/// Splits a config text into text and `[label](url)` links, the one link syntax texts have.
/// A link whose URL is not http(s) or relative becomes its plain label; its URL is returned in
/// the second list so the caller can warn the site owner.
///
/// A link is the first `](` after a `[`, with the last `[` before it starting a non-empty label,
/// and the URL ending at the `)` that balances its own parentheses, as in CommonMark. Without
/// such a `)` the rest of the text is plain. One pass over the text: each byte is read at most
/// three times (the scan, a URL search that ends in a link, a search after an empty label).
pub fn segments(text: &str) -> (Vec<Segment<'_>>, Vec<&str>) {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut refused = Vec::new();
    // `text[done..]` is not yet in `out`; `open` is the last `[` in it.
    let (mut done, mut open) = (0, None);
    // A URL search from any position up to here finds its `)` (see `url_end`).
    let mut closes_by = 0;
    let mut i = 0;
    while i < b.len() {
        step();
        match (b.get(i).copied().unwrap_or_default(), open) {
            (b'[', _) => open = Some(i),
            (b']', Some(o)) if b.get(i + 1) == Some(&b'(') => {
                let url_start = i + 2;
                if o + 1 == i {
                    // `[](`: no link, but an unbalanced URL after it still ends the links.
                    if url_start > closes_by {
                        match url_end(b, url_start) {
                            Some(end) => closes_by = end,
                            None => break,
                        }
                    }
                    open = None;
                } else {
                    let Some(end) = url_end(b, url_start) else {
                        break;
                    };
                    if o > done {
                        out.push(Segment::Text(slice(text, done, o)));
                    }
                    let (label, url) = (slice(text, o + 1, i), slice(text, url_start, end));
                    if crate::config::is_safe_url(url) {
                        out.push(Segment::Link {
                            label,
                            url: url.trim(),
                        });
                    } else {
                        refused.push(url);
                        out.push(Segment::Text(label));
                    }
                    (done, open, i) = (end + 1, None, end);
                }
            }
            _ => {}
        }
        i += 1;
    }
    if done < text.len() {
        out.push(Segment::Text(slice(text, done, text.len())));
    }
    (out, refused)
}

/// `text[from..to]`, at ASCII positions `segments` found, so always on character boundaries:
/// through `get`, so the early banner's wasm carries no slicing panic and its formatting.
fn slice(text: &str, from: usize, to: usize) -> &str {
    text.get(from..to).unwrap_or_default()
}

/// The `)` that closes a URL starting at `from`: the first one not balancing a `(` after `from`.
///
/// If a search from `s` ends at `e`, one from any `t` in `s..=e` finds a `)` too (at or before
/// `e`): between `s` and `t` at least as many `(` as `)` were open. `segments` relies on this to
/// search each stretch of text once.
fn url_end(b: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate().skip(from) {
        step();
        match c {
            b'(' => depth += 1,
            b')' if depth == 0 => return Some(i),
            b')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Counts units of work in tests (see `json::step`); nothing outside tests.
#[inline(always)]
fn step() {
    #[cfg(test)]
    tests::STEPS.with(|s| s.set(s.get() + 1));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// Work done by this test's thread, counted by `step`.
        pub(super) static STEPS: Cell<u64> = const { Cell::new(0) };
    }

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
        let r = Resolved::for_lang(&c, "en", None);
        assert_eq!(r.accept_all, "Yes please");
        assert_eq!(r.reject_all, "Reject all");
        assert_eq!(
            category_texts(&c, "en", "stats", None),
            ("Stats".into(), String::new())
        );
        assert_eq!(
            category_texts(&c, "en", "necessary", None).0,
            "Strictly necessary"
        );
        assert_eq!(category_texts(&c, "en", "other", None).0, "other");
        assert!(is_rtl("ar-EG") && is_rtl("HE") && !is_rtl("hu"));
    }

    #[test]
    fn the_placeholders_title_is_category_texts_title() {
        let c = config_with_texts(
            r#"{"en":{"categories":{"stats":{"title":"Stats"},"necessary":{"description":"d"}}}}"#,
        );
        for lang in ["en", "EN", "de"] {
            for id in ["stats", "necessary", "analytics", "comments", "other", ""] {
                assert_eq!(
                    category_title(&c, lang, id),
                    category_texts(&c, lang, id, None).0,
                    "{lang} {id}"
                );
            }
        }
        assert_eq!(category_title(&c, "en", "social"), "Social media");
    }

    #[test]
    fn the_shipped_file_fills_what_the_site_leaves_out_and_english_the_rest() {
        let c = config_with_texts(r#"{"de":{"acceptAll":"Ja, gerne"}}"#);
        let file = Texts::from_file(
            r#"{"acceptAll":"Alle akzeptieren","rejectAll":"Alle ablehnen",
                "categories":{"necessary":{"title":"Unbedingt erforderlich"}}}"#,
        )
        .unwrap();
        let r = Resolved::for_lang(&c, "de", Some(&file));
        assert_eq!(r.accept_all, "Ja, gerne");
        assert_eq!(r.reject_all, "Alle ablehnen");
        assert_eq!(r.save, "Save choices");
        let (title, description) = category_texts(&c, "de", "necessary", Some(&file));
        assert_eq!(title, "Unbedingt erforderlich");
        assert!(description.starts_with("Needed for the site to work"));
        // A file that is not a JSON object leaves English in place.
        assert_eq!(Texts::from_file("<html>404</html>"), None);
        assert_eq!(Texts::from_file("[]"), None);
    }

    #[test]
    fn links_in_texts() {
        let (s, refused) = segments("See [our policy](https://x.test/p) and [more](/m).");
        assert_eq!(
            s,
            [
                Segment::Text("See "),
                Segment::Link {
                    label: "our policy",
                    url: "https://x.test/p"
                },
                Segment::Text(" and "),
                Segment::Link {
                    label: "more",
                    url: "/m"
                },
                Segment::Text("."),
            ]
        );
        assert!(refused.is_empty());
        let (s, refused) = segments("[bad](javascript:alert(1)) [x] [](/a) [open");
        assert_eq!(refused, ["javascript:alert(1)"]);
        assert_eq!(s[0], Segment::Text("bad"));
        assert!(!s.iter().any(|x| matches!(x, Segment::Link { .. })));
        let (s, _) = segments("Click [bad](javascript:alert(1)) now.");
        assert_eq!(
            s,
            [
                Segment::Text("Click "),
                Segment::Text("bad"),
                Segment::Text(" now.")
            ]
        );

        assert_eq!(
            segments("<img onerror=x>").0,
            [Segment::Text("<img onerror=x>")]
        );
    }

    /// The splitter as it was before it was made linear (each `[` searched to the end of the
    /// text for its `](`): the reference for `segments`.
    fn segments_before(text: &str) -> (Vec<Segment<'_>>, Vec<&str>) {
        let mut out = Vec::new();
        let mut refused = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('[') {
            let after = &rest[open + 1..];
            let Some((label, tail)) = after.split_once("](") else {
                break;
            };
            let mut depth = 0usize;
            let Some(end) = tail.bytes().position(|b| match b {
                b'(' => {
                    depth += 1;
                    false
                }
                b')' if depth == 0 => true,
                b')' => {
                    depth -= 1;
                    false
                }
                _ => false,
            }) else {
                break;
            };
            let (url, remaining) = (&tail[..end], &tail[end + 1..]);
            if label.contains('[') || label.is_empty() {
                out.push(Segment::Text(&rest[..open + 1]));
                rest = after;
                continue;
            }
            if open > 0 {
                out.push(Segment::Text(&rest[..open]));
            }
            if crate::config::is_safe_url(url) {
                out.push(Segment::Link {
                    label,
                    url: url.trim(),
                });
            } else {
                refused.push(url);
                out.push(Segment::Text(label));
            }
            rest = remaining;
        }
        if !rest.is_empty() {
            out.push(Segment::Text(rest));
        }
        (out, refused)
    }

    /// Adjacent text segments joined: they render as one run of text, so only the old splitter's
    /// habit of cutting text at each `[` it gave up on tells them apart.
    fn joined(segments: Vec<Segment<'_>>) -> Vec<Segment<'static>> {
        let mut out: Vec<Segment<'static>> = Vec::new();
        for s in segments {
            let leak = |s: &str| &*String::leak(s.to_owned());
            match (out.last_mut(), s) {
                (Some(Segment::Text(prev)), Segment::Text(t)) => {
                    *prev = leak(&(prev.to_string() + t))
                }
                (_, Segment::Text(t)) => out.push(Segment::Text(leak(t))),
                (_, Segment::Link { label, url }) => out.push(Segment::Link {
                    label: leak(label),
                    url: leak(url),
                }),
            }
        }
        out
    }

    #[test]
    fn links_as_before_on_generated_texts() {
        let pieces = [
            "[",
            "]",
            "(",
            ")",
            "](",
            "a",
            " ",
            "/p",
            "https://x.test",
            "javascript:x",
            "é",
        ];
        let mut seed = 0x5eed_u64;
        for _ in 0..50_000 {
            let mut text = String::new();
            for _ in 0..seed % 13 {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let (now, refused_now) = segments(&text);
            let (before, refused_before) = segments_before(&text);
            assert_eq!(joined(now), joined(before), "{text:?}");
            assert_eq!(refused_now, refused_before, "{text:?}");
        }
    }

    #[test]
    fn splitting_is_linear_in_the_text() {
        let n = 200_000;
        for text in [
            "[".repeat(n) + "](x)",
            "[](".repeat(n) + &")".repeat(n),
            "[a](".repeat(n),
            "[a](b)".repeat(n),
            "[](x) ".repeat(n),
        ] {
            STEPS.with(|s| s.set(0));
            let (s, _) = segments(&text);
            let steps = STEPS.with(Cell::get);
            assert!(
                steps <= 3 * text.len() as u64,
                "{steps} steps for {} bytes",
                text.len()
            );
            assert!(!s.is_empty());
        }
        let text = "[".repeat(n) + "a](x)";
        assert_eq!(
            segments(&text).0,
            [
                Segment::Text(&text[..n - 1]),
                Segment::Link {
                    label: "a",
                    url: "x"
                }
            ]
        );
    }
}
