//! `optin audit URL… --config CONFIG.json`: the crawl of `optin scan`, judged for a CI pipeline.
//! Exit status 1 with one line per problem when a page (a) sets a non-necessary cookie or storage
//! key, or calls a third-party host (not --allow'ed), before a choice or after reject-all;
//! (b) sets a cookie the config does not declare; (c) has no working way back to the
//! preferences. 2 when the audit cannot run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

use optin_core::config::Config;

use crate::crawl::{self, CrawlArgs, PageScan};
use crate::scan::load_config;
use crate::site::host_matches;
use crate::trackers::{self, wildcard};
use crate::visit::{Stage, Visit};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    crawl: CrawlArgs,
    /// The site's config: what it declares, and which categories are necessary.
    #[arg(long, value_name = "CONFIG.json", required = true)]
    config: PathBuf,
    /// A third-party host the site owner decides is necessary (and its subdomains). Repeatable.
    #[arg(long, value_name = "HOST")]
    allow: Vec<String>,
}

/// One problem, printed as `(kind) page: text`.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Problem {
    kind: char,
    page: String,
    /// The visit, so that a page's problems read in the order a visitor meets them.
    stage: Option<Stage>,
    text: String,
}

pub fn run(args: &Args) -> ExitCode {
    let config = match load_config(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("optin audit: {e}");
            return ExitCode::from(2);
        }
    };
    let crawl = match crawl::crawl(&args.crawl) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("optin audit: {e}");
            return ExitCode::from(2);
        }
    };
    let auditor = Auditor {
        config: &config,
        allow: &args.allow,
    };
    let problems: BTreeSet<Problem> = crawl.pages.iter().flat_map(|p| auditor.page(p)).collect();
    let pages = crawl.pages.len();
    if pages == 0 {
        eprintln!("optin audit: no page could be visited");
        for (url, why) in &crawl.skipped {
            eprintln!("  {url}: {why}");
        }
        return ExitCode::from(2);
    }
    if problems.is_empty() {
        println!("optin audit: {pages} page{}, no problems", plural(pages));
        not_visited(&crawl.skipped);
        return ExitCode::SUCCESS;
    }
    println!(
        "optin audit: {pages} page{}, {} problem{}",
        plural(pages),
        problems.len(),
        plural(problems.len())
    );
    for p in &problems {
        println!("({}) {}: {}", p.kind, p.page, p.text);
    }
    println!(
        "(a) non-necessary before a choice or after reject-all, (b) not declared in {}, (c) no way back to the preferences",
        args.config.display()
    );
    not_visited(&crawl.skipped);
    ExitCode::from(1)
}

/// Pages the crawl left out are not audited: say so, so that a limit is not mistaken for a pass.
fn not_visited(skipped: &[(String, String)]) {
    for (url, why) in skipped {
        println!("not audited: {url} ({why})");
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Where the config puts a cookie or storage key: (category, required, service).
struct Declared<'a> {
    category: &'a str,
    required: bool,
    service: &'a str,
}

struct Auditor<'a> {
    config: &'a Config,
    allow: &'a [String],
}

impl Auditor<'_> {
    fn page(&self, page: &PageScan) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |kind, stage, text: String| {
            problems.push(Problem {
                kind,
                page: page.url.clone(),
                stage,
                text,
            })
        };
        for visit in &page.visits {
            if let Some(e) = &visit.error {
                let text = format!("{}: the visit failed: {e}", visit.stage.label());
                problem('!', Some(visit.stage), text);
            }
            if visit.stage != Stage::AfterAcceptAll {
                for text in self.before_consent(visit) {
                    problem('a', Some(visit.stage), text);
                }
            }
            for c in &visit.cookies {
                if c.name != self.config.storage_key && self.cookie(&c.name).is_none() {
                    problem(
                        'b',
                        None,
                        format!(
                            "cookie {} (domain {}) is not declared in the config",
                            c.name, c.domain
                        ),
                    );
                }
            }
        }
        if let Some(text) = self.way_back(page) {
            problem('c', None, text);
        }
        problems
    }

    /// What a visit before a choice or after reject-all must not have.
    fn before_consent(&self, visit: &Visit) -> Vec<String> {
        let when = visit.stage.label();
        // One line per reason: "cookies _ga, _gid are set (declared under analytics/ga, …)".
        let mut cookies: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for c in visit
            .cookies
            .iter()
            .filter(|c| c.name != self.config.storage_key)
        {
            if let Some(why) = self.not_necessary(self.cookie(&c.name), &c.name, false) {
                cookies.entry(why).or_default().push(&c.name);
            }
        }
        let mut found: Vec<String> = cookies
            .into_iter()
            .map(|(why, names)| match names.as_slice() {
                [one] => format!("{when}: cookie {one} is set ({why})"),
                many => format!("{when}: cookies {} are set ({why})", many.join(", ")),
            })
            .collect();
        for s in visit
            .storage
            .iter()
            .filter(|s| s.key != self.config.storage_key)
        {
            if let Some(why) = self.not_necessary(self.storage(&s.key), &s.key, true) {
                found.push(format!(
                    "{when}: {}Storage key {} is written ({why})",
                    s.kind, s.key
                ));
            }
        }
        let mut hosts = BTreeSet::new();
        for r in &visit.requests {
            if self.allow.iter().any(|a| host_matches(&r.host, a)) || !hosts.insert(&r.host) {
                continue;
            }
            let who = trackers::host(&r.host).map_or("unknown".to_owned(), |s| {
                format!("{}, {}", s.name, s.category)
            });
            let by = r
                .initiator
                .as_deref()
                .map_or(String::new(), |i| format!(", requested by {i}"));
            found.push(format!(
                "{when}: calls third-party host {} ({who}{by})",
                r.host
            ));
        }
        found
    }

    /// Why a cookie or key is not necessary, if it is not: the config's category, or (when the
    /// config does not declare it) the table's. Undeclared unknown cookies are (b) problems.
    fn not_necessary(
        &self,
        declared: Option<Declared>,
        name: &str,
        storage: bool,
    ) -> Option<String> {
        if let Some(d) = declared {
            return (!d.required)
                .then(|| format!("declared under {}/{}, not necessary", d.category, d.service));
        }
        let known = if storage {
            trackers::storage(name)
        } else {
            trackers::cookie(name).map(|(s, _)| s)
        };
        known
            .filter(|s| s.category != "necessary")
            .map(|s| format!("{}, {} in optin's table; not declared", s.name, s.category))
    }

    fn cookie(&self, name: &str) -> Option<Declared<'_>> {
        self.find(|s| s.cookies.iter().any(|c| wildcard(&c.name, name)))
    }

    fn storage(&self, key: &str) -> Option<Declared<'_>> {
        self.find(|s| {
            s.local_storage.iter().any(|k| wildcard(k, key))
                || s.cookies.iter().any(|c| wildcard(&c.name, key))
        })
    }

    fn find(&self, wanted: impl Fn(&optin_core::config::Service) -> bool) -> Option<Declared<'_>> {
        self.config.categories.iter().find_map(|c| {
            c.services.iter().find(|s| wanted(s)).map(|s| Declared {
                category: &c.id,
                required: c.required,
                service: &s.id,
            })
        })
    }

    /// (c): the page must offer a way back to the preferences that opens them.
    fn way_back(&self, page: &PageScan) -> Option<String> {
        if !page.has_optin() {
            let state = page.visits.first().map_or("absent", |v| v.optin.as_str());
            return Some(format!(
                "optin is not running on the page ({state}): no banner and no way back to the preferences"
            ));
        }
        let Some(w) = page
            .visit(Stage::AfterRejectAll)
            .and_then(|v| v.way_back.as_ref())
        else {
            return Some("the way back to the preferences could not be checked".into());
        };
        if w.open_links == 0 && !w.settings_button {
            return Some(
                "no way back to the preferences: no [data-optin-open] element and no settings button (config settingsButton)".into(),
            );
        }
        (!w.opens_preferences)
            .then(|| "the way back does not open the preferences panel when clicked".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::visit::{Cookie, WayBack};

    const PAGE: &str = "https://www.example.com/";
    const CONFIG: &str = r#"{"categories":[
      {"id":"necessary","required":true,"services":[{"id":"site","cookies":["sid"],"localStorage":["cart"]}]},
      {"id":"analytics","services":[{"id":"ga","cookies":["_ga","_ga_*"]}]}]}"#;

    fn cookie(name: &str) -> Cookie {
        Cookie {
            name: name.into(),
            domain: "www.example.com".into(),
            path: "/".into(),
            expires_in: None,
            third_party: false,
            secure: false,
            http_only: false,
            same_site: None,
            set_by: None,
        }
    }

    /// After reject-all the page offers one `[data-optin-open]` link that opens the panel.
    fn visit(stage: Stage, cookies: &[&str], keys: &[&str], hosts: &[&str]) -> Visit {
        let cookies = cookies.iter().map(|c| cookie(c)).collect();
        Visit {
            way_back: (stage == Stage::AfterRejectAll).then_some(WayBack {
                open_links: 1,
                settings_button: false,
                opens_preferences: true,
            }),
            ..Visit::synthetic(stage, PAGE, cookies, keys, hosts)
        }
    }

    fn audit(visits: Vec<Visit>, allow: &[&str]) -> Vec<String> {
        let config = Config::parse(CONFIG).unwrap().config;
        let allow: Vec<String> = allow.iter().map(|a| (*a).into()).collect();
        let auditor = Auditor {
            config: &config,
            allow: &allow,
        };
        let page = PageScan {
            url: PAGE.into(),
            visits,
        };
        let problems: BTreeSet<Problem> = auditor.page(&page).into_iter().collect();
        problems
            .into_iter()
            .map(|p| format!("({}) {}", p.kind, p.text))
            .collect()
    }

    #[test]
    fn necessary_declared_and_allowed_things_pass() {
        let visits = vec![
            visit(
                Stage::BeforeChoice,
                &["sid", "optin.consent"],
                &["cart"],
                &[],
            ),
            visit(
                Stage::AfterRejectAll,
                &["sid"],
                &["cart", "optin.consent"],
                &["js.stripe.com", "cdn.example.net"],
            ),
            visit(
                Stage::AfterAcceptAll,
                &["sid", "_ga", "_ga_X1"],
                &[],
                &["www.googletagmanager.com"],
            ),
        ];
        assert_eq!(
            audit(visits, &["stripe.com", "cdn.example.net"]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_problem_is_named() {
        let visits = vec![
            visit(
                Stage::BeforeChoice,
                &["_ga", "_ga_X1", "_fbp", "tracker"],
                &["ajs_user_id"],
                &["connect.facebook.net"],
            ),
            visit(Stage::AfterRejectAll, &["sid"], &[], &[]),
            visit(Stage::AfterAcceptAll, &["_ga"], &[], &[]),
        ];
        assert_eq!(
            audit(visits, &[]),
            [
                "(a) before a choice: calls third-party host connect.facebook.net (Facebook (Meta Pixel and social plugins), marketing, requested by https://www.example.com/)",
                "(a) before a choice: cookie _fbp is set (Facebook (Meta Pixel and social plugins), marketing in optin's table; not declared)",
                "(a) before a choice: cookies _ga, _ga_X1 are set (declared under analytics/ga, not necessary)",
                "(a) before a choice: localStorage key ajs_user_id is written (Segment, analytics in optin's table; not declared)",
                "(b) cookie _fbp (domain www.example.com) is not declared in the config",
                "(b) cookie tracker (domain www.example.com) is not declared in the config",
            ]
        );
    }

    #[test]
    fn no_way_back_and_no_widget_are_problems() {
        let mut reject = visit(Stage::AfterRejectAll, &[], &[], &[]);
        reject.way_back = Some(WayBack::default());
        let visits = vec![visit(Stage::BeforeChoice, &[], &[], &[]), reject];
        assert_eq!(
            audit(visits, &[]),
            ["(c) no way back to the preferences: no [data-optin-open] element and no settings button (config settingsButton)"]
        );
        let mut reject = visit(Stage::AfterRejectAll, &[], &[], &[]);
        reject.way_back = Some(WayBack {
            open_links: 2,
            settings_button: false,
            opens_preferences: false,
        });
        let visits = vec![visit(Stage::BeforeChoice, &[], &[], &[]), reject];
        assert_eq!(
            audit(visits, &[]),
            ["(c) the way back does not open the preferences panel when clicked"]
        );
        let mut absent = visit(Stage::BeforeChoice, &[], &[], &[]);
        absent.optin = "absent".into();
        assert_eq!(
            audit(vec![absent], &[]),
            ["(c) optin is not running on the page (absent): no banner and no way back to the preferences"]
        );
    }
}
