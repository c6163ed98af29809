//! URLs as the scanner needs them: the host of a URL, the site (registrable domain) a host
//! belongs to, and so whether a host, cookie domain or link is first or third party. Links and
//! request URLs come from the browser already absolute and normalised, so a small reader does.

/// Second-level labels under which registries sell names (`example.co.uk`): the common ones of
/// the public suffix list. A host under a suffix missing here is taken one label too short,
/// which can only make two sites look like one (first party), never the reverse.
const TWO_LABEL_SUFFIXES: &[&str] = &[
    "co.uk",
    "org.uk",
    "ac.uk",
    "gov.uk",
    "me.uk",
    "ltd.uk",
    "plc.uk",
    "co.jp",
    "ne.jp",
    "or.jp",
    "ac.jp",
    "com.au",
    "net.au",
    "org.au",
    "edu.au",
    "gov.au",
    "co.nz",
    "org.nz",
    "com.br",
    "com.cn",
    "com.mx",
    "com.ar",
    "com.tr",
    "com.tw",
    "com.hk",
    "com.sg",
    "co.in",
    "co.kr",
    "co.za",
    "co.il",
    "com.pl",
    "com.ua",
    "github.io",
    "gitlab.io",
    "netlify.app",
    "vercel.app",
    "herokuapp.com",
    "pages.dev",
    "blogspot.com",
    "appspot.com",
    "cloudfront.net",
    "azurewebsites.net",
];

/// The scheme, host and port of an absolute http(s) URL; None for anything else.
pub fn origin(url: &str) -> Option<(&str, String, Option<u16>)> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, p) = v6.split_once(']')?;
        (h, p.strip_prefix(':').map(str::parse).transpose().ok()?)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p.parse().ok()?)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    Some((scheme, host.to_ascii_lowercase(), port))
}

/// The host of an absolute http(s) URL.
pub fn host(url: &str) -> Option<String> {
    origin(url).map(|(_, h, _)| h)
}

/// `scheme://host[:port]`, the part robots.txt is per.
pub fn origin_string(url: &str) -> Option<String> {
    let (scheme, host, port) = origin(url)?;
    Some(match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    })
}

/// The path and query of a URL (what robots.txt rules match), `/` at least.
pub fn path_and_query(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split('#').next().unwrap_or(rest);
    match rest.find(['/', '?']) {
        Some(at) if rest[at..].starts_with('/') => &rest[at..],
        _ => "/",
    }
}

/// The URL without its fragment: `page#a` and `page#b` are one page.
pub fn without_fragment(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

/// The registrable domain of a host (`www.google-analytics.com` → `google-analytics.com`); an
/// IP address or a single label is its own site. A leading dot (cookie domains) is ignored.
pub fn site(host: &str) -> String {
    let host = host.trim_start_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() <= 2 {
        return host;
    }
    let last_two = labels[labels.len() - 2..].join(".");
    let keep = if TWO_LABEL_SUFFIXES.contains(&last_two.as_str()) {
        3
    } else {
        2
    };
    labels[labels.len().saturating_sub(keep)..].join(".")
}

/// Whether `host` (or a cookie domain) belongs to another site than `page_host`.
pub fn third_party(host: &str, page_host: &str) -> bool {
    site(host) != site(page_host)
}

/// Whether `host` is `domain` or under it (`www.facebook.com` is under `facebook.com`).
pub fn host_matches(host: &str, domain: &str) -> bool {
    let host = host.trim_start_matches('.');
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_paths() {
        assert_eq!(
            origin("http://www.Demo.test:8080/a?b#c"),
            Some(("http", "www.demo.test".into(), Some(8080)))
        );
        assert_eq!(origin("mailto:x@y.z"), None);
        assert_eq!(
            origin_string("https://a.b/c").as_deref(),
            Some("https://a.b")
        );
        assert_eq!(path_and_query("http://a.b:1/x/y?q=1#f"), "/x/y?q=1");
        assert_eq!(path_and_query("http://a.b"), "/");
        assert_eq!(path_and_query("http://a.b?q"), "/");
        assert_eq!(without_fragment("http://a/b#c"), "http://a/b");
    }

    #[test]
    fn sites_and_parties() {
        assert_eq!(site("www.google-analytics.com"), "google-analytics.com");
        assert_eq!(site(".facebook.com"), "facebook.com");
        assert_eq!(site("shop.example.co.uk"), "example.co.uk");
        assert_eq!(site("127.0.0.1"), "127.0.0.1");
        assert_eq!(site("localhost"), "localhost");
        assert!(third_party("platform.twitter.com", "www.demo.test"));
        assert!(!third_party(".demo.test", "www.demo.test"));
        assert!(host_matches("www.facebook.com", "facebook.com"));
        assert!(!host_matches("notfacebook.com", "facebook.com"));
        assert!(host_matches("facebook.com", "facebook.com"));
    }
}
