//! `optin` as a site owner runs it: the binary on the fixtures (cli/tests/fixtures/) and on the
//! demo site, with exact output and exit status.

use std::path::Path;
use std::process::Command;

/// (exit status, stdout, stderr) of `optin ARGS` run in the fixtures directory.
fn optin(args: &[&str]) -> (i32, String, String) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let out = Command::new(env!("CARGO_BIN_EXE_optin"))
        .args(args)
        .current_dir(fixtures)
        .output()
        .expect("optin runs");
    (
        out.status.code().expect("an exit status"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn a_broken_config_gets_the_browser_message_and_status_1() {
    let (status, stdout, _) = optin(&["check", "broken.json"]);
    assert_eq!(
        stdout,
        "broken.json:4: error: optin config: categories[1].id: is not a valid id \
         (1 to 64 of a-z, A-Z, 0-9, '-', '_')\n"
    );
    assert_eq!(status, 1);
}

#[test]
fn a_warning_passes_unless_warnings_are_denied() {
    let expected = "warning.json:2: warning: optin config: expiresAfterDays: is above the \
                    maximum of 395 days; using 395\n";
    assert_eq!(
        optin(&["check", "warning.json"]),
        (0, expected.into(), "".into())
    );
    let (status, stdout, _) = optin(&["check", "--deny-warnings", "warning.json"]);
    assert_eq!((status, stdout.as_str()), (1, expected));
}

#[test]
fn a_syntax_error_gets_its_line_and_a_root_field_none() {
    let (status, stdout, _) = optin(&["check", "syntax.json"]);
    assert_eq!(
        (status, stdout.as_str()),
        (
            1,
            "syntax.json:4: error: optin config: not valid JSON (expected ',' or '}' at byte 59)\n"
        )
    );
    let (status, stdout, _) = optin(&["check", "empty.json"]);
    assert_eq!(
        (status, stdout.as_str()),
        (
            1,
            "empty.json: error: optin config: categories: is missing\n"
        )
    );
}

#[test]
fn a_good_config_and_page_print_nothing() {
    assert_eq!(optin(&["check", "config.json"]), (0, "".into(), "".into()));
}

#[test]
fn the_demo_passes_with_one_warning() {
    let (status, stdout, stderr) = optin(&[
        "check",
        "../../../www/optin-config.json",
        "../../../www/index.html",
        "../../../www/privacy.html",
    ]);
    assert_eq!((status, stderr.as_str()), (0, ""), "{stdout}");
    // The demo's inline gated script has no nonce: the demo sets no CSP.
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(lines[0].starts_with("../../../www/index.html:"), "{stdout}");
    assert!(
        lines[0].ends_with(": warning: inline gated script without a nonce: a CSP that allows scripts by nonce blocks it once granted"),
        "{stdout}"
    );
}

#[test]
fn an_ungated_tracker_is_reported() {
    let (status, stdout, _) = optin(&["check", "config.json", "tracker.html"]);
    assert_eq!(
        stdout,
        "tracker.html:5: warning: <script> from www.googletagmanager.com is not gated: it loads \
         without consent (gate it with type=\"text/plain\" data-category=\"…\")\n\
         tracker.html:11: warning: <iframe> from www.youtube-nocookie.com is not gated: it loads \
         without consent (gate it with data-category=\"…\" and data-src for src)\n"
    );
    assert_eq!(status, 0);
    let (status, stdout, _) = optin(&[
        "check",
        "--deny-warnings",
        "--site-host",
        "youtube-nocookie.com",
        "config.json",
        "tracker.html",
    ]);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert_eq!(status, 1);
}

#[test]
fn unknown_categories_and_services_are_errors() {
    let (status, stdout, _) = optin(&["check", "config.json", "unknown.html"]);
    assert_eq!(
        stdout,
        "unknown.html:4: error: data-category=\"analytic\" names no category of the config \
         (necessary, analytics, social): the element never runs\n\
         unknown.html:5: error: data-service=\"matomo\" names no service of category analytics \
         (ga): the element never runs\n\
         unknown.html:6: error: data-category=\"marketing\" names no category of the config \
         (necessary, analytics, social): the element never runs\n"
    );
    assert_eq!(status, 1);
}

#[test]
fn an_inline_gated_script_without_nonce_on_a_page_with_nonces_is_an_error() {
    let (status, stdout, _) = optin(&["check", "config.json", "inline.html"]);
    assert_eq!(
        stdout,
        "inline.html:8: error: inline gated script without a nonce: this page uses nonces, and \
         its CSP blocks the script once granted\n"
    );
    assert_eq!(status, 1);
}

#[test]
fn pages_are_still_checked_when_the_config_is_refused() {
    let (status, stdout, stderr) = optin(&["check", "broken.json", "tracker.html"]);
    assert_eq!(status, 1);
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert_eq!(
        stderr,
        "optin check: the config is refused: pages are checked without its categories\n"
    );
}

#[test]
fn a_page_as_config_brings_its_inline_config_with_page_lines() {
    let (status, stdout, stderr) = optin(&["check", "inline-broken.html"]);
    assert_eq!(
        stdout,
        "inline-broken.html:7: error: optin config: layout: must be one of: bar-bottom, bar-top, \
         box-bottom-left, box-bottom-right, box-center\n"
    );
    assert_eq!(status, 1);
    assert!(stderr.contains("the config is refused"), "{stderr}");
}

#[test]
fn a_page_as_config_brings_its_data_config_file() {
    let (status, stdout, _) = optin(&["check", "data-config.html"]);
    assert_eq!(
        stdout,
        "data-config.html:7: error: data-category=\"marketing\" names no category of the config \
         (necessary, analytics, social): the element never runs\n"
    );
    assert_eq!(status, 1);
}

#[test]
fn a_page_without_config_is_checked_against_the_built_in_one() {
    let (status, stdout, stderr) = optin(&["check", "unknown.html"]);
    assert_eq!(
        stderr,
        "optin check: unknown.html has no config: the widget uses its built-in one\n"
    );
    // The built-in config: necessary, analytics, marketing, no services.
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert_eq!(status, 1);
}

#[test]
fn an_unreadable_file_is_status_2() {
    let (status, stdout, stderr) = optin(&["check", "config.json", "missing.html"]);
    assert_eq!((status, stdout.as_str()), (2, ""));
    assert!(
        stderr.starts_with("optin check: cannot read missing.html: "),
        "{stderr}"
    );
}

#[test]
fn schema_prints_the_generated_schema() {
    let (status, stdout, _) = optin(&["schema"]);
    assert_eq!(status, 0);
    assert_eq!(stdout, optin_core::config::schema::to_json());
    assert!(
        stdout.starts_with("{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\"")
    );
}
