//! The site owner's configuration: the JSON model (camelCase), its defaults, and its validation.
//!
//! A config that cannot be trusted is rejected as a whole with an error that names the field path
//! (`categories[2].id`), so the widget fails closed instead of gating with a half-understood setup.
//! Harmless oddities (an expiry above the legal cap) are corrected and reported as warnings.

use std::fmt;

use crate::formats;
use crate::json::{self, Value};
use crate::record::MAX_CATEGORIES;
use crate::texts::Texts;

/// Consent is asked again after this many days unless the config says otherwise (about six months).
pub const DEFAULT_EXPIRY_DAYS: u32 = 182;
/// Upper bound for `expiresAfterDays` (13 months, the CNIL's guidance for consent lifetimes).
pub const MAX_EXPIRY_DAYS: u32 = 395;
pub const DEFAULT_STORAGE_KEY: &str = "optin.consent";
/// Allowed values of `layout`, `theme` and `settingsButton`; the first is the default.
pub const LAYOUTS: &[&str] = &[
    "bar-bottom",
    "bar-top",
    "box-bottom-left",
    "box-bottom-right",
    "box-center",
];
pub const THEMES: &[&str] = &["auto", "light", "dark"];
pub const SETTINGS_BUTTON: &[&str] = &["off", "bottom-left", "bottom-right"];
/// The consent types of Google Consent Mode v2.
pub const CONSENT_TYPES: &[&str] = &[
    "ad_storage",
    "analytics_storage",
    "ad_user_data",
    "ad_personalization",
    "functionality_storage",
    "personalization_storage",
    "security_storage",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Bumping it makes every visitor choose again (their record names the revision they saw).
    pub revision: u32,
    /// Forces the language; otherwise `<html lang>`, then the browser's languages, then English.
    pub lang: Option<String>,
    pub privacy_policy_url: Option<String>,
    pub storage_key: String,
    /// Also keep the record in a first-party cookie on this domain (e.g. `.banzaicloud.io`), so
    /// one choice holds on every host of the site.
    pub cookie_domain: Option<String>,
    pub expires_after_days: u32,
    /// Where the banner shows: `bar-bottom` (default), `bar-top`, `box-bottom-left`,
    /// `box-bottom-right`, `box-center`.
    pub layout: String,
    /// `auto` (default: follows the visitor's colour scheme), `light` or `dark`.
    pub theme: String,
    /// The floating button that reopens the panel after a choice: `off` (default),
    /// `bottom-left` or `bottom-right`.
    pub settings_button: String,
    /// Google Consent Mode v2: consent type (`ad_storage`, …) -> category id or `category/service`.
    pub google_consent_mode: Vec<(String, String)>,
    /// Honour the browser's Global Privacy Control signal (default true).
    pub honor_gpc: bool,
    /// Where each choice's receipt is sent (`log.endpoint`), if anywhere.
    pub log_endpoint: Option<String>,
    /// Reload the page when a visitor withdraws a category whose scripts already ran on it
    /// (a script cannot be unloaded). Default true.
    pub reload_on_withdraw: bool,
    pub categories: Vec<Category>,
    /// Per language code, the texts that replace the built-in ones.
    pub texts: Vec<(String, Texts)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: String,
    /// Always granted, shown locked on (strictly necessary cookies need no consent).
    pub required: bool,
    /// Sale or sharing of personal data: a Global Privacy Control signal keeps it off unless the
    /// visitor switches it on explicitly.
    pub gpc: bool,
    pub services: Vec<Service>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: String,
    pub name: Option<String>,
    pub provider: Option<String>,
    pub purpose: Option<String>,
    pub privacy_policy_url: Option<String>,
    pub cookies: Vec<CookieInfo>,
    /// localStorage keys the service writes, removed on withdrawal.
    pub local_storage: Vec<String>,
}

/// A cookie a service sets, for the visitor's information and for clearing on withdrawal.
#[derive(Debug, Clone, PartialEq)]
pub struct CookieInfo {
    /// Exact name, or a pattern with `*` (e.g. `_ga_*`).
    pub name: String,
    pub purpose: Option<String>,
    pub duration: Option<String>,
    /// `first` or `third`.
    pub party: Option<String>,
    /// A path other than `/` it may be set on, so a withdrawal can delete it there too.
    pub path: Option<String>,
}

/// What went wrong and where: `path` is the JSON path of the offending field (empty for the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl ConfigError {
    /// `optin config: categories[1].id: <message>`
    pub fn describe(&self) -> String {
        let mut s = String::from("optin config: ");
        if !self.path.is_empty() {
            s.push_str(&self.path);
            s.push_str(": ");
        }
        s.push_str(&self.message);
        s
    }
}

fn error(path: &str, message: &str) -> ConfigError {
    ConfigError {
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

/// A config with the warnings that were corrected while reading it.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub config: Config,
    pub warnings: Vec<ConfigError>,
}

// The config's JSON Schema, generated from the table below: native only (the `schema` feature,
// and the native tests), so its descriptions cost the browser's wasm nothing.
#[cfg(all(not(target_arch = "wasm32"), any(feature = "schema", test)))]
pub mod schema;

/// The shape of a valid config document, checked by one generic walk (`check`) before anything
/// is read: a table instead of per-field code keeps the core's wasm small, and every error names
/// its field path.
enum Shape {
    Str,
    /// A string with more than spaces in it.
    Name,
    /// A name, or the object it is short for: `"_ga"` means `{ "name": "_ga" }`.
    NameOr(&'static Shape),
    Bool,
    Uint,
    /// Known fields: (name, shape, required). Any other field is an error (a typo is reported,
    /// not silently ignored).
    Obj(&'static [(&'static str, Shape, bool)]),
    List(&'static Shape),
    /// An object with free keys (language codes, category ids), each value of one shape.
    Map(&'static Shape),
}

const COOKIE: Shape = Shape::Obj(&[
    ("name", Shape::Name, true),
    ("purpose", Shape::Str, false),
    ("duration", Shape::Str, false),
    ("party", Shape::Str, false),
    ("path", Shape::Str, false),
]);
const SERVICE: Shape = Shape::Obj(&[
    ("id", Shape::Str, true),
    ("name", Shape::Str, false),
    ("provider", Shape::Str, false),
    ("purpose", Shape::Str, false),
    ("privacyPolicyUrl", Shape::Str, false),
    ("cookies", Shape::List(&Shape::NameOr(&COOKIE)), false),
    ("localStorage", Shape::List(&Shape::Str), false),
]);
const CATEGORY: Shape = Shape::Obj(&[
    ("id", Shape::Str, true),
    ("required", Shape::Bool, false),
    ("gpc", Shape::Bool, false),
    ("services", Shape::List(&SERVICE), false),
]);
const CATEGORY_TEXTS: Shape = Shape::Obj(&[
    ("title", Shape::Str, false),
    ("description", Shape::Str, false),
]);
const TEXTS: Shape = Shape::Obj(&[
    ("bannerTitle", Shape::Str, false),
    ("bannerDescription", Shape::Str, false),
    ("acceptAll", Shape::Str, false),
    ("rejectAll", Shape::Str, false),
    ("preferences", Shape::Str, false),
    ("preferencesTitle", Shape::Str, false),
    ("preferencesDescription", Shape::Str, false),
    ("save", Shape::Str, false),
    ("close", Shape::Str, false),
    ("alwaysOn", Shape::Str, false),
    ("privacyPolicy", Shape::Str, false),
    ("settings", Shape::Str, false),
    ("cookie", Shape::Str, false),
    ("purpose", Shape::Str, false),
    ("duration", Shape::Str, false),
    ("setBy", Shape::Str, false),
    ("firstParty", Shape::Str, false),
    ("thirdParty", Shape::Str, false),
    ("gpcNotice", Shape::Str, false),
    ("downloadRecord", Shape::Str, false),
    ("settingsUnavailable", Shape::Str, false),
    ("revisionNotice", Shape::Str, false),
    ("categories", Shape::Map(&CATEGORY_TEXTS), false),
]);
const CONFIG: Shape = Shape::Obj(&[
    ("revision", Shape::Uint, false),
    ("lang", Shape::Str, false),
    ("privacyPolicyUrl", Shape::Str, false),
    ("storageKey", Shape::Str, false),
    ("cookieDomain", Shape::Str, false),
    ("expiresAfterDays", Shape::Uint, false),
    ("reloadOnWithdraw", Shape::Bool, false),
    ("layout", Shape::Str, false),
    ("theme", Shape::Str, false),
    ("settingsButton", Shape::Str, false),
    ("googleConsentMode", Shape::Map(&Shape::Str), false),
    ("honorGpc", Shape::Bool, false),
    ("log", Shape::Obj(&[("endpoint", Shape::Str, true)]), false),
    ("categories", Shape::List(&CATEGORY), true),
    ("texts", Shape::Map(&TEXTS), false),
    // Where an editor finds the config's JSON Schema (README "Config schema"); not read.
    ("$schema", Shape::Str, false),
]);

impl Shape {
    fn describe(&self) -> &'static str {
        match self {
            Shape::Str | Shape::Name => "a string",
            Shape::NameOr(_) => "a string or an object",
            Shape::Bool => "true or false",
            Shape::Uint => "a whole number from 0",
            Shape::Obj(_) | Shape::Map(_) => "an object",
            Shape::List(_) => "an array",
        }
    }
}

/// Checks `v` against `shape`; `null` counts as absent.
fn check(v: &Value, shape: &Shape, path: &str) -> Result<(), ConfigError> {
    match (shape, v) {
        // In a list, where NameOr is used, null would stand for nothing.
        (Shape::NameOr(_), Value::Null) => Err(expected(path, shape.describe(), v)),
        (_, Value::Null) | (Shape::Str, Value::Str(_)) | (Shape::Bool, Value::Bool(_)) => Ok(()),
        (Shape::Name | Shape::NameOr(_), Value::Str(s)) if s.trim().is_empty() => {
            Err(error(path, "must not be empty"))
        }
        (Shape::Name | Shape::NameOr(_), Value::Str(_)) => Ok(()),
        (Shape::NameOr(object), Value::Obj(_)) => check(v, object, path),
        (Shape::Uint, Value::Int(n)) if (0..=i64::from(u32::MAX)).contains(n) => Ok(()),
        (Shape::Obj(fields), Value::Obj(entries)) => {
            for (key, value) in entries {
                let Some((_, field, _)) = fields.iter().find(|f| f.0 == key) else {
                    let mut m = String::from("unknown field; expected one of: ");
                    for (i, f) in fields.iter().enumerate() {
                        if i > 0 {
                            m.push_str(", ");
                        }
                        m.push_str(f.0);
                    }
                    return Err(error(&join(path, key), &m));
                };
                check(value, field, &join(path, key))?;
            }
            match fields.iter().find(|f| f.2 && field(v, f.0).is_none()) {
                Some(f) => Err(error(&join(path, f.0), "is missing")),
                None => Ok(()),
            }
        }
        (Shape::List(item), Value::Arr(items)) => {
            for (i, value) in items.iter().enumerate() {
                check(value, item, &index(path, i))?;
            }
            Ok(())
        }
        (Shape::Map(item), Value::Obj(entries)) => {
            for (key, value) in entries {
                check(value, item, &join(path, key))?;
            }
            Ok(())
        }
        (shape, other) => Err(expected(path, shape.describe(), other)),
    }
}

// Readers for a document that `check` accepted: they cannot fail, absent means default.
fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|f| !matches!(f, Value::Null))
}
fn text(v: &Value, key: &str) -> Option<String> {
    match field(v, key) {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    }
}
fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    match field(v, key) {
        Some(Value::Arr(items)) => items,
        _ => &[],
    }
}
pub(crate) fn entries<'a>(v: &'a Value, key: &str) -> &'a [(String, Value)] {
    match field(v, key) {
        Some(Value::Obj(entries)) => entries,
        _ => &[],
    }
}
fn uint(v: &Value, key: &str, default: u32) -> u32 {
    match field(v, key) {
        Some(Value::Int(n)) => *n as u32,
        _ => default,
    }
}

impl Config {
    /// The config used when the page gives none: necessary, analytics and marketing, in English.
    pub const BUILTIN_JSON: &'static str = r#"{"categories":[{"id":"necessary","required":true},{"id":"analytics"},{"id":"marketing"}]}"#;

    /// Parses and validates a config document.
    pub fn parse(source: &str) -> Result<Parsed, ConfigError> {
        let value = json::parse(source).map_err(|e| {
            let mut m = String::from("not valid JSON (");
            m.push_str(&e);
            m.push(')');
            error("", &m)
        })?;
        check(&value, &CONFIG, "")?;
        Config::read(&value).validated()
    }

    /// Reads a document `check` has accepted: absent fields get their defaults. `parse` checks
    /// first; optin-ui reads the config the core checked, as the page's object (its `read.rs`).
    pub fn read(v: &Value) -> Config {
        Config {
            revision: uint(v, "revision", 1),
            lang: text(v, "lang"),
            privacy_policy_url: text(v, "privacyPolicyUrl"),
            storage_key: text(v, "storageKey").unwrap_or_else(|| DEFAULT_STORAGE_KEY.to_owned()),
            cookie_domain: text(v, "cookieDomain"),
            expires_after_days: uint(v, "expiresAfterDays", DEFAULT_EXPIRY_DAYS),
            reload_on_withdraw: !matches!(field(v, "reloadOnWithdraw"), Some(Value::Bool(false))),
            layout: text(v, "layout").unwrap_or_else(|| LAYOUTS[0].to_owned()),
            theme: text(v, "theme").unwrap_or_else(|| THEMES[0].to_owned()),
            settings_button: text(v, "settingsButton")
                .unwrap_or_else(|| SETTINGS_BUTTON[0].to_owned()),
            google_consent_mode: entries(v, "googleConsentMode")
                .iter()
                .filter_map(|(k, t)| match t {
                    Value::Str(t) => Some((k.clone(), t.clone())),
                    _ => None,
                })
                .collect(),
            honor_gpc: !matches!(field(v, "honorGpc"), Some(Value::Bool(false))),
            log_endpoint: field(v, "log").and_then(|l| text(l, "endpoint")),
            categories: list(v, "categories").iter().map(Category::read).collect(),
            texts: entries(v, "texts")
                .iter()
                .map(|(lang, t)| (lang.clone(), Texts::read(t)))
                .collect(),
        }
    }

    /// Checks what the shape alone cannot; corrects what is safe to correct.
    pub fn validated(mut self) -> Result<Parsed, ConfigError> {
        let mut warnings = Vec::new();
        if self.categories.is_empty() {
            return Err(error("categories", "must list at least one category"));
        }
        // A record lists every category, and holds at most MAX_CATEGORIES; the same bound for a
        // category's services keeps every check below small whatever the config's size.
        if self.categories.len() > MAX_CATEGORIES {
            return Err(error("categories", "must list at most 64 categories"));
        }
        for (i, category) in self.categories.iter().enumerate() {
            let path = index("categories", i);
            check_id(&category.id, &join(&path, "id"))?;
            if category.services.len() > MAX_CATEGORIES {
                return Err(error(
                    &join(&path, "services"),
                    "must list at most 64 services",
                ));
            }
            if self.categories.iter().take(i).any(|c| c.id == category.id) {
                return Err(error(&join(&path, "id"), "duplicate category id"));
            }
            for (j, service) in category.services.iter().enumerate() {
                let spath = index(&join(&path, "services"), j);
                check_id(&service.id, &join(&spath, "id"))?;
                if category.services.iter().take(j).any(|s| s.id == service.id) {
                    return Err(error(&join(&spath, "id"), "duplicate service id"));
                }
                check_url(
                    service.privacy_policy_url.as_deref(),
                    &join(&spath, "privacyPolicyUrl"),
                )?;
            }
        }
        check_url(self.privacy_policy_url.as_deref(), "privacyPolicyUrl")?;
        for (consent_type, target) in &self.google_consent_mode {
            let path = join("googleConsentMode", consent_type);
            if !CONSENT_TYPES.contains(&consent_type.as_str()) {
                let mut m = String::from("is not a consent type; expected one of: ");
                m.push_str(&CONSENT_TYPES.join(", "));
                return Err(error(&path, &m));
            }
            let (category, service) = match target.split_once('/') {
                Some((c, s)) => (c, Some(s)),
                None => (target.as_str(), None),
            };
            let known = self
                .category(category)
                .is_some_and(|c| service.is_none_or(|s| c.services.iter().any(|x| x.id == s)));
            if !known {
                return Err(error(
                    &path,
                    "names no category (or category/service) in `categories`",
                ));
            }
        }
        if let Some(endpoint) = &self.log_endpoint {
            check_url(Some(endpoint), "log.endpoint")?;
        }
        for (path, value, allowed) in [
            ("layout", &self.layout, LAYOUTS),
            ("theme", &self.theme, THEMES),
            ("settingsButton", &self.settings_button, SETTINGS_BUTTON),
        ] {
            if !allowed.contains(&value.as_str()) {
                let mut m = String::from("must be one of: ");
                m.push_str(&allowed.join(", "));
                return Err(error(path, &m));
            }
        }
        // Both end up in a cookie: keep them to characters a cookie attribute can carry.
        let cookie_safe = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        };
        if !cookie_safe(&self.storage_key) {
            return Err(error(
                "storageKey",
                "must be 1 or more of a-z, A-Z, 0-9, '.', '-', '_'",
            ));
        }
        if let Some(domain) = &self.cookie_domain {
            if !cookie_safe(domain) || !domain.trim_start_matches('.').contains('.') {
                return Err(error(
                    "cookieDomain",
                    "must be a domain such as .example.com",
                ));
            }
        }
        if self.expires_after_days == 0 {
            return Err(error("expiresAfterDays", "must be at least 1"));
        }
        if self.expires_after_days > MAX_EXPIRY_DAYS {
            warnings.push(error(
                "expiresAfterDays",
                "is above the maximum of 395 days; using 395",
            ));
            self.expires_after_days = MAX_EXPIRY_DAYS;
        }
        if let Some(lang) = &self.lang {
            check_lang(lang, "lang")?;
        }
        for (lang, texts) in &self.texts {
            check_lang(lang, &join("texts", lang))?;
            for (id, _) in &texts.categories {
                if self.category(id).is_none() {
                    let path = join(&join(&join("texts", lang), "categories"), id);
                    return Err(error(&path, "names no category in `categories`"));
                }
            }
        }
        Ok(Parsed {
            config: self,
            warnings,
        })
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }
}

impl Category {
    fn read(v: &Value) -> Category {
        Category {
            id: text(v, "id").unwrap_or_default(),
            required: matches!(field(v, "required"), Some(Value::Bool(true))),
            gpc: matches!(field(v, "gpc"), Some(Value::Bool(true))),
            services: list(v, "services").iter().map(Service::read).collect(),
        }
    }
}

impl Service {
    fn read(v: &Value) -> Service {
        Service {
            id: text(v, "id").unwrap_or_default(),
            name: text(v, "name"),
            provider: text(v, "provider"),
            purpose: text(v, "purpose"),
            privacy_policy_url: text(v, "privacyPolicyUrl"),
            cookies: list(v, "cookies").iter().map(CookieInfo::read).collect(),
            local_storage: list(v, "localStorage")
                .iter()
                .filter_map(|k| match k {
                    Value::Str(k) => Some(k.clone()),
                    _ => None,
                })
                .collect(),
        }
    }
}

impl CookieInfo {
    /// Reads `"_ga"` or `{ "name": "_ga", … }`.
    fn read(v: &Value) -> CookieInfo {
        CookieInfo {
            name: match v {
                Value::Str(name) => name.clone(),
                _ => text(v, "name").unwrap_or_default(),
            },
            purpose: text(v, "purpose"),
            duration: text(v, "duration"),
            party: text(v, "party"),
            path: text(v, "path"),
        }
    }
}

/// `a.b`, or `b` at the root.
fn join(path: &str, key: &str) -> String {
    let mut s = String::from(path);
    if !s.is_empty() {
        s.push('.');
    }
    s.push_str(key);
    s
}

/// `a[3]`
fn index(path: &str, i: usize) -> String {
    let mut s = String::from(path);
    s.push('[');
    json::push_uint(&mut s, i as u64);
    s.push(']');
    s
}

fn expected(path: &str, what: &str, found: &Value) -> ConfigError {
    let mut m = String::from("expected ");
    m.push_str(what);
    m.push_str(", found ");
    m.push_str(found.kind());
    error(path, &m)
}

/// Ids appear in markup (`data-category="…"`), storage and receipts: the record's own rule.
fn check_id(id: &str, path: &str) -> Result<(), ConfigError> {
    if formats::is_id(id) {
        Ok(())
    } else {
        Err(error(
            path,
            "is not a valid id (1 to 64 of a-z, A-Z, 0-9, '-', '_')",
        ))
    }
}

/// A language the widget may speak ends up in the record's `lang`: it must be a language tag
/// the record accepts, or every choice made in it would be refused when read back.
fn check_lang(lang: &str, path: &str) -> Result<(), ConfigError> {
    if formats::is_language_tag(lang) {
        Ok(())
    } else {
        Err(error(
            path,
            "is not a language tag such as en, de or pt-BR (letters and digits joined by '-')",
        ))
    }
}

/// Links the widget renders must be http(s) or relative: never `javascript:` or `data:`.
pub fn is_safe_url(url: &str) -> bool {
    let url = url.trim().as_bytes();
    // A scheme is what stands before the first ':' when no '/', '?' or '#' comes earlier.
    match url
        .iter()
        .position(|&c| matches!(c, b':' | b'/' | b'?' | b'#'))
    {
        Some(end) if url[end] == b':' => {
            let scheme = &url[..end];
            scheme.eq_ignore_ascii_case(b"https") || scheme.eq_ignore_ascii_case(b"http")
        }
        _ => true,
    }
}

fn check_url(url: Option<&str>, path: &str) -> Result<(), ConfigError> {
    match url {
        Some(u) if !is_safe_url(u) => Err(error(
            path,
            "is not allowed: use an http(s) or relative URL",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Parsed, ConfigError> {
        Config::parse(json)
    }

    /// A service's third cookie that the widget refuses: (the cookie, the path of the error
    /// below the cookie, how the message starts).
    const BAD_COOKIES: &[(&str, &str, &str)] = &[
        (r#"" ""#, "", "must not be empty"),
        (r#""""#, "", "must not be empty"),
        ("7", "", "expected a string or an object, found a number"),
        ("null", "", "expected a string or an object, found null"),
        (
            r#"["_x"]"#,
            "",
            "expected a string or an object, found an array",
        ),
        (r#"{"name":""}"#, ".name", "must not be empty"),
        (r#"{"name":null}"#, ".name", "is missing"),
        (r#"{"path":"/"}"#, ".name", "is missing"),
        (r#"{"name":"x","nme":"y"}"#, ".nme", "unknown field"),
    ];

    /// Configs the widget refuses, with the path its error names: checked here, and against the
    /// JSON Schema (schema/tests.rs), which must refuse them too unless it cannot say the rule.
    pub(super) fn refused() -> Vec<(String, &'static str)> {
        let a = r#"{"id":"a"}"#;
        let with = |more: &str| format!(r#"{{"categories":[{a}],{more}}}"#);
        let service = |more: &str| {
            format!(r#"{{"categories":[{{"id":"a","services":[{{"id":"s",{more}}}]}}]}}"#)
        };
        let ids = |n: usize, prefix: &str| {
            (0..n)
                .map(|i| format!(r#"{{"id":"{prefix}{i}"}}"#))
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut refused = vec![
            // The document
            ("[]".to_owned(), ""),
            (
                r#"{"categories":[{"id":"a"}],"categories":[{"id":"b"}]}"#.to_owned(),
                "",
            ),
            (with(r#""revison":2"#), "revison"),
            (with(r#""$schema":7"#), "$schema"),
            // Categories
            (r#"{"revision":2}"#.to_owned(), "categories"),
            (r#"{"categories":null}"#.to_owned(), "categories"),
            (r#"{"categories":[]}"#.to_owned(), "categories"),
            (
                format!(r#"{{"categories":[{}]}}"#, ids(65, "c")),
                "categories",
            ),
            (r#"{"categories":[null]}"#.to_owned(), "categories[0].id"),
            (
                r#"{"categories":[{"id":"a"},{"id":"bad id"}]}"#.to_owned(),
                "categories[1].id",
            ),
            (
                format!(r#"{{"categories":[{{"id":"{}"}}]}}"#, "a".repeat(65)),
                "categories[0].id",
            ),
            (
                r#"{"categories":[{"id":"a"},{"id":"a"}]}"#.to_owned(),
                "categories[1].id",
            ),
            (
                r#"{"categories":[{"id":"a","required":"yes"}]}"#.to_owned(),
                "categories[0].required",
            ),
            (
                format!(
                    r#"{{"categories":[{{"id":"a","services":[{}]}}]}}"#,
                    ids(65, "s")
                ),
                "categories[0].services",
            ),
            // Services and their cookies
            (
                r#"{"categories":[{"id":"a","services":[{"id":"s"},{"id":"s"}]}]}"#.to_owned(),
                "categories[0].services[1].id",
            ),
            (
                service(r#""privacyPolicyUrl":"data:text/html,x""#),
                "categories[0].services[0].privacyPolicyUrl",
            ),
            (
                service(r#""cookies":[{}]"#),
                "categories[0].services[0].cookies[0].name",
            ),
            (
                service(r#""cookies":[{"name":" "}]"#),
                "categories[0].services[0].cookies[0].name",
            ),
            (
                service(r#""localStorage":[7]"#),
                "categories[0].services[0].localStorage[0]",
            ),
            // Root fields
            (with(r#""revision":1.5"#), "revision"),
            (with(r#""revision":-1"#), "revision"),
            (with(r#""revision":4294967296"#), "revision"),
            (with(r#""expiresAfterDays":0"#), "expiresAfterDays"),
            (
                with(r#""privacyPolicyUrl":" JavaScript:alert(1)""#),
                "privacyPolicyUrl",
            ),
            (with(r#""log":{"endpoint":"javascript:x"}"#), "log.endpoint"),
            (with(r#""log":{}"#), "log.endpoint"),
            (with(r#""layout":"popup""#), "layout"),
            (with(r#""theme":"blue""#), "theme"),
            (with(r#""settingsButton":"top""#), "settingsButton"),
            (with(r#""storageKey":"a b""#), "storageKey"),
            (with(r#""storageKey":"""#), "storageKey"),
            (with(r#""cookieDomain":"localhost""#), "cookieDomain"),
            (with(r#""cookieDomain":".com""#), "cookieDomain"),
            (with(r#""lang":"en_US""#), "lang"),
            (
                with(&format!(r#""lang":"en-{}""#, ["abcdefgh"; 4].join("-"))),
                "lang",
            ),
            (with(r#""honorGpc":"no""#), "honorGpc"),
            // Google Consent Mode
            (
                with(r#""googleConsentMode":{"ads":"a"}"#),
                "googleConsentMode.ads",
            ),
            (
                with(r#""googleConsentMode":{"ad_storage":"b"}"#),
                "googleConsentMode.ad_storage",
            ),
            (
                with(r#""googleConsentMode":{"ad_storage":"a/x"}"#),
                "googleConsentMode.ad_storage",
            ),
            (
                with(r#""googleConsentMode":{"ad_storage":"a/b/c"}"#),
                "googleConsentMode.ad_storage",
            ),
            (
                with(r#""googleConsentMode":{"ad_storage":7}"#),
                "googleConsentMode.ad_storage",
            ),
            // Texts
            (with(r#""texts":{"pt_BR":{"settings":"x"}}"#), "texts.pt_BR"),
            (
                with(r#""texts":{"en":{"acceptAl":"x"}}"#),
                "texts.en.acceptAl",
            ),
            (
                with(r#""texts":{"en":{"categories":{"b":{}}}}"#),
                "texts.en.categories.b",
            ),
            (
                with(r#""texts":{"en":{"categories":{"a":{"titel":"x"}}}}"#),
                "texts.en.categories.a.titel",
            ),
        ];
        for (cookie, path, _) in BAD_COOKIES {
            let path = ["categories[0].services[0].cookies[2]", path].concat();
            let path: &'static str = Box::leak(path.into_boxed_str());
            refused.push((
                service(&format!(r#""cookies":["_ga","_gid",{cookie}]"#)),
                path,
            ));
        }
        refused
    }

    /// Configs the widget accepts that exercise its edges (nulls, bounds, `$schema`): the JSON
    /// Schema must accept them too.
    pub(super) fn accepted() -> Vec<String> {
        let with = |more: &str| {
            format!(r#"{{"categories":[{{"id":"a","services":[{{"id":"s"}}]}}],{more}}}"#)
        };
        vec![
            Config::BUILTIN_JSON.to_owned(),
            with(r#""$schema":"./node_modules/optin/dist/optin.schema.json""#),
            with(r#""lang":null,"privacyPolicyUrl":null,"log":null,"texts":null,"layout":null"#),
            with(r#""revision":0,"expiresAfterDays":395"#),
            with(r#""revision":4294967295,"expiresAfterDays":1"#),
            with(r#""privacyPolicyUrl":"HTTPS://example.com/a:b","log":{"endpoint":"privacy.html?a=b:c"}"#),
            with(r#""privacyPolicyUrl":"","cookieDomain":".a.","storageKey":"a.B-_9""#),
            with(r#""googleConsentMode":{"ad_storage":"a","analytics_storage":"a/s","bogus":null,"ad_user_data":null}"#),
            with(r#""texts":{"de":null,"x-private":{"categories":{"a":null}},"pt-BR":{"acceptAll":null}}"#),
            with(r#""lang":"en-aaaaaaaa-bbbbbbbb-cccccccc-ddddd""#),
            r#"{"categories":[{"id":"a","required":null,"gpc":true,"services":[{"id":"s","localStorage":[null,"k"],
               "cookies":["_ga",{"name":" x","purpose":null,"party":"third"}]}]}]}"#
                .to_owned(),
        ]
    }

    #[test]
    fn refused_configs_are_refused_with_their_path() {
        for (json, path) in refused() {
            match parse(&json) {
                Err(e) => assert_eq!(e.path, path, "{json}: {e}"),
                Ok(_) => panic!("accepted: {json}"),
            }
        }
    }

    #[test]
    fn a_schema_key_is_accepted_and_ignored() {
        let without = parse(r#"{"categories":[{"id":"a"}]}"#).unwrap();
        let with = parse(
            r#"{"$schema":"https://unpkg.com/x/optin.schema.json","categories":[{"id":"a"}]}"#,
        );
        assert_eq!(with.unwrap(), without);
        let e = parse(r#"{"categories":[{"id":"a"}],"$schem":"x"}"#).unwrap_err();
        assert!(e.message.ends_with(", texts, $schema"), "{e}");
    }

    #[test]
    fn edge_configs_are_accepted() {
        for json in accepted() {
            if let Err(e) = parse(&json) {
                panic!("{json}: {e}");
            }
        }
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let p = parse(r#"{"categories":[{"id":"necessary","required":true},{"id":"analytics"}]}"#)
            .unwrap();
        assert_eq!(p.config.revision, 1);
        assert_eq!(p.config.storage_key, "optin.consent");
        assert_eq!(p.config.expires_after_days, 182);
        assert!(p.config.categories[0].required);
        assert!(!p.config.categories[1].required);
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn full_config_round_trips_camel_case() {
        let json = r#"{"revision":3,"lang":"de","privacyPolicyUrl":"/privacy","storageKey":"k",
            "expiresAfterDays":30,
            "categories":[{"id":"analytics","services":[{"id":"ga","name":"Google Analytics",
              "provider":"Google","privacyPolicyUrl":"https://policies.google.com/privacy",
              "cookies":[{"name":"_ga_*","duration":"2 years","party":"first"}]}]}],
            "texts":{"de":{"acceptAll":"Alle akzeptieren","categories":{"analytics":{"title":"Statistik"}}}}}"#;
        let c = parse(json).unwrap().config;
        assert_eq!(c.revision, 3);
        assert_eq!(c.categories[0].services[0].cookies[0].name, "_ga_*");
        assert_eq!(c.texts[0].0, "de");
        assert_eq!(c.texts[0].1.get("acceptAll"), Some("Alle akzeptieren"));
        assert_eq!(c.privacy_policy_url.as_deref(), Some("/privacy"));
        assert_eq!(c.storage_key, "k");
    }

    /// Every config of `refused` is refused with its path (above); here, what the messages say.
    #[test]
    fn errors_say_what_is_wrong() {
        let message = |json: &str| parse(json).unwrap_err().message;
        assert!(message(r#"{"categories":[{"id":"a"},{"id":"a"}]}"#).contains("duplicate"));
        assert!(message(r#"{"categories":[{"id":"a"}],"layout":"popup"}"#).contains("box-center"));
        assert!(message(r#"{"categories":[{"id":"a"}],"revison":2}"#).contains("unknown field"));
        assert_eq!(
            message(r#"{"categories":[{"id":"a","required":"yes"}]}"#),
            "expected true or false, found a string"
        );
        let ok = parse(
            r#"{"categories":[{"id":"a","gpc":true,"services":[{"id":"s"}]}],"honorGpc":false,
                "googleConsentMode":{"ad_storage":"a/s"},"log":{"endpoint":"/log"}}"#,
        )
        .unwrap()
        .config;
        assert!(ok.categories[0].gpc && !ok.honor_gpc);
        assert_eq!(ok.log_endpoint.as_deref(), Some("/log"));
        let e = parse("not json").unwrap_err();
        assert!(
            e.to_string().starts_with("optin config: not valid JSON"),
            "{e}"
        );
    }

    #[test]
    fn javascript_urls_are_refused() {
        let e = parse(r#"{"categories":[{"id":"a"}],"privacyPolicyUrl":" JavaScript:alert(1)"}"#)
            .unwrap_err();
        assert_eq!(e.path, "privacyPolicyUrl");
        assert!(is_safe_url("/privacy#cookies"));
        assert!(is_safe_url("privacy.html?a=b:c"));
        assert!(is_safe_url("https://example.com/a:b"));
        assert!(!is_safe_url("data:text/html,x"));
        assert!(!is_safe_url("vbscript:x"));
    }

    #[test]
    fn expiry_above_cap_is_capped_with_a_warning() {
        let p = parse(r#"{"categories":[{"id":"a"}],"expiresAfterDays":1000}"#).unwrap();
        assert_eq!(p.config.expires_after_days, MAX_EXPIRY_DAYS);
        assert_eq!(p.warnings[0].path, "expiresAfterDays");
    }

    #[test]
    fn builtin_config_is_valid() {
        let c = Config::parse(Config::BUILTIN_JSON).unwrap().config;
        assert_eq!(
            c.categories
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["necessary", "analytics", "marketing"]
        );
    }

    #[test]
    fn languages_must_be_tags_the_record_accepts() {
        let e = parse(r#"{"categories":[{"id":"a"}],"lang":"en_US"}"#).unwrap_err();
        assert_eq!(e.path, "lang");
        let e =
            parse(r#"{"categories":[{"id":"a"}],"texts":{"pt_BR":{"settings":"x"}}}"#).unwrap_err();
        assert_eq!(e.path, "texts.pt_BR");
        assert!(e.message.contains("language tag"), "{}", e.message);
        parse(r#"{"categories":[{"id":"a"}],"lang":"pt-BR","texts":{"pt-BR":{"settings":"x"}}}"#)
            .unwrap();
    }

    #[test]
    fn cookies_may_be_plain_names() {
        let c = parse(
            r#"{"categories":[{"id":"a","services":[{"id":"ga",
                "cookies":["_ga",{"name":"_gid","duration":"1 day"},"_ga_*"]}]}]}"#,
        )
        .unwrap()
        .config;
        let cookies = &c.categories[0].services[0].cookies;
        let names: Vec<&str> = cookies.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["_ga", "_gid", "_ga_*"]);
        assert_eq!(cookies[0].duration, None);
        assert_eq!(cookies[1].duration.as_deref(), Some("1 day"));

        // Their paths are checked with the whole corpus (`refused`); here, the messages.
        for (cookie, _, message) in BAD_COOKIES {
            let json = format!(
                r#"{{"categories":[{{"id":"a","services":[{{"id":"s","cookies":["_ga",{cookie}]}}]}}]}}"#
            );
            let e = parse(&json).unwrap_err();
            assert!(e.message.starts_with(message), "{cookie}: {e}");
        }
    }

    #[test]
    fn at_most_64_categories_and_64_services_each() {
        let ids = |n: usize, prefix: &str| {
            (0..n)
                .map(|i| format!(r#"{{"id":"{prefix}{i}"}}"#))
                .collect::<Vec<_>>()
                .join(",")
        };
        parse(&format!(r#"{{"categories":[{}]}}"#, ids(64, "c"))).unwrap();
        let e = parse(&format!(r#"{{"categories":[{}]}}"#, ids(65, "c"))).unwrap_err();
        assert_eq!(e.path, "categories");
        let e = parse(&format!(
            r#"{{"categories":[{{"id":"a","services":[{}]}}]}}"#,
            ids(65, "s")
        ))
        .unwrap_err();
        assert_eq!(e.path, "categories[0].services");
    }
}
