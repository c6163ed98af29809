//! The banner at first paint. Yew renders optin-yew's own `Banner` ahead of time, at build time,
//! into `early_banner.json`: its markup with slots for the config's texts, and the banner's part
//! of the stylesheet. The core fills that template and shows it the moment it knows a banner is
//! needed, before the UI's files have arrived; "Accept all" and "Reject all" work through the
//! core at once, and the UI takes the banner over when it has loaded.
//!
//! Filling is pure ([`fill`]: the template and the values in, the filled banner out as JSON), so
//! the native test in optin-yew can hold it against Yew's own render of the same banner.
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
            // Only a site can know what changed between its revisions: its text alone.
            "revisionNotice" if !self.revised => None,
            "revisionNotice" => texts::site_text(config, self.lang, name),
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

/// The banner for `values`, as JSON in the template's shape with every slot filled in: a text is
/// a string, an element `[tag, {attributes}, children…]`. `None` only without a banner.
pub fn fill(template: &Value, values: &Values) -> Option<String> {
    let filler = Filler {
        template,
        values,
        link: None,
    };
    let mut out = String::new();
    filler
        .element(template.get("banner")?, &mut out)
        .then_some(out)
}

/// One pass over the template, writing JSON as it goes: an element whose slot has no value is
/// taken back out of what was written.
#[derive(Clone, Copy)]
struct Filler<'a> {
    template: &'a Value,
    values: &'a Values<'a>,
    /// Inside a rich-text link: its label and URL (`@label`, `@url`).
    link: Option<(&'a str, &'a str)>,
}

impl Filler<'_> {
    fn value(&self, slot: &Value) -> Option<String> {
        let name = slot_name(slot)?;
        match (name, self.link) {
            ("@label", Some((label, _))) => Some(label.to_owned()),
            ("@url", Some((_, url))) => Some(url.to_owned()),
            _ => self.values.slot(self.template, name),
        }
    }

    /// Writes the element; `false`, with nothing written, when one of its own slots is empty.
    fn element(&self, node: &Value, out: &mut String) -> bool {
        let start = out.len();
        let written = self.write_element(node, out).is_some();
        if !written {
            out.truncate(start);
        }
        written
    }

    fn write_element(&self, node: &Value, out: &mut String) -> Option<()> {
        let Value::Arr(parts) = node else {
            return None;
        };
        let (Some(Value::Str(tag)), Some(Value::Obj(attributes))) = (parts.first(), parts.get(1))
        else {
            return None;
        };
        out.push('[');
        json::push_str(out, tag);
        out.push_str(",{");
        for (i, (name, value)) in attributes.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json::push_str(out, name);
            out.push(':');
            match value {
                Value::Str(text) => json::push_str(out, text),
                slot => json::push_str(out, &self.value(slot)?),
            }
        }
        out.push('}');
        // Where a text of white space alone starts: it goes with an element left out after it.
        let mut space = None;
        for child in parts.get(2..).unwrap_or_default() {
            let before = out.len();
            out.push(',');
            match child {
                Value::Str(text) => {
                    json::push_str(out, text);
                    space = text.trim().is_empty().then_some(before);
                    continue;
                }
                Value::Arr(_) => {
                    if !self.element(child, out) {
                        out.truncate(space.unwrap_or(before));
                    }
                }
                slot => {
                    let text = self.value(slot)?;
                    if is_rich(self.template, slot_name(slot)?) {
                        out.truncate(before);
                        self.rich(&text, out);
                    } else {
                        json::push_str(out, &text);
                    }
                }
            }
            space = None;
        }
        out.push(']');
        Some(())
    }

    /// Text with `[label](url)` links, each link made from the template's `link`.
    fn rich(&self, text: &str, out: &mut String) {
        let (segments, _) = texts::segments(text);
        for segment in segments {
            out.push(',');
            match segment {
                Segment::Text(t) => json::push_str(out, t),
                Segment::Link { label, url } => {
                    let link = Filler {
                        link: Some((label, url)),
                        ..*self
                    };
                    if !link.element(self.template.get("link").unwrap_or(&Value::Null), out) {
                        out.pop();
                    }
                }
            }
        }
    }
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
    out.push_str(&banner);
    out.push(']');
    Some(out)
}
