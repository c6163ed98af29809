//! Which cookies and storage keys a withdrawal clears, and how to delete a cookie wherever it may
//! have been set. Pure: `storage.rs` reads and writes `document.cookie`.
//!
//! A cookie can only be deleted with the domain and path it was set with, which the page cannot
//! read back. So each matching cookie is expired on the host itself (no Domain attribute), on
//! every parent domain of the host, on `/` and on the paths the config lists for it.

use crate::config::Config;
use crate::consent::Access;

/// `*` matches any run of characters (`_ga_*` matches `_ga_ABC123`); everything else is literal.
///
/// Two pointers, backtracking only to the last star seen: when the text after it stops matching,
/// that star takes one more byte of the name and the text after it is tried again. Going back
/// further is never needed (a later star can absorb whatever an earlier one would), so the work
/// is at most the name's length times the longest run of literal text, never the n^k of trying
/// every split for k stars (`*a*a*a*a*a*b` against a long run of `a`s never finished). Bytes, not
/// chars: literal text that is valid UTF-8 can only match at char boundaries.
pub fn matches(pattern: &str, name: &str) -> bool {
    let (pattern, name) = (pattern.as_bytes(), name.as_bytes());
    // Next byte of each; where to resume after the last star: (pattern after it, name).
    let (mut p, mut n) = (0, 0);
    let mut resume = None;
    while let Some(&c) = name.get(n) {
        step();
        match pattern.get(p) {
            Some(b'*') => {
                p += 1;
                resume = Some((p, n));
            }
            Some(&literal) if literal == c => (p, n) = (p + 1, n + 1),
            _ => match resume {
                Some((after_star, star_end)) => {
                    (p, n) = (after_star, star_end + 1);
                    resume = Some((p, n));
                }
                None => return false,
            },
        }
    }
    pattern.iter().skip(p).all(|&b| b == b'*')
}

/// Counts units of work in tests (see `json::step`); nothing outside tests.
#[inline(always)]
fn step() {
    #[cfg(test)]
    tests::STEPS.with(|s| s.set(s.get() + 1));
}

/// `docs.banzaicloud.io` -> `docs.banzaicloud.io`, `banzaicloud.io`. Never a bare top-level
/// domain, and nothing for an IP address (it has no parent domains).
pub fn parent_domains(host: &str) -> Vec<String> {
    let host = host.trim_end_matches('.');
    if host.is_empty()
        || host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        || host.contains(':')
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut rest = host;
    while rest.contains('.') {
        out.push(rest.to_owned());
        rest = rest.split_once('.').map(|(_, r)| r).unwrap_or("");
    }
    out
}

/// What a withdrawal must clear: cookie patterns with their extra paths, and localStorage keys,
/// for every service that was granted in `before` and is not in `after`.
#[derive(Debug, Default, PartialEq)]
pub struct Clearing {
    pub cookies: Vec<(String, Vec<String>)>,
    pub local_storage: Vec<String>,
}

impl Clearing {
    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty() && self.local_storage.is_empty()
    }
}

pub fn to_clear(config: &Config, before: &Access, after: &Access) -> Clearing {
    let mut clearing = Clearing::default();
    for c in &config.categories {
        for s in &c.services {
            let withdrawn = before.service(&c.id, &s.id) == Some(true)
                && after.service(&c.id, &s.id) == Some(false);
            if withdrawn {
                for cookie in &s.cookies {
                    let paths = cookie.path.iter().cloned().collect();
                    clearing.cookies.push((cookie.name.clone(), paths));
                }
                clearing
                    .local_storage
                    .extend(s.local_storage.iter().cloned());
            }
        }
    }
    clearing
}

/// Every `document.cookie` assignment that expires `name` wherever it may have been set.
pub fn deletions(name: &str, host: &str, extra_paths: &[String]) -> Vec<String> {
    let mut paths = vec!["/".to_owned()];
    paths.extend(extra_paths.iter().filter(|p| p.starts_with('/')).cloned());
    let mut domains = vec![String::new()];
    domains.extend(parent_domains(host));
    let mut out = Vec::new();
    for path in &paths {
        for domain in &domains {
            let mut s = String::from(name);
            s.push_str("=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=");
            s.push_str(path);
            if !domain.is_empty() {
                s.push_str("; Domain=");
                s.push_str(domain);
            }
            out.push(s);
        }
    }
    out
}

/// The names in a `document.cookie` string.
pub fn names(cookie_header: &str) -> Vec<&str> {
    cookie_header
        .split(';')
        .filter_map(|pair| {
            let name = pair.split('=').next()?.trim();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::access_after;
    use std::cell::Cell;

    thread_local! {
        /// Work done by this test's thread, counted by `step`.
        pub(super) static STEPS: Cell<u64> = const { Cell::new(0) };
    }

    /// The backtracking matcher `matches` replaced: the reference it is checked against.
    fn matches_before(pattern: &str, name: &str) -> bool {
        match pattern.split_once('*') {
            None => pattern == name,
            Some((head, tail)) => {
                name.len() >= head.len()
                    && name.starts_with(head)
                    && (0..=name.len() - head.len()).any(|i| {
                        name.is_char_boundary(head.len() + i)
                            && matches_before(tail, &name[head.len() + i..])
                    })
            }
        }
    }

    #[test]
    fn wildcards_match_as_before() {
        let mut seed = 0x0C00_C1E5_u64;
        let mut random = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let (mut matched, total) = (0, 100_000);
        for _ in 0..total {
            let word = |random: &mut dyn FnMut(u64) -> u64, alphabet: &[&str], len| {
                (0..random(len))
                    .map(|_| alphabet[random(alphabet.len() as u64) as usize])
                    .collect::<String>()
            };
            let pattern = word(&mut random, &["a", "b", "*", "é", "_"], 7);
            let name = word(&mut random, &["a", "b", "é", "_"], 9);
            let expected = matches_before(&pattern, &name);
            assert_eq!(matches(&pattern, &name), expected, "{pattern:?} {name:?}");
            matched += usize::from(expected);
        }
        assert!(matched > total / 20 && matched < total / 2, "{matched}");
    }

    #[test]
    fn matching_is_linear_in_the_name() {
        let n = 100_000;
        let a = "a".repeat(n);
        for (pattern, name, expected) in [
            ("*a*a*a*a*a*b", a.clone(), false),
            ("*a*a*a*a*a*b", a.clone() + "b", true),
            ("*aaaaab*", a.clone(), false),
            ("a*", a.clone(), true),
            ("****", a.clone(), true),
            ("*ab*ab*ab*c", "ab".repeat(n / 2), false),
        ] {
            STEPS.with(|s| s.set(0));
            assert_eq!(matches(pattern, &name), expected, "{pattern}");
            let steps = STEPS.with(Cell::get);
            // Each byte of the name is matched against at most the longest literal run (plus one
            // step for its star), and each star is stepped over.
            let longest = pattern.split('*').map(str::len).max().unwrap_or(0) as u64;
            let bound = (longest + 1) * (name.len() as u64 + 1) + pattern.len() as u64;
            assert!(
                steps <= bound,
                "{pattern}: {steps} steps, more than {bound}"
            );
        }
    }

    #[test]
    fn wildcards() {
        assert!(matches("_ga", "_ga"));
        assert!(!matches("_ga", "_gat"));
        assert!(matches("_ga_*", "_ga_ABC123"));
        assert!(matches("_ga_*", "_ga_"));
        assert!(!matches("_ga_*", "_gid"));
        assert!(matches("*_id", "guest_id"));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("é*", "éà"));
    }

    #[test]
    fn parents_of_a_host() {
        assert_eq!(
            parent_domains("docs.banzaicloud.io"),
            ["docs.banzaicloud.io", "banzaicloud.io"]
        );
        assert_eq!(parent_domains("localhost"), Vec::<String>::new());
        assert_eq!(parent_domains("127.0.0.1"), Vec::<String>::new());
        assert_eq!(parent_domains("[::1]"), Vec::<String>::new());
    }

    #[test]
    fn deletions_cover_host_parents_and_paths() {
        let d = deletions("_ga", "a.optin.test", &["/sub".into(), "bad".into()]);
        assert_eq!(d.len(), 6);
        assert!(d.contains(
            &"_ga=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/".to_owned()
        ));
        assert!(d
            .iter()
            .any(|s| s.ends_with("Path=/sub; Domain=optin.test")));
        assert_eq!(names(" a=1; _ga_X=2;b="), ["a", "_ga_X", "b"]);
    }

    #[test]
    fn only_withdrawn_services_are_cleared() {
        let config = Config::parse(
            r#"{"categories":[{"id":"analytics","services":[
                {"id":"ga","cookies":[{"name":"_ga"},{"name":"_ga_*","path":"/blog"}],"localStorage":["ga_key"]},
                {"id":"hj","cookies":[{"name":"_hj*"}]}]}]}"#,
        )
        .unwrap()
        .config;
        let access = |accepted: &[&str]| access_after(&config, accepted);
        let c = to_clear(&config, &access(&["analytics"]), &access(&["analytics/hj"]));
        assert_eq!(
            c.cookies,
            [
                ("_ga".to_owned(), vec![]),
                ("_ga_*".to_owned(), vec!["/blog".to_owned()])
            ]
        );
        assert_eq!(c.local_storage, ["ga_key"]);
        assert_eq!(
            to_clear(&config, &access(&[]), &access(&[])),
            Clearing::default()
        );
    }
}
