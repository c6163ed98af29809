//! Minifies the widget's stylesheet into `OUT_DIR` for `src/lib.rs`: `styles/banner.css` alone
//! (`BANNER_STYLESHEET`, what the banner Yew renders ahead of time for optin-core needs) and both
//! parts together (`STYLESHEET`). The stylesheet is compiled into the wasm, so its comments and
//! indentation would be bytes every first-time visitor downloads (about 0.5 KB brotli). The
//! sources stay commented and readable.

use std::{env, fs, path::Path};

const BANNER: &str = "styles/banner.css";
const PANEL: &str = "styles/panel.css";

fn main() {
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).to_owned();
    let read = |source: &str| {
        println!("cargo:rerun-if-changed={source}");
        minify(&fs::read_to_string(source).unwrap_or_else(|e| panic!("{source}: {e}")))
    };
    let banner = read(BANNER);
    let panel = read(PANEL);
    fs::write(out.join("optin.css"), [banner.as_str(), &panel].concat())
        .expect("OUT_DIR is writable");
    fs::write(out.join("banner.css"), banner).expect("OUT_DIR is writable");
}

/// Drops `/* … */` comments, turns every run of whitespace into one space, and drops the spaces
/// next to `{`, `}` and `;` and after `:` and `,` (a descendant combinator never follows those).
/// Spaces elsewhere stay, where they can carry meaning (`a b`, `calc(1em - 2px)`); the
/// stylesheet has no strings with runs of spaces.
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
        if c == ' ' && out.ends_with(['{', '}', ';', ':', ',']) {
            continue;
        }
        out.push(c);
    }
    out
}
