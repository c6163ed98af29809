//! robots.txt (RFC 9309) as the crawler obeys it: the group for our user agent (`optin`) or
//! else `*`, Allow/Disallow by longest match with `*` and `$`, Allow winning ties.

/// The rules that apply to us on one origin; no rules allow everything.
#[derive(Debug, Default)]
pub struct Robots {
    /// (allow, pattern) pairs.
    rules: Vec<(bool, String)>,
}

/// The product token we look for in User-agent lines.
const AGENT: &str = "optin";

impl Robots {
    /// Reads a robots.txt body. A group for `optin` replaces the `*` group, as the RFC says.
    pub fn parse(body: &str) -> Robots {
        let mut ours = Vec::new();
        let mut star = Vec::new();
        let mut found_ours = false;
        // The agents of the group being read, and whether its rules have started.
        let mut agents: Vec<String> = Vec::new();
        let mut in_rules = false;
        for line in body.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            match key.as_str() {
                "user-agent" => {
                    if in_rules {
                        agents.clear();
                        in_rules = false;
                    }
                    agents.push(value.to_ascii_lowercase());
                }
                "allow" | "disallow" => {
                    in_rules = true;
                    // An empty Disallow allows everything: no rule.
                    if value.is_empty() {
                        continue;
                    }
                    let rule = (key == "allow", value.to_owned());
                    if agents.iter().any(|a| a == AGENT) {
                        found_ours = true;
                        ours.push(rule);
                    } else if agents.iter().any(|a| a == "*") {
                        star.push(rule);
                    }
                }
                _ => {}
            }
        }
        Robots {
            rules: if found_ours { ours } else { star },
        }
    }

    /// Whether the path (with its query) may be fetched.
    pub fn allows(&self, path: &str) -> bool {
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if matches(pattern, path) {
                let len = pattern.len();
                best = match best {
                    Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                    _ => Some((len, *allow)),
                };
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// Prefix match with `*` (any characters) and a trailing `$` (end of path).
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = path.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if last && anchored {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    !anchored || rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_group_and_longest_match() {
        let r = Robots::parse(
            "User-agent: other\nDisallow: /\n\nUser-agent: *\nDisallow: /private\nAllow: /private/ok\n# c\nDisallow: /*.pdf$\n",
        );
        assert!(r.allows("/"));
        assert!(!r.allows("/private/x"));
        assert!(r.allows("/private/ok/x"));
        assert!(!r.allows("/docs/a.pdf"));
        assert!(r.allows("/docs/a.pdf?x"));
    }

    #[test]
    fn our_group_replaces_star() {
        let r =
            Robots::parse("User-agent: *\nDisallow: /\n\nUser-agent: optin\nDisallow: /admin\n");
        assert!(r.allows("/index.html"));
        assert!(!r.allows("/admin/x"));
    }

    #[test]
    fn empty_disallow_and_no_file_allow_everything() {
        assert!(Robots::parse("User-agent: *\nDisallow:\n").allows("/x"));
        assert!(Robots::default().allows("/x"));
        assert!(!Robots::parse("User-agent: *\nDisallow: /\n").allows("/"));
    }
}
