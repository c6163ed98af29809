//! Minifies `styles/optin.css` into `OUT_DIR` for `src/lib.rs` (`STYLESHEET`): the stylesheet
//! is compiled into the UI's wasm, so its comments and indentation would be bytes every
//! first-time visitor downloads (about 0.5 KB brotli). The source stays commented and readable.

use std::{env, fs, path::Path};

const SOURCE: &str = "styles/optin.css";

fn main() {
    println!("cargo:rerun-if-changed={SOURCE}");
    let css = fs::read_to_string(SOURCE).expect("styles/optin.css is readable");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("optin.css");
    fs::write(out, minify(&css)).expect("OUT_DIR is writable");
}

/// Drops `/* … */` comments, turns every run of whitespace into one space, and drops the spaces
/// next to `{`, `}` and `;`. Spaces elsewhere stay, where they can carry meaning (`a b`,
/// `calc(1em - 2px)`); the stylesheet has no strings with runs of spaces.
fn minify(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(collapsed.len());
    for c in collapsed.chars() {
        if matches!(c, '{' | '}' | ';') && out.ends_with(' ') {
            out.pop();
        }
        if c == ' ' && out.ends_with(['{', '}', ';']) {
            continue;
        }
        out.push(c);
    }
    out
}
