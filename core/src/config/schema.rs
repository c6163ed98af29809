//! The config's JSON Schema (2020-12), generated from the `Shape` table the widget checks configs
//! with (`CONFIG` and the shapes it holds), so the two cannot drift: a field added to the table
//! is in the schema, and a test fails until it has a description here.
//!
//! What `Config::validated` checks beyond the shape (ids, language tags, URLs, enums, bounds) is
//! added per field in `rules`, from the same constants the widget uses (`LAYOUTS`,
//! `MAX_EXPIRY_DAYS`, …); the patterns restate `formats.rs` and `is_safe_url`, and the tests hold
//! them to those functions. What JSON Schema cannot say is listed in README "Config schema".
//!
//! Native only (`config.rs` declares it with the `schema` feature, or under test, on targets
//! other than wasm32): the descriptions cost the browser's wasm nothing. `optin schema` prints it; scripts/build-dist.sh writes it to
//! `dist/optin.schema.json`.

use serde_json::{json, Map, Value};

use super::{
    Shape, CONFIG, CONSENT_TYPES, DEFAULT_EXPIRY_DAYS, DEFAULT_STORAGE_KEY, LAYOUTS,
    MAX_EXPIRY_DAYS, SETTINGS_BUTTON, THEMES,
};
use crate::formats::MAX_LANG;
use crate::record::MAX_CATEGORIES;

/// The JSON Schema dialect the schema is written in.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

// Patterns are ECMA 262 regular expressions, as JSON Schema and editors read them.
/// `formats::is_id`: category and service ids.
pub const ID_PATTERN: &str = "^[A-Za-z0-9_-]{1,64}$";
/// `formats::is_language_tag` (with `maxLength` MAX_LANG).
pub const LANG_PATTERN: &str = "^(?:[A-Za-z]{2,8}|[Xx]|i)(?:-[A-Za-z0-9]{1,8})*$";
/// `is_safe_url`: no scheme (relative), or http(s), after leading white space.
pub const URL_PATTERN: &str = r"^\s*(?:[^:/?#]*(?:[/?#]|$)|[Hh][Tt][Tt][Pp][Ss]?:)";
/// `Shape::Name`: more than white space.
pub const NAME_PATTERN: &str = r"\S";
/// `storageKey`: what a cookie attribute can carry.
pub const STORAGE_KEY_PATTERN: &str = "^[A-Za-z0-9._-]+$";
/// `cookieDomain`: as `storageKey`, with a dot after any leading ones.
pub const COOKIE_DOMAIN_PATTERN: &str = r"^\.*[A-Za-z0-9_-]+\.[A-Za-z0-9._-]*$";
/// A `googleConsentMode` value: a category id, or `category/service`.
pub const CONSENT_TARGET_PATTERN: &str = "^[A-Za-z0-9_-]{1,64}(?:/[A-Za-z0-9_-]{1,64})?$";

/// Maps whose keys are a closed list: each key gets the value's schema (so editors complete
/// them); any other key may only be `null`, which the widget skips whatever its key.
const KEYED_MAPS: &[(&str, &[&str])] = &[("googleConsentMode", CONSENT_TYPES)];

/// One description per field of the table (and per value of a map), by path: `a.b` for a field,
/// `a[]` for a list's items, `a.*` for a map's values.
const DOCS: &[(&str, &str)] = &[
    ("$schema", "Where editors find this schema; the widget ignores it."),
    ("revision", "Revision of the config. Bump it to ask every visitor again: their stored choice names the revision they saw."),
    ("lang", "Forces the widget's language (a language tag: de, pt-BR). Otherwise <html lang>, then the browser's languages, then English."),
    ("privacyPolicyUrl", "The privacy policy, linked from the banner. http(s) or relative only."),
    ("storageKey", "localStorage key (and cookie name) of the consent record."),
    ("cookieDomain", "Also keep the record in a first-party cookie on this domain (e.g. .example.com), so one choice holds on every host of the site."),
    ("expiresAfterDays", "Consent is asked again after this many days. Above 395 (13 months) the widget uses 395, with a console warning."),
    ("reloadOnWithdraw", "Reload the page when a visitor withdraws a category whose scripts already ran on it (a script cannot be unloaded)."),
    ("layout", "Where the banner shows."),
    ("theme", "Colours: auto follows the visitor's prefers-color-scheme."),
    ("settingsButton", "The floating button that reopens the preferences after a choice."),
    ("googleConsentMode", "Google Consent Mode v2: consent type -> the category (or category/service) that grants it."),
    ("googleConsentMode.*", "A category id, or category/service, from `categories`: the consent type is granted while it is."),
    ("honorGpc", "Honour the browser's Global Privacy Control signal: categories marked gpc stay off unless the visitor switches them on."),
    ("log", "The consent log each choice's receipt is sent to."),
    ("log.endpoint", "URL the receipts are POSTed to. http(s) or relative only."),
    ("categories", "The categories the visitor chooses from, in the order shown: at most 64, ids unique."),
    ("categories[].id", "The category's id, as gated markup names it (data-category=\"analytics\"): 1 to 64 of a-z, A-Z, 0-9, '-', '_'."),
    ("categories[].required", "Always granted and shown locked on: strictly necessary cookies need no consent."),
    ("categories[].gpc", "Sale or sharing of personal data: a Global Privacy Control signal keeps it off unless the visitor switches it on."),
    ("categories[].services", "The services of the category, listed in the preferences and grantable one by one: at most 64, ids unique in the category."),
    ("categories[].services[].id", "The service's id, as gated markup names it (data-service=\"ga\"): 1 to 64 of a-z, A-Z, 0-9, '-', '_'."),
    ("categories[].services[].name", "The service's name, shown to the visitor."),
    ("categories[].services[].provider", "Who runs the service."),
    ("categories[].services[].purpose", "What the service does with the visitor's data."),
    ("categories[].services[].privacyPolicyUrl", "The provider's privacy policy. http(s) or relative only."),
    ("categories[].services[].cookies", "Cookies the service sets: shown in the cookie table and deleted on withdrawal. A name (\"_ga\", \"_ga_*\" with * as a wildcard) or an object with details."),
    ("categories[].services[].cookies[].name", "The cookie's name, or a pattern with * (_ga_*)."),
    ("categories[].services[].cookies[].purpose", "What the cookie is for."),
    ("categories[].services[].cookies[].duration", "How long the cookie lives, as shown (\"2 years\")."),
    ("categories[].services[].cookies[].party", "first or third party."),
    ("categories[].services[].cookies[].path", "A path other than / the cookie may be set on, so a withdrawal deletes it there too."),
    ("categories[].services[].localStorage", "localStorage keys the service writes, removed on withdrawal."),
    ("texts", "Per language tag (de, pt-BR), texts that replace the built-in ones."),
    ("texts.*", "Texts of one language; any left out come from the built-in ones. Plain text; the one markup is a link, [label](https://…)."),
    ("texts.*.bannerTitle", "Banner heading."),
    ("texts.*.bannerDescription", "Banner text."),
    ("texts.*.acceptAll", "Button that grants every category."),
    ("texts.*.rejectAll", "Button that refuses every category but the required ones."),
    ("texts.*.preferences", "Button that opens the preferences panel."),
    ("texts.*.preferencesTitle", "Preferences panel heading."),
    ("texts.*.preferencesDescription", "Preferences panel text."),
    ("texts.*.save", "Button that saves the choices made in the panel."),
    ("texts.*.close", "Label of the panel's close button."),
    ("texts.*.alwaysOn", "Shown beside a required category."),
    ("texts.*.privacyPolicy", "Label of the privacy policy link."),
    ("texts.*.settings", "Label of the floating settings button."),
    ("texts.*.cookie", "Cookie table header: the cookie's name."),
    ("texts.*.purpose", "Cookie table header: purpose."),
    ("texts.*.duration", "Cookie table header: duration."),
    ("texts.*.setBy", "Cookie table header: who sets it."),
    ("texts.*.firstParty", "Cookie table: a first-party cookie."),
    ("texts.*.thirdParty", "Cookie table: a third-party cookie."),
    ("texts.*.gpcNotice", "Shown when the browser's Global Privacy Control signal turned categories off."),
    ("texts.*.downloadRecord", "Link that downloads the visitor's consent record."),
    ("texts.*.settingsUnavailable", "Shown in the banner when Preferences was pressed but the panel could not be loaded."),
    ("texts.*.revisionNotice", "Shown when the config's revision was bumped since the visitor's last choice."),
    ("texts.*.categories", "Per category id (from `categories`), its title and description."),
    ("texts.*.categories.*", "Title and description of one category."),
    ("texts.*.categories.*.title", "The category's title."),
    ("texts.*.categories.*.description", "What the category is for."),
];

/// What the widget checks beyond a field's shape, and the defaults it reads an absent field as.
fn rules() -> Vec<(&'static str, Value)> {
    let url = json!({ "pattern": URL_PATTERN });
    let id = json!({ "pattern": ID_PATTERN });
    let choice = |allowed: &[&str]| json!({ "enum": allowed, "default": allowed[0] });
    vec![
        ("revision", json!({ "default": 1 })),
        (
            "lang",
            json!({ "pattern": LANG_PATTERN, "maxLength": MAX_LANG }),
        ),
        ("privacyPolicyUrl", url.clone()),
        (
            "storageKey",
            json!({ "pattern": STORAGE_KEY_PATTERN, "default": DEFAULT_STORAGE_KEY }),
        ),
        ("cookieDomain", json!({ "pattern": COOKIE_DOMAIN_PATTERN })),
        (
            "expiresAfterDays",
            json!({ "minimum": 1, "maximum": MAX_EXPIRY_DAYS, "default": DEFAULT_EXPIRY_DAYS }),
        ),
        ("reloadOnWithdraw", json!({ "default": true })),
        ("layout", choice(LAYOUTS)),
        ("theme", choice(THEMES)),
        ("settingsButton", choice(SETTINGS_BUTTON)),
        (
            "googleConsentMode.*",
            json!({ "pattern": CONSENT_TARGET_PATTERN }),
        ),
        ("honorGpc", json!({ "default": true })),
        ("log.endpoint", url.clone()),
        (
            "categories",
            json!({ "minItems": 1, "maxItems": MAX_CATEGORIES }),
        ),
        ("categories[].id", id.clone()),
        ("categories[].required", json!({ "default": false })),
        ("categories[].gpc", json!({ "default": false })),
        (
            "categories[].services",
            json!({ "maxItems": MAX_CATEGORIES }),
        ),
        ("categories[].services[].id", id),
        ("categories[].services[].privacyPolicyUrl", url),
        (
            "categories[].services[].cookies[].party",
            json!({ "examples": ["first", "third"] }),
        ),
        (
            "texts",
            json!({ "propertyNames": { "pattern": LANG_PATTERN, "maxLength": MAX_LANG } }),
        ),
        (
            "texts.*.categories",
            json!({ "propertyNames": { "pattern": ID_PATTERN } }),
        ),
    ]
}

/// The schema as a JSON value.
pub fn schema() -> Value {
    let rules = rules();
    let mut root = node(&CONFIG, "", &rules);
    let object = root.as_object_mut().expect("the config is an object");
    object.insert("$schema".into(), DIALECT.into());
    object.insert("title".into(), "optin config".into());
    object.insert(
        "description".into(),
        "The config of the optin cookie-consent widget (README \"Config\"). Generated from the widget's own validation table; rules it cannot express are listed in README \"Config schema\".".into(),
    );
    root
}

/// The schema as `optin schema` prints it and `dist/optin.schema.json` holds it.
pub fn to_json() -> String {
    let mut s = serde_json::to_string_pretty(&schema()).expect("a JSON value serializes");
    s.push('\n');
    s
}

/// The schema of `shape` at `path`, with the descriptions and rules of the fields inside it.
fn node(shape: &Shape, path: &str, rules: &[(&str, Value)]) -> Value {
    match shape {
        Shape::Str => json!({ "type": "string" }),
        Shape::Name => json!({ "type": "string", "pattern": NAME_PATTERN }),
        Shape::NameOr(object) => json!({
            "anyOf": [node(&Shape::Name, path, rules), node(object, path, rules)]
        }),
        Shape::Bool => json!({ "type": "boolean" }),
        Shape::Uint => json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX }),
        Shape::Obj(fields) => {
            let mut properties = Map::new();
            for (name, field, required) in fields.iter() {
                let path = join(path, name);
                let child = documented(node(field, &path, rules), &path, rules);
                // `check` reads null as absent: fine for an optional field, "is missing" for a
                // required one.
                let child = if *required { child } else { nullable(child) };
                properties.insert((*name).into(), child);
            }
            let required: Vec<&str> = fields.iter().filter(|f| f.2).map(|f| f.0).collect();
            let mut object = json!({
                "type": "object", "properties": properties, "additionalProperties": false
            });
            if !required.is_empty() {
                object["required"] = json!(required);
            }
            object
        }
        Shape::List(item) => {
            let path = [path, "[]"].concat();
            let items = documented(node(item, &path, rules), &path, rules);
            // A null item passes the shape check: a list of strings skips it, but an object
            // read from null has no id, which the widget refuses.
            let items = match item {
                Shape::Str | Shape::Bool | Shape::Uint => nullable(items),
                _ => items,
            };
            json!({ "type": "array", "items": items })
        }
        Shape::Map(item) => {
            let values = join(path, "*");
            let value = nullable(documented(node(item, &values, rules), &values, rules));
            match KEYED_MAPS.iter().find(|(p, _)| *p == path) {
                Some((_, keys)) => {
                    let properties: Map<String, Value> =
                        keys.iter().map(|k| ((*k).into(), value.clone())).collect();
                    json!({
                        "type": "object", "properties": properties,
                        "additionalProperties": { "type": "null" }
                    })
                }
                None => json!({ "type": "object", "additionalProperties": value }),
            }
        }
    }
}

/// `node` with the description and rules of `path`.
fn documented(mut node: Value, path: &str, rules: &[(&str, Value)]) -> Value {
    let object = node.as_object_mut().expect("every node is an object");
    if let Some((_, description)) = DOCS.iter().find(|(p, _)| *p == path) {
        object.insert("description".into(), (*description).into());
    }
    for (_, rule) in rules.iter().filter(|(p, _)| *p == path) {
        for (key, value) in rule.as_object().expect("a rule is an object") {
            object.insert(key.clone(), value.clone());
        }
    }
    node
}

/// Also accepts `null`. `type` and `enum` are the keywords that would refuse it; the others
/// (pattern, minimum, properties) apply to one type only.
fn nullable(mut node: Value) -> Value {
    if let Some(t) = node.get("type").cloned() {
        node["type"] = json!([t, "null"]);
    }
    if let Some(Value::Array(allowed)) = node.get_mut("enum") {
        allowed.push(Value::Null);
    }
    node
}

/// `a.b`, or `b` at the root.
fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        [path, ".", key].concat()
    }
}

/// Every path of `shape` that needs a description: each object's fields, each map's values.
#[cfg(test)]
fn paths(shape: &Shape, path: &str, out: &mut Vec<String>) {
    match shape {
        Shape::Obj(fields) => {
            for (name, field, _) in fields.iter() {
                let path = join(path, name);
                out.push(path.clone());
                paths(field, &path, out);
            }
        }
        Shape::NameOr(object) => paths(object, path, out),
        Shape::List(item) => paths(item, &[path, "[]"].concat(), out),
        Shape::Map(item) => {
            let path = join(path, "*");
            out.push(path.clone());
            paths(item, &path, out);
        }
        Shape::Str | Shape::Name | Shape::Bool | Shape::Uint => {}
    }
}

#[cfg(test)]
mod tests;
