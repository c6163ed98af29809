//! `optin_core::config::Config::parse`: a site's config is refused or read, never a panic. A
//! config it accepts keeps the promises the rest of the widget relies on, and the links in its
//! texts (`[label](url)`, `texts::segments`) are never anything but http(s) or relative.
#![no_main]

use libfuzzer_sys::fuzz_target;
use optin_core::config::{is_safe_url, Config, Parsed};
use optin_core::json::{self, Value};
use optin_core::texts::{self, Resolved, Segment};

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(Parsed { config, warnings }) = Config::parse(source) else {
        return;
    };

    // Validation is idempotent: what it corrected (with a warning) needs no second correction.
    assert_eq!(
        config.clone().validated(),
        Ok(Parsed {
            config: config.clone(),
            warnings: Vec::new()
        }),
        "a parsed config must validate again unchanged (first warnings: {warnings:?})"
    );

    // Numbers are taken as written, not wrapped.
    let document = json::parse(source).expect("a parsed config is valid JSON");
    if let Some(Value::Int(revision)) = document.get("revision") {
        assert_eq!(i64::from(config.revision), *revision);
    }

    assert!(!config.categories.is_empty());
    assert!((1..=395).contains(&config.expires_after_days));
    for (i, category) in config.categories.iter().enumerate() {
        assert!(
            config.categories[..i].iter().all(|c| c.id != category.id),
            "duplicate category id {:?}",
            category.id
        );
        for service in &category.services {
            assert!(service
                .privacy_policy_url
                .as_deref()
                .is_none_or(is_safe_url));
        }
    }
    assert!(config.privacy_policy_url.as_deref().is_none_or(is_safe_url));
    assert!(config.log_endpoint.as_deref().is_none_or(is_safe_url));

    // What the UI renders from it: every text, in every language the config has, and English.
    let langs = config.texts.iter().map(|(lang, _)| lang.as_str());
    for lang in langs.chain(["en"]) {
        let resolved = Resolved::for_lang(&config, lang, None);
        for text in resolved_texts(&resolved) {
            check_links(text);
        }
        for category in &config.categories {
            let (title, description) = texts::category_texts(&config, lang, &category.id, None);
            check_links(&title);
            check_links(&description);
        }
    }
    let _ = texts::choose_lang(&config, Some("de-AT"), &["fr-CA".to_owned()]);
});

fn resolved_texts(r: &Resolved) -> impl Iterator<Item = &str> {
    [
        &r.banner_title,
        &r.banner_description,
        &r.accept_all,
        &r.reject_all,
        &r.preferences,
        &r.preferences_title,
        &r.preferences_description,
        &r.save,
        &r.close,
        &r.always_on,
        &r.privacy_policy,
        &r.settings,
        &r.cookie,
        &r.purpose,
        &r.duration,
        &r.set_by,
        &r.first_party,
        &r.third_party,
        &r.gpc_notice,
        &r.download_record,
        &r.settings_unavailable,
    ]
    .into_iter()
    .map(String::as_str)
    .chain(r.revision_notice.as_deref())
}

/// A link is rendered only with a safe URL and a label; a refused URL is really unsafe.
fn check_links(text: &str) {
    let (segments, refused) = texts::segments(text);
    for segment in segments {
        if let Segment::Link { label, url } = segment {
            assert!(
                is_safe_url(url),
                "unsafe link rendered: {url:?} in {text:?}"
            );
            assert!(!label.is_empty() && !label.contains('['));
        }
    }
    for url in refused {
        assert!(!is_safe_url(url), "safe link refused: {url:?} in {text:?}");
    }
}
