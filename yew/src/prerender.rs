//! The banner rendered ahead of time: Yew's server renderer (feature `ssr`) renders this crate's
//! own [`Banner`](crate::banner::Banner) with a marker in place of each text and property, and
//! [`early_banner_template`] turns that markup into optin-core's early-banner template
//! (`core/src/early_banner.json`, whose module doc describes the format). So the markup the core
//! shows at first paint is never written by hand: `make early-banner` writes the file, and a
//! test fails when the component has changed and the file is stale.
//!
//! [`banner_html`] renders the banner for real values, for the test that holds the core's filled
//! template against it.

use std::rc::Rc;

use optin_core::config::Config;
use optin_core::early_banner::Values;
use optin_core::json;
use optin_core::texts::Resolved;
use yew::prelude::*;
use yew::ServerRenderer;

use crate::banner::{Banner, BannerProps};
use crate::model::Model;
use crate::rich_text::rich_text;

/// Marks a slot in the rendered markup: private-use characters no config text contains.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

fn marker(slot: &str) -> String {
    [&OPEN.to_string(), slot, &CLOSE.to_string()].concat()
}

/// The banner's texts, by their config key: the slots of the template. A text the banner shows
/// and this list lacks would be baked into the template in English, and the test that fills it
/// in another language would fail.
fn text_slots(r: &mut Resolved) -> [(&'static str, &mut String); 8] {
    [
        ("bannerTitle", &mut r.banner_title),
        ("bannerDescription", &mut r.banner_description),
        ("privacyPolicy", &mut r.privacy_policy),
        ("acceptAll", &mut r.accept_all),
        ("rejectAll", &mut r.reject_all),
        ("preferences", &mut r.preferences),
        ("gpcNotice", &mut r.gpc_notice),
        ("settingsUnavailable", &mut r.settings_unavailable),
    ]
}

/// The texts that are rich text in the banner (rendered through `rich_text`).
const RICH: &[&str] = &["bannerDescription"];

/// Renders the banner for `values`, as the UI would show it.
pub async fn banner_html(values: &Values<'_>) -> String {
    let mut model = Model::new(values.config, values.lang, values.shipped);
    model.gpc = values.gpc;
    model.revised = values.revised;
    model.settings_unavailable = values.settings_unavailable;
    render_banner(model).await
}

async fn render_banner(model: Model) -> String {
    ServerRenderer::<Banner>::with_props(move || BannerProps {
        model: Rc::new(model),
        on_accept_all: Callback::noop(),
        on_reject_all: Callback::noop(),
        on_preferences: Callback::noop(),
        preferences_ref: NodeRef::default(),
    })
    .hydratable(false)
    .render()
    .await
}

#[derive(Properties, PartialEq)]
struct RichProps {
    text: AttrValue,
}

#[function_component(Rich)]
fn rich(props: &RichProps) -> Html {
    rich_text(&props.text)
}

/// optin-core's early-banner template (JSON), rendered by Yew from the banner component.
pub async fn early_banner_template() -> String {
    let config = Config::parse(&marked_config())
        .expect("the marker config is valid")
        .config;
    let mut model = Model::new(&config, "en", None);
    assert_eq!(
        model.texts.revision_notice.as_deref(),
        Some(marker("revisionNotice").as_str()),
        "the revision notice comes from the site's texts"
    );
    let builtin = Config::parse(Config::BUILTIN_JSON)
        .expect("the built-in config is valid")
        .config;
    let mut english_texts = Resolved::for_lang(&builtin, "en", None);
    let mut defaults = json::ObjectWriter::new();
    for ((key, slot), (_, text)) in text_slots(&mut model.texts)
        .into_iter()
        .zip(text_slots(&mut english_texts))
    {
        *slot = marker(key);
        defaults = defaults.str(key, text);
    }
    model.gpc = true;
    model.revised = true;
    model.settings_unavailable = true;
    model.lang = marker("@lang");
    model.dir = Box::leak(marker("@dir").into_boxed_str());
    model.layout = marker("@layout");
    let banner = render_banner(model).await;
    let link = ServerRenderer::<Rich>::with_props(|| RichProps {
        text: ["[", &marker("@label"), "](", &marker("@url"), ")"]
            .concat()
            .into(),
    })
    .hydratable(false)
    .render()
    .await;

    let mut rich = String::from("[");
    for (i, key) in RICH.iter().enumerate() {
        if i > 0 {
            rich.push(',');
        }
        json::push_str(&mut rich, key);
    }
    rich.push(']');
    let mut css = String::new();
    json::push_str(&mut css, crate::BANNER_STYLESHEET);
    [
        "{\n\"css\": ",
        &css,
        ",\n\"texts\": ",
        &defaults.finish(),
        ",\n\"rich\": ",
        &rich,
        ",\n\"link\": ",
        &markup::to_json(&link),
        ",\n\"banner\": ",
        &markup::to_json(&banner),
        "\n}\n",
    ]
    .concat()
}

/// A config whose privacy policy URL and revision notice are markers (both come from the config,
/// and the URL must pass its check: a marker reads as a relative URL).
fn marked_config() -> String {
    let mut config =
        String::from("{\"categories\": [{\"id\": \"necessary\"}], \"privacyPolicyUrl\": ");
    json::push_str(&mut config, &marker("@privacyPolicyUrl"));
    config.push_str(", \"texts\": {\"en\": {\"revisionNotice\": ");
    json::push_str(&mut config, &marker("revisionNotice"));
    config.push_str("}}}");
    config
}

/// Yew's server-rendered markup read back as the template's nodes. It reads what Yew writes:
/// elements with double-quoted attributes, text escaped with `&amp;`, `&lt;`, `&gt;` and
/// `&quot;`, no comments (the render is not hydratable), no void elements in the banner.
mod markup {
    use super::{CLOSE, OPEN};
    use optin_core::json;

    /// The single element `html` holds, as a template node.
    pub fn to_json(html: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        element(&mut rest, &mut out);
        assert!(
            rest.trim().is_empty(),
            "one element, then nothing: {rest:?}"
        );
        out
    }

    fn element(rest: &mut &str, out: &mut String) {
        let open = rest.strip_prefix('<').expect("an element");
        let end = open.find('>').expect("a closed start tag");
        let (head, after) = (&open[..end], &open[end + 1..]);
        let (tag, attributes) = head.split_once(' ').unwrap_or((head, ""));
        out.push('[');
        json::push_str(out, tag);
        out.push_str(", {");
        let mut attributes = attributes.trim();
        let mut first = true;
        while !attributes.is_empty() {
            let (name, value) = attributes.split_once("=\"").expect("name=\"value\"");
            let close = value.find('"').expect("a closing quote");
            if !first {
                out.push_str(", ");
            }
            first = false;
            json::push_str(out, name.trim());
            out.push_str(": ");
            text(&decode(&value[..close]), true, out);
            attributes = value[close + 1..].trim_start();
        }
        out.push('}');
        *rest = after;
        let closing = ["</", tag, ">"].concat();
        loop {
            if let Some(after) = rest.strip_prefix(closing.as_str()) {
                *rest = after;
                break;
            }
            out.push_str(", ");
            if rest.starts_with('<') {
                element(rest, out);
            } else {
                let end = rest.find('<').expect("text inside an element");
                let (t, after) = rest.split_at(end);
                text(&decode(t), false, out);
                *rest = after;
            }
        }
        out.push(']');
    }

    /// Text with markers, as template nodes: an attribute's value is one string or one slot;
    /// element content becomes a text node or a slot per piece.
    fn text(t: &str, attribute: bool, out: &mut String) {
        let mut pieces = Vec::new();
        let mut rest = t;
        while let Some(start) = rest.find(OPEN) {
            if start > 0 {
                pieces.push((false, &rest[..start]));
            }
            let end = rest.find(CLOSE).expect("a closed marker");
            pieces.push((true, &rest[start + OPEN.len_utf8()..end]));
            rest = &rest[end + CLOSE.len_utf8()..];
        }
        if !rest.is_empty() || pieces.is_empty() {
            pieces.push((false, rest));
        }
        assert!(
            !attribute || pieces.len() == 1,
            "an attribute is all text or one slot: {t:?}"
        );
        for (i, (slot, piece)) in pieces.into_iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if slot {
                out.push_str("{\"$\": ");
                json::push_str(out, piece);
                out.push('}');
            } else {
                json::push_str(out, piece);
            }
        }
    }

    fn decode(t: &str) -> String {
        t.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }
}
