//! What a crawl found, per cookie, storage key and third-party host across pages and stages,
//! each classified (the page's own gated markup, then the table of well-known services, else
//! "unknown"), optionally compared with a config; printed as a terminal table, Markdown or JSON.

use std::collections::{BTreeMap, BTreeSet};

use optin_core::config::{Config, DEFAULT_STORAGE_KEY};
use serde::Serialize;

use crate::crawl::Crawl;
use crate::trackers::{self, wildcard};
use crate::visit::{Cookie, Stage, WayBack};
use crate::{site, table};

/// Who a finding belongs to and why we think so.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Class {
    /// The service's id: the page markup's `data-service`, else the table's id.
    pub service_id: Option<String>,
    pub service: Option<String>,
    pub provider: Option<String>,
    /// A category id, or `unknown`.
    pub category: String,
    /// `markup` (the page gates it under a category), `table` (cli/data/trackers.json),
    /// `optin` (the widget's own record) or `unknown`.
    pub basis: &'static str,
    /// The table entry's source, when the table knew it.
    pub source: Option<String>,
    /// The table's documented purpose and duration of a cookie.
    #[serde(skip)]
    pub known: Option<(String, String, String)>,
}

impl Class {
    fn unknown() -> Class {
        Class {
            service_id: None,
            service: None,
            provider: None,
            category: "unknown".into(),
            basis: "unknown",
            source: None,
            known: None,
        }
    }

    /// The widget's own consent record (localStorage, or a cookie where storage fails).
    fn own() -> Class {
        Class {
            service_id: None,
            service: Some("optin's consent record".into()),
            provider: None,
            category: "necessary".into(),
            basis: "optin",
            source: None,
            known: None,
        }
    }

    fn from_table(s: &trackers::Service) -> Class {
        Class {
            service_id: Some(s.id.clone()),
            service: Some(s.name.clone()),
            provider: Some(s.provider.clone()),
            category: s.category.clone(),
            basis: "table",
            source: Some(s.source.clone()),
            known: None,
        }
    }

    /// "Google Analytics (analytics)", or "unknown".
    pub fn label(&self) -> String {
        match (&self.service, &self.service_id) {
            (Some(name), _) | (None, Some(name)) => format!("{name} ({})", self.category),
            _ if self.category != "unknown" => self.category.clone(),
            _ => "unknown".into(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CookieRow {
    pub name: String,
    pub domain: String,
    pub path: String,
    /// The longest expiry seen, in seconds; None for a session cookie.
    pub expires_in: Option<i64>,
    pub expires: String,
    pub third_party: bool,
    pub secure: bool,
    pub http_only: bool,
    pub same_site: Option<String>,
    pub set_by: Option<String>,
    pub stages: BTreeSet<Stage>,
    pub pages: BTreeSet<String>,
    pub class: Class,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageRow {
    pub kind: &'static str,
    pub key: String,
    pub stages: BTreeSet<Stage>,
    pub pages: BTreeSet<String>,
    pub class: Class,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostRow {
    pub host: String,
    pub stages: BTreeSet<Stage>,
    pub pages: BTreeSet<String>,
    /// Scripts (or documents) that made the requests.
    pub initiators: BTreeSet<String>,
    pub requests: usize,
    pub class: Class,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageRow {
    pub url: String,
    /// `absent`, `ready` or `broken`.
    pub optin: String,
    pub way_back: Option<WayBack>,
    pub errors: Vec<String>,
}

/// The config against what the site does.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    /// Cookie names (patterns) the config declares that no page set.
    pub declared_not_set: Vec<String>,
    /// Cookies the site set that the config does not declare.
    pub set_not_declared: Vec<String>,
    /// localStorage keys the site wrote that the config does not declare.
    pub storage_not_declared: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub pages: Vec<PageRow>,
    pub cookies: Vec<CookieRow>,
    pub storage: Vec<StorageRow>,
    pub hosts: Vec<HostRow>,
    pub skipped: Vec<(String, String)>,
    pub comparison: Option<Comparison>,
}

/// What the page's markup says about scripts and hosts: `data-category`/`data-service` on an
/// element whose source is that URL (or on that host).
#[derive(Default)]
struct Markup {
    by_url: BTreeMap<String, (String, Option<String>)>,
    by_host: BTreeMap<String, (String, Option<String>)>,
}

impl Markup {
    fn of(crawl: &Crawl) -> Markup {
        let mut markup = Markup::default();
        for visit in crawl.pages.iter().flat_map(|p| p.visits.first()) {
            let page_host = site::host(&visit.url).unwrap_or_default();
            for g in &visit.gated {
                let Some(src) = &g.src else { continue };
                let entry = (g.category.clone(), g.service.clone());
                markup.by_url.entry(src.clone()).or_insert(entry.clone());
                if let Some(host) = site::host(src).filter(|h| site::third_party(h, &page_host)) {
                    markup.by_host.entry(host).or_insert(entry);
                }
            }
        }
        markup
    }

    /// The table's knowledge, with the page's category and service id when the markup has them.
    fn refine(&self, class: Class, hit: Option<&(String, Option<String>)>) -> Class {
        let Some((category, service)) = hit else {
            return class;
        };
        Class {
            category: category.clone(),
            service_id: service.clone().or(class.service_id),
            basis: "markup",
            ..class
        }
    }
}

impl Report {
    /// Gathers a crawl's findings; with a config, compares them with its declarations.
    pub fn new(crawl: &Crawl, config: Option<&Config>) -> Report {
        let own_key = config.map_or(DEFAULT_STORAGE_KEY, |c| c.storage_key.as_str());
        let markup = Markup::of(crawl);
        let mut report = Report {
            pages: crawl.pages.iter().map(page_row).collect(),
            cookies: Vec::new(),
            storage: Vec::new(),
            hosts: Vec::new(),
            skipped: crawl.skipped.clone(),
            comparison: None,
        };
        report.gather(crawl, &markup, own_key);
        report.comparison = config.map(|c| report.compare(c));
        report
    }

    fn gather(&mut self, crawl: &Crawl, markup: &Markup, own_key: &str) {
        let mut cookies: BTreeMap<(String, String, String), CookieRow> = BTreeMap::new();
        let mut storage: BTreeMap<(&'static str, String), StorageRow> = BTreeMap::new();
        let mut hosts: BTreeMap<String, HostRow> = BTreeMap::new();
        for page in &crawl.pages {
            for visit in &page.visits {
                for c in &visit.cookies {
                    let key = (c.name.clone(), c.domain.clone(), c.path.clone());
                    let row = cookies
                        .entry(key)
                        .or_insert_with(|| cookie_row(c, markup, own_key));
                    row.stages.insert(visit.stage);
                    row.pages.insert(page.url.clone());
                    row.expires_in = longest(row.expires_in, c.expires_in);
                    row.expires = duration_text(row.expires_in);
                }
                for s in &visit.storage {
                    let row =
                        storage
                            .entry((s.kind, s.key.clone()))
                            .or_insert_with(|| StorageRow {
                                kind: s.kind,
                                key: s.key.clone(),
                                stages: BTreeSet::new(),
                                pages: BTreeSet::new(),
                                class: if s.key == own_key {
                                    Class::own()
                                } else {
                                    trackers::storage(&s.key)
                                        .map_or_else(Class::unknown, Class::from_table)
                                },
                            });
                    row.stages.insert(visit.stage);
                    row.pages.insert(page.url.clone());
                }
                for r in &visit.requests {
                    let row = hosts.entry(r.host.clone()).or_insert_with(|| HostRow {
                        host: r.host.clone(),
                        stages: BTreeSet::new(),
                        pages: BTreeSet::new(),
                        initiators: BTreeSet::new(),
                        requests: 0,
                        class: markup.refine(
                            trackers::host(&r.host).map_or_else(Class::unknown, Class::from_table),
                            markup.by_host.get(&r.host),
                        ),
                    });
                    row.stages.insert(visit.stage);
                    row.pages.insert(page.url.clone());
                    row.initiators.extend(r.initiator.clone());
                    row.requests += 1;
                }
            }
        }
        self.cookies = cookies.into_values().collect();
        self.storage = storage.into_values().collect();
        self.hosts = hosts.into_values().collect();
    }

    fn compare(&self, config: &Config) -> Comparison {
        let own = config.storage_key.as_str();
        let declared: Vec<&str> = config
            .categories
            .iter()
            .flat_map(|c| &c.services)
            .flat_map(|s| &s.cookies)
            .map(|c| c.name.as_str())
            .collect();
        let declared_storage: Vec<&str> = config
            .categories
            .iter()
            .flat_map(|c| &c.services)
            .flat_map(|s| s.local_storage.iter().map(String::as_str))
            .collect();
        let set: BTreeSet<&str> = self.cookies.iter().map(|c| c.name.as_str()).collect();
        Comparison {
            declared_not_set: declared
                .iter()
                .filter(|d| !set.iter().any(|name| wildcard(d, name)))
                .map(|d| d.to_string())
                .collect(),
            set_not_declared: set
                .iter()
                .filter(|name| **name != own && !declared.iter().any(|d| wildcard(d, name)))
                .map(|n| n.to_string())
                .collect(),
            storage_not_declared: self
                .storage
                .iter()
                .filter(|s| s.kind == "local" && s.key != own)
                .filter(|s| !declared_storage.iter().any(|d| wildcard(d, &s.key)))
                .map(|s| s.key.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        }
    }

    /// The report as a terminal table (`md`: Markdown tables).
    pub fn render(&self, markdown: bool) -> String {
        let mut out = String::new();
        let visited = self.pages.len();
        let with = self.pages.iter().filter(|p| p.optin == "ready").count();
        out.push_str(&format!(
            "optin scan: {visited} page{}, optin on {with} (visited before a choice, after \
             reject-all and after accept-all)\n",
            if visited == 1 { "" } else { "s" }
        ));
        self.render_pages(&mut out, markdown);
        self.render_cookies(&mut out, markdown);
        self.render_storage(&mut out, markdown);
        self.render_hosts(&mut out, markdown);
        if let Some(c) = &self.comparison {
            render_comparison(&mut out, c, markdown);
        }
        if !self.skipped.is_empty() {
            section(&mut out, "Not visited", markdown);
            let rows = self
                .skipped
                .iter()
                .map(|(u, why)| vec![u.clone(), why.clone()])
                .collect();
            out.push_str(&table::render(&["URL", "WHY"], rows, markdown));
        }
        out
    }

    fn render_pages(&self, out: &mut String, markdown: bool) {
        section(out, "Pages", markdown);
        let rows = self
            .pages
            .iter()
            .map(|p| {
                let back = match &p.way_back {
                    None if p.optin == "ready" => "not checked".to_owned(),
                    None => "-".to_owned(),
                    Some(w) => way_back_text(w),
                };
                let mut optin = p.optin.clone();
                if !p.errors.is_empty() {
                    optin.push_str(&format!(" ({})", p.errors.join("; ")));
                }
                vec![p.url.clone(), optin, back]
            })
            .collect();
        out.push_str(&table::render(
            &["URL", "OPTIN", "WAY BACK TO THE PREFERENCES"],
            rows,
            markdown,
        ));
    }

    fn render_cookies(&self, out: &mut String, markdown: bool) {
        let rows = self.cookies.iter().map(|c| StagedRow {
            lead: vec![
                c.name.clone(),
                c.domain.clone(),
                if c.third_party { "third" } else { "first" }.into(),
                c.expires.clone(),
                flags(c),
            ],
            stages: &c.stages,
            class: c.class.label(),
            trail: Vec::new(),
        });
        let lead = ["NAME", "DOMAIN", "PARTY", "EXPIRES", "FLAGS"];
        render_staged(out, "Cookies", &lead, &[], rows, markdown);
    }

    fn render_storage(&self, out: &mut String, markdown: bool) {
        let rows = self.storage.iter().map(|s| StagedRow {
            lead: vec![format!("{}Storage", s.kind), s.key.clone()],
            stages: &s.stages,
            class: s.class.label(),
            trail: Vec::new(),
        });
        render_staged(out, "Storage", &["KIND", "KEY"], &[], rows, markdown);
    }

    fn render_hosts(&self, out: &mut String, markdown: bool) {
        let rows = self.hosts.iter().map(|h| StagedRow {
            lead: vec![h.host.clone()],
            stages: &h.stages,
            class: h.class.label(),
            trail: vec![h.initiators.iter().cloned().collect::<Vec<_>>().join(" ")],
        });
        let trail = ["REQUESTED BY"];
        render_staged(out, "Third-party hosts", &["HOST"], &trail, rows, markdown);
    }
}

/// A row of the cookie, storage and host tables: its own columns, a mark per visit, the service
/// (category), then columns after it.
struct StagedRow<'a> {
    lead: Vec<String>,
    stages: &'a BTreeSet<Stage>,
    class: String,
    trail: Vec<String>,
}

/// A section of `StagedRow`s under `lead` headers, `BEFORE REJECT ACCEPT SERVICE (CATEGORY)` and
/// `trail` headers: one layout for what the three visits found.
fn render_staged<'a>(
    out: &mut String,
    title: &str,
    lead: &[&str],
    trail: &[&str],
    rows: impl Iterator<Item = StagedRow<'a>>,
    markdown: bool,
) {
    section(out, title, markdown);
    let mut headers = lead.to_vec();
    headers.extend(["BEFORE", "REJECT", "ACCEPT", "SERVICE (CATEGORY)"]);
    headers.extend(trail);
    let rows = rows
        .map(|r| {
            let mut row = r.lead;
            row.extend(stage_marks(r.stages));
            row.push(r.class);
            row.extend(r.trail);
            row
        })
        .collect();
    out.push_str(&table::render(&headers, rows, markdown));
}

fn render_comparison(out: &mut String, c: &Comparison, markdown: bool) {
    section(out, "Compared with the config", markdown);
    let list = |items: &[String]| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let bullet = if markdown { "- " } else { "  " };
    out.push_str(&format!(
        "{bullet}declared but not set: {}\n{bullet}set but not declared: {}\n{bullet}localStorage keys not declared: {}\n",
        list(&c.declared_not_set),
        list(&c.set_not_declared),
        list(&c.storage_not_declared)
    ));
}

fn section(out: &mut String, title: &str, markdown: bool) {
    if markdown {
        out.push_str(&format!("\n### {title}\n\n"));
    } else {
        out.push_str(&format!("\n{title}\n"));
    }
}

fn page_row(page: &crate::crawl::PageScan) -> PageRow {
    PageRow {
        url: page.url.clone(),
        optin: page
            .visits
            .first()
            .map_or("absent".into(), |v| v.optin.clone()),
        way_back: page
            .visit(Stage::AfterRejectAll)
            .and_then(|v| v.way_back.clone()),
        errors: page
            .visits
            .iter()
            .filter_map(|v| {
                v.error
                    .as_ref()
                    .map(|e| format!("{}: {e}", v.stage.label()))
            })
            .collect(),
    }
}

fn cookie_row(c: &Cookie, markup: &Markup, own_key: &str) -> CookieRow {
    let known = trackers::cookie(&c.name);
    let mut class = match known {
        _ if c.name == own_key => Class::own(),
        Some((s, _)) => Class::from_table(s),
        None => Class::unknown(),
    };
    class.known = known.map(|(_, k)| (k.name.clone(), k.purpose.clone(), k.duration.clone()));
    let hit = c.set_by.as_ref().and_then(|u| markup.by_url.get(u));
    CookieRow {
        name: c.name.clone(),
        domain: c.domain.clone(),
        path: c.path.clone(),
        expires_in: c.expires_in,
        expires: duration_text(c.expires_in),
        third_party: c.third_party,
        secure: c.secure,
        http_only: c.http_only,
        same_site: c.same_site.clone(),
        set_by: c.set_by.clone(),
        stages: BTreeSet::new(),
        pages: BTreeSet::new(),
        class: markup.refine(class, hit),
    }
}

fn longest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn flags(c: &CookieRow) -> String {
    let mut f = Vec::new();
    if c.secure {
        f.push("Secure".to_owned());
    }
    if c.http_only {
        f.push("HttpOnly".to_owned());
    }
    if let Some(s) = &c.same_site {
        f.push(format!("SameSite={s}"));
    }
    f.join(" ")
}

fn stage_marks(stages: &BTreeSet<Stage>) -> Vec<String> {
    Stage::ALL
        .iter()
        .map(|s| if stages.contains(s) { "x" } else { "-" }.to_owned())
        .collect()
}

fn way_back_text(w: &WayBack) -> String {
    let mut offers = Vec::new();
    if w.open_links > 0 {
        offers.push(format!("{} [data-optin-open]", w.open_links));
    }
    if w.settings_button {
        offers.push("settings button".to_owned());
    }
    if offers.is_empty() {
        return "none".into();
    }
    let works = if w.opens_preferences {
        "opens the preferences"
    } else {
        "does NOT open the preferences"
    };
    format!("{}; {works}", offers.join(", "))
}

/// Chromium keeps no cookie longer than 400 days (a longer expiry is cut to it), so an
/// observed expiry this close to the cap may stand for anything longer.
pub const CAPPED: i64 = 399 * 86_400;

/// A cookie's lifetime as people write it ("Session", "1 minute", "24 hours", "1 year"),
/// rounded to the unit that fits: an observed expiry is a few seconds short of what was set.
pub fn duration_text(seconds: Option<i64>) -> String {
    let Some(s) = seconds else {
        return "Session".into();
    };
    if s >= CAPPED {
        return "400 days (max)".into();
    }
    const MIN: f64 = 60.0;
    const HOUR: f64 = 3600.0;
    const DAY: f64 = 86400.0;
    let s = s.max(0) as f64;
    let (n, unit) = if s >= 0.9 * 365.0 * DAY {
        (s / (365.0 * DAY), "year")
    } else if s >= 60.0 * DAY {
        (s / (30.4 * DAY), "month")
    } else if s >= 2.0 * DAY {
        (s / DAY, "day")
    } else if s >= 0.9 * HOUR {
        (s / HOUR, "hour")
    } else if s >= 0.9 * MIN {
        (s / MIN, "minute")
    } else {
        (s, "second")
    };
    let n = n.round().max(1.0) as u64;
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(duration_text(None), "Session");
        assert_eq!(duration_text(Some(34_560_000 - 4)), "400 days (max)");
        assert_eq!(duration_text(Some(31_536_000 - 2)), "1 year");
        assert_eq!(duration_text(Some(86_400 - 3)), "24 hours");
        assert_eq!(duration_text(Some(57)), "1 minute");
        assert_eq!(duration_text(Some(7_776_000)), "3 months");
        assert_eq!(duration_text(Some(30 * 86_400)), "30 days");
        assert_eq!(duration_text(Some(1800)), "30 minutes");
        assert_eq!(duration_text(Some(5)), "5 seconds");
    }
}
