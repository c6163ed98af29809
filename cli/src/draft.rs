//! `--draft-config`: an optin config written from a scan, for the site owner to edit: a required
//! "necessary" category for what the site sets before any choice and nobody else claims, one
//! category per classified kind of service (the page's own `data-category` first), services with
//! provider, privacy policy and a cookie table whose durations are the observed ones.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::report::{Class, CookieRow, Report, CAPPED};
use crate::visit::Stage;

/// Categories whose titles and descriptions the widget has built in (core/src/catalogue.rs).
const BUILT_IN: &[&str] = &["necessary", "analytics", "marketing"];
/// The service for the site's own cookies that nothing else claims.
const SITE_SERVICE: &str = "site";
/// The category for unknown cookies that appear only after a choice.
const OTHER: &str = "other";

#[derive(Default)]
struct Draft {
    /// category id → service id → service.
    categories: BTreeMap<String, BTreeMap<String, Service>>,
}

#[derive(Default)]
struct Service {
    name: Option<String>,
    provider: Option<String>,
    privacy_policy_url: Option<String>,
    /// By name (or pattern).
    cookies: BTreeMap<String, CookieOut>,
    local_storage: Vec<String>,
}

// The config as written: structs, so that fields come in the order a person reads them.
#[derive(Serialize)]
struct ConfigOut {
    revision: u32,
    categories: Vec<CategoryOut>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    texts: BTreeMap<&'static str, TextsOut>,
}

#[derive(Serialize)]
struct CategoryOut {
    id: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    required: bool,
    services: Vec<ServiceOut>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceOut {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<String>,
    purpose: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    privacy_policy_url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cookies: Vec<CookieOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    local_storage: Vec<String>,
}

#[derive(Serialize, Clone)]
struct CookieOut {
    name: String,
    purpose: String,
    duration: String,
    party: &'static str,
}

#[derive(Serialize)]
struct TextsOut {
    categories: BTreeMap<String, CategoryTexts>,
}

#[derive(Serialize)]
struct CategoryTexts {
    title: String,
    description: String,
}

/// The drafted config as pretty JSON. `own_key` is the widget's storage key (not listed).
pub fn draft(report: &Report, own_key: &str) -> String {
    let mut d = Draft::default();
    d.categories.entry("necessary".into()).or_default();
    for c in report.cookies.iter().filter(|c| c.name != own_key) {
        let cookie = cookie_out(c);
        d.service(&c.class, &c.stages)
            .cookies
            .entry(cookie.name.clone())
            .or_insert(cookie);
    }
    for s in report
        .storage
        .iter()
        .filter(|s| s.kind == "local" && s.key != own_key)
    {
        let service = d.service(&s.class, &s.stages);
        if !service.local_storage.contains(&s.key) {
            service.local_storage.push(s.key.clone());
        }
    }
    // Hosts the table knows, even without cookies: the owner must gate them too.
    for h in report.hosts.iter().filter(|h| h.class.basis != "unknown") {
        d.service(&h.class, &h.stages);
    }
    serde_json::to_string_pretty(&d.output()).unwrap_or_default() + "\n"
}

/// A cookie's line in the table: the table's pattern and purpose when it knows the cookie.
fn cookie_out(c: &CookieRow) -> CookieOut {
    let capped = c.expires_in.is_some_and(|s| s >= CAPPED);
    let (name, purpose, duration) = match &c.class.known {
        // At the browser's cap, the documented duration says more than the observed one.
        Some((pattern, purpose, documented)) => (
            pattern.clone(),
            purpose.clone(),
            if capped { documented } else { &c.expires }.clone(),
        ),
        None => (
            c.name.clone(),
            "Found by optin scan: describe what it is for.".to_owned(),
            if capped {
                "400 days or more".into()
            } else {
                c.expires.clone()
            },
        ),
    };
    CookieOut {
        name,
        purpose,
        duration,
        party: party(c),
    }
}

impl Draft {
    /// The service a finding goes to: its classification's, or for unknown ones the site's own
    /// (necessary) when it is there before a choice, else "other".
    fn service(&mut self, class: &Class, stages: &BTreeSet<Stage>) -> &mut Service {
        let (category, id) = match (&class.service_id, class.category.as_str()) {
            (Some(id), category) if category != "unknown" => (category.to_owned(), id.clone()),
            (None, category) if category != "unknown" => (category.to_owned(), category.to_owned()),
            _ if stages.contains(&Stage::BeforeChoice) => ("necessary".into(), SITE_SERVICE.into()),
            _ => (OTHER.into(), "unknown".into()),
        };
        let service = self
            .categories
            .entry(sanitize(&category))
            .or_default()
            .entry(sanitize(&id))
            .or_default();
        if service.name.is_none() {
            service.name = class.service.clone();
            service.provider = class.provider.clone();
            if let Some(source) = &class.source {
                service.privacy_policy_url = crate::trackers::table()
                    .iter()
                    .find(|s| &s.source == source)
                    .map(|s| s.privacy_policy_url.clone());
            }
        }
        service
    }

    fn output(&self) -> ConfigOut {
        let mut texts = BTreeMap::new();
        // The required category first, as the panel lists them in this order.
        let mut ordered: Vec<_> = self.categories.iter().collect();
        ordered.sort_by_key(|(id, _)| id.as_str() != "necessary");
        let categories = ordered
            .into_iter()
            .map(|(id, services)| {
                if !BUILT_IN.contains(&id.as_str()) {
                    texts.insert(id.clone(), category_texts(id, services));
                }
                CategoryOut {
                    id: id.clone(),
                    required: id == "necessary",
                    services: services
                        .iter()
                        .map(|(sid, s)| service_out(id, sid, s))
                        .collect(),
                }
            })
            .collect();
        let mut out = ConfigOut {
            revision: 1,
            categories,
            texts: BTreeMap::new(),
        };
        if !texts.is_empty() {
            out.texts.insert("en", TextsOut { categories: texts });
        }
        out
    }
}

fn service_out(category: &str, id: &str, s: &Service) -> ServiceOut {
    let name = s.name.clone().unwrap_or_else(|| match (category, id) {
        (_, SITE_SERVICE) => "This site".to_owned(),
        (OTHER, _) => "Unknown (found by optin scan)".to_owned(),
        _ => id.to_owned(),
    });
    ServiceOut {
        id: id.to_owned(),
        name,
        provider: s.provider.clone(),
        purpose: purpose(category),
        privacy_policy_url: s.privacy_policy_url.clone(),
        cookies: s.cookies.values().cloned().collect(),
        local_storage: s.local_storage.clone(),
    }
}

/// A first sentence for the owner to rewrite.
fn purpose(category: &str) -> &'static str {
    match category {
        "necessary" => "Makes the site work; it cannot be switched off.",
        "analytics" => "Measures how visitors use the site, so that it can be improved.",
        "marketing" => "Advertising, and measuring it, on this site and others.",
        "functional" => "Features visitors ask for, such as embedded content or chat.",
        "social" => "Social media features: sharing, embedded posts, comments.",
        OTHER => "Found by optin scan after a choice, unknown to its table: say what it does and move it to the right category.",
        _ => "Describe what this service does for the site.",
    }
}

fn category_texts(id: &str, services: &BTreeMap<String, Service>) -> CategoryTexts {
    let title = match id {
        "functional" => "Functional".to_owned(),
        "social" => "Social media".to_owned(),
        OTHER => "Other".to_owned(),
        _ => {
            let mut t = id.replace(['-', '_'], " ");
            if let Some(first) = t.get(0..1) {
                t.replace_range(0..1, &first.to_uppercase());
            }
            t
        }
    };
    let names: Vec<String> = services
        .iter()
        .map(|(sid, s)| s.name.clone().unwrap_or_else(|| sid.clone()))
        .collect();
    CategoryTexts {
        title,
        description: format!("{}.", names.join(", ")),
    }
}

fn party(c: &CookieRow) -> &'static str {
    if c.third_party {
        "third"
    } else {
        "first"
    }
}

/// A service id the config accepts: 1 to 64 of a-z, A-Z, 0-9, '-', '_'.
fn sanitize(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if s.is_empty() {
        "service".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crawl::{Crawl, PageScan};
    use crate::visit::{Cookie, Visit};
    use optin_core::config::Config;

    const PAGE: &str = "https://www.example.com/";

    fn cookie(name: &str, expires_in: Option<i64>) -> Cookie {
        Cookie {
            name: name.into(),
            domain: "www.example.com".into(),
            path: "/".into(),
            expires_in,
            third_party: false,
            secure: true,
            http_only: false,
            same_site: Some("Lax".into()),
            set_by: None,
        }
    }

    fn visit(stage: Stage, cookies: Vec<Cookie>, storage: &[&str], hosts: &[&str]) -> Visit {
        Visit::synthetic(stage, PAGE, cookies, storage, hosts)
    }

    /// A site with its own session cookie and key, Hotjar, Segment, Google Fonts, the widget's
    /// record and an unknown cookie that appears only after accept-all.
    fn report() -> Report {
        let before = visit(
            Stage::BeforeChoice,
            vec![cookie("sid", None)],
            &["cart"],
            &["fonts.googleapis.com"],
        );
        let accepted = visit(
            Stage::AfterAcceptAll,
            vec![
                cookie("sid", None),
                cookie("optin.consent", Some(3600)),
                cookie("_hjSessionUser_123", Some(34_560_000 - 3)),
                cookie("promo seen", Some(7 * 86_400)),
            ],
            &["cart", "optin.consent", "ajs_user_id"],
            &["fonts.googleapis.com", "static.hotjar.com"],
        );
        let crawl = Crawl {
            pages: vec![PageScan {
                url: PAGE.into(),
                visits: vec![before, accepted],
            }],
            skipped: Vec::new(),
        };
        Report::new(&crawl, None)
    }

    #[test]
    fn the_draft_is_a_config_the_widget_accepts() {
        let text = draft(&report(), "optin.consent");
        let config = Config::parse(&text)
            .unwrap_or_else(|e| panic!("{}\n{text}", e.describe()))
            .config;
        let ids: Vec<&str> = config.categories.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["necessary", "analytics", "functional", "other"],
            "{text}"
        );
        assert!(config.categories[0].required);
        let site = &config.categories[0].services[0];
        assert_eq!(site.id, "site");
        assert_eq!(site.cookies[0].name, "sid");
        assert_eq!(site.local_storage, ["cart"]);
        let analytics = &config.categories[1].services;
        let hotjar = analytics.iter().find(|s| s.id == "hotjar").expect(&text);
        // The table's pattern, and its documented duration where Chromium's cap hides the real one.
        assert_eq!(hotjar.cookies[0].name, "_hjSessionUser_*");
        assert_eq!(hotjar.cookies[0].duration.as_deref(), Some("1 year"));
        assert_eq!(
            hotjar.privacy_policy_url.as_deref(),
            Some("https://www.hotjar.com/legal/policies/privacy/")
        );
        let segment = analytics.iter().find(|s| s.id == "segment").expect(&text);
        assert_eq!(segment.local_storage, ["ajs_user_id"]);
        let fonts = &config.categories[2].services[0];
        assert_eq!(
            (fonts.id.as_str(), fonts.cookies.len()),
            ("google-fonts", 0)
        );
        let other = &config.categories[3].services[0];
        assert_eq!(other.cookies[0].name, "promo seen");
        assert_eq!(other.cookies[0].duration.as_deref(), Some("7 days"));
        // The widget's own record is not the site's to declare.
        assert!(!text.contains("optin.consent"), "{text}");
        // Titles for the categories the widget does not know.
        assert!(
            text.contains("\"title\": \"Functional\"") && text.contains("\"title\": \"Other\"")
        );
    }
}
