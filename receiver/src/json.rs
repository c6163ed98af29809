//! A strict JSON tree: what `serde_json` parses, except that an object with the same key twice
//! is an error instead of "the last one wins".
//!
//! A receipt is evidence, stored as received: `{"gpc":false,"gpc":true}` would read one way here
//! and maybe another way to whoever reads the stored JSON later, so such a body is refused.
//! Validation (`receipt.rs`) works on this tree, which lets its messages name the field and the
//! type found, something a derived `Deserialize` cannot do for a wrong type.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// A whole number that fits in u64.
    UInt(u64),
    /// Any other number (negative, fractional, or written with an exponent).
    OtherNumber,
    Str(String),
    Array(Vec<Json>),
    Object(BTreeMap<String, Json>),
}

impl Json {
    /// The kind of value, for error messages ("got a string").
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::UInt(_) | Json::OtherNumber => "a number",
            Json::Str(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// Parses `text`; the error is serde_json's message (with line and column).
pub fn parse(text: &str) -> Result<Json, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::UInt(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(u64::try_from(v).map_or(Json::OtherNumber, Json::UInt))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Json, E> {
        Ok(Json::OtherNumber)
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            if entries.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key {key:?}")));
            }
            let value = map.next_value()?;
            entries.insert(key, value);
        }
        Ok(Json::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let v = parse(r#"{"a":[null,true,1,-1,1.5,"x",{}]}"#).unwrap();
        let Json::Object(o) = v else { panic!() };
        assert_eq!(
            o["a"],
            Json::Array(vec![
                Json::Null,
                Json::Bool(true),
                Json::UInt(1),
                Json::OtherNumber,
                Json::OtherNumber,
                Json::Str("x".into()),
                Json::Object(BTreeMap::new()),
            ])
        );
    }

    #[test]
    fn refuses_duplicate_keys_at_any_depth() {
        let e = parse(r#"{"a":1,"a":2}"#).unwrap_err();
        assert!(e.starts_with("duplicate key \"a\""), "{e}");
        let e = parse(r#"{"a":{"b":true,"b":false}}"#).unwrap_err();
        assert!(e.starts_with("duplicate key \"b\""), "{e}");
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let e = parse("{\"a\":").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        assert!(parse("{} x").is_err());
        assert!(parse("").is_err());
    }
}
