//! What `optin check` says about a page's markup: gated elements the config cannot grant, markup
//! that looks gated but is not, third-party scripts and frames with no gate, and inline gated
//! scripts a nonce-based CSP would block. README "`optin check`" lists them with their severity.
//!
//! Which elements are gated, and how `data-category`/`data-service` are read, is the widget's
//! own rule (`optin_core::gate::Requirement`, the selector in core/src/activate.rs).

use optin_core::config::Config;
use optin_core::gate::Requirement;

use crate::page::Element;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The widget cannot do what the markup means: fails `optin check`.
    Error,
    /// Worth a look, may be intended: fails `optin check` only with `--deny-warnings`.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub line: u64,
    pub severity: Severity,
    pub message: String,
}

/// What the page is checked against.
pub struct Context<'a> {
    /// `None` when the config is broken: the categories cannot be checked then.
    pub config: Option<&'a Config>,
    /// The site's own hosts: URLs on them (or their subdomains) are first party. Without any,
    /// every absolute http(s) URL counts as third party.
    pub site_hosts: &'a [String],
}

/// Elements the widget gates when they carry `data-category` (core/src/activate.rs `GATED`).
const EMBEDS: &[&str] = &["iframe", "img", "video", "audio", "link"];

/// Every finding on a page's elements, in document order.
pub fn check(elements: &[Element], ctx: &Context) -> Vec<Finding> {
    let nonces = uses_nonces(elements);
    let mut findings = Vec::new();
    for e in elements {
        let mut say = |severity, message: String| {
            findings.push(Finding {
                line: e.line,
                severity,
                message,
            })
        };
        match e.attr("data-category") {
            Some(category) if is_gated(e) => {
                for (severity, message) in gated(e, category, ctx, nonces) {
                    say(severity, message);
                }
            }
            Some(_) if e.name == "script" && runs_as_script(e) => say(
                Severity::Error,
                "script with data-category but no type=\"text/plain\": it runs without consent"
                    .into(),
            ),
            Some(_) => {}
            None => {
                if e.has("data-service") && (e.name == "script" || EMBEDS.contains(&&*e.name)) {
                    say(
                        Severity::Warning,
                        "data-service without data-category: the element is not gated".into(),
                    );
                }
                if let Some(message) = ungated_third_party(e, ctx) {
                    say(Severity::Warning, message);
                }
            }
        }
    }
    findings
}

fn is_gated(e: &Element) -> bool {
    match e.name.as_str() {
        // As the selector matches it: the whole value, ASCII case aside.
        "script" => e
            .attr("type")
            .is_some_and(|t| t.eq_ignore_ascii_case("text/plain")),
        name => EMBEDS.contains(&name),
    }
}

/// What is wrong with one gated element.
fn gated(e: &Element, category: &str, ctx: &Context, nonces: bool) -> Vec<(Severity, String)> {
    let mut out = Vec::new();
    match Requirement::parse(category, e.attr("data-service")) {
        None => out.push((
            Severity::Error,
            "empty data-category: the element never runs".into(),
        )),
        Some(requirement) => {
            if let Some(config) = ctx.config {
                out.extend(unknown_names(&requirement, config).map(|m| (Severity::Error, m)));
            }
        }
    }
    let (url, real) = if e.name == "link" {
        ("href", "data-href")
    } else {
        ("src", "data-src")
    };
    // A `src` beside `data-src` is a stand-in (about:blank, a local placeholder image) unless it
    // goes to a third party.
    let loads_early = e
        .attr(url)
        .is_some_and(|u| !e.has(real) || third_party_host(u, ctx.site_hosts).is_some());
    if e.name != "script" && loads_early {
        out.push((
            Severity::Error,
            format!(
                "{url} on a gated <{}> loads it before consent: use {real}",
                e.name
            ),
        ));
    }
    let inline = e.name == "script" && !e.has("src") && !e.has("data-src");
    if inline && e.attr("nonce").is_none_or(|n| n.trim().is_empty()) {
        // The live copy takes the element's nonce (activate.rs); 'strict-dynamic' trusts
        // scripts a trusted script adds only when they have a src.
        let severity = if nonces {
            Severity::Error
        } else {
            Severity::Warning
        };
        let context = if nonces {
            "this page uses nonces, and its CSP blocks the script once granted"
        } else {
            "a CSP that allows scripts by nonce blocks it once granted"
        };
        out.push((
            severity,
            format!("inline gated script without a nonce: {context}"),
        ));
    }
    out
}

/// A category, or a service of it, the config does not have: such an element never runs.
fn unknown_names(r: &Requirement, config: &Config) -> Option<String> {
    let ids = |ids: Vec<&str>| {
        if ids.is_empty() {
            "it has none".to_owned()
        } else {
            ids.join(", ")
        }
    };
    let Some(category) = config.category(&r.category) else {
        let known = ids(config.categories.iter().map(|c| c.id.as_str()).collect());
        return Some(format!(
            "data-category=\"{}\" names no category of the config ({known}): the element never runs",
            r.category
        ));
    };
    let (service, _) = r.service.as_ref()?;
    if category.services.iter().any(|s| s.id == *service) {
        return None;
    }
    let known = ids(category.services.iter().map(|s| s.id.as_str()).collect());
    Some(format!(
        "data-service=\"{service}\" names no service of category {} ({known}): the element never runs",
        category.id
    ))
}

/// A script the browser runs as it stands: no `type`, or a JavaScript one.
fn runs_as_script(e: &Element) -> bool {
    let t = e.attr("type").unwrap_or("").trim().to_ascii_lowercase();
    matches!(
        t.as_str(),
        "" | "module" | "text/javascript" | "application/javascript" | "text/ecmascript"
    )
}

/// `<script src>` (that runs) or `<iframe src>` to a third party, with no gate.
fn ungated_third_party(e: &Element, ctx: &Context) -> Option<String> {
    let url = match e.name.as_str() {
        "script" if runs_as_script(e) => e.attr("src")?,
        "iframe" => e.attr("src")?,
        _ => return None,
    };
    let host = third_party_host(url, ctx.site_hosts)?;
    // The widget's own loader, from a CDN, is not a tracker.
    if e.name == "script" && path_of(url).ends_with("/optin.js") {
        return None;
    }
    let how = if e.name == "iframe" {
        "data-category=\"…\" and data-src for src"
    } else {
        "type=\"text/plain\" data-category=\"…\""
    };
    Some(format!(
        "<{}> from {host} is not gated: it loads without consent (gate it with {how})",
        e.name
    ))
}

/// The host of an absolute http(s) URL (or `//host/…`) that is not the site's.
fn third_party_host<'u>(url: &'u str, sites: &[String]) -> Option<&'u str> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let rest = ["https://", "http://", "//"]
        .iter()
        .find(|p| lower.starts_with(*p))
        .map(|p| &url[p.len()..])?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    let own = sites.iter().any(|site| {
        let (host, site) = (host.to_ascii_lowercase(), site.to_ascii_lowercase());
        host == site || host.ends_with(&format!(".{site}"))
    });
    (!host.is_empty() && !own).then_some(host)
}

fn path_of(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

/// The page shows that it runs under a nonce-based CSP: a script carries a nonce, or a `<meta>`
/// policy names one.
fn uses_nonces(elements: &[Element]) -> bool {
    elements.iter().any(|e| match e.name.as_str() {
        "script" => e.attr("nonce").is_some_and(|n| !n.trim().is_empty()),
        "meta" => {
            e.attr("http-equiv")
                .is_some_and(|h| h.eq_ignore_ascii_case("content-security-policy"))
                && e.attr("content").is_some_and(|c| c.contains("'nonce-"))
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::elements;

    fn config() -> Config {
        Config::parse(
            r#"{"categories":[{"id":"analytics","services":[{"id":"ga"}]},{"id":"social"}]}"#,
        )
        .unwrap()
        .config
    }

    fn findings(html: &str, site_host: Option<&str>) -> Vec<(u64, Severity, String)> {
        let config = config();
        let site_hosts: Vec<String> = site_host.into_iter().map(String::from).collect();
        let ctx = Context {
            config: Some(&config),
            site_hosts: &site_hosts,
        };
        check(&elements(html), &ctx)
            .into_iter()
            .map(|f| (f.line, f.severity, f.message))
            .collect()
    }

    #[test]
    fn well_gated_markup_has_no_findings() {
        let html = r#"<script src="https://cdn.example/optin/optin.js" defer></script>
<script type="text/plain" data-category="analytics" data-service="ga" src="https://t.example/ga.js"></script>
<script type="text/plain" data-category="!analytics" nonce="r4nd">x()</script>
<iframe data-category="social" data-src="https://video.example/e/1"></iframe>
<link rel="stylesheet" data-category="social" data-href="https://w.example/a.css">
<script src="/app.js"></script><script src="https://cdn.site.example/x.js"></script>"#;
        assert_eq!(findings(html, Some("site.example")), []);
    }

    #[test]
    fn unknown_names_and_markup_that_is_not_gated() {
        let html = r#"<script type="text/plain" data-category="analytic" src="a.js"></script>
<script type="text/plain" data-category="analytics" data-service="!gaa" src="a.js"></script>
<script type="text/plain" data-category="social" data-service="x" src="a.js"></script>
<img data-category=" " data-src="p.png"><iframe data-category="social" src="https://v.example/"></iframe>
<script data-category="analytics" src="a.js"></script><script data-service="ga" src="b.js"></script>"#;
        let found = findings(html, None);
        let lines: Vec<(u64, Severity)> = found.iter().map(|f| (f.0, f.1)).collect();
        use Severity::*;
        assert_eq!(
            lines,
            [
                (1, Error),
                (2, Error),
                (3, Error),
                (4, Error),
                (4, Error),
                (5, Error),
                (5, Warning)
            ],
            "{found:#?}"
        );
        assert!(found[0].2.starts_with(
            "data-category=\"analytic\" names no category of the config (analytics, social)"
        ));
        assert!(found[1]
            .2
            .contains("data-service=\"gaa\" names no service of category analytics (ga)"));
        assert!(found[2].2.contains("(it has none)"));
        assert!(found[4].2.starts_with("src on a gated <iframe>"));
    }

    #[test]
    fn a_stand_in_src_beside_data_src_is_fine_unless_third_party() {
        let html = r#"<img data-category="social" data-src="https://t.example/a.png" src="/blank.png">
<iframe data-category="social" src="about:blank" data-src="https://v.example/"></iframe>
<img data-category="social" data-src="https://t.example/a.png" src="https://t.example/b.png">"#;
        let lines: Vec<u64> = findings(html, None).iter().map(|f| f.0).collect();
        assert_eq!(lines, [3]);
    }

    #[test]
    fn third_parties_by_host() {
        let html = r#"<script src="https://www.googletagmanager.com/gtag/js?id=G-1" async></script>
<iframe src="//www.youtube.com/embed/x"></iframe><script src="https://Site.Example:8443/a.js"></script>
<script type="application/ld+json" src="https://x.example/a.json"></script><img src="https://t.example/p.gif">"#;
        let hosts = |site| -> Vec<u64> { findings(html, site).iter().map(|f| f.0).collect() };
        assert_eq!(hosts(Some("site.example")), [1, 2]);
        assert_eq!(hosts(None), [1, 2, 2]);
        assert!(findings(html, None)[0]
            .2
            .starts_with("<script> from www.googletagmanager.com is not gated"));
    }

    #[test]
    fn inline_gated_scripts_need_a_nonce_under_a_nonce_policy() {
        let inline = r#"<script type="text/plain" data-category="analytics">x()</script>"#;
        assert_eq!(findings(inline, None)[0].1, Severity::Warning);
        let policy =
            r#"<meta http-equiv="Content-Security-Policy" content="script-src 'nonce-abc'">"#;
        assert_eq!(
            findings(&[policy, inline].concat(), None)[0].1,
            Severity::Error
        );
        let nonce = r#"<script src="/optin/optin.js" nonce="abc"></script>"#;
        assert_eq!(
            findings(&[nonce, inline].concat(), None)[0].1,
            Severity::Error
        );
        let external =
            r#"<script type="text/plain" data-category="analytics" data-src="/a.js"></script>"#;
        assert_eq!(findings(external, None), []);
    }
}
