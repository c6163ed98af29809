//! `optin scan` and `optin audit` in headless Chromium against sites served on 127.0.0.1
//! (tests/support): the demo site, whose stand-ins must all be found and classified and whose
//! audit passes; a leaky copy whose audit fails naming each problem; the demo gated by the
//! config the scan drafted. They need dist/ and Chromium: `make test-scan` runs them (they are
//! ignored by a plain `cargo test`, which runs before dist/ is built).

mod support;

use std::time::Duration;

use optin_core::config::Config;
use serde_json::Value;
use support::{optin, root, scratch, Server, HOST_RULES};

/// A whole scan of a three-page site takes ~25 s; this is the most any run may take.
const LIMIT: Duration = Duration::from_secs(180);

/// The crawl flags every run uses: bounded, no delay, every host on 127.0.0.1.
fn crawl_args<'a>(url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        url,
        "--depth",
        "1",
        "--max-pages",
        "6",
        "--max-time",
        "120",
        "--delay",
        "0",
        "--host-resolver-rules",
        HOST_RULES,
    ];
    args.extend_from_slice(extra);
    args
}

fn scan_json(url: &str, extra: &[&str]) -> Value {
    let mut args = vec!["scan", "--format", "json"];
    args.extend(crawl_args(url, extra));
    let (status, stdout, stderr) = optin(&args, LIMIT);
    assert_eq!(status, 0, "optin scan: {stderr}");
    serde_json::from_str(&stdout).expect("JSON report")
}

/// The report's row for a cookie name (or host) and the stages it was seen in.
fn row<'a>(report: &'a Value, list: &str, key: &str, value: &str) -> &'a Value {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("{list}: no {value} in {report:#}"))
}

fn stages(row: &Value) -> Vec<&str> {
    row["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

fn names_before_choice(report: &Value) -> Vec<&str> {
    report["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| stages(c).contains(&"before-choice") || stages(c).contains(&"after-reject-all"))
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

#[test]
#[ignore = "needs dist/ and Chromium: make test-scan"]
fn the_demo_is_found_classified_and_passes_its_audit_and_its_draft_gates_it() {
    let server = Server::start();
    server.demo("www.banzai.test", |_, text| text);
    server.files.put(
        "www.banzai.test",
        "/robots.txt",
        "User-agent: *\nDisallow: /drafts/\n",
    );
    let url = server.url("www.banzai.test", "/");
    let config = root().join("www/optin-config.json");
    let dir = scratch("demo");
    let drafted = dir.join("drafted.json");
    let report = scan_json(
        &url,
        &[
            "--config",
            config.to_str().unwrap(),
            "--draft-config",
            drafted.to_str().unwrap(),
        ],
    );

    // Every stand-in is found, as a third-party host and by its cookies, after accept-all only.
    for (host, service, category) in [
        ("www.googletagmanager.com", "Google Analytics", "analytics"),
        (
            "platform.linkedin.com",
            "LinkedIn (Insight Tag and plugins)",
            "social",
        ),
        (
            "platform.twitter.com",
            "X (Twitter) widgets and pixel",
            "social",
        ),
        (
            "connect.facebook.com",
            "Facebook (Meta Pixel and social plugins)",
            "social",
        ),
        ("banzaicloud.disqus.com", "Disqus comments", "comments"),
    ] {
        let h = row(&report, "hosts", "host", host);
        assert_eq!(h["class"]["service"], service, "{h:#}");
        // The page's own markup gates it under this category.
        assert_eq!(h["class"]["category"], category, "{h:#}");
        assert_eq!(stages(h), ["after-accept-all"], "{h:#}");
        let by: Vec<&str> = h["initiators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_str().unwrap())
            .collect();
        assert!(
            by.iter()
                .any(|i| i.starts_with(&server.url("www.banzai.test", "/"))),
            "{h:#}"
        );
    }
    for (cookie, service, category) in [
        ("_ga", "google-analytics", "analytics"),
        ("_gid", "google-analytics", "analytics"),
        ("bcookie", "linkedin", "social"),
        ("guest_id", "twitter", "social"),
        ("fr", "facebook", "social"),
        ("disqus_unique", "disqus", "comments"),
    ] {
        let c = row(&report, "cookies", "name", cookie);
        assert_eq!(c["class"]["basis"], "markup", "{c:#}");
        assert_eq!(c["class"]["category"], category, "{c:#}");
        assert_eq!(stages(c), ["after-accept-all"], "{c:#}");
        assert!(c["setBy"].as_str().unwrap().contains(':'), "{c:#}");
        let _ = service;
    }
    assert_eq!(
        row(&report, "cookies", "name", "_gid")["expires"],
        "24 hours"
    );
    assert_eq!(
        row(&report, "cookies", "name", "session")["class"]["category"],
        "unknown"
    );
    // Nothing but the site's session cookie before a choice or after reject-all.
    assert_eq!(names_before_choice(&report), ["session"]);
    // The demo declares all it sets; it declares jwt, which it never sets.
    let comparison = &report["comparison"];
    assert_eq!(comparison["setNotDeclared"], serde_json::json!([]));
    assert_eq!(comparison["declaredNotSet"], serde_json::json!(["jwt"]));
    for page in report["pages"].as_array().unwrap() {
        assert_eq!(page["optin"], "ready");
        assert_eq!(page["wayBack"]["opensPreferences"], true, "{page:#}");
    }

    // Its audit passes.
    let mut args = vec!["audit", "--config", config.to_str().unwrap()];
    args.extend(crawl_args(&url, &[]));
    let (status, stdout, stderr) = optin(&args, LIMIT);
    assert_eq!(
        (status, stdout.as_str()),
        (0, "optin audit: 3 pages, no problems\n"),
        "{stderr}"
    );

    // The drafted config is valid for the widget and for `optin check`...
    let text = std::fs::read_to_string(&drafted).unwrap();
    let parsed = Config::parse(&text).unwrap_or_else(|e| panic!("{}\n{text}", e.describe()));
    let ids: Vec<&str> = parsed
        .config
        .categories
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["necessary", "analytics", "comments", "social"],
        "{text}"
    );
    let (status, out, _) = optin(&["check", drafted.to_str().unwrap()], LIMIT);
    assert_eq!(status, 0, "{out}\n{text}");

    // ...and gates the demo: served with it, nothing runs before a choice, all after accept-all.
    let gated = server.url("www.drafted.test", "/");
    server.demo("www.drafted.test", |name, page| {
        with_config(name, page, &text)
    });
    let mut args = vec!["audit", "--config", drafted.to_str().unwrap()];
    args.extend(crawl_args(&gated, &[]));
    let (status, stdout, stderr) = optin(&args, LIMIT);
    assert_eq!(
        (status, stdout.as_str()),
        (0, "optin audit: 3 pages, no problems\n"),
        "{stderr}"
    );
    let report = scan_json(&gated, &["--config", drafted.to_str().unwrap()]);
    assert_eq!(names_before_choice(&report), ["session"]);
    assert_eq!(
        report["comparison"]["setNotDeclared"],
        serde_json::json!([])
    );
    assert_eq!(report["hosts"].as_array().unwrap().len(), 5, "{report:#}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The demo's page (or its optin-config.json) with `config` in place of its own.
fn with_config(name: &str, page: String, config: &str) -> String {
    match name {
        "optin-config.json" => config.to_owned(),
        "index.html" => {
            let start = page
                .find("<script type=\"application/json\" id=\"optin-config\">")
                .unwrap();
            let open_end = start + page[start..].find('>').unwrap() + 1;
            let close = open_end + page[open_end..].find("</script>").unwrap();
            format!("{}{}{}", &page[..open_end], config.trim(), &page[close..])
        }
        _ => page,
    }
}

#[test]
#[ignore = "needs dist/ and Chromium: make test-scan"]
fn the_leaky_copy_fails_its_audit_naming_each_problem() {
    let server = Server::start();
    let host = "www.leaky.test";
    let ga = server.url("www.googletagmanager.com", "/gtag/js");
    let frame = server.url("widgets.partner.test", "/frame.html");
    let hotjar = server.url("static.hotjar.com", "/c/hotjar.js");
    server.demo(host, |name, page| {
        if name != "index.html" {
            return page;
        }
        // A tracker that runs before consent, a cookie the config does not declare, and links
        // to a page with no way back and to a page robots.txt forbids.
        page.replace(
            "<script src=\"app.js\" defer></script>",
            &format!(
                "<script src=\"app.js\" defer></script>\n  <script src=\"{ga}\"></script>\n  \
                 <script>document.cookie = 'ab_test=B; path=/; max-age=2592000; SameSite=Lax';</script>"
            ),
        )
        .replace(
            "<li><a href=\"privacy.html\">Privacy</a></li>",
            "<li><a href=\"privacy.html\">Privacy</a></li><li><a href=\"landing.html\">Offer</a></li>\
             <li><a href=\"/private/admin.html\">Admin</a></li>",
        )
    });
    server.files.put(
        host,
        "/landing.html",
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Offer</title>\
             <script src=\"optin/optin.js\" data-config=\"optin-config.json\" defer></script></head>\
             <body><h1>Special offer</h1><p>No cookie settings anywhere.</p>\
             <iframe src=\"{frame}\" title=\"Partner widget\"></iframe></body></html>"
        ),
    );
    // A partner's frame (another site: its own renderer process) that loads Hotjar itself.
    server.files.put(
        "widgets.partner.test",
        "/frame.html",
        format!("<!doctype html><title>partner</title><script src=\"{hotjar}\"></script>"),
    );
    server.files.put(
        "static.hotjar.com",
        "/c/hotjar.js",
        "window.hj = function () {};",
    );
    server.files.put(
        host,
        "/private/admin.html",
        "<!doctype html><title>admin</title>",
    );
    server
        .files
        .put(host, "/robots.txt", "User-agent: *\nDisallow: /private/\n");
    let config = root().join("www/optin-config.json");
    let mut args = vec!["audit", "--config", config.to_str().unwrap()];
    let url = server.url(host, "/index.html");
    args.extend(crawl_args(&url, &[]));
    let (status, stdout, stderr) = optin(&args, LIMIT);
    // Shown with --nocapture (the README's example).
    println!("{stdout}");
    assert_eq!(status, 1, "{stdout}\n{stderr}");
    let index = server.url(host, "/index.html");
    let landing = server.url(host, "/landing.html");
    for expected in [
        format!("(a) {index}: before a choice: cookies _ga, _ga_OPTINDEMO1, _gat, _gid are set (declared under analytics/ga, not necessary)"),
        format!("(a) {index}: after reject-all: cookies _ga, _ga_OPTINDEMO1, _gat, _gid are set (declared under analytics/ga, not necessary)"),
        format!("(a) {index}: before a choice: calls third-party host www.googletagmanager.com (Google Analytics, analytics, requested by {index})"),
        format!("(b) {index}: cookie ab_test (domain www.leaky.test) is not declared in the config"),
        format!("(a) {landing}: before a choice: calls third-party host static.hotjar.com (Hotjar, analytics, requested by {frame})"),
        format!("(a) {landing}: before a choice: calls third-party host widgets.partner.test (unknown, requested by {landing})"),
        format!("(c) {landing}: no way back to the preferences: no [data-optin-open] element and no settings button (config settingsButton)"),
    ] {
        assert!(stdout.contains(&expected), "missing: {expected}\nin:\n{stdout}");
    }
    // Ten problems: nothing on the privacy statement, which has its way back.
    assert!(
        stdout.starts_with("optin audit: 3 pages, 10 problems\n"),
        "{stdout}"
    );
    let admin = server.url(host, "/private/admin.html");
    assert!(
        stdout.ends_with(&format!(
            "not audited: {admin} (disallowed by robots.txt)\n"
        )),
        "{stdout}"
    );
    assert!(!server
        .log
        .lock()
        .unwrap()
        .iter()
        .any(|(_, p)| p.starts_with("/private/")));
    assert!(server.requested("www.googletagmanager.com"));
}

/// The report README "Scan your site" shows: `OPTIN_README_REPORT=md|text cargo test -p
/// optin-cli --test scan -- --ignored --nocapture readme` prints it (a no-op otherwise).
#[test]
#[ignore = "needs dist/ and Chromium: make test-scan"]
fn readme_report() {
    let Ok(format) = std::env::var("OPTIN_README_REPORT") else {
        return;
    };
    let server = Server::start();
    server.demo("www.banzai.test", |_, text| text);
    let url = server.url("www.banzai.test", "/");
    let config = root().join("www/optin-config.json");
    let dir = scratch("readme");
    let drafted = dir.join("drafted.json");
    let mut args = vec![
        "scan",
        "--format",
        &format,
        "--config",
        config.to_str().unwrap(),
    ];
    args.extend(crawl_args(
        &url,
        &["--draft-config", drafted.to_str().unwrap()],
    ));
    let (status, stdout, stderr) = optin(&args, LIMIT);
    assert_eq!(status, 0, "{stderr}");
    let mut args = vec!["audit", "--config", config.to_str().unwrap()];
    args.extend(crawl_args(&url, &[]));
    let (_, audit, _) = optin(&args, LIMIT);
    let draft = std::fs::read_to_string(&drafted).unwrap();
    println!("{stdout}\n{audit}\n{draft}");
    let _ = std::fs::remove_dir_all(dir);
}
