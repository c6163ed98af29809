//! Reads an HTML page into the start tags `optin check` looks at, each with its line, using
//! html5ever's tokenizer (the HTML standard's tokenization, as a browser reads the page).
//!
//! A tokenizer, not a tree: the checks need tags, attributes and lines, and only the tokenizer
//! reports lines. It is told what a tree builder would tell it, that the text of `<script>`,
//! `<style>`, `<noscript>` (the widget runs with scripting on), `<textarea>`… is text, not
//! tags.

use std::cell::{Cell, RefCell};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, CharacterTokens, EndTag, StartTag, Tag, TagToken, Token, TokenSink,
    TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// What `optin check` reads of a page.
pub struct Page {
    pub elements: Vec<Element>,
    /// The inline config's text (`<script type="application/json" id="optin-config">`, the
    /// first element with that id, as `getElementById` finds it) and the line it starts on.
    pub inline_config: Option<(u64, String)>,
}

/// One start tag of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The line the tag starts on, from 1.
    pub line: u64,
    /// Lowercase, as the tokenizer gives it.
    pub name: String,
    /// In source order, names lowercase; a repeated attribute keeps its first value, as in a
    /// browser.
    pub attrs: Vec<(String, String)>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.attr(name).is_some()
    }
}

/// Collects start tags; `line` is the line of the token before the tag, which ends where the
/// tag begins (the tokenizer reports the line a token ends on).
#[derive(Default)]
struct Sink {
    elements: RefCell<Vec<Element>>,
    line: RefCell<u64>,
    /// The element with id `optin-config` was found.
    config_seen: Cell<bool>,
    /// Inside that element, when it is a script: its text goes to `inline_config`.
    in_config: Cell<bool>,
    inline_config: RefCell<Option<(u64, String)>>,
}

/// Elements whose text is not markup, and how the tokenizer must read it.
fn raw_kind(tag: &str) -> Option<RawKind> {
    match tag {
        "script" => Some(RawKind::ScriptData),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => Some(RawKind::Rawtext),
        "textarea" | "title" => Some(RawKind::Rcdata),
        _ => None,
    }
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<()> {
        let start = std::mem::replace(&mut *self.line.borrow_mut(), line);
        match token {
            TagToken(tag) if tag.kind == StartTag => {
                // In HTML a `/>` closes nothing but void elements: `<iframe/>` still has text.
                let result = match raw_kind(&tag.name) {
                    Some(kind) => TokenSinkResult::RawData(kind),
                    None if &*tag.name == "plaintext" => TokenSinkResult::Plaintext,
                    None => TokenSinkResult::Continue,
                };
                let element = element(tag, start.max(1));
                if element.attr("id") == Some("optin-config") && !self.config_seen.replace(true) {
                    // The text starts right after the tag, on the line the tag ends on.
                    self.in_config.set(element.name == "script");
                    *self.inline_config.borrow_mut() = Some((line, String::new()));
                }
                self.elements.borrow_mut().push(element);
                result
            }
            TagToken(tag) if tag.kind == EndTag => {
                self.in_config.set(false);
                TokenSinkResult::Continue
            }
            CharacterTokens(text) if self.in_config.get() => {
                if let Some((_, config)) = self.inline_config.borrow_mut().as_mut() {
                    config.push_str(&text);
                }
                TokenSinkResult::Continue
            }
            // A parse error may come from inside a tag: it says nothing of where the tag began.
            Token::ParseError(_) => {
                *self.line.borrow_mut() = start;
                TokenSinkResult::Continue
            }
            _ => TokenSinkResult::Continue,
        }
    }
}

fn element(tag: Tag, line: u64) -> Element {
    let mut attrs: Vec<(String, String)> = Vec::new();
    for attr in tag.attrs {
        let name = attr.name.local.to_string();
        if !attrs.iter().any(|(n, _)| *n == name) {
            attrs.push((name, attr.value.to_string()));
        }
    }
    Element {
        line,
        name: tag.name.to_string(),
        attrs,
    }
}

/// Every start tag of `html`, in document order, and the inline config.
pub fn read(html: &str) -> Page {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(Sink::default(), TokenizerOpts::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    Page {
        elements: tokenizer.sink.elements.take(),
        inline_config: tokenizer.sink.inline_config.take(),
    }
}

/// Every start tag of `html`, in document order.
#[cfg(test)]
pub fn elements(html: &str) -> Vec<Element> {
    read(html).elements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_with_their_start_lines_and_attributes() {
        let html = "<!doctype html>\n<p>text\n<script type=\"text/plain\"\n  data-category=\"a\">\
                    if (1 < 2) { document.write('<iframe src=x>') }</script>\n\
                    <img data-src=\"/p.png\" alt=\"\" alt=\"2\"><iframe src=\"https://x.example/\"></iframe>\n";
        let found = elements(html);
        let names: Vec<(&str, u64)> = found.iter().map(|e| (e.name.as_str(), e.line)).collect();
        assert_eq!(names, [("p", 2), ("script", 3), ("img", 5), ("iframe", 5)]);
        assert_eq!(found[1].attr("data-category"), Some("a"));
        assert_eq!(found[2].attr("alt"), Some(""));
        assert_eq!(
            found[3].attrs,
            [("src".into(), "https://x.example/".into())]
        );
    }

    #[test]
    fn the_inline_config_and_its_line() {
        let html = "<p id=x>\n<script type=\"application/json\" id=\"optin-config\">\n{\"categories\":\n[]}</script>\
                    <script id=\"optin-config\">{}</script>";
        assert_eq!(
            read(html).inline_config,
            Some((2, "\n{\"categories\":\n[]}".to_owned()))
        );
        assert_eq!(
            read("<div id=optin-config>{}</div>").inline_config,
            Some((1, "".into()))
        );
        assert_eq!(read("<p>").inline_config, None);
    }

    #[test]
    fn text_elements_hold_no_tags() {
        let html =
            "<noscript><img src=\"https://t.example/p\"></noscript><textarea><script></textarea>\
                    <style>a::after{content:'<script src=x>'}</style><title><iframe></title><b>";
        let names: Vec<String> = elements(html).into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["noscript", "textarea", "style", "title", "b"]);
    }
}
