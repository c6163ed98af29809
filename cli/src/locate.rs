//! Finds the line of a config error's field path (`categories[1].id`) in the config's text, so
//! `optin check` can say `config.json:4:` as compilers do. The widget's JSON reader keeps no
//! positions (it is size-budgeted); this walks the text of a document the reader already
//! accepted, so it only needs to skip values, not to judge them.

/// The line (from 1) where the field at `path` starts (its key, in an object), or where its
/// deepest ancestor present in `json` does (a missing field: its object). `None` for the root.
pub fn line_of(json: &str, path: &str) -> Option<u64> {
    let mut at = None;
    let mut value = skip_ws(json.as_bytes(), 0);
    for segment in segments(path) {
        match find(json.as_bytes(), value, &segment) {
            Some((start, inner)) => {
                at = Some(start);
                value = inner;
            }
            None => break,
        }
    }
    at.map(|offset| json[..offset].matches('\n').count() as u64 + 1)
}

/// The line of a JSON syntax error, from the reader's message (`expected ':' at byte 32`).
pub fn line_of_syntax_error(json: &str, message: &str) -> Option<u64> {
    let (_, rest) = message.rsplit_once(" at byte ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let byte = digits.parse::<usize>().ok()?.min(json.len());
    Some(
        json.as_bytes()[..byte]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1,
    )
}

#[derive(Debug, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// `a.b[2].c` -> a, b, 2, c.
fn segments(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, indices) = part.split_once('[').unwrap_or((part, ""));
        if !key.is_empty() {
            out.push(Segment::Key(key.to_owned()));
        }
        for index in indices.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Segment::Index(i));
            }
        }
    }
    out
}

/// In the object or array starting at `at`, the member `segment`: (where its key or value
/// starts, where its value starts).
fn find(s: &[u8], at: usize, segment: &Segment) -> Option<(usize, usize)> {
    let (open, close) = match segment {
        Segment::Key(_) => (b'{', b'}'),
        Segment::Index(_) => (b'[', b']'),
    };
    if s.get(at) != Some(&open) {
        return None;
    }
    let mut pos = skip_ws(s, at + 1);
    let mut index = 0;
    while pos < s.len() && s[pos] != close {
        let start = pos;
        let hit = match segment {
            Segment::Key(key) => {
                let end = skip_string(s, pos)?;
                let found = std::str::from_utf8(&s[pos + 1..end - 1]).ok()? == key;
                pos = skip_ws(s, end);
                if s.get(pos) != Some(&b':') {
                    return None;
                }
                pos = skip_ws(s, pos + 1);
                found
            }
            Segment::Index(i) => *i == index,
        };
        if hit {
            return Some((start, pos));
        }
        pos = skip_ws(s, skip_value(s, pos)?);
        if s.get(pos) == Some(&b',') {
            pos = skip_ws(s, pos + 1);
        }
        index += 1;
    }
    None
}

fn skip_ws(s: &[u8], mut pos: usize) -> usize {
    while pos < s.len() && matches!(s[pos], b' ' | b'\t' | b'\n' | b'\r') {
        pos += 1;
    }
    pos
}

/// The end of the string starting at `pos` (past its closing quote).
fn skip_string(s: &[u8], pos: usize) -> Option<usize> {
    if s.get(pos) != Some(&b'"') {
        return None;
    }
    let mut i = pos + 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The end of the value starting at `pos`.
fn skip_value(s: &[u8], pos: usize) -> Option<usize> {
    match s.get(pos)? {
        b'"' => skip_string(s, pos),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = pos;
            while i < s.len() {
                match s[i] {
                    b'"' => {
                        i = skip_string(s, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => Some(
            (pos..s.len())
                .find(|&i| matches!(s[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(s.len()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{
  "revision": 2,
  "categories": [
    { "id": "necessary", "required": true },
    { "id": "a \"b\"",
      "services": [{ "id": "s", "cookies": ["_ga", { "nme": "x" }] }] }
  ],
  "texts": { "en": { "categories": { "b": {} } } }
}"#;

    #[test]
    fn paths_to_lines() {
        for (path, line) in [
            ("", None),
            ("revision", Some(2)),
            ("categories", Some(3)),
            ("categories[1].id", Some(5)),
            ("categories[1].services[0].cookies[1].nme", Some(6)),
            // Missing: the deepest ancestor there is.
            ("categories[1].services[0].cookies[1].name", Some(6)),
            ("categories[0].services", Some(4)),
            ("texts.en.categories.b", Some(8)),
            ("expiresAfterDays", None),
        ] {
            assert_eq!(line_of(CONFIG, path), line, "{path}");
        }
    }

    #[test]
    fn syntax_errors_to_lines() {
        let json = "{\"a\": 1,\n\"b\" 2}";
        let message = "not valid JSON (expected ':' at byte 12)";
        assert_eq!(line_of_syntax_error(json, message), Some(2));
        assert_eq!(
            line_of_syntax_error(json, "not valid JSON (at the end)"),
            None
        );
    }

    #[test]
    fn segments_of_a_path() {
        use Segment::*;
        assert_eq!(
            segments("categories[1].services[0].id"),
            [
                Key("categories".into()),
                Index(1),
                Key("services".into()),
                Index(0),
                Key("id".into())
            ]
        );
        assert_eq!(segments(""), []);
    }
}
