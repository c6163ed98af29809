//! `optin_core::consent::assess` and `Record::from_json`: a stored value (anything a page, an
//! extension or another version of the widget left in localStorage or the cookie) is judged
//! against a fixed config at a fixed time, never a panic. A record that reads writes back
//! (`to_json`) to one that reads equal and is judged the same, and a valid record's grants
//! survive the round trip through the panel's choices.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use optin_core::config::Config;
use optin_core::consent::{self, Access, Method, Record, Stored};
use optin_core::time::{from_iso, to_iso};

/// 2026-11-25T12:00:00.000Z
const NOW: f64 = 1_795_608_000_000.0;

/// Revision 3 and a 90-day lifetime, so that valid, stale (other revision, expired) and invalid
/// records are all within reach; a required category, services, and a `gpc` category.
static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    Config::parse(
        r#"{"revision":3,"expiresAfterDays":90,"categories":[
            {"id":"necessary","required":true,"services":[{"id":"session"}]},
            {"id":"analytics","services":[{"id":"ga"},{"id":"hotjar"}]},
            {"id":"marketing","gpc":true,"services":[{"id":"ads"}]},
            {"id":"social"}]}"#,
    )
    .expect("the fuzz config is valid")
    .config
});

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let config = &*CONFIG;
    let stored = consent::assess(Some(raw), config, NOW);
    assert!(stored.same_choice(&stored));
    assert_eq!(
        consent::assess_all(&[raw.to_owned(), raw.to_owned()], config, NOW),
        stored,
        "a second identical copy changes nothing"
    );

    let Ok(record) = Record::from_json(raw) else {
        assert!(matches!(stored, Stored::Invalid { .. }));
        return;
    };
    let written = record.to_json();
    assert_eq!(
        Record::from_json(&written).as_ref(),
        Ok(&record),
        "to_json must read back equal: {written:?}"
    );
    assert_eq!(consent::assess(Some(&written), config, NOW), stored);

    let Some(previous) = stored.previous() else {
        return;
    };
    // Valid or stale: its timestamps passed the shape check, so they are times after 2020
    // that the writer reproduces.
    for stamp in [
        &previous.given_at,
        &previous.updated_at,
        &previous.expires_at,
    ] {
        let ms = from_iso(stamp).expect("a checked record's timestamps read");
        assert_eq!(from_iso(&to_iso(ms)), Some(ms), "{stamp:?}");
    }
    let _ = consent::unknown_categories(previous, config);

    let Some(valid) = stored.valid() else {
        return;
    };
    assert_eq!(valid.revision, config.revision);
    let access = Access::new(config, Some(valid), &[]);
    for category in config.categories.iter().filter(|c| c.required) {
        assert_eq!(access.category(&category.id), Some(true));
    }
    // Saving the panel unchanged grants exactly what the record granted.
    let accepted = consent::accepted_with(&access, None);
    let (categories, services) = consent::choices(config, Method::Custom, &accepted, false);
    let saved = Record {
        categories,
        services,
        method: Method::Custom,
        ..valid.clone()
    };
    let again = Access::new(config, Some(&saved), &[]);
    assert_eq!(again, access, "the panel's choices must re-grant the same");
    assert!(again.changed(&access).is_empty() && !again.withdraws_from(&access));
});
