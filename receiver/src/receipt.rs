//! The consent receipt: its schema and every rule a body must pass before it is stored.
//!
//! A receipt is the widget's consent record plus `policyUrl`, `gpc` and `site`, sent when a
//! visitor makes or changes a choice. Validation is strict and total: exactly the schema's
//! fields, each of the right type and form, or a message naming the first field that is wrong.
//! Only this module decides what a valid receipt is; `http.rs` only maps its errors to 400.

use crate::json::{self, Json};
use crate::time;
use std::collections::BTreeMap;

/// The receipt schema version this receiver reads.
pub const SCHEMA: u64 = 1;
/// Most categories a receipt may list.
pub const MAX_CATEGORIES: usize = 64;
/// Longest `lang` (the longest well-formed BCP 47 tag in common use fits in 35).
pub const MAX_LANG: usize = 35;

/// Every field, in schema order; all are required (`policyUrl` may be null).
pub const FIELDS: [&str; 13] = [
    "schema",
    "id",
    "revision",
    "givenAt",
    "updatedAt",
    "expiresAt",
    "method",
    "categories",
    "services",
    "lang",
    "policyUrl",
    "gpc",
    "site",
];

/// The widget's consent methods (`accept-all`, `reject-all`, `custom`).
pub use optin_core::consent::Method;

/// A validated receipt. Timestamps are milliseconds since the epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    /// The consent id (UUID v4, lowercase): the same across a visitor's changes of mind.
    pub id: String,
    /// The widget config revision the visitor saw.
    pub revision: u32,
    pub given_at: i64,
    pub updated_at: i64,
    pub expires_at: i64,
    pub method: Method,
    pub categories: BTreeMap<String, bool>,
    pub services: BTreeMap<String, BTreeMap<String, bool>>,
    pub lang: String,
    pub policy_url: Option<String>,
    /// Whether the browser sent Global Privacy Control.
    pub gpc: bool,
    /// The site's origin, e.g. `https://example.com`.
    pub site: String,
    /// The body exactly as received: what is stored as evidence.
    pub json: String,
}

impl Receipt {
    /// Validates a request body. The error is a message for the client, naming the field.
    pub fn parse(body: &str) -> Result<Receipt, String> {
        let value = json::parse(body).map_err(|e| format!("the body is not valid JSON: {e}"))?;
        let Json::Object(fields) = value else {
            return Err(format!(
                "the body must be a JSON object, got {}",
                value.kind()
            ));
        };
        if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(format!("unknown field {unknown:?}"));
        }
        if let Some(missing) = FIELDS.iter().find(|f| !fields.contains_key(**f)) {
            return Err(format!("missing field {missing:?}"));
        }
        let field = |name: &str| &fields[name];

        let schema = uint(field("schema"), "schema")?;
        if schema != SCHEMA {
            return Err(format!(
                "field \"schema\": unsupported schema version {schema} (this receiver reads {SCHEMA})"
            ));
        }
        let id = string(field("id"), "id")?;
        if !is_uuid_v4(id) {
            return Err(format!(
                "field \"id\": {id:?} is not a lowercase UUID v4 \
                 (xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx)"
            ));
        }
        let revision = uint(field("revision"), "revision")?;
        let revision = u32::try_from(revision)
            .map_err(|_| format!("field \"revision\": {revision} is larger than 4294967295"))?;
        let given_at = timestamp(field("givenAt"), "givenAt")?;
        let updated_at = timestamp(field("updatedAt"), "updatedAt")?;
        let expires_at = timestamp(field("expiresAt"), "expiresAt")?;
        if given_at > updated_at {
            return Err("field \"givenAt\": is later than updatedAt".into());
        }
        if updated_at > expires_at {
            return Err("field \"updatedAt\": is later than expiresAt".into());
        }
        let method = string(field("method"), "method")?;
        let method = Method::parse(method).ok_or_else(|| {
            format!("field \"method\": {method:?} is not accept-all, reject-all or custom")
        })?;
        let categories = grants(field("categories"), "categories")?;
        if categories.len() > MAX_CATEGORIES {
            return Err(format!(
                "field \"categories\": {} categories, at most {MAX_CATEGORIES} are allowed",
                categories.len()
            ));
        }
        let Json::Object(by_category) = field("services") else {
            return Err(wrong_type("services", "an object", field("services")));
        };
        let mut services = BTreeMap::new();
        for (category, grants_json) in by_category {
            if !categories.contains_key(category) {
                return Err(format!(
                    "field \"services\": {category:?} is not one of the receipt's categories"
                ));
            }
            let path = format!("services.{category}");
            services.insert(category.clone(), grants(grants_json, &path)?);
        }
        let lang = string(field("lang"), "lang")?;
        if !is_language_tag(lang) {
            return Err(format!(
                "field \"lang\": {lang:?} is not a BCP 47 language tag of at most {MAX_LANG} characters"
            ));
        }
        let policy_url = match field("policyUrl") {
            Json::Null => None,
            Json::Str(s) => Some(s.clone()),
            other => return Err(wrong_type("policyUrl", "a string or null", other)),
        };
        let gpc = boolean(field("gpc"), "gpc")?;
        let site = string(field("site"), "site")?;
        if !is_origin(site) {
            return Err(format!(
                "field \"site\": {site:?} is not an origin like https://example.com \
                 (scheme, host and optional port; lowercase; no path)"
            ));
        }
        Ok(Receipt {
            id: id.to_owned(),
            revision,
            given_at,
            updated_at,
            expires_at,
            method,
            categories,
            services,
            lang: lang.to_owned(),
            policy_url,
            gpc,
            site: site.to_owned(),
            json: body.to_owned(),
        })
    }
}

fn wrong_type(path: &str, expected: &str, got: &Json) -> String {
    format!("field {path:?}: expected {expected}, got {}", got.kind())
}

fn string<'a>(v: &'a Json, path: &str) -> Result<&'a str, String> {
    match v {
        Json::Str(s) => Ok(s),
        other => Err(wrong_type(path, "a string", other)),
    }
}

fn boolean(v: &Json, path: &str) -> Result<bool, String> {
    match v {
        Json::Bool(b) => Ok(*b),
        other => Err(wrong_type(path, "true or false", other)),
    }
}

fn uint(v: &Json, path: &str) -> Result<u64, String> {
    match v {
        Json::UInt(n) => Ok(*n),
        other => Err(wrong_type(path, "a whole number", other)),
    }
}

fn timestamp(v: &Json, path: &str) -> Result<i64, String> {
    let s = string(v, path)?;
    time::parse_iso(s).ok_or_else(|| {
        format!(
            "field {path:?}: {s:?} is not a UTC timestamp like 2026-11-25T13:18:56.123Z \
             (milliseconds optional)"
        )
    })
}

/// `{"<id>": bool, ...}` with valid ids.
fn grants(v: &Json, path: &str) -> Result<BTreeMap<String, bool>, String> {
    let Json::Object(entries) = v else {
        return Err(wrong_type(path, "an object", v));
    };
    let mut out = BTreeMap::new();
    for (id, on) in entries {
        if !is_id(id) {
            return Err(format!(
                "field {path:?}: {id:?} is not a valid id (1 to 64 of A-Z, a-z, 0-9, _ and -)"
            ));
        }
        out.insert(id.clone(), boolean(on, &format!("{path}.{id}"))?);
    }
    Ok(out)
}

/// `[A-Za-z0-9_-]{1,64}`: category and service ids.
pub fn is_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A UUID version 4 in the canonical lowercase form the widget writes.
pub fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            14 => c == b'4',
            19 => matches!(c, b'8' | b'9' | b'a' | b'b'),
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

/// A well-formed BCP 47 tag, loosely: subtags of 1 to 8 ASCII letters or digits joined by `-`,
/// the first all letters (2 to 8 of them, or the `x`/`i` prefixes), at most 35 characters.
pub fn is_language_tag(s: &str) -> bool {
    if s.is_empty() || s.len() > MAX_LANG {
        return false;
    }
    let mut subtags = s.split('-');
    let first = subtags.next().unwrap_or_default();
    let first_ok = first.bytes().all(|b| b.is_ascii_alphabetic())
        && ((2..=8).contains(&first.len()) || first.eq_ignore_ascii_case("x") || first == "i");
    first_ok
        && subtags
            .all(|t| (1..=8).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A serialized web origin as browsers send it in `Origin`: `http` or `https`, `://`, a
/// lowercase host name, IPv4 or bracketed IPv6 address, and an optional port; nothing after.
pub fn is_origin(s: &str) -> bool {
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return false;
    };
    if rest.is_empty() || rest.len() > 270 {
        return false;
    }
    let (host, port) = if rest.starts_with('[') {
        let Some(end) = rest.find(']') else {
            return false;
        };
        let inner = &rest[1..end];
        let ok = inner.len() >= 2
            && inner.bytes().all(|b| {
                b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b':' || b == b'.'
            });
        if !ok {
            return false;
        }
        (&rest[..=end], &rest[end + 1..])
    } else {
        let end = rest.find(':').unwrap_or(rest.len());
        let host = &rest[..end];
        let labels_ok = host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        });
        if !labels_ok {
            return false;
        }
        (host, &rest[end..])
    };
    if host.is_empty() {
        return false;
    }
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(p) => {
            (1..=5).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok()
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A valid receipt body; tests change one field at a time with `with`.
    pub fn good() -> serde_json::Value {
        serde_json::json!({
            "schema": 1,
            "id": "3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c",
            "revision": 3,
            "givenAt": "2026-11-25T13:18:56.123Z",
            "updatedAt": "2026-11-25T13:20:01.004Z",
            "expiresAt": "2027-05-26T13:20:01.004Z",
            "method": "custom",
            "categories": {"necessary": true, "analytics": false, "social": true},
            "services": {"analytics": {"ga": true}},
            "lang": "en",
            "policyUrl": "/privacy.html",
            "gpc": false,
            "site": "http://127.0.0.1:8000"
        })
    }

    pub fn with(field: &str, value: serde_json::Value) -> String {
        let mut r = good();
        r[field] = value;
        r.to_string()
    }

    pub fn without(field: &str) -> String {
        let mut r = good();
        r.as_object_mut().unwrap().remove(field);
        r.to_string()
    }

    fn err(body: &str) -> String {
        Receipt::parse(body).unwrap_err()
    }

    #[test]
    fn reads_a_good_receipt() {
        let body = good().to_string();
        let r = Receipt::parse(&body).unwrap();
        assert_eq!(r.id, "3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c");
        assert_eq!(r.revision, 3);
        assert_eq!(r.method, Method::Custom);
        assert_eq!(r.categories.len(), 3);
        assert!(r.services["analytics"]["ga"]);
        assert_eq!(r.policy_url.as_deref(), Some("/privacy.html"));
        assert_eq!(
            r.updated_at,
            time::parse_iso("2026-11-25T13:20:01.004Z").unwrap()
        );
        assert_eq!(r.json, body);
    }

    #[test]
    fn accepts_the_optional_forms() {
        let mut r = good();
        r["policyUrl"] = serde_json::Value::Null;
        r["givenAt"] = "2026-11-25T13:18:56Z".into();
        r["services"] = serde_json::json!({});
        r["categories"] = serde_json::json!({});
        r["method"] = "reject-all".into();
        r["lang"] = "zh-Hant-TW".into();
        r["site"] = "https://www.example.co.uk".into();
        r["revision"] = 4_294_967_295u64.into();
        let parsed = Receipt::parse(&r.to_string()).unwrap();
        assert_eq!(parsed.policy_url, None);
        assert_eq!(parsed.revision, u32::MAX);
        // equal timestamps are in order
        r["givenAt"] = r["updatedAt"].clone();
        r["expiresAt"] = r["updatedAt"].clone();
        Receipt::parse(&r.to_string()).unwrap();
    }

    #[test]
    fn refuses_what_is_not_an_object() {
        assert!(err("").starts_with("the body is not valid JSON: "));
        assert!(err("{\"schema\":1").starts_with("the body is not valid JSON: "));
        assert_eq!(err("[]"), "the body must be a JSON object, got an array");
        assert_eq!(err("\"x\""), "the body must be a JSON object, got a string");
        assert_eq!(err("null"), "the body must be a JSON object, got null");
    }

    #[test]
    fn refuses_unknown_missing_and_duplicate_fields() {
        assert_eq!(err(&with("ip", "1.2.3.4".into())), "unknown field \"ip\"");
        for f in FIELDS {
            assert_eq!(err(&without(f)), format!("missing field {f:?}"));
        }
        let dup = good().to_string().replacen("{", "{\"gpc\":true,", 1);
        assert!(err(&dup).contains("duplicate key \"gpc\""), "{}", err(&dup));
    }

    #[test]
    fn refuses_wrong_types() {
        let cases = [
            (
                "schema",
                serde_json::json!("1"),
                "expected a whole number, got a string",
            ),
            (
                "id",
                serde_json::json!(7),
                "expected a string, got a number",
            ),
            (
                "revision",
                serde_json::json!(-1),
                "expected a whole number, got a number",
            ),
            (
                "revision",
                serde_json::json!(1.5),
                "expected a whole number, got a number",
            ),
            (
                "givenAt",
                serde_json::json!(1_764_076_736_123u64),
                "expected a string, got a number",
            ),
            (
                "method",
                serde_json::json!(null),
                "expected a string, got null",
            ),
            (
                "categories",
                serde_json::json!([]),
                "expected an object, got an array",
            ),
            (
                "services",
                serde_json::json!("ga"),
                "expected an object, got a string",
            ),
            (
                "lang",
                serde_json::json!(["en"]),
                "expected a string, got an array",
            ),
            (
                "policyUrl",
                serde_json::json!(false),
                "expected a string or null, got a boolean",
            ),
            (
                "gpc",
                serde_json::json!("false"),
                "expected true or false, got a string",
            ),
            (
                "site",
                serde_json::json!({}),
                "expected a string, got an object",
            ),
        ];
        for (field, value, msg) in cases {
            assert_eq!(err(&with(field, value)), format!("field {field:?}: {msg}"));
        }
        assert_eq!(
            err(&with("categories", serde_json::json!({"analytics": 1}))),
            "field \"categories.analytics\": expected true or false, got a number"
        );
        assert_eq!(
            err(&with(
                "services",
                serde_json::json!({"analytics": {"ga": "yes"}})
            )),
            "field \"services.analytics.ga\": expected true or false, got a string"
        );
        assert_eq!(
            err(&with("services", serde_json::json!({"analytics": true}))),
            "field \"services.analytics\": expected an object, got a boolean"
        );
    }

    #[test]
    fn refuses_bad_values() {
        assert!(err(&with("schema", 2.into())).contains("unsupported schema version 2"));
        assert!(err(&with("revision", 4_294_967_296u64.into())).contains("larger than"));
        assert!(err(&with("method", "accept".into())).starts_with("field \"method\": \"accept\""));
        for bad in ["en_US", "e", "", "englishlanguage", "en--us", "12", "en-"] {
            let e = err(&with("lang", bad.into()));
            assert!(e.starts_with("field \"lang\""), "{bad}: {e}");
        }
        let e = err(&with("lang", "en-aaaaaaaa-bbbbbbbb-cccccccc-dddddd".into()));
        assert!(e.contains("at most 35"), "{e}");
        assert!(is_language_tag("en-aaaaaaaa-bbbbbbbb-cccccccc-ddddd"));
        for ok in ["en", "en-GB", "x-private", "sr-Latn-RS", "de-CH-1996"] {
            assert!(is_language_tag(ok), "{ok}");
        }
    }

    #[test]
    fn refuses_bad_uuids() {
        for bad in [
            "3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6",
            "3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c0",
            "3F0C2A9E-8B1D-4C7E-9A2B-1D2E3F4A5B6C",
            "3f0c2a9e-8b1d-1c7e-9a2b-1d2e3f4a5b6c",
            "3f0c2a9e-8b1d-4c7e-7a2b-1d2e3f4a5b6c",
            "3f0c2a9e8b1d4c7e9a2b1d2e3f4a5b6c",
            "3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6g",
            "{3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6}",
        ] {
            let e = err(&with("id", bad.into()));
            assert_eq!(
                e,
                format!(
                    "field \"id\": {bad:?} is not a lowercase UUID v4 \
                     (xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx)"
                )
            );
        }
    }

    #[test]
    fn refuses_bad_and_disordered_timestamps() {
        for field in ["givenAt", "updatedAt", "expiresAt"] {
            let e = err(&with(field, "2026-11-25 13:18:56".into()));
            assert!(
                e.starts_with(&format!(
                    "field {field:?}: \"2026-11-25 13:18:56\" is not a UTC"
                )),
                "{e}"
            );
        }
        assert_eq!(
            err(&with("givenAt", "2026-11-25T13:20:01.005Z".into())),
            "field \"givenAt\": is later than updatedAt"
        );
        assert_eq!(
            err(&with("expiresAt", "2026-11-25T13:20:01Z".into())),
            "field \"updatedAt\": is later than expiresAt"
        );
    }

    #[test]
    fn refuses_bad_ids_and_too_many_categories() {
        for bad in ["", "ana lytics", "analytics!", "é", &"a".repeat(65)] {
            let e = err(&with("categories", serde_json::json!({ bad: true })));
            assert_eq!(
                e,
                format!(
                    "field \"categories\": {bad:?} is not a valid id \
                     (1 to 64 of A-Z, a-z, 0-9, _ and -)"
                )
            );
        }
        let e = err(&with(
            "services",
            serde_json::json!({"analytics": {"g a": true}}),
        ));
        assert!(
            e.starts_with("field \"services.analytics\": \"g a\" is not a valid id"),
            "{e}"
        );
        let e = err(&with("services", serde_json::json!({"ads": {"ga": true}})));
        assert_eq!(
            e,
            "field \"services\": \"ads\" is not one of the receipt's categories"
        );
        let many: serde_json::Map<_, _> = (0..65).map(|i| (format!("c{i}"), true.into())).collect();
        let e = err(&with("categories", many.into()));
        assert_eq!(
            e,
            "field \"categories\": 65 categories, at most 64 are allowed"
        );
        let max: serde_json::Map<_, _> = (0..64).map(|i| (format!("c{i}"), true.into())).collect();
        let mut r = good();
        r["categories"] = max.into();
        r["services"] = serde_json::json!({});
        Receipt::parse(&r.to_string()).unwrap();
    }

    #[test]
    fn knows_an_origin() {
        for ok in [
            "https://example.com",
            "http://127.0.0.1:8000",
            "https://xn--bcher-kva.example",
            "http://localhost:65535",
            "https://[::1]:8443",
        ] {
            assert!(is_origin(ok), "{ok}");
        }
        for bad in [
            "example.com",
            "https://example.com/",
            "https://example.com/path",
            "https://Example.com",
            "ftp://example.com",
            "https://",
            "https://example..com",
            "https://example.com:",
            "https://example.com:65536",
            "https://example.com:80a",
            "https://ex ample.com",
            "null",
            "https://[::1",
            "https://user@example.com",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
        let e = err(&with("site", "https://example.com/".into()));
        assert!(
            e.starts_with("field \"site\": \"https://example.com/\" is not an origin"),
            "{e}"
        );
    }
}
