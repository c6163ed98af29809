//! The table of well-known services (cli/data/trackers.json, compiled in): which service, provider
//! and category a cookie name, storage key or request host belongs to. Each entry names the public
//! page it was written from.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::site::host_matches;

/// One well-known service.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub id: String,
    pub name: String,
    pub provider: String,
    pub category: String,
    pub privacy_policy_url: String,
    /// The public page the entry was written from.
    pub source: String,
    pub hosts: Vec<String>,
    pub cookies: Vec<KnownCookie>,
    #[serde(default)]
    pub local_storage: Vec<String>,
}

/// A cookie a service is documented to set; `name` may hold `*`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct KnownCookie {
    pub name: String,
    pub purpose: String,
    pub duration: String,
}

#[derive(Deserialize)]
struct Table {
    services: Vec<Service>,
}

/// The compiled-in table (checked by a unit test, so it always parses).
pub fn table() -> &'static [Service] {
    static TABLE: OnceLock<Vec<Service>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let table: Table = serde_json::from_str(include_str!("../data/trackers.json"))
            .expect("cli/data/trackers.json parses (unit test table_is_sound)");
        table.services
    })
}

/// The service a cookie of this name belongs to, and the entry for it.
pub fn cookie(name: &str) -> Option<(&'static Service, &'static KnownCookie)> {
    table().iter().find_map(|s| {
        s.cookies
            .iter()
            .find(|c| wildcard(&c.name, name))
            .map(|c| (s, c))
    })
}

/// The service a storage key belongs to (its documented keys, or a cookie of the same name:
/// several libraries keep the same id in both).
pub fn storage(key: &str) -> Option<&'static Service> {
    table()
        .iter()
        .find(|s| s.local_storage.iter().any(|k| wildcard(k, key)))
        .or_else(|| cookie(key).map(|(s, _)| s))
}

/// The service a request host belongs to.
pub fn host(host: &str) -> Option<&'static Service> {
    table()
        .iter()
        .find(|s| s.hosts.iter().any(|h| host_matches(host, h)))
}

/// `pattern` with `*` standing for any characters (also used for the config's cookie names).
pub fn wildcard(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATEGORIES: &[&str] = &[
        "necessary",
        "functional",
        "analytics",
        "marketing",
        "social",
    ];

    #[test]
    fn table_is_sound() {
        let services = table();
        assert!(services.len() >= 20);
        for s in services {
            assert!(CATEGORIES.contains(&s.category.as_str()), "{}", s.id);
            assert!(s.source.starts_with("https://"), "{}: source", s.id);
            assert!(s.privacy_policy_url.starts_with("https://"), "{}", s.id);
            assert!(!s.hosts.is_empty(), "{}: hosts", s.id);
            for c in &s.cookies {
                assert!(
                    !c.purpose.is_empty() && !c.duration.is_empty(),
                    "{}",
                    c.name
                );
            }
        }
        let mut ids: Vec<_> = services.iter().map(|s| &s.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), services.len(), "ids are unique");
    }

    #[test]
    fn well_known_names_and_hosts() {
        assert_eq!(cookie("_ga").unwrap().0.id, "google-analytics");
        assert_eq!(cookie("_ga_OPTINDEMO1").unwrap().1.name, "_ga_*");
        assert_eq!(cookie("_gat_UA-1").unwrap().0.id, "google-analytics");
        assert_eq!(cookie("bcookie").unwrap().0.id, "linkedin");
        assert_eq!(cookie("_pk_id.1.abcd").unwrap().0.id, "matomo");
        assert_eq!(cookie("mp_0123_mixpanel").unwrap().0.id, "mixpanel");
        assert!(cookie("session").is_none());
        assert_eq!(
            host("www.google-analytics.com").unwrap().id,
            "google-analytics"
        );
        assert_eq!(host("platform.twitter.com").unwrap().id, "twitter");
        assert_eq!(host("banzai.disqus.com").unwrap().id, "disqus");
        assert!(host("example.com").is_none());
        assert_eq!(storage("ajs_user_id").unwrap().id, "segment");
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("_ga", "_ga"));
        assert!(!wildcard("_ga", "_gat"));
        assert!(wildcard("_ga_*", "_ga_X"));
        assert!(wildcard("_ga_*", "_ga_"));
        assert!(wildcard("a*b*c", "aXbYc"));
        assert!(!wildcard("a*b*c", "aXbY"));
    }
}
