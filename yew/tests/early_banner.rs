//! The early banner optin-core shows at first paint is Yew's own banner: its template is fresh
//! (rendered by Yew from the component, `make early-banner` rewrites it), and the core's filling
//! of it equals Yew's render of the same banner, in every layout, theme, direction and state.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

use futures::executor::block_on;
use optin_core::config::{Config, LAYOUTS, THEMES};
use optin_core::early_banner::{self, Values};
use optin_core::json;
use optin_core::texts::Texts;
use optin_yew::prerender::{banner_html, early_banner_template};

fn template_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src/early_banner.json")
}

#[test]
fn the_template_is_what_yew_renders_now() {
    let rendered = block_on(early_banner_template());
    if std::env::var_os("OPTIN_BLESS").is_some() {
        std::fs::write(template_path(), &rendered).expect("core/src/early_banner.json is writable");
        return;
    }
    assert!(
        rendered == early_banner::TEMPLATE,
        "core/src/early_banner.json is stale: the banner component or its stylesheet changed. \
         Run `make early-banner` and commit the file."
    );
}

/// The filled banner (JSON: a text is a string, an element `[tag, {attributes}, children…]`) as
/// HTML, escaped as Yew's server renderer escapes it.
fn html(filled: &str) -> String {
    fn write(node: &json::Value, out: &mut String) {
        match node {
            json::Value::Str(text) => escape(text, false, out),
            json::Value::Arr(parts) => {
                let (Some(json::Value::Str(tag)), Some(json::Value::Obj(attributes))) =
                    (parts.first(), parts.get(1))
                else {
                    panic!("an element: {node:?}");
                };
                out.push('<');
                out.push_str(tag);
                for (name, value) in attributes {
                    let json::Value::Str(value) = value else {
                        panic!("an attribute's value is text: {value:?}");
                    };
                    out.push(' ');
                    out.push_str(name);
                    out.push_str("=\"");
                    escape(value, true, out);
                    out.push('"');
                }
                out.push('>');
                parts[2..].iter().for_each(|child| write(child, out));
                out.push_str("</");
                out.push_str(tag);
                out.push('>');
            }
            other => panic!("a text or an element: {other:?}"),
        }
    }
    fn escape(text: &str, attribute: bool, out: &mut String) {
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' if !attribute => out.push_str("&lt;"),
                '>' if !attribute => out.push_str("&gt;"),
                '"' if attribute => out.push_str("&quot;"),
                c => out.push(c),
            }
        }
    }
    let mut out = String::new();
    write(
        &json::parse(filled).expect("the filled banner is JSON"),
        &mut out,
    );
    out
}

fn config(layout: &str, theme: &str, extra: &str) -> Config {
    let source = [
        r#"{"categories":[{"id":"necessary","required":true},{"id":"analytics","gpc":true}],"layout":""#,
        layout,
        r#"","theme":""#,
        theme,
        r#"""#,
        extra,
        "}",
    ]
    .concat();
    Config::parse(&source)
        .unwrap_or_else(|e| panic!("{source}: {}", e.describe()))
        .config
}

/// Site texts with a link in the description, markup-like characters, and a revision notice.
const SITE: &str = r#","revision":2,"privacyPolicyUrl":"/privacy?a=1&b=\"2\"","texts":{"en":{"bannerDescription":"See [our <partners> & co](https://example.com/p?a=1&b=2), or [this](javascript:alert(1)). \"Quoted\" <b>not bold</b>","revisionNotice":"We changed <things>."}}"#;

fn check(values: &Values) {
    let template = early_banner::template();
    let filled = html(&early_banner::fill(&template, values).expect("the template fills"));
    let yew = block_on(banner_html(values));
    assert_eq!(
        filled, yew,
        "the early banner differs from Yew's (layout {}, lang {}, gpc {}, revised {}, unavailable {})",
        values.config.layout, values.lang, values.gpc, values.revised, values.settings_unavailable
    );
}

#[test]
fn the_filled_template_equals_yews_banner_in_every_layout_theme_and_state() {
    let german = Texts::from_file(include_str!("../../lang/de.json")).expect("lang/de.json reads");
    let mut checked = 0;
    for layout in LAYOUTS {
        for theme in THEMES {
            for extra in ["", SITE] {
                let config = config(layout, theme, extra);
                for (lang, shipped) in [
                    ("en", None),
                    ("de", Some(&german)),
                    ("ar", None),
                    ("he", None),
                ] {
                    for flags in 0..8u8 {
                        check(&Values {
                            config: &config,
                            lang,
                            shipped,
                            gpc: flags & 1 != 0,
                            revised: flags & 2 != 0,
                            settings_unavailable: flags & 4 != 0,
                        });
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, LAYOUTS.len() * THEMES.len() * 2 * 4 * 8);
}

#[test]
fn the_template_carries_no_english_in_its_markup() {
    // Every text comes from a slot: filled in German, no English word of the banner is left.
    let template = early_banner::template();
    let english = match template.get("texts") {
        Some(json::Value::Obj(texts)) => texts.clone(),
        _ => panic!("the template has its English texts"),
    };
    let german = Texts::from_file(include_str!("../../lang/de.json")).expect("lang/de.json reads");
    let config = config("bar-bottom", "auto", "");
    let filled = early_banner::fill(
        &template,
        &Values {
            config: &config,
            lang: "de",
            shipped: Some(&german),
            gpc: true,
            revised: false,
            settings_unavailable: true,
        },
    )
    .expect("the template fills");
    let html = html(&filled);
    for (key, text) in english {
        let json::Value::Str(text) = text else {
            continue;
        };
        assert!(!html.contains(&text), "{key} is still English: {html}");
    }
}
