//! The consent receipt as the receiver keeps it.
//!
//! What a valid receipt is, is optin-core's `receipt` module: the widget writes receipts with the
//! same code that checks them here, so the two cannot drift apart. This module adds only what a
//! server needs on top: the timestamps as numbers for the database, and the body exactly as
//! received, which is what is stored as evidence. `http.rs` maps its errors to 400.

use std::collections::BTreeMap;

use crate::time;

/// The widget's consent methods (`accept-all`, `reject-all`, `custom`).
pub use optin_core::consent::Method;
/// Origins as browsers write them; `http.rs` checks the `Origin` header with it too.
pub use optin_core::formats::is_origin;

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
    /// Validates a request body (`optin_core::receipt::Receipt::parse`). The error is a message
    /// for the client, naming the field.
    pub fn parse(body: &str) -> Result<Receipt, String> {
        let checked = optin_core::receipt::Receipt::parse(body)?;
        let record = checked.record;
        // The core has checked all three; an unreadable one cannot get here.
        let ms = |iso: &str| time::parse_iso(iso).unwrap_or_default();
        Ok(Receipt {
            given_at: ms(&record.given_at),
            updated_at: ms(&record.updated_at),
            expires_at: ms(&record.expires_at),
            id: record.id,
            revision: record.revision,
            method: record.method,
            categories: record.categories.into_iter().collect(),
            services: record
                .services
                .into_iter()
                .map(|(category, grants)| (category, grants.into_iter().collect()))
                .collect(),
            lang: record.lang,
            policy_url: checked.policy_url,
            gpc: record.gpc,
            site: checked.site,
            json: body.to_owned(),
        })
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
    fn reads_a_good_receipt_into_the_stored_form() {
        let body = good().to_string();
        let r = Receipt::parse(&body).unwrap();
        assert_eq!(r.id, "3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c");
        assert_eq!(r.revision, 3);
        assert_eq!(r.method, Method::Custom);
        assert_eq!(r.categories.len(), 3);
        assert!(r.services["analytics"]["ga"]);
        assert_eq!(r.policy_url.as_deref(), Some("/privacy.html"));
        assert_eq!(r.lang, "en");
        assert!(!r.gpc);
        assert_eq!(r.site, "http://127.0.0.1:8000");
        assert_eq!(
            r.given_at,
            time::parse_iso("2026-11-25T13:18:56.123Z").unwrap()
        );
        assert_eq!(
            r.updated_at,
            time::parse_iso("2026-11-25T13:20:01.004Z").unwrap()
        );
        assert_eq!(
            r.expires_at,
            time::parse_iso("2027-05-26T13:20:01.004Z").unwrap()
        );
        assert_eq!(r.json, body, "stored exactly as received");
    }

    #[test]
    fn accepts_the_optional_forms() {
        let mut r = good();
        r["policyUrl"] = serde_json::Value::Null;
        r["givenAt"] = "2026-11-25T13:18:56Z".into();
        r["services"] = serde_json::json!({});
        r["method"] = "reject-all".into();
        r["lang"] = "zh-Hant-TW".into();
        r["site"] = "https://www.example.co.uk".into();
        r["revision"] = 4_294_967_295u64.into();
        let parsed = Receipt::parse(&r.to_string()).unwrap();
        assert_eq!(parsed.policy_url, None);
        assert_eq!(parsed.revision, u32::MAX);
    }

    /// The rules themselves are optin-core's and tested there; these show that the receiver
    /// applies them, with the core's messages.
    #[test]
    fn refuses_what_the_core_refuses() {
        assert!(err("{\"schema\":1").starts_with("the body is not valid JSON: "));
        assert_eq!(err("[]"), "the body must be a JSON object, got an array");
        assert_eq!(err(&with("ip", "1.2.3.4".into())), "unknown field \"ip\"");
        assert_eq!(err(&without("gpc")), "missing field \"gpc\"");
        let dup = good().to_string().replacen('{', "{\"gpc\":true,", 1);
        assert!(err(&dup).contains("duplicate key"), "{}", err(&dup));
        assert!(
            err(&with("id", "3F0C2A9E-8B1D-4C7E-9A2B-1D2E3F4A5B6C".into()))
                .starts_with("field \"id\"")
        );
        assert!(
            err(&with("givenAt", "1969-12-31T23:59:59Z".into())).starts_with("field \"givenAt\"")
        );
        assert!(err(&with("lang", "en_US".into())).starts_with("field \"lang\""));
        assert!(err(&with("site", "https://example.com/".into())).starts_with("field \"site\""));
    }
}
