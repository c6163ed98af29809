//! A small JSON reader and writer for the config and the consent record.
//!
//! Why not serde_json: measured with twiggy, serde's derived deserializers plus serde_json made
//! the core's wasm about 140 KB (50 KB brotli) where the whole returning-visitor budget is 10 KB.
//! This reader is a few KB, never panics on hostile input, bounds its work (input size, nesting
//! depth, and no step that grows faster than n log n), keeps object keys in document order, and
//! lets the config reader name the exact field path of an error. Numbers are integers only (the
//! formats have no fractions), which also keeps float parsing out of the wasm.
//!
//! It accepts exactly the documents serde_json accepts (checked by a differential test), except:
//! - an object that names a key twice is refused (serde_json keeps the last value): a repeated
//!   key could hide a value from a reviewer;
//! - nesting deeper than [`MAX_DEPTH`] is refused (serde_json allows 128);
//! - a document longer than [`MAX_LEN`] is refused (serde_json has no limit);
//! - a number that is not an i64 (a fraction, an exponent, `-0`, beyond i64) reads as
//!   [`Value::OtherNumber`], also when its value is beyond f64 (`1e400`, which serde_json
//!   refuses): this reader never computes the value of such a number.

/// Deeper nesting than any config needs is refused rather than recursed into.
pub const MAX_DEPTH: usize = 32;
/// Longer documents are refused before reading them: about fifty times a large real config (a
/// few dozen services with their cookies and texts in several languages is ~20 KB), and small
/// enough that what a hostile one costs to read stays bounded.
pub const MAX_LEN: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// An integer that fits an i64.
    Int(i64),
    /// Any other number (fraction, exponent, `-0`, too large): never used, so never computed.
    OtherNumber,
    Str(String),
    Arr(Vec<Value>),
    Obj(Vec<(String, Value)>),
}

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Obj(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// What the value is, for messages such as "expected a string, found a number".
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::OtherNumber => "a number",
            Value::Str(_) => "a string",
            Value::Arr(_) => "an array",
            Value::Obj(_) => "an object",
        }
    }
}

/// Parses a whole document. The error says what was expected and at which byte offset.
pub fn parse(text: &str) -> Result<Value, String> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    if text.len() > MAX_LEN {
        p.pos = MAX_LEN;
        return Err(p.error("document longer than the 1 MiB limit"));
    }
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos != p.bytes.len() {
        return Err(p.error("unexpected text after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    /// The document, for slicing out runs of plain string characters (no UTF-8 check needed).
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        let mut s = String::from(what);
        s.push_str(" at byte ");
        push_uint(&mut s, self.pos as u64);
        s
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, String> {
        if self
            .bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(word.as_bytes()))
        {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.skip_ws();
        match self.bytes.get(self.pos) {
            None => Err(self.error("unexpected end of input")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::Str),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a JSON value")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        let start = self.pos;
        self.pos += 1;
        let mut entries: Vec<(String, Value)> = Vec::new();
        if self.eat(b'}') {
            return Ok(Value::Obj(entries));
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            if !self.eat(b':') {
                return Err(self.error("expected ':'"));
            }
            entries.push((key, self.value(depth + 1)?));
            if self.eat(b'}') {
                break;
            }
            if !self.eat(b',') {
                return Err(self.error("expected ',' or '}'"));
            }
        }
        // A repeated key could hide a value from a reviewer: refuse it.
        let mut keys: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
        if repeated_key(&mut keys) {
            self.pos = start;
            return Err(self.error("duplicate key in the object"));
        }
        Ok(Value::Obj(entries))
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.pos += 1;
        let mut items = Vec::new();
        if self.eat(b']') {
            return Ok(Value::Arr(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            if self.eat(b']') {
                return Ok(Value::Arr(items));
            }
            if !self.eat(b',') {
                return Err(self.error("expected ',' or ']'"));
            }
        }
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        let negative = self.bytes.get(self.pos) == Some(&b'-');
        if negative {
            self.pos += 1;
        }
        let digits_start = self.pos;
        // Magnitude in a u64, so that i64::MIN, whose magnitude no i64 holds, still reads.
        let mut magnitude: Option<u64> = Some(0);
        while let Some(d @ b'0'..=b'9') = self.bytes.get(self.pos) {
            magnitude = magnitude
                .and_then(|n| n.checked_mul(10))
                .and_then(|n| n.checked_add(u64::from(d - b'0')));
            self.pos += 1;
        }
        let digits = self.pos - digits_start;
        if digits == 0 || (digits > 1 && self.bytes.get(digits_start) == Some(&b'0')) {
            self.pos = start;
            return Err(self.error("invalid number"));
        }
        let mut integer = true;
        if self.bytes.get(self.pos) == Some(&b'.') {
            integer = false;
            self.pos += 1;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            self.digits()?;
        }
        let int = match magnitude.filter(|_| integer) {
            // `-0` is no integer in JSON's number model (serde_json reads it as the float -0.0).
            Some(0) if negative => None,
            Some(n) if negative => 0i64.checked_sub_unsigned(n),
            Some(n) => i64::try_from(n).ok(),
            None => None,
        };
        Ok(int.map_or(Value::OtherNumber, Value::Int))
    }

    fn digits(&mut self) -> Result<(), String> {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
        if self.pos == start {
            Err(self.error("invalid number"))
        } else {
            Ok(())
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // The input is a &str and we stopped on ASCII bytes, so this slice is valid UTF-8
            // (`get` only checks the two ends; `from_utf8` would check every byte, in 686 B).
            out.push_str(self.text.get(start..self.pos).unwrap_or_default());
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => return Err(self.error("control character in string")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), String> {
        let c = match self.bytes.get(self.pos) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => self.unicode_escape()?,
            _ => return Err(self.error("invalid escape")),
        };
        self.pos += 1;
        out.push(c);
        Ok(())
    }

    /// `\uXXXX`, or a UTF-16 surrogate pair `\uD83D\uDE00`, leaving `pos` on the last hex digit.
    /// A surrogate that is not half of a pair encodes no character: an error, as in serde_json,
    /// rather than a silent U+FFFD or a bogus merge with the escape after it.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let mut code = self.hex4()?;
        if (0xD800..0xDC00).contains(&code)
            && self.bytes.get(self.pos + 1..self.pos + 3) == Some(&b"\\u"[..])
        {
            self.pos += 2;
            let low = self.hex4()?;
            if (0xDC00..0xE000).contains(&low) {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            }
        }
        // Still a surrogate here means it was not half of a pair.
        char::from_u32(code).ok_or_else(|| self.error("unpaired surrogate in \\u escape"))
    }

    /// Reads the 4 hex digits after `\u`, leaving `pos` on the last one.
    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0;
        for _ in 0..4 {
            self.pos += 1;
            let d = match self.bytes.get(self.pos) {
                Some(&b @ b'0'..=b'9') => b - b'0',
                Some(&b @ b'a'..=b'f') => b - b'a' + 10,
                Some(&b @ b'A'..=b'F') => b - b'A' + 10,
                _ => return Err(self.error("invalid \\u escape")),
            };
            v = v * 16 + u32::from(d);
        }
        Ok(v)
    }
}

/// Whether a key repeats. (The error then points at the object rather than at the key: keeping
/// where each key starts cost more wasm than it is worth for a mistake this easy to spot.)
///
/// Sorting by key and comparing neighbours is O(n log n): comparing each key with all earlier
/// ones took 12 s for an object of 80 000 keys. A hand-written heapsort because it is a few
/// hundred bytes of wasm, where the standard library's sorts are kilobytes (and a HashSet would
/// bring hashbrown and a hasher); it has no quadratic worst case for crafted input either.
fn repeated_key(keys: &mut [&str]) -> bool {
    let n = keys.len();
    // First build a max-heap (sifting down each parent, last first), then move its top to the
    // end of the unsorted part n - 1 times. Through `get`, never indexing: no bounds checks.
    for i in (1..n + n / 2).rev() {
        let (root, end) = match i.checked_sub(n) {
            Some(parent) => (parent, n),
            None => {
                swap(keys, 0, i);
                (0, i)
            }
        };
        if let Some(heap) = keys.get_mut(..end) {
            sift_down(heap, root);
        }
    }
    keys.windows(2).any(|w| {
        step();
        w.first() == w.get(1)
    })
}

/// Moves `heap[root]` down the max-heap `heap` until no child is greater.
fn sift_down(heap: &mut [&str], mut root: usize) {
    loop {
        let mut child = 2 * root + 1;
        let (Some(&top), Some(&left)) = (heap.get(root), heap.get(child)) else {
            return;
        };
        let mut greater = left;
        if let Some(&right) = heap.get(child + 1) {
            if less(left, right) {
                child += 1;
                greater = right;
            }
        }
        if !less(top, greater) {
            return;
        }
        swap(heap, root, child);
        root = child;
    }
}

/// `keys.swap(a, b)` for indices known to be in range, without its bounds checks.
fn swap(keys: &mut [&str], a: usize, b: usize) {
    if let (Some(&x), Some(&y)) = (keys.get(a), keys.get(b)) {
        if let Some(k) = keys.get_mut(a) {
            *k = y;
        }
        if let Some(k) = keys.get_mut(b) {
            *k = x;
        }
    }
}

fn less(a: &str, b: &str) -> bool {
    step();
    a < b
}

/// Counts units of work in tests, so that a test can bound the work of a function on a hostile
/// input instead of timing it; compiles to nothing outside tests.
#[inline(always)]
fn step() {
    #[cfg(test)]
    tests::STEPS.with(|s| s.set(s.get() + 1));
}

/// Appends `s` as a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str("\\u");
                let code = c as u32;
                for shift in [12, 8, 4, 0] {
                    out.push(char::from_digit((code >> shift) & 0xF, 16).unwrap_or('0'));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends an unsigned integer in decimal (no `format!`: keeps core::fmt out of hot paths).
pub fn push_uint(out: &mut String, n: u64) {
    // Recursive (at most 20 deep) rather than through a buffer: no index to check.
    if n >= 10 {
        push_uint(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// A JSON object written field by field.
pub struct ObjectWriter {
    out: String,
}

impl ObjectWriter {
    pub fn new() -> Self {
        ObjectWriter {
            out: String::from("{"),
        }
    }

    fn key(&mut self, key: &str) -> &mut String {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        push_str(&mut self.out, key);
        self.out.push(':');
        &mut self.out
    }

    pub fn str(mut self, key: &str, value: &str) -> Self {
        push_str(self.key(key), value);
        self
    }

    pub fn uint(mut self, key: &str, value: u64) -> Self {
        push_uint(self.key(key), value);
        self
    }

    pub fn bool(mut self, key: &str, value: bool) -> Self {
        self.key(key).push_str(if value { "true" } else { "false" });
        self
    }

    /// A value that is already JSON.
    pub fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key).push_str(json);
        self
    }

    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

impl Default for ObjectWriter {
    fn default() -> Self {
        Self::new()
    }
}

/// `["a","b"]`
pub fn string_array<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_str(&mut out, item);
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// Work done by this test's thread, counted by `step`.
        pub(super) static STEPS: Cell<u64> = const { Cell::new(0) };
    }

    /// Runs `f` and returns its result and the steps it took.
    fn counted<T>(f: impl FnOnce() -> T) -> (T, u64) {
        STEPS.with(|s| s.set(0));
        let result = f();
        (result, STEPS.with(Cell::get))
    }

    #[test]
    fn parses_every_kind_of_value() {
        let v =
            parse(r#" {"a":[1,-2,3.5,1e3,true,false,null,"x\"\\\/\n\u00e9\ud83d\ude00"],"b":{}} "#)
                .unwrap();
        let Some(Value::Arr(items)) = v.get("a") else {
            panic!("{v:?}")
        };
        assert_eq!(items[0], Value::Int(1));
        assert_eq!(items[1], Value::Int(-2));
        assert_eq!(items[2], Value::OtherNumber);
        assert_eq!(items[3], Value::OtherNumber);
        assert_eq!(items[7], Value::Str("x\"\\/\né😀".into()));
        assert_eq!(v.get("b"), Some(&Value::Obj(vec![])));
        assert_eq!(parse("99999999999999999999").unwrap(), Value::OtherNumber);
    }

    #[test]
    fn rejects_malformed_and_hostile_input() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\"}",
            "{\"a\":1,}",
            "01",
            "1.",
            "-",
            "tru",
            "\"abc",
            "\"a\u{1}\"",
            "\"\\x\"",
            "\"\\u12\"",
            "{\"a\":1,\"a\":2}",
            "1 2",
            "{a:1}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&deep).unwrap_err().contains("nested too deeply"));
        assert!(parse("[1,]").unwrap_err().contains("at byte 3"));
    }

    #[test]
    fn writes_escaped_json_that_parses_back() {
        let tricky = "quote\" back\\ nl\n tab\t nul\u{0} line\u{2028} é😀 </script>";
        let json = ObjectWriter::new()
            .str("s", tricky)
            .uint("n", 1_234_567_890_123)
            .bool("b", true)
            .raw("a", &string_array(["x", "y"]))
            .finish();
        let v = parse(&json).unwrap();
        assert_eq!(v.get("s"), Some(&Value::Str(tricky.into())));
        assert_eq!(v.get("n"), Some(&Value::Int(1_234_567_890_123)));
        assert_eq!(v.get("b"), Some(&Value::Bool(true)));
        assert_eq!(string_array([]), "[]");
        let mut s = String::new();
        push_uint(&mut s, 0);
        assert_eq!(s, "0");
    }

    #[test]
    fn duplicate_keys_are_found_in_n_log_n_steps() {
        let n = 20_000;
        let keys: Vec<String> = (0..n)
            .map(|i| format!("\"k{}\":{i}", i * 7919 % n))
            .collect();
        let doc = format!("{{{}}}", keys.join(","));
        let (v, steps) = counted(|| parse(&doc));
        assert!(matches!(v, Ok(Value::Obj(ref e)) if e.len() == n));
        // Heapsort compares at most 2 n log2 n times: 29 n here; comparing each key with every
        // earlier one would be n / 2 = 10 000 n.
        assert!(steps <= 32 * n as u64, "{steps} steps for {n} keys");

        let doc = format!("{{{},\"k5\":0}}", keys.join(","));
        let (v, steps) = counted(|| parse(&doc));
        assert_eq!(v, Err("duplicate key in the object at byte 0".into()));
        assert!(steps <= 32 * n as u64, "{steps} steps for {n} keys");
    }

    #[test]
    fn the_key_check_sorts_and_finds_every_repeat() {
        let mut rng = Rng(7);
        for len in 0..200 {
            let words: Vec<String> = (0..len)
                .map(|_| rng.below(3 * len + 1).to_string())
                .collect();
            let mut keys: Vec<&str> = words.iter().map(String::as_str).collect();
            let repeats = (0..len).any(|i| words[..i].contains(&words[i]));
            assert_eq!(repeated_key(&mut keys), repeats, "{words:?}");
            assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
        }
    }

    #[test]
    fn a_duplicate_key_is_reported_with_its_object() {
        assert_eq!(
            parse(r#"{"a":1,"b":2,"a":3}"#),
            Err("duplicate key in the object at byte 0".into())
        );
        assert_eq!(
            parse(r#"{"x":{"b":1,"c":2,"c":3,"b":4}}"#),
            Err("duplicate key in the object at byte 5".into())
        );
        // Equal after unescaping is equal.
        assert!(parse(r#"{"a":1,"\u0061":2}"#).is_err());
        assert!(parse(r#"{"a":1,"A":2,"a ":3}"#).is_ok());
    }

    #[test]
    fn input_is_capped_at_1_mib() {
        let padded = |len: usize| format!("[{}]", " ".repeat(len - 2));
        assert!(parse(&padded(MAX_LEN)).is_ok());
        assert_eq!(
            parse(&padded(MAX_LEN + 1)),
            Err("document longer than the 1 MiB limit at byte 1048576".into())
        );
    }

    #[test]
    fn surrogate_escapes_must_pair_up() {
        assert_eq!(parse(r#""\ud83d\ude00""#), Ok(Value::Str("😀".into())));
        assert_eq!(
            parse(r#""\uDBFF\uDFFF""#),
            Ok(Value::Str("\u{10FFFF}".into()))
        );
        assert_eq!(
            parse(r#""\ud7ff\ue000""#),
            Ok(Value::Str("\u{d7ff}\u{e000}".into()))
        );
        for (bad, message) in [
            (
                r#""\ud800\u0041""#,
                "unpaired surrogate in \\u escape at byte 12",
            ),
            (
                r#""\ud800\ud800""#,
                "unpaired surrogate in \\u escape at byte 12",
            ),
            (r#""\ud800""#, "unpaired surrogate in \\u escape at byte 6"),
            (r#""\ud800x""#, "unpaired surrogate in \\u escape at byte 6"),
            (
                r#""\ud800\n""#,
                "unpaired surrogate in \\u escape at byte 6",
            ),
            (r#""\udc00""#, "unpaired surrogate in \\u escape at byte 6"),
            (
                r#""\ude00\ud83d""#,
                "unpaired surrogate in \\u escape at byte 6",
            ),
            (r#""\ud800\u12""#, "invalid \\u escape at byte 11"),
        ] {
            assert_eq!(parse(bad), Err(message.into()), "{bad}");
        }
    }

    #[test]
    fn integers_are_exactly_the_i64s() {
        assert_eq!(parse("-9223372036854775808"), Ok(Value::Int(i64::MIN)));
        assert_eq!(parse("9223372036854775807"), Ok(Value::Int(i64::MAX)));
        assert_eq!(parse("9223372036854775808"), Ok(Value::OtherNumber));
        assert_eq!(parse("-9223372036854775809"), Ok(Value::OtherNumber));
        assert_eq!(parse("0"), Ok(Value::Int(0)));
        assert_eq!(parse("-0"), Ok(Value::OtherNumber));
        assert_eq!(parse("1e400"), Ok(Value::OtherNumber));
    }

    /// serde_json's reading of a document in our `Value` model, keeping what serde_json's own
    /// `Value` would hide: the order of keys and repeated keys.
    struct Oracle(Value);

    impl<'de> serde::Deserialize<'de> for Oracle {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(OracleVisitor).map(Oracle)
        }
    }

    struct OracleVisitor;

    impl<'de> serde::de::Visitor<'de> for OracleVisitor {
        type Value = Value;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
            Ok(Value::Bool(b))
        }
        fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
            Ok(Value::Int(n))
        }
        fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
            Ok(i64::try_from(n).map_or(Value::OtherNumber, Value::Int))
        }
        fn visit_f64<E>(self, _: f64) -> Result<Value, E> {
            Ok(Value::OtherNumber)
        }
        fn visit_str<E>(self, s: &str) -> Result<Value, E> {
            Ok(Value::Str(s.into()))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut items = Vec::new();
            while let Some(Oracle(v)) = seq.next_element()? {
                items.push(v);
            }
            Ok(Value::Arr(items))
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut entries = Vec::new();
            while let Some((k, Oracle(v))) = map.next_entry::<String, Oracle>()? {
                entries.push((k, v));
            }
            Ok(Value::Obj(entries))
        }
    }

    /// How deep values nest: 0 for a scalar or an empty container.
    fn height(v: &Value) -> usize {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Arr(items) => Box::new(items.iter()),
            Value::Obj(entries) => Box::new(entries.iter().map(|(_, v)| v)),
            _ => Box::new(std::iter::empty()),
        };
        children.map(|c| height(c) + 1).max().unwrap_or(0)
    }

    fn has_duplicate_key(v: &Value) -> bool {
        match v {
            Value::Arr(items) => items.iter().any(has_duplicate_key),
            Value::Obj(entries) => entries.iter().enumerate().any(|(i, (k, v))| {
                entries[..i].iter().any(|(earlier, _)| earlier == k) || has_duplicate_key(v)
            }),
            _ => false,
        }
    }

    /// splitmix64: a small deterministic generator, so a failure replays exactly.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<T: Copy>(&mut self, items: &[T]) -> T {
            items[self.below(items.len())]
        }
    }

    const SPACES: &[&str] = &["", "", "", " ", "\n", "\t", "\r\n  ", " \u{c} ", "\u{a0}"];
    const NUMBERS: &[&str] = &[
        "0",
        "-0",
        "7",
        "-12",
        "1.5",
        "-0.0",
        "1e3",
        "1E+2",
        "2e-5",
        "01",
        "1.",
        ".5",
        "+1",
        "-",
        "1e",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "1e400",
        "-1e400",
        "1e-400",
        "0e999",
        "123456789012345678901234567890",
    ];
    const STRING_PARTS: &[&str] = &[
        "a",
        "key",
        "é",
        "😀",
        "\u{2028}",
        " ",
        "\\\"",
        "\\\\",
        "\\/",
        "\\b",
        "\\f",
        "\\n",
        "\\r",
        "\\t",
        "\\u0041",
        "\\u00e9",
        "\\u20AC",
        "\\uD83D\\uDE00",
        "\\udbff\\udfff",
        "\\ud800",
        "\\udc00",
        "\\ud800\\u0041",
        "\\ud83d\\ud83d",
        "\\u12",
        "\\x",
        "\u{1}",
        "\t",
        "\\u0000",
    ];

    fn gen_string(rng: &mut Rng, out: &mut String) {
        out.push('"');
        for _ in 0..rng.below(4) {
            out.push_str(rng.pick(STRING_PARTS));
        }
        out.push('"');
    }

    fn gen_value(rng: &mut Rng, depth: usize, out: &mut String) {
        let space = |rng: &mut Rng, out: &mut String| out.push_str(rng.pick(SPACES));
        space(rng, out);
        match rng.below(if depth > 40 { 4 } else { 8 }) {
            0 => out.push_str(rng.pick(&["null", "true", "false", "nul", "True"])),
            1 | 2 => out.push_str(rng.pick(NUMBERS)),
            3 => gen_string(rng, out),
            4 | 5 => {
                out.push('[');
                for i in 0..rng.below(4) {
                    if i > 0 {
                        out.push(',');
                    }
                    gen_value(rng, depth + 1, out);
                }
                out.push(']');
            }
            _ => {
                out.push('{');
                for i in 0..rng.below(4) {
                    if i > 0 {
                        out.push(',');
                    }
                    space(rng, out);
                    // Few distinct keys, so that some objects repeat one.
                    out.push_str(rng.pick(&["\"a\"", "\"b\"", "\"\\u0061\"", "\"é\""]));
                    space(rng, out);
                    out.push(':');
                    gen_value(rng, depth + 1, out);
                }
                out.push('}');
            }
        }
        space(rng, out);
    }

    /// `[[[…1…]]]` with `levels` brackets, sometimes with more around it.
    fn gen_deep(rng: &mut Rng, out: &mut String) {
        let levels = 28 + rng.below(10);
        for _ in 0..levels {
            out.push_str(rng.pick(&["[", "{\"k\":"]));
        }
        gen_value(rng, 0, out);
        for c in out.clone().chars().rev() {
            match c {
                '[' => out.push(']'),
                ':' => out.push('}'),
                _ => {}
            }
        }
    }

    /// A truncation, a replaced, inserted or deleted byte, or nothing; always valid UTF-8.
    fn mutate(rng: &mut Rng, doc: &str) -> String {
        let mut bytes = doc.as_bytes().to_vec();
        let at = rng.below(bytes.len() + 1);
        let byte = rng.pick(b"{}[],:\"\\/0123456789-+.eEtfnu \n\tabx");
        match rng.below(5) {
            0 => bytes.truncate(at),
            1 if at < bytes.len() => bytes[at] = byte,
            2 => bytes.insert(at, byte),
            3 if at < bytes.len() => drop(bytes.remove(at)),
            _ => {}
        }
        String::from_utf8(bytes).unwrap_or_else(|_| doc.to_owned())
    }

    /// How a document fared with both readers.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Outcome {
        /// Both read it, to the same value.
        Same,
        BothRefuse,
        /// serde_json reads it, we refuse it: a repeated key or nesting beyond MAX_DEPTH.
        OurLimits,
        /// A number beyond f64: serde_json refuses it, we read it as OtherNumber.
        BeyondF64,
    }

    /// Checks our reading of `doc` against serde_json's, within the documented differences.
    fn compare_with_serde_json(doc: &str) -> Outcome {
        let ours = parse(doc);
        match serde_json::from_str::<Oracle>(doc) {
            Ok(Oracle(theirs)) if has_duplicate_key(&theirs) || height(&theirs) > MAX_DEPTH => {
                assert!(
                    ours.is_err(),
                    "{doc:?}: read as {ours:?} despite our limits"
                );
                Outcome::OurLimits
            }
            Ok(Oracle(theirs)) => {
                assert_eq!(ours, Ok(theirs), "{doc:?}");
                Outcome::Same
            }
            // serde_json stops at that number, so the rest of the document is unchecked.
            Err(e) if e.to_string().starts_with("number out of range") => Outcome::BeyondF64,
            Err(e) => {
                assert!(
                    ours.is_err(),
                    "{doc:?}: serde_json says {e}, we read {ours:?}"
                );
                Outcome::BothRefuse
            }
        }
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let mut rng = Rng(0x0971_2026);
        let mut outcomes = std::collections::BTreeMap::new();
        for i in 0..16_000 {
            let mut doc = String::new();
            if i % 50 == 0 {
                gen_deep(&mut rng, &mut doc);
            } else {
                gen_value(&mut rng, 0, &mut doc);
            }
            let mut variant = doc.clone();
            for _ in 0..8 {
                *outcomes
                    .entry(compare_with_serde_json(&variant))
                    .or_insert(0) += 1;
                variant = mutate(&mut rng, &doc);
            }
        }
        // The generator must exercise every case, each many times.
        assert_eq!(outcomes.len(), 4, "{outcomes:?}");
        assert!(outcomes.values().all(|&n| n >= 100), "{outcomes:?}");
    }
}
