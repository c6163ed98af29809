//! `optin-receiver export`: the stored receipts for an auditor, as JSON lines or CSV, picked by
//! site and by a range of the receipts' `updatedAt`. It owns the subcommand's flags, the two
//! output formats and the time arguments; the rows come from the store's `export`, which streams
//! them, so the output is written as it is read whatever the table's size.
//!
//! The range is on `updatedAt` (when the visitor made the choice) rather than on `received_at`:
//! an auditor asks which consent a site held between two dates, and that is when the choice was
//! made; `receivedAt` is in every line too. README.md "Export and retention".

use crate::Flags;
use optin_receiver::store::{self, Selection, StoreError, StoredReceipt};
use optin_receiver::{time, Origins};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "\
optin-receiver export: writes the stored receipts, for an auditor.

usage: optin-receiver export --db FILE|URL [--site ORIGIN]... [--since TIME] [--until TIME]
                             [--format jsonl|csv] [--output FILE]

  --db FILE|URL    the receiver's database: a SQLite file (it must exist) or a postgres:// URL
  --site ORIGIN    only receipts for this site (the receipt's site field); repeat for several;
                   default: every site
  --since TIME     only receipts whose updatedAt is at or after TIME
  --until TIME     only receipts whose updatedAt is before TIME
                   TIME: 2026-11-01 (midnight UTC) or 2026-11-01T12:00:00Z (.mmm optional)
  --format F       jsonl (default): one line per receipt,
                   {\"receivedAt\":\"...\",\"receipt\":<the receipt as received>};
                   csv: RFC 4180 with a header row: id, site, revision, method,
                   categoriesGranted (space-separated), updatedAt, givenAt, receivedAt
  --output FILE    write to FILE (replaced if it exists; removed again if the export fails);
                   default: standard output

Receipts come in order of updatedAt, then consent id. The count goes to standard error.
Exit status: 0 done, 1 the database or the output failed, 2 bad arguments.";

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
}

#[derive(Debug, PartialEq)]
pub struct Args {
    pub db: String,
    pub selection: Selection,
    pub format: Format,
    pub output: Option<PathBuf>,
}

/// Reads the flags after `export`; `None` for `--help`.
pub fn parse(args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let (mut db, mut sites) = (None, Vec::new());
    let (mut selection, mut format, mut output) = (Selection::default(), Format::Jsonl, None);
    let mut flags = Flags::new(args);
    while let Some(flag) = flags.next_flag() {
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--db" => db = Some(flags.value(&flag)?),
            "--site" => sites.push(flags.value(&flag)?),
            "--since" => selection.since_ms = Some(parse_time(&flag, &flags.value(&flag)?)?),
            "--until" => selection.until_ms = Some(parse_time(&flag, &flags.value(&flag)?)?),
            "--format" => {
                format = match flags.value(&flag)?.as_str() {
                    "jsonl" => Format::Jsonl,
                    "csv" => Format::Csv,
                    other => return Err(format!("--format {other:?} is not jsonl or csv")),
                }
            }
            "--output" => output = Some(PathBuf::from(flags.value(&flag)?)),
            other => return Err(format!("unknown argument {other:?} (see export --help)")),
        }
    }
    let db = db.ok_or("export needs --db FILE|URL (see export --help)")?;
    // The same spelling as the receipts' `site` (lowercase, no trailing slash), as --site of
    // the server reads it.
    selection.sites = Origins::parse(&sites)
        .map_err(|e| e.replacen("--origin", "--site", 1))?
        .as_slice()
        .to_vec();
    if let (Some(since), Some(until)) = (selection.since_ms, selection.until_ms) {
        if since > until {
            return Err("--since is after --until".into());
        }
    }
    Ok(Some(Args {
        db,
        selection,
        format,
        output,
    }))
}

/// A time argument: a timestamp in the receipts' own form (UTC, `Z`, milliseconds optional), or
/// a date, meaning its midnight UTC.
pub fn parse_time(flag: &str, v: &str) -> Result<i64, String> {
    let full = if v.len() == 10 {
        format!("{v}T00:00:00Z")
    } else {
        v.to_owned()
    };
    time::parse_iso(&full).ok_or_else(|| {
        format!(
            "{flag} {v:?} is not a date (2026-11-01) or a UTC time (2026-11-01T12:00:00Z, \
             milliseconds optional)"
        )
    })
}

/// Runs `optin-receiver export` with its arguments (after `export`).
pub fn main(args: impl Iterator<Item = String>) -> ExitCode {
    match parse(args) {
        Ok(None) => {
            println!("{HELP}");
            ExitCode::SUCCESS
        }
        Ok(Some(args)) => match run(&args) {
            Ok(n) => {
                let to = args
                    .output
                    .as_ref()
                    .map_or("standard output".into(), |p| p.display().to_string());
                let receipts = if n == 1 { "receipt" } else { "receipts" };
                eprintln!("optin-receiver: exported {n} {receipts} to {to}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("optin-receiver: export failed: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("optin-receiver: {e}");
            ExitCode::from(2)
        }
    }
}

/// Exports to the output; a file left behind by a failed export is removed, so a partial
/// export is never mistaken for a whole one.
fn run(args: &Args) -> Result<u64, String> {
    let store = store::open_existing(&args.db, 1).map_err(|e| e.to_string())?;
    let Some(path) = &args.output else {
        return write(&*store, args, io::stdout().lock()).map_err(|e| e.to_string());
    };
    let file = File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    write(&*store, args, file).map_err(|e| {
        let _ = std::fs::remove_file(path);
        e.to_string()
    })
}

/// Writes the header (CSV) and one line per receipt to `out`, buffered.
fn write(store: &dyn store::ReceiptStore, args: &Args, out: impl Write) -> Result<u64, StoreError> {
    let mut out = BufWriter::new(out);
    let written = |e: io::Error| StoreError(format!("cannot write the output: {e}"));
    if args.format == Format::Csv {
        out.write_all(CSV_HEADER.as_bytes()).map_err(written)?;
    }
    let n = store.export(&args.selection, &mut |r| {
        let line = match args.format {
            Format::Jsonl => jsonl_line(&r),
            Format::Csv => csv_row(&r)?,
        };
        out.write_all(line.as_bytes()).map_err(written)
    })?;
    out.flush().map_err(written)?;
    Ok(n)
}

/// One JSON line: `receivedAt` and the receipt as received. The body is JSON that serde_json
/// accepts (optin-core's reader checked it on arrival), so it is embedded as it is, but for line
/// breaks between its tokens (a pretty-printed body; the widget never sends one): they become
/// spaces so that each receipt stays one line. The value is the same; the database keeps the
/// bytes.
pub fn jsonl_line(r: &StoredReceipt) -> String {
    let body = r.json.replace(['\r', '\n'], " ");
    let received = serde_json::Value::from(r.received_at.as_str());
    format!("{{\"receivedAt\":{received},\"receipt\":{body}}}\n")
}

/// The CSV columns, with the record's field names.
pub const CSV_HEADER: &str =
    "id,site,revision,method,categoriesGranted,updatedAt,givenAt,receivedAt\r\n";

/// One CSV row, from the receipt's own fields as it sent them. Read with serde_json rather than
/// `Receipt::parse`: a receipt stored under older rules must export, not fail today's checks.
pub fn csv_row(r: &StoredReceipt) -> Result<String, StoreError> {
    let v: serde_json::Value = serde_json::from_str(&r.json)
        .map_err(|e| StoreError(format!("a stored receipt is not JSON ({e}): {}", r.json)))?;
    let text = |key: &str| match &v[key] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut granted: Vec<&str> = v["categories"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, on)| on.as_bool() == Some(true))
        .map(|(id, _)| id.as_str())
        .collect();
    // sorted, so the column does not depend on the order the receipt listed them in
    granted.sort_unstable();
    let fields = [
        text("id"),
        text("site"),
        text("revision"),
        text("method"),
        granted.join(" "),
        text("updatedAt"),
        text("givenAt"),
        r.received_at.clone(),
    ];
    let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    Ok(format!("{}\r\n", quoted.join(",")))
}

/// RFC 4180: a field with a comma, a double quote or a line break is quoted, its quotes
/// doubled.
pub fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Option<Args>, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn reads_the_flags() {
        let args = parse_strs(&[
            "--db=r.sqlite",
            "--site",
            "https://A.example/",
            "--site=https://b.example",
            "--since",
            "2026-11-01",
            "--until=2026-11-30T12:00:00.5Z",
            "--format",
            "csv",
            "--output",
            "out.csv",
        ]);
        assert!(
            args.is_err(),
            "half a millisecond field is not the receipts' form"
        );
        let args = parse_strs(&[
            "--db=r.sqlite",
            "--site",
            "https://A.example/",
            "--site=https://b.example",
            "--since",
            "2026-11-01",
            "--until=2026-11-30T12:00:00.500Z",
            "--format",
            "csv",
            "--output",
            "out.csv",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            args,
            Args {
                db: "r.sqlite".into(),
                selection: Selection {
                    sites: vec!["https://a.example".into(), "https://b.example".into()],
                    since_ms: time::parse_iso("2026-11-01T00:00:00Z"),
                    until_ms: time::parse_iso("2026-11-30T12:00:00.500Z"),
                },
                format: Format::Csv,
                output: Some("out.csv".into()),
            }
        );
        let plain = parse_strs(&["--db", "postgres://u@h/db"]).unwrap().unwrap();
        assert_eq!(
            (plain.selection, plain.format, plain.output),
            (Selection::default(), Format::Jsonl, None)
        );
        assert_eq!(parse_strs(&["-h"]), Ok(None));
    }

    #[test]
    fn refuses_bad_flags() {
        let err = |args: &[&str]| parse_strs(args).unwrap_err();
        assert_eq!(err(&[]), "export needs --db FILE|URL (see export --help)");
        assert_eq!(err(&["--db"]), "--db needs a value");
        assert_eq!(
            err(&["--db", "r", "--format", "xml"]),
            "--format \"xml\" is not jsonl or csv"
        );
        assert_eq!(
            err(&["--db", "r", "--since", "2026-11-31"]),
            "--since \"2026-11-31\" is not a date (2026-11-01) or a UTC time \
             (2026-11-01T12:00:00Z, milliseconds optional)"
        );
        assert!(err(&["--db", "r", "--until", "2026-11-01T00:00:00+01:00"]).starts_with("--until"));
        assert_eq!(
            err(&[
                "--db",
                "r",
                "--since",
                "2026-11-02",
                "--until",
                "2026-11-01"
            ]),
            "--since is after --until"
        );
        assert!(err(&["--db", "r", "--site", "https://a.example/x"]).starts_with("--site "));
        assert_eq!(
            err(&["--db", "r", "--listen", "x"]),
            "unknown argument \"--listen\" (see export --help)"
        );
    }

    fn stored(json: &str) -> StoredReceipt {
        StoredReceipt {
            received_at: "2026-11-25T13:20:01.500Z".into(),
            json: json.into(),
        }
    }

    #[test]
    fn writes_json_lines_with_the_body_as_received() {
        let body = r#"{"id":"x","lang":"en"}"#;
        assert_eq!(
            jsonl_line(&stored(body)),
            format!("{{\"receivedAt\":\"2026-11-25T13:20:01.500Z\",\"receipt\":{body}}}\n")
        );
        // a pretty-printed body stays one line, and the same JSON
        let pretty = "{\r\n  \"id\": \"x\",\n  \"lang\": \"a\\nb\"\n}";
        let line = jsonl_line(&stored(pretty));
        assert_eq!(line.matches('\n').count(), 1);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            v["receipt"],
            serde_json::from_str::<serde_json::Value>(pretty).unwrap()
        );
    }

    #[test]
    fn writes_csv_rows_quoted_as_rfc_4180_says() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("cr\r"), "\"cr\r\"");
        let body = r#"{"id":"3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c","site":"https://a.example",
            "revision":3,"method":"custom","givenAt":"2026-11-25T13:18:56Z",
            "updatedAt":"2026-11-25T13:20:01.004Z",
            "categories":{"necessary":true,"analytics":false,"social":true}}"#;
        assert_eq!(
            csv_row(&stored(body)).unwrap(),
            "3f0c2a9e-8b1d-4c7e-9a2b-1d2e3f4a5b6c,https://a.example,3,custom,necessary social,\
             2026-11-25T13:20:01.004Z,2026-11-25T13:18:56Z,2026-11-25T13:20:01.500Z\r\n"
        );
        assert!(csv_row(&stored("{")).is_err());
    }
}
