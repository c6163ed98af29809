//! The banner at first paint. Yew renders optin-yew's own `Banner` ahead of time, at build time,
//! into `early_banner.json`: its markup with slots for the config's texts, and the banner's part
//! of the stylesheet. The core fills that template and shows it the moment it knows a banner is
//! needed, before the UI's files have arrived; "Accept all" and "Reject all" work through the
//! core at once, and the UI takes the banner over when it has loaded.
//!
//! Filling is pure ([`fill`]: the template and the values in, a [`Node`] tree out), so the native
//! test in optin-yew can hold it against Yew's own render of the same banner, field for field.
//! The loader (`loader/src/early-banner.js`) turns the filled tree into elements and text nodes,
//! in JavaScript: those DOM calls cost every visitor's download a fraction of what they cost as
//! wasm imports. Config texts stay text, never HTML.
//!
//! The template (generated: `make early-banner` writes it, a test fails when it is stale):
//! - `css`: the banner's stylesheet;
//! - `texts`: the English text of each slot (the site's and the language file's come first);
//! - `rich`: the slots that are rich text (`[label](url)` links, as `texts::segments` reads them);
//! - `link`: the element a rich-text link becomes, with the slots `@label` and `@url`;
//! - `banner`: the banner element.
//!
//! A node is a string (text), `{"$": slot}` (a text slot) or `[tag, {attribute: value}, node…]`,
//! an attribute's value a string or a slot. A slot is a text key (`bannerTitle`) or, with `@`,
//! a property of the banner (`@layout`). An element with a slot that has no value is left out,
//! with the white space that separates it from what comes before: that is how the Yew banner's
//! optional parts (the notices, the privacy policy link) come and go.

use crate::config::Config;
use crate::json::{self, Value};
use crate::texts::{self, Segment, Texts};

/// The template, as generated from optin-yew's `Banner`.
pub const TEMPLATE: &str = include_str!("early_banner.json");

/// A piece of the filled banner: what becomes a DOM node (or, in tests, HTML).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    Element {
        tag: String,
        attributes: Vec<(String, String)>,
        children: Vec<Node>,
    },
}

/// What the banner shows, beyond the config: the language (and its shipped file), and which of
/// its optional notices apply.
pub struct Values<'a> {
    pub config: &'a Config,
    pub lang: &'a str,
    /// The language's built-in texts (`lang/<code>.json`), when it is not English.
    pub shipped: Option<&'a Texts>,
    /// A Global Privacy Control signal keeps some categories off.
    pub gpc: bool,
    /// The stored choice predates the config's revision.
    pub revised: bool,
    /// Preferences was pressed, and the panel's code could not be loaded.
    pub settings_unavailable: bool,
}

impl Values<'_> {
    /// The value of a slot, or `None`: then the element that holds it is left out.
    fn slot(&self, template: &Value, name: &str) -> Option<String> {
        let config = self.config;
        let value = match name {
            "@lang" => Some(self.lang),
            "@dir" => Some(if texts::is_rtl(self.lang) {
                "rtl"
            } else {
                "ltr"
            }),
            "@layout" => Some(config.layout.as_str()),
            "@privacyPolicyUrl" => config.privacy_policy_url.as_deref(),
            "gpcNotice" if !self.gpc => None,
            "settingsUnavailable" if !self.settings_unavailable => None,
            // Only a site can know what changed between its revisions: no built-in text.
            "revisionNotice" if !self.revised => None,
            key => texts::site_text(config, self.lang, key)
                .or_else(|| self.shipped.and_then(|t| t.get(key)))
                .or_else(|| match template.get("texts")?.get(key)? {
                    Value::Str(s) => Some(s.as_str()),
                    _ => None,
                }),
        };
        value.map(str::to_owned)
    }
}

/// The template as the core carries it. It is generated and tested, so it always parses.
pub fn template() -> Value {
    json::parse(TEMPLATE).unwrap_or(Value::Null)
}

/// The banner's stylesheet.
pub fn stylesheet(template: &Value) -> &str {
    match template.get("css") {
        Some(Value::Str(css)) => css,
        _ => "",
    }
}

/// The banner for `values`; `None` only if the template has no banner.
pub fn fill(template: &Value, values: &Values) -> Option<Node> {
    let mut out = Vec::new();
    node(template, template.get("banner")?, values, None, &mut out)?;
    out.pop()
}

/// Fills `node` into `out`. `None` when a slot of the element it belongs to has no value.
fn node(
    template: &Value,
    node: &Value,
    values: &Values,
    link: Option<(&str, &str)>,
    out: &mut Vec<Node>,
) -> Option<()> {
    match node {
        Value::Str(text) => out.push(Node::Text(text.clone())),
        Value::Obj(_) => {
            let name = slot_name(node)?;
            let text = match (name, link) {
                ("@label", Some((label, _))) => label.to_owned(),
                ("@url", Some((_, url))) => url.to_owned(),
                _ => values.slot(template, name)?,
            };
            if is_rich(template, name) {
                rich(template, &text, values, out);
            } else {
                out.push(Node::Text(text));
            }
        }
        Value::Arr(parts) => {
            if let Some(element) = element(template, parts, values, link) {
                out.push(element);
            } else if matches!(out.last(), Some(Node::Text(t)) if t.trim().is_empty()) {
                out.pop();
            }
        }
        _ => {}
    }
    Some(())
}

/// `[tag, {attributes}, children…]`, or `None` when one of its own slots has no value.
fn element(
    template: &Value,
    parts: &[Value],
    values: &Values,
    link: Option<(&str, &str)>,
) -> Option<Node> {
    let (Some(Value::Str(tag)), Some(Value::Obj(attrs))) = (parts.first(), parts.get(1)) else {
        return None;
    };
    let mut attributes = Vec::with_capacity(attrs.len());
    for (name, value) in attrs {
        let value = match value {
            Value::Str(s) => s.clone(),
            slot => match (slot_name(slot)?, link) {
                ("@url", Some((_, url))) => url.to_owned(),
                (name, _) => values.slot(template, name)?,
            },
        };
        attributes.push((name.clone(), value));
    }
    let mut children = Vec::new();
    for child in parts.get(2..).unwrap_or_default() {
        node(template, child, values, link, &mut children)?;
    }
    Some(Node::Element {
        tag: tag.clone(),
        attributes,
        children,
    })
}

fn slot_name(node: &Value) -> Option<&str> {
    match node.get("$")? {
        Value::Str(name) => Some(name),
        _ => None,
    }
}

fn is_rich(template: &Value, name: &str) -> bool {
    matches!(template.get("rich"), Some(Value::Arr(names))
        if names.iter().any(|n| matches!(n, Value::Str(n) if n == name)))
}

/// Text with `[label](url)` links, each link made from the template's `link`.
fn rich(template: &Value, text: &str, values: &Values, out: &mut Vec<Node>) {
    let (segments, _) = texts::segments(text);
    for segment in segments {
        match segment {
            Segment::Text(t) => out.push(Node::Text(t.to_owned())),
            Segment::Link { label, url } => {
                if let Some(Value::Arr(parts)) = template.get("link") {
                    if let Some(link) = element(template, parts, values, Some((label, url))) {
                        out.push(link);
                    }
                }
            }
        }
    }
}

impl Node {
    /// The node as JSON: a string, or `[tag, {attributes}, children…]`.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Node::Text(text) => json::push_str(out, text),
            Node::Element {
                tag,
                attributes,
                children,
            } => {
                out.push('[');
                json::push_str(out, tag);
                out.push_str(",{");
                for (i, (name, value)) in attributes.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json::push_str(out, name);
                    out.push(':');
                    json::push_str(out, value);
                }
                out.push('}');
                for child in children {
                    out.push(',');
                    child.write_json(out);
                }
                out.push(']');
            }
        }
    }

    /// The node as HTML, escaped as Yew's server renderer escapes it: what the tests compare.
    pub fn to_html(&self) -> String {
        let mut html = String::new();
        self.write_html(&mut html);
        html
    }

    fn write_html(&self, out: &mut String) {
        match self {
            Node::Text(text) => escape(text, false, out),
            Node::Element {
                tag,
                attributes,
                children,
            } => {
                out.push('<');
                out.push_str(tag);
                for (name, value) in attributes {
                    out.push(' ');
                    out.push_str(name);
                    out.push_str("=\"");
                    escape(value, true, out);
                    out.push('"');
                }
                out.push('>');
                for child in children {
                    child.write_html(out);
                }
                out.push_str("</");
                out.push_str(tag);
                out.push('>');
            }
        }
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

/// The banner filled for the running widget, as the loader builds it: `[stylesheet, theme,
/// layout, banner]` in JSON, the banner as a node of the template's shape without slots. `None`
/// before the start. `texts` is the language's shipped file, when it is not English.
#[cfg(feature = "engine")]
pub fn filled_json(texts: Option<&str>, settings_unavailable: bool) -> Option<String> {
    let (config, lang, gpc, revised) = crate::api::banner_context()?;
    let shipped = texts.and_then(Texts::from_file);
    let template = template();
    let banner = fill(
        &template,
        &Values {
            config: &config,
            lang: &lang,
            shipped: shipped.as_ref(),
            gpc,
            revised,
            settings_unavailable,
        },
    )?;
    let mut out = String::from("[");
    for part in [stylesheet(&template), &config.theme, &config.layout] {
        json::push_str(&mut out, part);
        out.push(',');
    }
    banner.write_json(&mut out);
    out.push(']');
    Some(out)
}
