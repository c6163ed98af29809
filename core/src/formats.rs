//! The small formats the config, the consent record and the receipt share: ids, consent ids,
//! language tags and web origins. One definition each, so what the config accepts, what the
//! widget stores and what the consent log takes are the same thing.

/// Longest `lang` (the longest well-formed BCP 47 tag in common use fits in 35).
pub const MAX_LANG: usize = 35;

/// `[A-Za-z0-9_-]{1,64}`: category and service ids, which appear in markup
/// (`data-category="…"`), in storage and in receipts.
pub fn is_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A UUID version 4 in the canonical lowercase form the widget writes (`consent::uuid_v4`).
pub fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            14 => c == b'4',
            19 => matches!(c, b'8' | b'9' | b'a' | b'b'),
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

/// A well-formed BCP 47 tag, loosely: subtags of 1 to 8 ASCII letters or digits joined by `-`,
/// the first all letters (2 to 8 of them, or the `x`/`i` prefixes), at most 35 characters.
pub fn is_language_tag(s: &str) -> bool {
    if s.is_empty() || s.len() > MAX_LANG {
        return false;
    }
    let mut subtags = s.split('-');
    let first = subtags.next().unwrap_or_default();
    let first_ok = first.bytes().all(|b| b.is_ascii_alphabetic())
        && ((2..=8).contains(&first.len()) || first.eq_ignore_ascii_case("x") || first == "i");
    first_ok
        && subtags
            .all(|t| (1..=8).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A serialized web origin as browsers write it (`location.origin`, the `Origin` header):
/// `http` or `https`, `://`, a lowercase host name, IPv4 or bracketed IPv6 address, and an
/// optional port; nothing after.
pub fn is_origin(s: &str) -> bool {
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return false;
    };
    if rest.is_empty() || rest.len() > 270 {
        return false;
    }
    let (host_ok, port) = match rest.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((inner, port)) => (is_ipv6_text(inner), port),
            None => return false,
        },
        None => {
            let (host, port) = match rest.find(':') {
                Some(at) => rest.split_at(at),
                None => (rest, ""),
            };
            (host.split('.').all(is_host_label), port)
        }
    };
    host_ok && is_port_suffix(port)
}

fn is_ipv6_text(s: &str) -> bool {
    s.len() >= 2
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b':' || b == b'.')
}

fn is_host_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `""` or `:` and a port number from 0 to 65535.
fn is_port_suffix(port: &str) -> bool {
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(p) => {
            (1..=5).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.bytes().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')) <= 65_535
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for ok in ["a", "analytics", "Social_2", "ad-storage", &"a".repeat(64)] {
            assert!(is_id(ok), "{ok}");
        }
        for bad in ["", "ana lytics", "analytics!", "é", "a/b", &"a".repeat(65)] {
            assert!(!is_id(bad), "{bad}");
        }
    }

    #[test]
    fn uuids() {
        assert!(is_uuid_v4("3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c"));
        assert!(is_uuid_v4(&crate::consent::uuid_v4([0xab; 16])));
        for bad in [
            "3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6",
            "3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c0",
            "3F0C2A9E-8B1D-4C7E-9A2B-1D2E3F4A5B6C",
            "3f0c2a9e-8b1d-1c7e-9a2b-1d2e3f4a5b6c",
            "3f0c2a9e-8b1d-4c7e-7a2b-1d2e3f4a5b6c",
            "3f0c2a9e8b1d4c7e9a2b1d2e3f4a5b6c",
            "3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6g",
            "{3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6}",
        ] {
            assert!(!is_uuid_v4(bad), "{bad}");
        }
    }

    #[test]
    fn language_tags() {
        for ok in [
            "en",
            "en-GB",
            "x-private",
            "sr-Latn-RS",
            "de-CH-1996",
            "zh-Hant-TW",
            "en-aaaaaaaa-bbbbbbbb-cccccccc-ddddd",
        ] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "en_US",
            "e",
            "",
            "englishlanguage",
            "en--us",
            "12",
            "en-",
            "en-aaaaaaaa-bbbbbbbb-cccccccc-dddddd",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn origins() {
        for ok in [
            "https://example.com",
            "http://127.0.0.1:8000",
            "https://xn--bcher-kva.example",
            "http://localhost:65535",
            "https://[::1]:8443",
        ] {
            assert!(is_origin(ok), "{ok}");
        }
        for bad in [
            "example.com",
            "https://example.com/",
            "https://example.com/path",
            "https://Example.com",
            "ftp://example.com",
            "https://",
            "https://example..com",
            "https://example.com:",
            "https://example.com:65536",
            "https://example.com:99999",
            "https://example.com:80a",
            "https://ex ample.com",
            "null",
            "https://[::1",
            "https://[]",
            "https://user@example.com",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
    }
}
