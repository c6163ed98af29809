//! The pure decisions on the consent record (`record.rs`): is a stored record still valid for
//! this config and this clock, what does a choice grant, what changed.
//!
//! Everything here is plain data in, plain data out, so every rule is unit-tested natively. A
//! stored value that is not a valid record for this config never grants anything: the visitor is
//! asked again, and the reason is reported so a site owner can see why.

use crate::config::Config;
use crate::json::{self, ObjectWriter, Value};
use crate::record::{grants, grants_json, services_json};
use crate::time::{from_iso, to_iso, DAY_MS};

/// Clocks drift: a timestamp up to this far in the future is still believed.
const CLOCK_SKEW_MS: f64 = DAY_MS;

pub use crate::record::{lookup, Grants, Method, Record, SCHEMA};

/// The detail of the `optin:change` and `optin:consent` events: what changed from `before` to
/// `after`, and which categories are granted and denied now.
pub fn change_json(before: &Access, after: &Access) -> String {
    let pick = |on: bool| {
        json::string_array(
            after
                .categories
                .iter()
                .filter(|(_, v)| *v == on)
                .map(|(k, _)| k.as_str()),
        )
    };
    let changed = after.changed(before);
    ObjectWriter::new()
        .raw(
            "changed",
            &json::string_array(changed.iter().map(String::as_str)),
        )
        .raw("granted", &pick(true))
        .raw("denied", &pick(false))
        .finish()
}

/// What a stored value means for this page.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// Nothing stored: a first visit.
    Missing,
    /// A record that applies now.
    Valid(Record),
    /// A well-formed record that no longer applies (new revision, expired): ask again, starting
    /// from the previous choices.
    Stale { previous: Record, reason: String },
    /// Not a record at all: ask again from scratch.
    Invalid { reason: String },
}

impl Stored {
    pub fn valid(&self) -> Option<&Record> {
        match self {
            Stored::Valid(r) => Some(r),
            _ => None,
        }
    }

    /// The record whose choices should pre-fill the panel, valid or not.
    pub fn previous(&self) -> Option<&Record> {
        match self {
            Stored::Valid(r) | Stored::Stale { previous: r, .. } => Some(r),
            _ => None,
        }
    }

    /// Whether `other` holds the same choice in the same standing. A record is known by its id
    /// and the time of its last update, which every change moves on; comparing whole records
    /// would cost the returning visitor's download more code for no better answer.
    pub fn same_choice(&self, other: &Stored) -> bool {
        fn key(s: &Stored) -> (bool, Option<(&str, &str)>) {
            let record = s.previous().map(|r| (r.id.as_str(), r.updated_at.as_str()));
            (s.valid().is_some(), record)
        }
        key(self) == key(other)
    }

    /// Why the stored value was not used, for a console warning.
    pub fn problem(&self) -> Option<&str> {
        match self {
            Stored::Stale { reason, .. } | Stored::Invalid { reason } => Some(reason),
            _ => None,
        }
    }
}

/// Reads a stored value against the config, at time `now` (ms since the epoch).
pub fn assess(raw: Option<&str>, config: &Config, now: f64) -> Stored {
    let Some(raw) = raw else {
        return Stored::Missing;
    };
    let record = match Record::from_json(raw) {
        Ok(r) => r,
        Err(reason) => return Stored::Invalid { reason },
    };
    if let Err(reason) = check_clock(&record, now) {
        return Stored::Invalid { reason };
    }
    if record.revision != config.revision {
        let mut reason = String::from("the stored consent is for config revision ");
        json::push_uint(&mut reason, u64::from(record.revision));
        reason.push_str(", the site is at revision ");
        json::push_uint(&mut reason, u64::from(config.revision));
        return Stored::Stale {
            previous: record,
            reason,
        };
    }
    // A config that shortens the lifetime applies to records written before the change too.
    let expires = expiry_of(&record, config);
    if expires <= now {
        let mut reason = String::from("the stored consent expired at ");
        reason.push_str(&to_iso(expires));
        return Stored::Stale {
            previous: record,
            reason,
        };
    }
    Stored::Valid(record)
}

/// Reads every stored copy (localStorage, cookie, memory) and keeps the best: the valid record
/// changed last, else the latest stale one, else the first problem, else nothing.
pub fn assess_all(raws: &[String], config: &Config, now: f64) -> Stored {
    let mut best = Stored::Missing;
    for raw in raws {
        let candidate = assess(Some(raw), config, now);
        let rank = |s: &Stored| match s {
            Stored::Valid(_) => 3,
            Stored::Stale { .. } => 2,
            Stored::Invalid { .. } => 1,
            Stored::Missing => 0,
        };
        let newer = match (candidate.previous(), best.previous()) {
            (Some(c), Some(b)) => c.updated_at > b.updated_at,
            _ => false,
        };
        if rank(&candidate) > rank(&best) || (rank(&candidate) == rank(&best) && newer) {
            best = candidate;
        }
    }
    best
}

/// Category ids the record names that the config no longer has (ignored, with a warning).
pub fn unknown_categories<'a>(record: &'a Record, config: &Config) -> Vec<&'a str> {
    record
        .categories
        .iter()
        .map(|(id, _)| id.as_str())
        .filter(|id| config.category(id).is_none())
        .collect()
}

fn expiry_of(record: &Record, config: &Config) -> f64 {
    let stored = from_iso(&record.expires_at).unwrap_or(0.0);
    let by_config =
        from_iso(&record.updated_at).unwrap_or(0.0) + f64::from(config.expires_after_days) * DAY_MS;
    stored.min(by_config)
}

/// What the record's own rules cannot tell: a record changed after `now` (give or take a clock's
/// drift) was not written by this visitor's browser.
fn check_clock(record: &Record, now: f64) -> Result<(), String> {
    if from_iso(&record.updated_at).is_some_and(|updated| updated > now + CLOCK_SKEW_MS) {
        return Err(
            "the stored consent's timestamps are impossible (updatedAt is in the future)".into(),
        );
    }
    Ok(())
}

/// What may run now: every category and every service of the config with its grant, after
/// required categories, the stored record, and services allowed for this page view only.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Access {
    pub categories: Grants,
    /// Per category, each of its services.
    pub services: Vec<(String, Grants)>,
    /// A choice is stored: what is not granted was refused (so clean-up code may run), rather
    /// than not asked yet.
    pub chosen: bool,
}

impl Access {
    /// `page_only` lists what was allowed for this page view only (placeholder "Load content"):
    /// category ids and `category/service` pairs.
    pub fn new(config: &Config, record: Option<&Record>, page_only: &[String]) -> Access {
        let mut access = Access {
            chosen: record.is_some(),
            ..Access::default()
        };
        for c in &config.categories {
            // A category allowed for this page view counts as granted for every element kind,
            // its services included, exactly as a stored grant would.
            let on = c.required
                || page_only.contains(&c.id)
                || record.is_some_and(|r| lookup(&r.categories, &c.id) == Some(true));
            let chosen = record
                .and_then(|r| r.services.iter().find(|(k, _)| *k == c.id))
                .map(|(_, g)| g.as_slice())
                .unwrap_or_default();
            let services = c
                .services
                .iter()
                .map(|s| {
                    let for_page = page_only.iter().any(|p| is_pair(p, &c.id, &s.id));
                    (
                        s.id.clone(),
                        on || for_page || lookup(chosen, &s.id) == Some(true),
                    )
                })
                .collect();
            access.categories.push((c.id.clone(), on));
            access.services.push((c.id.clone(), services));
        }
        access
    }

    /// `None` for a category the config does not have.
    pub fn category(&self, id: &str) -> Option<bool> {
        lookup(&self.categories, id)
    }

    /// `None` for a service the config does not have in that category.
    pub fn service(&self, category: &str, service: &str) -> Option<bool> {
        let (_, services) = self.services.iter().find(|(c, _)| c == category)?;
        lookup(services, service)
    }

    /// Whether anything granted in `before` (a category or a service) is not granted now.
    pub fn withdraws_from(&self, before: &Access) -> bool {
        before
            .categories
            .iter()
            .any(|(id, on)| *on && self.category(id) != Some(true))
            || before.services.iter().any(|(c, was)| {
                was.iter()
                    .any(|(id, on)| *on && self.service(c, id) != Some(true))
            })
    }

    /// Categories whose grant differs from `before`, then services (as `category/service`)
    /// that changed on their own, in a category whose grant did not change.
    pub fn changed(&self, before: &Access) -> Vec<String> {
        let mut out: Vec<String> = self
            .categories
            .iter()
            .filter(|(id, on)| before.category(id) != Some(*on))
            .map(|(id, _)| id.clone())
            .collect();
        for (category, services) in &self.services {
            if self.category(category) != before.category(category) {
                continue;
            }
            for (id, on) in services {
                if before.service(category, id) != Some(*on) {
                    out.push([category.as_str(), "/", id].concat());
                }
            }
        }
        out
    }
}

impl Access {
    /// What `optin.choices()` returns (the switches the panel starts from), read back by
    /// `from_choices_json`: `{categories: {id: bool}, services: {cat: {svc: bool}}, revised,
    /// gpc}`. `revised`: the choice was made under an older revision; `gpc`: the signal is
    /// honoured.
    pub fn choices_json(&self, revised: bool, gpc: bool) -> String {
        ObjectWriter::new()
            .raw("categories", &grants_json(&self.categories))
            .raw("services", &services_json(&self.services))
            .bool("revised", revised)
            .bool("gpc", gpc)
            .finish()
    }

    /// Reads what `optin.choices()` returns: `{categories: {id: bool}, services: {cat: {svc:
    /// bool}}, revised: bool}`. `None` if it is not that shape.
    pub fn from_choices_json(text: &str) -> Option<(Access, bool)> {
        Access::from_choices(&json::parse(text).ok()?)
    }

    /// `from_choices_json` on the parsed document (optin-ui reads the page's object).
    pub fn from_choices(v: &Value) -> Option<(Access, bool)> {
        let Some(Value::Obj(by_category)) = v.get("services") else {
            return None;
        };
        let mut services = Vec::new();
        for (category, per_service) in by_category {
            services.push((category.clone(), grants(per_service, category).ok()?));
        }
        let access = Access {
            categories: grants(v.get("categories")?, "categories").ok()?,
            services,
            chosen: true,
        };
        Some((access, matches!(v.get("revised"), Some(Value::Bool(true)))))
    }
}

/// What a choice grants. `accepted` (for `Custom`) lists category ids and `category/service`
/// pairs; unknown ones are ignored. Required categories are always on. Services are listed only
/// for categories that are not granted as a whole. With a Global Privacy Control signal
/// honoured (`gpc`), "accept all" leaves the categories marked `gpc` off: only an explicit
/// custom choice grants them.
pub fn choices(
    config: &Config,
    method: Method,
    accepted: &[String],
    gpc: bool,
) -> (Grants, Vec<(String, Grants)>) {
    let mut categories = Grants::new();
    let mut services = Vec::new();
    for c in &config.categories {
        let on = c.required
            || match method {
                Method::AcceptAll => !(gpc && c.gpc),
                Method::RejectAll => false,
                Method::Custom => accepted.contains(&c.id),
            };
        categories.push((c.id.clone(), on));
        if !on && method == Method::Custom {
            let chosen: Grants = c
                .services
                .iter()
                .filter(|s| accepted.iter().any(|a| is_pair(a, &c.id, &s.id)))
                .map(|s| (s.id.clone(), true))
                .collect();
            if !chosen.is_empty() {
                services.push((c.id.clone(), chosen));
            }
        }
    }
    (categories, services)
}

fn is_pair(text: &str, category: &str, service: &str) -> bool {
    text.strip_prefix(category)
        .and_then(|rest| rest.strip_prefix('/'))
        == Some(service)
}

/// The `accepted` list (for `choices`) that keeps everything `access` grants and adds `extra`.
pub fn accepted_with(access: &Access, extra: Option<(&str, &str)>) -> Vec<String> {
    let mut out = Vec::new();
    for (id, on) in &access.categories {
        if *on {
            out.push(id.clone());
            continue;
        }
        if let Some((_, services)) = access.services.iter().find(|(c, _)| c == id) {
            for (svc, on) in services {
                if *on || extra == Some((id.as_str(), svc.as_str())) {
                    out.push([id.as_str(), "/", svc].concat());
                }
            }
        }
    }
    out
}

/// Everything a new record needs besides the choices.
pub struct Context<'a> {
    pub now: f64,
    pub lang: &'a str,
    /// A Global Privacy Control signal was seen.
    pub gpc: bool,
    /// A fresh UUID, used when there is no previous record to continue.
    pub new_id: String,
}

/// The record for a new choice. A previous record (even a stale one) keeps its id and first
/// given time, so one visitor's history reads as one consent.
pub fn record_choice(
    config: &Config,
    previous: Option<&Record>,
    (categories, services): (Grants, Vec<(String, Grants)>),
    method: Method,
    ctx: Context,
) -> Record {
    let now = to_iso(ctx.now);
    let (id, given_at) = match previous {
        Some(p) => (p.id.clone(), p.given_at.clone()),
        None => (ctx.new_id, now.clone()),
    };
    Record {
        schema: SCHEMA,
        id,
        revision: config.revision,
        given_at,
        updated_at: now,
        expires_at: to_iso(ctx.now + f64::from(config.expires_after_days) * DAY_MS),
        categories,
        services,
        method,
        lang: ctx.lang.to_owned(),
        gpc: ctx.gpc,
    }
}

/// For tests across the crate: the access after a custom choice of `accepted` (categories and
/// `category/service` pairs) under `config`.
#[cfg(test)]
pub(crate) fn access_after(config: &Config, accepted: &[&str]) -> Access {
    let accepted: Vec<String> = accepted.iter().map(|s| s.to_string()).collect();
    let record = record_choice(
        config,
        None,
        choices(config, Method::Custom, &accepted, false),
        Method::Custom,
        Context {
            now: 1_764_076_736_000.0,
            lang: "en",
            new_id: "x".into(),
            gpc: false,
        },
    );
    Access::new(config, Some(&record), &[])
}

/// A version 4 UUID from 16 random bytes.
pub fn uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        for nibble in [x >> 4, x & 0xf] {
            s.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `category` is granted under `record` (required categories always are).
    fn granted(config: &Config, record: Option<&Record>, category: &str) -> bool {
        Access::new(config, record, &[]).category(category) == Some(true)
    }

    const NOW: f64 = 1_764_076_736_000.0; // 2025-11-25

    fn config() -> Config {
        Config::parse(
            r#"{"revision":2,"categories":[{"id":"necessary","required":true},
                {"id":"analytics","services":[{"id":"ga"},{"id":"hotjar"}]},{"id":"social"}]}"#,
        )
        .unwrap()
        .config
    }

    fn record(method: Method, accepted: &[&str]) -> Record {
        let c = config();
        let accepted: Vec<String> = accepted.iter().map(|s| s.to_string()).collect();
        record_choice(
            &c,
            None,
            choices(&c, method, &accepted, false),
            method,
            Context {
                now: NOW,
                lang: "en",
                new_id: uuid_v4([7; 16]),
                gpc: false,
            },
        )
    }

    fn stored(r: &Record) -> String {
        r.to_json()
    }

    #[test]
    fn the_same_choice_is_known_by_id_update_time_and_standing() {
        let c = config();
        let first = record(Method::AcceptAll, &[]);
        let valid = Stored::Valid(first.clone());
        assert!(valid.same_choice(&assess(Some(&stored(&first)), &c, NOW)));
        let mut changed = first.clone();
        changed.updated_at = to_iso(NOW + 1000.0);
        assert!(
            !valid.same_choice(&Stored::Valid(changed)),
            "a later change"
        );
        let stale = Stored::Stale {
            previous: first,
            reason: String::new(),
        };
        assert!(
            !valid.same_choice(&stale),
            "the same record, no longer in force"
        );
        assert!(Stored::Missing.same_choice(&Stored::Invalid { reason: "x".into() }));
        assert!(!Stored::Missing.same_choice(&valid));
    }

    #[test]
    fn choices_follow_the_method_and_keep_required_on() {
        let c = config();
        let (all, services) = choices(&c, Method::AcceptAll, &[], false);
        assert!(all.iter().all(|(_, v)| *v));
        assert!(services.is_empty());
        let (none, _) = choices(&c, Method::RejectAll, &[], false);
        assert_eq!(lookup(&none, "necessary"), Some(true));
        assert_eq!(lookup(&none, "analytics"), Some(false));
        let (some, _) = choices(&c, Method::Custom, &["social".into(), "nope".into()], false);
        assert_eq!(
            (lookup(&some, "analytics"), lookup(&some, "social")),
            (Some(false), Some(true))
        );
        assert_eq!(lookup(&some, "nope"), None);
    }

    #[test]
    fn a_fresh_record_is_valid_and_grants_what_was_chosen() {
        let c = config();
        let r = record(Method::Custom, &["analytics"]);
        assert_eq!(r.given_at, "2025-11-25T13:18:56.000Z");
        assert_eq!(r.method, Method::Custom);
        let s = assess(Some(&stored(&r)), &c, NOW + 1000.0);
        let valid = s.valid().expect("valid");
        assert!(granted(&c, Some(valid), "analytics"));
        assert!(!granted(&c, Some(valid), "social"));
        assert!(granted(&c, Some(valid), "necessary"));
        assert!(granted(&c, None, "necessary"));
        assert!(!granted(&c, None, "analytics"));
        assert!(!granted(&c, Some(valid), "unknown"));
    }

    #[test]
    fn stored_json_uses_the_documented_names() {
        let json = stored(&record(Method::AcceptAll, &[]));
        for key in [
            "\"schema\":1",
            "\"givenAt\"",
            "\"updatedAt\"",
            "\"expiresAt\"",
            "\"method\":\"accept-all\"",
            "\"lang\":\"en\"",
        ] {
            assert!(json.contains(key), "{key} in {json}");
        }
    }

    #[test]
    fn a_new_revision_makes_the_record_stale_but_keeps_it_for_prefill() {
        let mut c = config();
        let r = record(Method::AcceptAll, &[]);
        c.revision = 3;
        let s = assess(Some(&stored(&r)), &c, NOW);
        assert!(s.valid().is_none());
        assert_eq!(s.previous(), Some(&r));
        assert!(s.problem().unwrap().contains("revision 2"));
    }

    #[test]
    fn expiry_by_record_or_by_a_shorter_config() {
        let mut c = config();
        let r = record(Method::RejectAll, &[]);
        let day = DAY_MS;
        assert!(assess(Some(&stored(&r)), &c, NOW + 181.0 * day)
            .valid()
            .is_some());
        assert!(matches!(
            assess(Some(&stored(&r)), &c, NOW + 183.0 * day),
            Stored::Stale { .. }
        ));
        c.expires_after_days = 10;
        assert!(matches!(
            assess(Some(&stored(&r)), &c, NOW + 11.0 * day),
            Stored::Stale { .. }
        ));
    }

    #[test]
    fn corrupt_and_hostile_values_are_invalid_with_a_reason() {
        let c = config();
        let good = stored(&record(Method::AcceptAll, &[]));
        let cases: Vec<(String, &str)> = vec![
            ("{".into(), "not valid JSON"),
            ("null".into(), "not a consent record"),
            ("[]".into(), "not a consent record"),
            ("{}".into(), "not a consent record"),
            (
                good.replace("\"schema\":1", "\"schema\":9"),
                "schema version 9",
            ),
            (
                good.replace("\"analytics\":true", "\"analytics\":\"yes\""),
                "not a consent record",
            ),
            (
                good.replace("2025-11-25T13:18:56.000Z", "yesterday"),
                "not a UTC timestamp",
            ),
            (
                good.replace("\"id\":\"", "\"id\":\"\",\"x\":\""),
                "not a consent record",
            ),
            (
                good.replace("\"revision\":2", "\"revision\":-2"),
                "not a consent record",
            ),
            (
                good.replace("2025-11-25T13:18:56.000Z", "2099-01-01T00:00:00.000Z")
                    .replace("2026-05-26T13:18:56.000Z", "2099-07-01T00:00:00.000Z"),
                "impossible (updatedAt is in the future)",
            ),
            (
                good.replace("2025-11-25T13:18:56.000Z", "1999-01-01T00:00:00.000Z"),
                "before 2020",
            ),
            (
                good.replacen("2025-11-25T13:18:56.000Z", "2025-11-25T13:18:57.000Z", 1),
                "givenAt\": is later than updatedAt",
            ),
            (
                good.replace(r#""lang":"en""#, r#""lang":"en_GB""#),
                "language tag",
            ),
            (
                good.replace("\"method\":\"accept-all\"", "\"method\":\"sure\""),
                "not a consent record",
            ),
            (
                good.replace("\"lang\"", "\"__proto__\":1,\"lang\""),
                "not a consent record",
            ),
        ];
        for (raw, why) in cases {
            match assess(Some(&raw), &c, NOW) {
                Stored::Invalid { reason } => assert!(reason.contains(why), "{raw}: {reason}"),
                other => panic!("{raw} gave {other:?}"),
            }
        }
        assert_eq!(assess(None, &c, NOW), Stored::Missing);
    }

    #[test]
    fn a_change_keeps_the_id_and_first_given_time() {
        let c = config();
        let first = record(Method::AcceptAll, &[]);
        let second = record_choice(
            &c,
            Some(&first),
            choices(&c, Method::RejectAll, &[], false),
            Method::RejectAll,
            Context {
                now: NOW + 5000.0,
                lang: "de",
                new_id: "other".into(),
                gpc: false,
            },
        );
        assert_eq!(second.id, first.id);
        assert_eq!(second.given_at, first.given_at);
        assert_ne!(second.updated_at, first.updated_at);
        let before = Access::new(&c, Some(&first), &[]);
        let after = Access::new(&c, Some(&second), &[]);
        assert_eq!(after.changed(&before), ["analytics", "social"]);
        let one = Access::new(&c, Some(&second), &["analytics/ga".into()]);
        assert_eq!(one.changed(&after), ["analytics/ga"]);
        assert!(after.withdraws_from(&before), "accept all -> reject all");
        assert!(
            !before.withdraws_from(&after),
            "reject all -> accept all only grants"
        );
        assert!(
            after.withdraws_from(&one),
            "a service allowed for the page, then gone"
        );
    }

    #[test]
    fn services_are_granted_by_their_category_one_by_one_or_for_the_page() {
        let c = config();
        let accepted = vec!["analytics/ga".to_string(), "social/nope".to_string()];
        let (cats, services) = choices(&c, Method::Custom, &accepted, false);
        assert_eq!(lookup(&cats, "analytics"), Some(false));
        assert_eq!(
            services,
            vec![("analytics".to_string(), vec![("ga".to_string(), true)])]
        );
        let r = record_choice(
            &c,
            None,
            (cats, services),
            Method::Custom,
            Context {
                now: NOW,
                lang: "en",
                new_id: uuid_v4([1; 16]),
                gpc: false,
            },
        );
        let json = stored(&r);
        assert!(
            json.contains(r#""services":{"analytics":{"ga":true}}"#),
            "{json}"
        );
        let back = assess(Some(&json), &c, NOW)
            .valid()
            .cloned()
            .expect("round trip");
        let access = Access::new(&c, Some(&back), &[]);
        assert_eq!(access.category("analytics"), Some(false));
        assert_eq!(access.service("analytics", "ga"), Some(true));
        assert_eq!(access.service("analytics", "hotjar"), Some(false));
        assert_eq!(access.service("analytics", "nope"), None);
        let page = Access::new(&c, Some(&back), &["analytics/hotjar".into()]);
        assert_eq!(page.service("analytics", "hotjar"), Some(true));
        // A whole category allowed for the page (a category-only placeholder's "Load content"),
        // in a category that has services: the category and each of its services are allowed.
        let whole = Access::new(&c, Some(&back), &["analytics".into()]);
        assert_eq!(whole.category("analytics"), Some(true));
        assert_eq!(whole.service("analytics", "hotjar"), Some(true));
        let fresh = Access::new(&c, None, &["analytics".into()]);
        assert_eq!(
            fresh.category("analytics"),
            Some(true),
            "before any choice too"
        );
        let all = Access::new(&c, Some(&record(Method::AcceptAll, &[])), &[]);
        assert_eq!(
            all.service("analytics", "hotjar"),
            Some(true),
            "a category grants its services"
        );
        assert_eq!(
            accepted_with(&access, Some(("analytics", "hotjar"))),
            ["necessary", "analytics/ga", "analytics/hotjar"]
        );
    }

    #[test]
    fn the_change_detail_names_what_changed_and_what_stands() {
        let c = config();
        let before = Access::new(&c, None, &[]);
        let after = Access::new(&c, Some(&record(Method::Custom, &["social"])), &[]);
        assert_eq!(
            change_json(&before, &after),
            r#"{"changed":["social"],"granted":["necessary","social"],"denied":["analytics"]}"#
        );
        let one = Access::new(
            &c,
            Some(&record(Method::Custom, &["social"])),
            &["analytics/ga".into()],
        );
        assert_eq!(
            change_json(&after, &one),
            r#"{"changed":["analytics/ga"],"granted":["necessary","social"],"denied":["analytics"]}"#
        );
    }

    #[test]
    fn choices_json_is_what_from_choices_json_reads() {
        let c = config();
        let access = Access::new(&c, Some(&record(Method::Custom, &["analytics/ga"])), &[]);
        let json = access.choices_json(true, false);
        assert!(json.ends_with(r#""revised":true,"gpc":false}"#), "{json}");
        let (back, revised) = Access::from_choices_json(&json).expect("reads back");
        assert!(revised);
        assert_eq!(back.categories, access.categories);
        assert_eq!(back.services, access.services);
    }

    #[test]
    fn choices_json_reads_back() {
        let (a, revised) = Access::from_choices_json(
            r#"{"categories":{"a":true,"b":false},"services":{"b":{"x":true}},"revised":true}"#,
        )
        .unwrap();
        assert_eq!(a.category("a"), Some(true));
        assert_eq!(a.service("b", "x"), Some(true));
        assert!(revised);
        assert!(Access::from_choices_json(r#"{"categories":{}}"#).is_none());
    }

    #[test]
    fn gpc_keeps_marked_categories_out_of_accept_all_but_not_out_of_a_custom_choice() {
        let c = Config::parse(r#"{"categories":[{"id":"a"},{"id":"ads","gpc":true}]}"#)
            .unwrap()
            .config;
        let (all, _) = choices(&c, Method::AcceptAll, &[], true);
        assert_eq!(
            (lookup(&all, "a"), lookup(&all, "ads")),
            (Some(true), Some(false))
        );
        let (all, _) = choices(&c, Method::AcceptAll, &[], false);
        assert_eq!(lookup(&all, "ads"), Some(true));
        let (custom, _) = choices(&c, Method::Custom, &["ads".into()], true);
        assert_eq!(lookup(&custom, "ads"), Some(true));
    }

    #[test]
    fn the_newest_valid_copy_wins() {
        let c = config();
        let old = record(Method::RejectAll, &[]);
        let mut new = record(Method::AcceptAll, &[]);
        new.updated_at = "2025-11-25T14:00:00.000Z".into();
        let raws = ["junk".to_string(), stored(&old), stored(&new)];
        assert_eq!(assess_all(&raws, &c, NOW + 1e7).valid(), Some(&new));
        let raws = [stored(&new), stored(&old)];
        assert_eq!(assess_all(&raws, &c, NOW + 1e7).valid(), Some(&new));
        assert!(matches!(
            assess_all(&["junk".to_string()], &c, NOW),
            Stored::Invalid { .. }
        ));
        assert_eq!(assess_all(&[], &c, NOW), Stored::Missing);
        let mut extra = old.clone();
        extra.categories.push(("gone".into(), true));
        assert_eq!(unknown_categories(&extra, &c), ["gone"]);
    }

    #[test]
    fn uuid_has_version_and_variant_bits() {
        let u = uuid_v4([0xff; 16]);
        assert_eq!(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]).len(), 36);
    }
}
