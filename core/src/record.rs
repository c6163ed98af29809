//! The consent record: what the visitor chose, when, under which config revision; its JSON form
//! (README "The consent record") and every rule a record must pass that does not depend on the
//! clock or the config.
//!
//! The same reader checks a stored record in the widget and the record inside a receipt at the
//! consent log (`receipt.rs`), so both ends agree on what a record is. Its messages name the
//! field (`field "categories.analytics": expected true or false, got a number`) and are built
//! without `format!`, which would pull `core::fmt` into every visitor's download.

use crate::formats::{is_id, is_language_tag, is_uuid_v4, MAX_LANG};
use crate::json::{self, ObjectWriter, Value};
use crate::time::from_iso;

/// Version of the record's shape; a record with another version is not trusted.
pub const SCHEMA: u32 = 1;
/// No record can predate the widget: earlier timestamps are corrupt or forged.
pub const EARLIEST_MS: f64 = 1_577_836_800_000.0; // 2020-01-01
/// Most categories a record may list (a config has a handful).
pub const MAX_CATEGORIES: usize = 64;

/// Each category with whether it is granted, in config order.
pub type Grants = Vec<(String, bool)>;

/// The grant of `id` in `grants`, if listed.
pub fn lookup(grants: &[(String, bool)], id: &str) -> Option<bool> {
    grants.iter().find(|(k, _)| k == id).map(|(_, on)| *on)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    AcceptAll,
    RejectAll,
    Custom,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::AcceptAll => "accept-all",
            Method::RejectAll => "reject-all",
            Method::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        [Method::AcceptAll, Method::RejectAll, Method::Custom]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub schema: u32,
    /// Random UUID v4: lets a site match a receipt to this choice without knowing the visitor.
    pub id: String,
    /// The config revision the visitor saw.
    pub revision: u32,
    /// When consent was first given (kept across later changes).
    pub given_at: String,
    pub updated_at: String,
    pub expires_at: String,
    /// One entry per optional and required category of the config at the time.
    pub categories: Grants,
    /// Services granted one by one in categories that are not granted as a whole.
    pub services: Vec<(String, Grants)>,
    pub method: Method,
    /// The language the banner or panel was shown in.
    pub lang: String,
    /// The browser sent a Global Privacy Control signal when the choice was made.
    pub gpc: bool,
}

/// Every field of the record, in the order the widget writes them; all are required.
pub const RECORD_FIELDS: [&str; 11] = [
    "schema",
    "id",
    "revision",
    "givenAt",
    "updatedAt",
    "expiresAt",
    "categories",
    "services",
    "method",
    "lang",
    "gpc",
];

pub(crate) fn grants_json(grants: &[(String, bool)]) -> String {
    let mut w = ObjectWriter::new();
    for (id, on) in grants {
        w = w.bool(id, *on);
    }
    w.finish()
}

/// `{"category": {"service": true, …}, …}`
pub(crate) fn services_json(services: &[(String, Grants)]) -> String {
    let mut w = ObjectWriter::new();
    for (category, grants) in services {
        w = w.raw(category, &grants_json(grants));
    }
    w.finish()
}

impl Record {
    /// The stored form.
    pub fn to_json(&self) -> String {
        self.fields_json().finish()
    }

    /// The record's fields, for the receipt to extend (`receipt.rs`).
    pub(crate) fn fields_json(&self) -> ObjectWriter {
        ObjectWriter::new()
            .uint("schema", u64::from(self.schema))
            .str("id", &self.id)
            .uint("revision", u64::from(self.revision))
            .str("givenAt", &self.given_at)
            .str("updatedAt", &self.updated_at)
            .str("expiresAt", &self.expires_at)
            .raw("categories", &grants_json(&self.categories))
            .raw("services", &services_json(&self.services))
            .str("method", self.method.as_str())
            .str("lang", &self.lang)
            .bool("gpc", self.gpc)
    }

    /// Reads a stored record strictly: any missing, extra, mistyped or impossible field is an
    /// error that names it.
    pub fn from_json(raw: &str) -> Result<Record, String> {
        let value = json::parse(raw)
            .map_err(|e| ["the stored consent is not valid JSON (", &e, ")"].concat())?;
        object(&value, "it")
            .and_then(|fields| Record::read(fields, &[]))
            .map_err(|e| ["the stored consent is not a consent record: ", &e].concat())
    }

    /// Reads a record from the fields of a JSON object that holds the record's fields and
    /// exactly the `extra` ones besides (the receipt's), checking every rule that needs neither
    /// the clock nor the config. The extra fields are the caller's to read.
    pub(crate) fn read(fields: &[(String, Value)], extra: &[&str]) -> Result<Record, String> {
        if let Some((unknown, _)) = fields
            .iter()
            .find(|(k, _)| !RECORD_FIELDS.contains(&k.as_str()) && !extra.contains(&k.as_str()))
        {
            return Err(["unknown field ", &quoted(unknown)].concat());
        }
        if let Some(missing) = RECORD_FIELDS
            .iter()
            .chain(extra)
            .find(|f| !fields.iter().any(|(k, _)| k == *f))
        {
            return Err(["missing field ", &quoted(missing)].concat());
        }
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map_or(&Value::Null, |(_, v)| v)
        };
        let schema = uint(field("schema"), "schema")?;
        if schema != SCHEMA {
            let mut m = String::from("unsupported schema version ");
            json::push_uint(&mut m, u64::from(schema));
            m.push_str(" (optin reads version 1)");
            return Err(at("schema", &m));
        }
        let id = string(field("id"), "id")?;
        if !is_uuid_v4(id) {
            return Err(at(
                "id",
                &[
                    &quoted(id),
                    " is not a lowercase UUID v4 (xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx)",
                ]
                .concat(),
            ));
        }
        let revision = uint(field("revision"), "revision")?;
        let given = timestamp(field("givenAt"), "givenAt")?;
        let updated = timestamp(field("updatedAt"), "updatedAt")?;
        let expires = timestamp(field("expiresAt"), "expiresAt")?;
        check_order(given.1, updated.1, expires.1)?;
        let categories = grants(field("categories"), "categories")?;
        if categories.len() > MAX_CATEGORIES {
            let mut m = String::new();
            json::push_uint(&mut m, categories.len() as u64);
            m.push_str(" categories, at most 64 are allowed");
            return Err(at("categories", &m));
        }
        let services = services(field("services"), &categories)?;
        let method = string(field("method"), "method")?;
        let method = Method::parse(method).ok_or_else(|| {
            at(
                "method",
                &[&quoted(method), " is not accept-all, reject-all or custom"].concat(),
            )
        })?;
        let lang = string(field("lang"), "lang")?;
        if !is_language_tag(lang) {
            let mut m = quoted(lang);
            m.push_str(" is not a BCP 47 language tag of at most ");
            json::push_uint(&mut m, MAX_LANG as u64);
            m.push_str(" characters");
            return Err(at("lang", &m));
        }
        Ok(Record {
            schema,
            id: id.to_owned(),
            revision,
            given_at: given.0.to_owned(),
            updated_at: updated.0.to_owned(),
            expires_at: expires.0.to_owned(),
            categories,
            services,
            method,
            lang: lang.to_owned(),
            gpc: boolean(field("gpc"), "gpc")?,
        })
    }
}

/// First given, then updated, then expiring; and nothing before optin existed.
fn check_order(given: f64, updated: f64, expires: f64) -> Result<(), String> {
    if given < EARLIEST_MS {
        return Err(at(
            "givenAt",
            "is before 2020-01-01, earlier than any optin record can be",
        ));
    }
    if given > updated {
        return Err(at(
            "givenAt",
            "is later than updatedAt (timestamps out of order)",
        ));
    }
    if updated > expires {
        return Err(at(
            "updatedAt",
            "is later than expiresAt (timestamps out of order)",
        ));
    }
    Ok(())
}

/// The entries of a JSON object, or `<what> must be a JSON object, got …`.
pub(crate) fn object<'a>(v: &'a Value, what: &str) -> Result<&'a [(String, Value)], String> {
    match v {
        Value::Obj(fields) => Ok(fields),
        other => Err([what, " must be a JSON object, got ", other.kind()].concat()),
    }
}

/// `"text"`, quoted and escaped as JSON, for messages.
pub(crate) fn quoted(s: &str) -> String {
    let mut q = String::new();
    json::push_str(&mut q, s);
    q
}

/// `field "path": message`
pub(crate) fn at(path: &str, message: &str) -> String {
    ["field ", &quoted(path), ": ", message].concat()
}

pub(crate) fn wrong_type(path: &str, expected: &str, got: &Value) -> String {
    at(
        path,
        &["expected ", expected, ", got ", got.kind()].concat(),
    )
}

pub(crate) fn string<'a>(v: &'a Value, path: &str) -> Result<&'a str, String> {
    match v {
        Value::Str(s) => Ok(s),
        other => Err(wrong_type(path, "a string", other)),
    }
}

fn boolean(v: &Value, path: &str) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(wrong_type(path, "true or false", other)),
    }
}

/// A whole number from 0 to 4294967295.
fn uint(v: &Value, path: &str) -> Result<u32, String> {
    match v {
        Value::Int(n) if *n >= 0 => u32::try_from(*n).map_err(|_| {
            let mut m = String::new();
            json::push_uint(&mut m, *n as u64);
            m.push_str(" is larger than 4294967295");
            at(path, &m)
        }),
        other => Err(wrong_type(path, "a whole number", other)),
    }
}

/// The text as written and its time in milliseconds.
fn timestamp<'a>(v: &'a Value, path: &str) -> Result<(&'a str, f64), String> {
    let s = string(v, path)?;
    let ms = from_iso(s).ok_or_else(|| {
        at(
            path,
            &[
                &quoted(s),
                " is not a UTC timestamp like 2026-11-25T13:18:56.123Z (milliseconds optional)",
            ]
            .concat(),
        )
    })?;
    Ok((s, ms))
}

/// `{"<id>": bool, …}` with valid ids.
pub(crate) fn grants(v: &Value, path: &str) -> Result<Grants, String> {
    let Value::Obj(entries) = v else {
        return Err(wrong_type(path, "an object", v));
    };
    let mut out = Grants::with_capacity(entries.len());
    for (id, on) in entries {
        if !is_id(id) {
            return Err(at(
                path,
                &[
                    &quoted(id),
                    " is not a valid id (1 to 64 of A-Z, a-z, 0-9, _ and -)",
                ]
                .concat(),
            ));
        }
        let Value::Bool(on) = on else {
            return Err(wrong_type(&[path, ".", id].concat(), "true or false", on));
        };
        out.push((id.clone(), *on));
    }
    Ok(out)
}

/// `{"<category>": {"<service>": bool, …}, …}`, for categories the record lists.
fn services(v: &Value, categories: &Grants) -> Result<Vec<(String, Grants)>, String> {
    let Value::Obj(by_category) = v else {
        return Err(wrong_type("services", "an object", v));
    };
    let mut out = Vec::with_capacity(by_category.len());
    for (category, per_service) in by_category {
        if lookup(categories, category).is_none() {
            return Err(at(
                "services",
                &[&quoted(category), " is not one of the record's categories"].concat(),
            ));
        }
        let path = ["services.", category].concat();
        out.push((category.clone(), grants(per_service, &path)?));
    }
    Ok(out)
}

/// Rewriting JSON documents field by field, for the tests of the record and the receipt.
#[cfg(test)]
pub(crate) mod test_json {
    use crate::json::{self, ObjectWriter, Value};

    /// `doc` (an object) with `field` set to the JSON `value`, or removed for `None`.
    pub fn with(doc: &str, field: &str, value: Option<&str>) -> String {
        let Value::Obj(fields) = json::parse(doc).unwrap() else {
            panic!("not an object: {doc}")
        };
        let mut w = ObjectWriter::new();
        for (k, v) in &fields {
            let raw = if k == field {
                match value {
                    Some(raw) => raw.to_owned(),
                    None => continue,
                }
            } else {
                write(v)
            };
            w = w.raw(k, &raw);
        }
        if !fields.iter().any(|(k, _)| k == field) {
            if let Some(raw) = value {
                w = w.raw(field, raw);
            }
        }
        w.finish()
    }

    pub fn write(v: &Value) -> String {
        match v {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(n) => n.to_string(),
            Value::OtherNumber => "1.5".into(),
            Value::Str(s) => super::quoted(s),
            Value::Arr(items) => format!(
                "[{}]",
                items.iter().map(write).collect::<Vec<_>>().join(",")
            ),
            Value::Obj(entries) => entries
                .iter()
                .fold(ObjectWriter::new(), |w, (k, v)| w.raw(k, &write(v)))
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid record; tests change one field at a time.
    pub(crate) const GOOD: &str = r#"{"schema":1,"id":"3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c","revision":3,"givenAt":"2026-11-25T13:18:56.123Z","updatedAt":"2026-11-25T13:20:01.004Z","expiresAt":"2027-05-26T13:20:01.004Z","categories":{"necessary":true,"analytics":false,"social":true},"services":{"analytics":{"ga":true}},"method":"custom","lang":"en","gpc":false}"#;

    fn with(field: &str, value: Option<&str>) -> String {
        test_json::with(GOOD, field, value)
    }

    fn err(raw: &str) -> String {
        let e = Record::from_json(raw).unwrap_err();
        e.strip_prefix("the stored consent is not a consent record: ")
            .unwrap_or(&e)
            .to_owned()
    }

    #[test]
    fn reads_a_good_record_and_writes_it_back_the_same() {
        let r = Record::from_json(GOOD).unwrap();
        assert_eq!(r.id, "3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c");
        assert_eq!(r.revision, 3);
        assert_eq!(r.method, Method::Custom);
        assert_eq!(lookup(&r.categories, "social"), Some(true));
        assert_eq!(r.to_json(), GOOD);
    }

    #[test]
    fn refuses_what_is_not_an_object_and_unknown_or_missing_fields() {
        assert!(Record::from_json("{")
            .unwrap_err()
            .contains("not valid JSON"));
        assert_eq!(
            Record::from_json("[]").unwrap_err(),
            "the stored consent is not a consent record: it must be a JSON object, got an array"
        );
        assert_eq!(
            err(&with("ip", Some("\"1.2.3.4\""))),
            "unknown field \"ip\""
        );
        assert_eq!(
            err(&with("__proto__", Some("1"))),
            "unknown field \"__proto__\""
        );
        for f in RECORD_FIELDS {
            assert_eq!(err(&with(f, None)), format!("missing field {f:?}"));
        }
    }

    #[test]
    fn refuses_wrong_types_naming_the_field() {
        for (field, value, msg) in [
            ("schema", "\"1\"", "expected a whole number, got a string"),
            ("id", "7", "expected a string, got a number"),
            ("revision", "-1", "expected a whole number, got a number"),
            ("revision", "1.5", "expected a whole number, got a number"),
            (
                "givenAt",
                "1764076736123",
                "expected a string, got a number",
            ),
            ("method", "null", "expected a string, got null"),
            ("categories", "[]", "expected an object, got an array"),
            ("services", "\"ga\"", "expected an object, got a string"),
            ("lang", "[\"en\"]", "expected a string, got an array"),
            ("gpc", "\"false\"", "expected true or false, got a string"),
        ] {
            assert_eq!(
                err(&with(field, Some(value))),
                format!("field {field:?}: {msg}")
            );
        }
        assert_eq!(
            err(&with("categories", Some(r#"{"analytics":1}"#))),
            "field \"categories.analytics\": expected true or false, got a number"
        );
        assert_eq!(
            err(&with("services", Some(r#"{"analytics":{"ga":"yes"}}"#))),
            "field \"services.analytics.ga\": expected true or false, got a string"
        );
        assert_eq!(
            err(&with("services", Some(r#"{"analytics":true}"#))),
            "field \"services.analytics\": expected an object, got a boolean"
        );
    }

    #[test]
    fn refuses_bad_values() {
        assert!(err(&with("schema", Some("2"))).contains("unsupported schema version 2"));
        assert!(err(&with("revision", Some("4294967296"))).contains("larger than"));
        assert!(
            err(&with("method", Some("\"accept\""))).starts_with("field \"method\": \"accept\"")
        );
        for bad in ["en_US", "e", "", "englishlanguage", "en--us", "12", "en-"] {
            let e = err(&with("lang", Some(&quoted(bad))));
            assert!(e.starts_with("field \"lang\""), "{bad}: {e}");
        }
        let e = err(&with("id", Some("\"x\"")));
        assert!(e.contains("is not a lowercase UUID v4"), "{e}");
        for bad in ["", "ana lytics", "é", &"a".repeat(65)] {
            let e = err(&with(
                "categories",
                Some(&format!("{{{}:true}}", quoted(bad))),
            ));
            assert_eq!(
                e,
                format!(
                    "field \"categories\": {} is not a valid id (1 to 64 of A-Z, a-z, 0-9, _ and -)",
                    quoted(bad)
                )
            );
        }
        assert_eq!(
            err(&with("services", Some(r#"{"ads":{"ga":true}}"#))),
            "field \"services\": \"ads\" is not one of the record's categories"
        );
        let many = (0..65)
            .fold(ObjectWriter::new(), |w, i| w.bool(&format!("c{i}"), true))
            .finish();
        let body = with("categories", Some(&many)).replace(r#""analytics":{"ga":true}"#, "");
        assert_eq!(
            err(&body),
            "field \"categories\": 65 categories, at most 64 are allowed"
        );
    }

    #[test]
    fn refuses_bad_disordered_and_early_timestamps() {
        for field in ["givenAt", "updatedAt", "expiresAt"] {
            let e = err(&with(field, Some("\"2026-11-25 13:18:56\"")));
            assert!(
                e.starts_with(&format!(
                    "field {field:?}: \"2026-11-25 13:18:56\" is not a UTC"
                )),
                "{e}"
            );
        }
        assert_eq!(
            err(&with("givenAt", Some("\"2026-11-25T13:20:01.005Z\""))),
            "field \"givenAt\": is later than updatedAt (timestamps out of order)"
        );
        assert_eq!(
            err(&with("expiresAt", Some("\"2026-11-25T13:20:01Z\""))),
            "field \"updatedAt\": is later than expiresAt (timestamps out of order)"
        );
        assert!(err(&with("givenAt", Some("\"2019-12-31T23:59:59.999Z\""))).contains("before 2020"));
        assert!(err(&with("givenAt", Some("\"1969-12-31T23:59:59.999Z\""))).contains("givenAt"));
        // Equal timestamps are in order.
        let same = with("givenAt", Some("\"2026-11-25T13:20:01.004Z\""));
        let same = same.replace("2027-05-26T13:20:01.004Z", "2026-11-25T13:20:01.004Z");
        assert!(Record::from_json(&same).is_ok(), "{same}");
    }
}
