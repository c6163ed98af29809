//! Google Consent Mode v2: the values optin sends with `gtag('consent', 'update', …)`.
//!
//! The config maps each consent type (`ad_storage`, `analytics_storage`, …) to a category or a
//! `category/service`; a type is `granted` exactly while its target is. Pure, so the mapping is
//! tested natively. The `default` command (every mapped type denied) is sent by the loader before
//! the core has started, from the inline config: see `loader/src/consent-mode.js`.

use crate::config::Config;
use crate::consent::Access;
use crate::json::ObjectWriter;

/// `{"ad_storage":"denied","analytics_storage":"granted", …}`, in the config's order. A target
/// the access does not know (it cannot happen with a validated config) reads as denied.
pub fn update_json(config: &Config, access: &Access) -> String {
    let mut values = ObjectWriter::new();
    for (consent_type, target) in &config.google_consent_mode {
        let on = match target.split_once('/') {
            Some((category, service)) => access.service(category, service),
            None => access.category(target),
        };
        let value = if on == Some(true) {
            "granted"
        } else {
            "denied"
        };
        values = values.str(consent_type, value);
    }
    values.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::access_after;

    fn config() -> Config {
        Config::parse(
            r#"{"categories":[{"id":"necessary","required":true},
                {"id":"analytics","services":[{"id":"ga"}]},{"id":"marketing"}],
                "googleConsentMode":{"analytics_storage":"analytics/ga","ad_storage":"marketing",
                "ad_user_data":"marketing","functionality_storage":"necessary"}}"#,
        )
        .unwrap()
        .config
    }

    #[test]
    fn each_type_follows_its_category_or_service() {
        let c = config();
        assert_eq!(
            update_json(&c, &Access::new(&c, None, &[])),
            r#"{"analytics_storage":"denied","ad_storage":"denied","ad_user_data":"denied","functionality_storage":"granted"}"#,
            "before a choice only the required category is granted"
        );
        assert_eq!(
            update_json(&c, &access_after(&c, &["analytics/ga"])),
            r#"{"analytics_storage":"granted","ad_storage":"denied","ad_user_data":"denied","functionality_storage":"granted"}"#,
            "a service granted on its own"
        );
        assert_eq!(
            update_json(&c, &access_after(&c, &["analytics", "marketing"])),
            r#"{"analytics_storage":"granted","ad_storage":"granted","ad_user_data":"granted","functionality_storage":"granted"}"#,
            "a category grants its services"
        );
    }

    #[test]
    fn no_mapping_sends_an_empty_object() {
        let c = Config::parse(r#"{"categories":[{"id":"a"}]}"#)
            .unwrap()
            .config;
        assert_eq!(update_json(&c, &Access::new(&c, None, &[])), "{}");
    }
}
