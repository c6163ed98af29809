//! The server side of the example, run at build time (scripts/build-ssr-example.sh): renders the
//! app with Yew's server renderer into the page template and writes `<out dir>/index.html`. A
//! static host then serves the rendered page; the wasm hydrates it.

use std::path::PathBuf;
use std::{env, fs, process};

use optin_yew_ssr_example::App;

/// The page around the app; its empty `<body></body>` is where the rendered app goes.
const TEMPLATE: &str = include_str!("../../index.html");
const BODY: &str = "<body></body>";

fn main() {
    let Some(out) = env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: render <out dir>");
        process::exit(2);
    };
    let page = page(&render());
    fs::create_dir_all(&out)
        .and_then(|()| fs::write(out.join("index.html"), page))
        .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}

/// The app's markup, hydratable (it carries Yew's component markers, which hydration reads).
fn render() -> String {
    // The renderer runs on Yew's own runtime; this thread only waits for the result.
    futures::executor::block_on(yew::ServerRenderer::<App>::new().render())
}

/// The template with the app in `<body>`, with nothing around it: hydration takes every child of
/// `<body>` for the app's.
fn page(app: &str) -> String {
    assert!(TEMPLATE.contains(BODY), "index.html has an empty {BODY}");
    TEMPLATE.replacen(BODY, &["<body>", app, "</body>"].concat(), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server knows nothing of the visitor: the render is the one before the core starts.
    #[test]
    fn the_server_renders_the_state_before_the_start() {
        let app = render();
        assert!(app.contains("data-placeholder=\"media\""), "{app}");
        assert!(app.contains("data-analytics=\"not granted\""), "{app}");
        assert!(!app.contains("data-gated"), "nothing granted: {app}");
        assert!(!app.contains("optin-widget"), "no banner, no panel: {app}");
        assert!(app.contains("<!--<[optin_yew::"), "hydratable: {app}");
    }

    #[test]
    fn the_app_goes_into_the_body() {
        let page = page("<main>app</main>");
        assert!(page.contains("<body><main>app</main></body>"));
    }
}
