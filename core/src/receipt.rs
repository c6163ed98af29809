//! The consent receipt: the consent record plus the privacy policy it was given under
//! (`policyUrl`) and the site (`site`, an origin). The widget builds it (`optin.receipt()`, and
//! the body it POSTs to the site's consent log); the consent log (`receiver/`) checks it with
//! `Receipt::parse` before storing it, and adds only the rules that are the server's own.
//! One definition, so a receipt the widget writes is one the log accepts.

use crate::formats::is_origin;
use crate::json::{self, Value};
use crate::record::{at, object, quoted, string, wrong_type, Record};

/// The fields a receipt has besides the record's (`record::RECORD_FIELDS`); all required,
/// `policyUrl` may be null.
pub const RECEIPT_FIELDS: [&str; 2] = ["policyUrl", "site"];

#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    pub record: Record,
    /// The site's privacy policy when the choice was made, if the config names one.
    pub policy_url: Option<String>,
    /// The site's origin, e.g. `https://example.com`.
    pub site: String,
}

impl Receipt {
    /// The receipt for `record`, as JSON: the record's fields, then `policyUrl` and `site`.
    pub fn json(record: &Record, policy_url: Option<&str>, site: &str) -> String {
        let w = record.fields_json();
        let w = match policy_url {
            Some(url) => w.str("policyUrl", url),
            None => w.raw("policyUrl", "null"),
        };
        w.str("site", site).finish()
    }

    pub fn to_json(&self) -> String {
        Receipt::json(&self.record, self.policy_url.as_deref(), &self.site)
    }

    /// Checks a receipt as received: exactly the record's fields and the receipt's, each of the
    /// right type and form (`Record::read`), in an order that makes sense. The error is a
    /// message for the sender naming the first field that is wrong.
    pub fn parse(body: &str) -> Result<Receipt, String> {
        let value = json::parse(body).map_err(|e| ["the body is not valid JSON: ", &e].concat())?;
        let fields = object(&value, "the body")?;
        let record = Record::read(fields, &RECEIPT_FIELDS)?;
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map_or(&Value::Null, |(_, v)| v)
        };
        let policy_url = match field("policyUrl") {
            Value::Null => None,
            Value::Str(s) => Some(s.clone()),
            other => return Err(wrong_type("policyUrl", "a string or null", other)),
        };
        let site = string(field("site"), "site")?;
        if !is_origin(site) {
            return Err(at(
                "site",
                &[
                    &quoted(site),
                    " is not an origin like https://example.com \
                     (scheme, host and optional port; lowercase; no path)",
                ]
                .concat(),
            ));
        }
        Ok(Receipt {
            record,
            policy_url,
            site: site.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{test_json, Method, RECORD_FIELDS};

    const GOOD: &str = r#"{"schema":1,"id":"3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c","revision":3,"givenAt":"2026-11-25T13:18:56.123Z","updatedAt":"2026-11-25T13:20:01.004Z","expiresAt":"2027-05-26T13:20:01.004Z","categories":{"necessary":true,"analytics":false,"social":true},"services":{"analytics":{"ga":true}},"method":"custom","lang":"en","gpc":false,"policyUrl":"/privacy.html","site":"http://127.0.0.1:8000"}"#;

    fn err(body: &str) -> String {
        Receipt::parse(body).unwrap_err()
    }

    #[test]
    fn what_the_widget_writes_is_what_the_log_reads() {
        let r = Receipt::parse(GOOD).unwrap();
        assert_eq!(r.record.method, Method::Custom);
        assert_eq!(r.policy_url.as_deref(), Some("/privacy.html"));
        assert_eq!(r.site, "http://127.0.0.1:8000");
        assert_eq!(r.to_json(), GOOD, "written back byte for byte");
        let no_policy = Receipt::json(&r.record, None, "https://example.com");
        assert!(no_policy.contains(r#""policyUrl":null,"site":"https://example.com"}"#));
        assert_eq!(Receipt::parse(&no_policy).unwrap().policy_url, None);
    }

    #[test]
    fn a_record_made_by_the_widget_is_a_valid_receipt() {
        let config = crate::config::Config::parse(
            r#"{"categories":[{"id":"necessary","required":true},{"id":"analytics"}]}"#,
        )
        .unwrap()
        .config;
        let record = crate::consent::record_choice(
            &config,
            None,
            crate::consent::choices(&config, Method::AcceptAll, &[], false),
            Method::AcceptAll,
            crate::consent::Context {
                now: 1_764_076_736_000.0,
                lang: "de",
                new_id: crate::consent::uuid_v4([9; 16]),
                gpc: true,
            },
        );
        let body = Receipt::json(&record, Some("/privacy"), "https://www.example.com");
        assert_eq!(Receipt::parse(&body).unwrap().record, record);
    }

    #[test]
    fn needs_every_field_of_the_record_and_of_the_receipt() {
        assert!(err("").starts_with("the body is not valid JSON: "));
        assert_eq!(err("[]"), "the body must be a JSON object, got an array");
        assert_eq!(err("null"), "the body must be a JSON object, got null");
        for f in RECORD_FIELDS.iter().chain(&RECEIPT_FIELDS) {
            let without = test_json::with(GOOD, f, None);
            assert_eq!(err(&without), format!("missing field {f:?}"), "{without}");
        }
        let extra = GOOD.replacen('{', r#"{"ip":"1.2.3.4","#, 1);
        assert_eq!(err(&extra), "unknown field \"ip\"");
        let dup = GOOD.replacen('{', r#"{"gpc":true,"#, 1);
        assert!(err(&dup).contains("duplicate key"), "{}", err(&dup));
    }

    #[test]
    fn checks_the_receipt_fields() {
        let e = err(&GOOD.replace(r#""/privacy.html""#, "false"));
        assert_eq!(
            e,
            "field \"policyUrl\": expected a string or null, got a boolean"
        );
        let e = err(&GOOD.replace("http://127.0.0.1:8000", "https://example.com/"));
        assert!(
            e.starts_with("field \"site\": \"https://example.com/\" is not an origin"),
            "{e}"
        );
        let e = err(&GOOD.replace(r#""http://127.0.0.1:8000""#, "{}"));
        assert_eq!(e, "field \"site\": expected a string, got an object");
    }

    #[test]
    fn the_record_rules_apply_inside_a_receipt() {
        let e = err(&GOOD.replace("3f0c2a9e-8b1d-4c7e", "3F0C2A9E-8B1D-4C7E"));
        assert!(e.starts_with("field \"id\""), "{e}");
        let e = err(&GOOD.replace("2026-11-25T13:18:56.123Z", "1969-12-31T23:59:59.000Z"));
        assert!(e.starts_with("field \"givenAt\""), "{e}");
        let e = err(&GOOD.replace(r#""lang":"en""#, r#""lang":"en_US""#));
        assert!(e.starts_with("field \"lang\""), "{e}");
    }
}
