//! `optin_core::json`: the reader never panics, whatever it is given; a value it reads,
//! written back out with the crate's own writers, reads back equal; and any string written
//! with `push_str` reads back as that same string.
#![no_main]

use libfuzzer_sys::fuzz_target;
use optin_core::json::{self, ObjectWriter, Value};

fuzz_target!(|data: &[u8]| {
    // Config and record arrive as JS strings, so the reader only ever sees valid UTF-8.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    let mut literal = String::new();
    json::push_str(&mut literal, text);
    assert_eq!(
        json::parse(&literal),
        Ok(Value::Str(text.to_owned())),
        "push_str output must read back as the same string: {literal:?}"
    );

    if let Ok(value) = json::parse(text) {
        let mut written = String::new();
        write(&mut written, &value);
        assert_eq!(
            json::parse(&written).as_ref(),
            Ok(&value),
            "a value read must read back equal once written: {written:?}"
        );
    }
});

/// Writes `value` as JSON with the core's writers (`push_str`, `push_uint`,
/// `string_array`, `ObjectWriter`).
fn write(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(n) => {
            if *n < 0 {
                out.push('-');
            }
            json::push_uint(out, n.unsigned_abs());
        }
        // The reader keeps no digits of other numbers: any fraction reads back as one.
        Value::OtherNumber => out.push_str("0.5"),
        Value::Str(s) => json::push_str(out, s),
        Value::Arr(items) => {
            if let Some(strings) = items
                .iter()
                .map(|v| match v {
                    Value::Str(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
            {
                out.push_str(&json::string_array(strings));
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Obj(entries) => {
            let object = entries
                .iter()
                .fold(ObjectWriter::new(), |object, (key, item)| {
                    let mut json = String::new();
                    write(&mut json, item);
                    object.raw(key, &json)
                });
            out.push_str(&object.finish());
        }
    }
}
