//! The schema against the widget: it is valid 2020-12, documents every field of the table,
//! accepts every example config of the project and the widget's edge cases, refuses what the
//! widget refuses (but for the rules listed in `INEXPRESSIBLE`), and its patterns and defaults
//! are the widget's.

use std::path::Path;

use serde_json::{json, Value};

use super::super::tests::{accepted, refused};
use super::*;
use crate::config::{is_safe_url, Config};
use crate::formats;

/// Refused configs the schema accepts: (the rule JSON Schema cannot express, the config). Listed
/// in README "Config schema".
const INEXPRESSIBLE: &[(&str, &str)] = &[
    (
        "no key twice in an object",
        r#"{"categories":[{"id":"a"}],"categories":[{"id":"b"}]}"#,
    ),
    (
        "category ids are unique",
        r#"{"categories":[{"id":"a"},{"id":"a"}]}"#,
    ),
    (
        "service ids are unique within their category",
        r#"{"categories":[{"id":"a","services":[{"id":"s"},{"id":"s"}]}]}"#,
    ),
    (
        "googleConsentMode names a category of the config",
        r#"{"categories":[{"id":"a"}],"googleConsentMode":{"ad_storage":"b"}}"#,
    ),
    (
        "googleConsentMode names a service of that category",
        r#"{"categories":[{"id":"a"}],"googleConsentMode":{"ad_storage":"a/x"}}"#,
    ),
    (
        "texts.<lang>.categories names a category of the config",
        r#"{"categories":[{"id":"a"}],"texts":{"en":{"categories":{"b":{}}}}}"#,
    ),
];

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&schema()).expect("the schema compiles")
}

/// The schema's complaints about `json`, empty if it is valid.
fn complaints(validator: &jsonschema::Validator, json: &str) -> Vec<String> {
    let value: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    validator
        .iter_errors(&value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_schema_is_valid_2020_12() {
    let schema = schema();
    assert_eq!(schema["$schema"], DIALECT);
    if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
        panic!("{e} at {}", e.instance_path());
    }
}

#[test]
fn every_field_has_a_description_and_every_description_a_field() {
    let mut fields = Vec::new();
    paths(&CONFIG, "", &mut fields);
    for field in &fields {
        assert!(
            DOCS.iter().any(|(p, _)| p == field),
            "no description: {field}"
        );
    }
    for (i, (path, description)) in DOCS.iter().enumerate() {
        assert!(
            fields.iter().any(|f| f == path),
            "describes no field: {path}"
        );
        assert!(!description.is_empty(), "{path}");
        assert!(DOCS[..i].iter().all(|(p, _)| p != path), "twice: {path}");
    }
    for (path, _) in rules() {
        assert!(
            fields.iter().any(|f| f == path),
            "a rule for no field: {path}"
        );
    }
    for (path, _) in KEYED_MAPS {
        assert!(
            fields.iter().any(|f| f == path),
            "keys for no field: {path}"
        );
    }
}

#[test]
fn configs_the_widget_refuses_are_refused_but_for_the_inexpressible() {
    let validator = validator();
    let refused = refused();
    for (json, path) in &refused {
        let inexpressible = INEXPRESSIBLE.iter().find(|(_, c)| c == json);
        let said = complaints(&validator, json);
        match inexpressible {
            Some((rule, _)) => assert!(said.is_empty(), "{rule} is expressed now: {said:?}"),
            None => assert!(!said.is_empty(), "the schema accepts {json} ({path})"),
        }
    }
    for (rule, json) in INEXPRESSIBLE {
        assert!(
            refused.iter().any(|(c, _)| c == json),
            "{rule}: not in the corpus"
        );
    }
}

#[test]
fn configs_the_widget_accepts_at_its_edges_are_accepted() {
    let validator = validator();
    for json in accepted() {
        assert_eq!(
            complaints(&validator, &json),
            Vec::<String>::new(),
            "{json}"
        );
    }
}

/// The schema is stricter where the widget corrects and warns: an editor flags the value.
#[test]
fn what_the_widget_corrects_with_a_warning_the_schema_refuses() {
    let json = r#"{"categories":[{"id":"a"}],"expiresAfterDays":1000}"#;
    assert_eq!(Config::parse(json).unwrap().warnings.len(), 1);
    assert!(!complaints(&validator(), json).is_empty());
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn read(file: &str) -> String {
    std::fs::read_to_string(root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The ```json blocks of a Markdown text that are configs (an object with a `categories` list).
fn markdown_configs(markdown: &str) -> Vec<String> {
    let mut configs = Vec::new();
    let mut block: Option<String> = None;
    for line in markdown.lines() {
        match &mut block {
            None if line.trim_start() == "```json" => block = Some(String::new()),
            Some(text) if line.trim_start().starts_with("```") => {
                let v: Option<Value> = serde_json::from_str(text).ok();
                if v.is_some_and(|v| v["categories"].is_array()) {
                    configs.push(text.clone());
                }
                block = None;
            }
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    configs
}

/// The text of each `<script type="application/json" id="optin-config">` of an HTML page.
fn inline_configs(html: &str) -> Vec<String> {
    const OPEN: &str = r#"<script type="application/json" id="optin-config">"#;
    html.split(OPEN)
        .skip(1)
        .map(|rest| {
            rest.split("</script>")
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[test]
fn every_example_config_is_accepted_by_widget_and_schema() {
    let mut configs = Vec::new();
    let readme = markdown_configs(&read("README.md"));
    assert!(
        readme.len() >= 2,
        "README's configs: found {}",
        readme.len()
    );
    configs.extend(readme.into_iter().map(|c| ("README.md", c)));
    for page in ["www/index.html", "www/privacy.html"] {
        configs.extend(inline_configs(&read(page)).into_iter().map(|c| (page, c)));
    }
    for file in ["www/optin-config.json", "tests/e2e/fixtures/config.json"] {
        configs.push((file, read(file)));
    }
    assert!(configs.iter().any(|(f, _)| *f == "www/index.html"));
    let validator = validator();
    for (file, json) in &configs {
        if let Err(e) = Config::parse(json) {
            panic!("{file}: the widget refuses it: {e}");
        }
        assert_eq!(complaints(&validator, json), Vec::<String>::new(), "{file}");
    }
}

/// A schema of one string pattern, to hold a pattern to the function it restates.
fn pattern(p: &str) -> jsonschema::Validator {
    jsonschema::draft202012::new(&json!({ "type": "string", "pattern": p })).unwrap()
}

#[test]
fn patterns_are_the_widget_checks() {
    let long = "a".repeat(65);
    let id = pattern(ID_PATTERN);
    for s in [
        "a",
        "analytics",
        "Social_2",
        "ad-storage",
        &long[1..],
        "",
        "a b",
        "é",
        "a/b",
        &long,
    ] {
        assert_eq!(id.is_valid(&json!(s)), formats::is_id(s), "{s}");
    }
    let lang = jsonschema::draft202012::new(
        &json!({ "type": "string", "pattern": LANG_PATTERN, "maxLength": MAX_LANG }),
    )
    .unwrap();
    for s in [
        "en",
        "en-GB",
        "x-private",
        "i-klingon",
        "sr-Latn-RS",
        "de-CH-1996",
        "X-a",
        "en_US",
        "e",
        "",
        "englishlanguage",
        "en--us",
        "12",
        "en-",
        "-en",
        "en-aaaaaaaaa",
        "en-aaaaaaaa-bbbbbbbb-cccccccc-ddddd",
        "en-aaaaaaaa-bbbbbbbb-cccccccc-dddddd",
    ] {
        assert_eq!(lang.is_valid(&json!(s)), formats::is_language_tag(s), "{s}");
    }
    let url = pattern(URL_PATTERN);
    for s in [
        "/privacy#cookies",
        "privacy.html?a=b:c",
        "https://example.com/a:b",
        "HTTP://x",
        "",
        " https://x",
        "//cdn.example/x",
        "?q=a:b",
        "#a:b",
        "data:text/html,x",
        "vbscript:x",
        " JavaScript:alert(1)",
        "java script:x",
        "httpx://x",
        "mailto:a@b",
        "http",
        "a:",
    ] {
        assert_eq!(url.is_valid(&json!(s)), is_safe_url(s), "{s:?}");
    }
    let name = pattern(NAME_PATTERN);
    for s in ["_ga", " x ", "", " ", "\t\n"] {
        assert_eq!(name.is_valid(&json!(s)), !s.trim().is_empty(), "{s:?}");
    }
}

/// Each default the schema states is what the widget reads the field's absence as.
#[test]
fn defaults_are_what_the_widget_reads_an_absent_field_as() {
    let schema = schema();
    let minimal = r#"{"categories":[{"id":"a"}]}"#;
    let mut checked = 0;
    for (name, property) in schema["properties"].as_object().unwrap() {
        if let Some(default) = property.get("default") {
            let explicit = format!(r#"{{"categories":[{{"id":"a"}}],"{name}":{default}}}"#);
            assert_eq!(Config::parse(&explicit), Config::parse(minimal), "{name}");
            checked += 1;
        }
    }
    let category = &schema["properties"]["categories"]["items"]["properties"];
    for (name, property) in category.as_object().unwrap() {
        if let Some(default) = property.get("default") {
            let explicit = format!(r#"{{"categories":[{{"id":"a","{name}":{default}}}]}}"#);
            assert_eq!(Config::parse(&explicit), Config::parse(minimal), "{name}");
            checked += 1;
        }
    }
    assert_eq!(checked, 10);
}

#[test]
fn to_json_is_the_schema_pretty_printed() {
    let text = to_json();
    assert!(text.ends_with("}\n"));
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), schema());
}
