//! The site owner's configuration: the JSON model (camelCase), its defaults, and its validation.
//!
//! A config that cannot be trusted is rejected as a whole with an error that names the field path
//! (`categories[2].id`), so the widget fails closed instead of gating with a half-understood setup.
//! Harmless oddities (an expiry above the legal cap) are corrected and reported as warnings.

use std::fmt;

use crate::json::{self, Value};
use crate::texts::Texts;

/// Consent is asked again after this many days unless the config says otherwise (about six months).
pub const DEFAULT_EXPIRY_DAYS: u32 = 182;
/// Upper bound for `expiresAfterDays` (13 months, the CNIL's guidance for consent lifetimes).
pub const MAX_EXPIRY_DAYS: u32 = 395;
pub const DEFAULT_STORAGE_KEY: &str = "optin.consent";

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Bumping it makes every visitor choose again (their record names the revision they saw).
    pub revision: u32,
    /// Forces the language; otherwise `<html lang>`, then the browser's languages, then English.
    pub lang: Option<String>,
    pub privacy_policy_url: Option<String>,
    pub storage_key: String,
    pub expires_after_days: u32,
    pub categories: Vec<Category>,
    /// Per language code, the texts that replace the built-in ones.
    pub texts: Vec<(String, Texts)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: String,
    /// Always granted, shown locked on (strictly necessary cookies need no consent).
    pub required: bool,
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

pub(crate) fn error(path: &str, message: &str) -> ConfigError {
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

impl Config {
    /// The config used when the page gives none: necessary, analytics and marketing, in English.
    pub const BUILTIN_JSON: &'static str = r#"{"categories":[{"id":"necessary","required":true},{"id":"analytics"},{"id":"marketing"}]}"#;

    /// Parses and validates a config document.
    pub fn parse(text: &str) -> Result<Parsed, ConfigError> {
        let value = json::parse(text).map_err(|e| {
            let mut m = String::from("not valid JSON (");
            m.push_str(&e);
            m.push(')');
            error("", &m)
        })?;
        Config::read(&value)?.validated()
    }

    fn read(v: &Value) -> Result<Config, ConfigError> {
        let o = Object::new(
            v,
            "",
            &[
                "revision",
                "lang",
                "privacyPolicyUrl",
                "storageKey",
                "expiresAfterDays",
                "categories",
                "texts",
            ],
        )?;
        let categories = o
            .array("categories")?
            .iter()
            .enumerate()
            .map(|(i, c)| Category::read(c, &index(&o.path("categories"), i)))
            .collect::<Result<Vec<_>, _>>()?;
        if o.get("categories").is_none() {
            return Err(error(
                "categories",
                "is missing: list the categories to ask for",
            ));
        }
        let texts = match o.get("texts") {
            None => Vec::new(),
            Some(Value::Obj(langs)) => langs
                .iter()
                .map(|(lang, t)| Ok((lang.clone(), Texts::read(t, &join("texts", lang))?)))
                .collect::<Result<Vec<_>, ConfigError>>()?,
            Some(other) => return Err(expected("texts", "an object", other)),
        };
        Ok(Config {
            revision: o.uint("revision", 1)?,
            lang: o.string("lang")?,
            privacy_policy_url: o.string("privacyPolicyUrl")?,
            storage_key: o
                .string("storageKey")?
                .unwrap_or_else(|| DEFAULT_STORAGE_KEY.to_owned()),
            expires_after_days: o.uint("expiresAfterDays", DEFAULT_EXPIRY_DAYS)?,
            categories,
            texts,
        })
    }

    /// Checks what the shape alone cannot; corrects what is safe to correct.
    pub fn validated(mut self) -> Result<Parsed, ConfigError> {
        let mut warnings = Vec::new();
        if self.categories.is_empty() {
            return Err(error("categories", "must list at least one category"));
        }
        for (i, category) in self.categories.iter().enumerate() {
            let path = index("categories", i);
            check_id(&category.id, &join(&path, "id"))?;
            if self.categories[..i].iter().any(|c| c.id == category.id) {
                return Err(error(&join(&path, "id"), "duplicate category id"));
            }
            for (j, service) in category.services.iter().enumerate() {
                let spath = index(&join(&path, "services"), j);
                check_id(&service.id, &join(&spath, "id"))?;
                if category.services[..j].iter().any(|s| s.id == service.id) {
                    return Err(error(&join(&spath, "id"), "duplicate service id"));
                }
                check_url(
                    service.privacy_policy_url.as_deref(),
                    &join(&spath, "privacyPolicyUrl"),
                )?;
                for (k, cookie) in service.cookies.iter().enumerate() {
                    if cookie.name.trim().is_empty() {
                        let cpath = index(&join(&spath, "cookies"), k);
                        return Err(error(&join(&cpath, "name"), "must not be empty"));
                    }
                }
            }
        }
        check_url(self.privacy_policy_url.as_deref(), "privacyPolicyUrl")?;
        if self.storage_key.trim().is_empty() {
            return Err(error("storageKey", "must not be empty"));
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
        for (lang, texts) in &self.texts {
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

    pub fn category_ids(&self) -> impl Iterator<Item = &str> {
        self.categories.iter().map(|c| c.id.as_str())
    }
}

impl Category {
    fn read(v: &Value, path: &str) -> Result<Category, ConfigError> {
        let o = Object::new(v, path, &["id", "required", "services"])?;
        Ok(Category {
            id: o.required_string("id")?,
            required: o.boolean("required")?,
            services: o
                .array("services")?
                .iter()
                .enumerate()
                .map(|(i, s)| Service::read(s, &index(&o.path("services"), i)))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl Service {
    fn read(v: &Value, path: &str) -> Result<Service, ConfigError> {
        let o = Object::new(
            v,
            path,
            &[
                "id",
                "name",
                "provider",
                "purpose",
                "privacyPolicyUrl",
                "cookies",
            ],
        )?;
        Ok(Service {
            id: o.required_string("id")?,
            name: o.string("name")?,
            provider: o.string("provider")?,
            purpose: o.string("purpose")?,
            privacy_policy_url: o.string("privacyPolicyUrl")?,
            cookies: o
                .array("cookies")?
                .iter()
                .enumerate()
                .map(|(i, c)| CookieInfo::read(c, &index(&o.path("cookies"), i)))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl CookieInfo {
    fn read(v: &Value, path: &str) -> Result<CookieInfo, ConfigError> {
        let o = Object::new(v, path, &["name", "purpose", "duration", "party"])?;
        Ok(CookieInfo {
            name: o.required_string("name")?,
            purpose: o.string("purpose")?,
            duration: o.string("duration")?,
            party: o.string("party")?,
        })
    }
}

/// `a.b`, or `b` at the root.
pub(crate) fn join(path: &str, key: &str) -> String {
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

pub(crate) fn expected(path: &str, what: &str, found: &Value) -> ConfigError {
    let mut m = String::from("expected ");
    m.push_str(what);
    m.push_str(", found ");
    m.push_str(found.kind());
    error(path, &m)
}

/// A JSON object of the config being read: typed field access that names the path on error.
/// Unknown fields are refused, so a typo (`revison`) is reported instead of silently ignored.
pub(crate) struct Object<'a> {
    path: &'a str,
    value: &'a Value,
}

impl<'a> Object<'a> {
    pub(crate) fn new(
        value: &'a Value,
        path: &'a str,
        known: &[&str],
    ) -> Result<Self, ConfigError> {
        let Value::Obj(entries) = value else {
            return Err(expected(path, "an object", value));
        };
        if let Some((key, _)) = entries.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            let mut m = String::from("unknown field; expected one of: ");
            m.push_str(&known.join(", "));
            return Err(error(&join(path, key), &m));
        }
        Ok(Object { path, value })
    }

    pub(crate) fn path(&self, key: &str) -> String {
        join(self.path, key)
    }

    /// The field's value; `null` counts as absent.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.value.get(key).filter(|v| **v != Value::Null)
    }

    pub(crate) fn string(&self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s.clone())),
            Some(other) => Err(expected(&self.path(key), "a string", other)),
        }
    }

    fn required_string(&self, key: &str) -> Result<String, ConfigError> {
        self.string(key)?
            .ok_or_else(|| error(&self.path(key), "is missing"))
    }

    fn boolean(&self, key: &str) -> Result<bool, ConfigError> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(expected(&self.path(key), "true or false", other)),
        }
    }

    fn uint(&self, key: &str, default: u32) -> Result<u32, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Int(n)) if (0..=i64::from(u32::MAX)).contains(n) => Ok(*n as u32),
            Some(other) => Err(expected(&self.path(key), "a whole number from 0", other)),
        }
    }

    fn array(&self, key: &str) -> Result<&'a [Value], ConfigError> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Arr(items)) => Ok(items),
            Some(other) => Err(expected(&self.path(key), "an array", other)),
        }
    }
}

/// Ids appear in markup (`data-category="…"`) and storage: keep them to a safe alphabet.
fn check_id(id: &str, path: &str) -> Result<(), ConfigError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(error(
            path,
            "is not a valid id (1 to 64 of a-z, A-Z, 0-9, '-', '_')",
        ))
    }
}

/// Links the widget renders must be http(s) or relative: never `javascript:` or `data:`.
pub fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.find(':') {
        // A colon before any '/', '?' or '#' starts a scheme.
        Some(colon) if !lower[..colon].contains(['/', '?', '#']) => {
            lower.starts_with("https:") || lower.starts_with("http:")
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

    #[test]
    fn errors_name_the_field_path() {
        let e = parse(r#"{"categories":[{"id":"a"},{"id":"bad id"}]}"#).unwrap_err();
        assert_eq!(e.path, "categories[1].id");
        let e = parse(r#"{"categories":[{"id":"a"},{"id":"a"}]}"#).unwrap_err();
        assert_eq!(e.path, "categories[1].id");
        assert!(e.message.contains("duplicate"), "{e}");
        let e = parse(
            r#"{"categories":[{"id":"a","services":[{"id":"s","cookies":[{"name":" "}]}]}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.path, "categories[0].services[0].cookies[0].name");
        let e = parse(r#"{"categories":[]}"#).unwrap_err();
        assert_eq!(e.path, "categories");
        let e = parse(r#"{"categories":[{"id":"a"}],"texts":{"en":{"categories":{"b":{}}}}}"#)
            .unwrap_err();
        assert_eq!(e.path, "texts.en.categories.b");
        let e = parse(r#"{"categories":[{"id":"a"}],"expiresAfterDays":0}"#).unwrap_err();
        assert_eq!(e.path, "expiresAfterDays");
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_rejected_with_a_message() {
        let e = parse(r#"{"categories":[{"id":"a"}],"revison":2}"#).unwrap_err();
        assert_eq!(e.path, "revison");
        assert!(e.message.contains("unknown field"), "{e}");
        let e = parse(r#"{"categories":[{"id":"a","required":"yes"}]}"#).unwrap_err();
        assert_eq!(e.path, "categories[0].required");
        assert_eq!(e.message, "expected true or false, found a string");
        let e = parse(r#"{"categories":[{"id":"a","services":[{"id":"s","cookies":[{}]}]}]}"#)
            .unwrap_err();
        assert_eq!(e.path, "categories[0].services[0].cookies[0].name");
        let e = parse(r#"{"revision":1.5,"categories":[{"id":"a"}]}"#).unwrap_err();
        assert_eq!(e.path, "revision");
        let e = parse(r#"{"revision":2}"#).unwrap_err();
        assert_eq!(e.path, "categories");
        let e =
            parse(r#"{"categories":[{"id":"a"}],"texts":{"en":{"acceptAl":"x"}}}"#).unwrap_err();
        assert_eq!(e.path, "texts.en.acceptAl");
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
            c.category_ids().collect::<Vec<_>>(),
            ["necessary", "analytics", "marketing"]
        );
    }
}
