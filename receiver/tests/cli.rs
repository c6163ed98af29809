//! The operator subcommands against the real binary, on a SQLite file and on a throwaway
//! PostgreSQL: `export` (JSON lines and CSV, by site and `updatedAt` range, to standard output
//! and to a file, checked byte for byte) and `prune` (dry run, each id's latest kept, then
//! included), bad arguments (exit 2) and bad databases (exit 1), and `serve` as the default.
//! Receipts are stored through the library's store with fixed `received_at` values, or through
//! the running server. Every run of the binary is bounded by a 30 s limit.

mod common;

use common::pg::PgServer;
use common::*;
use optin_receiver::{store, time, Receipt};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs the binary with `args` to its end (killed, and the test failed, after 30 s).
fn run(args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_optin-receiver"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn optin-receiver");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(out) => out.expect("wait for optin-receiver"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("optin-receiver {args:?} did not finish within 30 s");
        }
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Runs the binary and expects exit status 0.
fn ok(args: &[&str]) -> Output {
    let out = run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    out
}

/// Runs the binary and expects exit status `code`; returns its standard error.
fn fails(code: i32, args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
    assert!(out.stdout.is_empty(), "{args:?}: {}", stdout(&out));
    stderr(&out)
}

/// The database under test: a SQLite file or a throwaway PostgreSQL.
enum Db {
    Sqlite(Scratch, String),
    Postgres(PgServer),
}

impl Db {
    fn sqlite() -> Db {
        let scratch = Scratch::new("cli");
        let path = scratch.path("receipts.sqlite").to_str().unwrap().to_owned();
        drop(store::open(&path, 1).unwrap()); // create the schema
        Db::Sqlite(scratch, path)
    }

    fn postgres() -> Db {
        let pg = PgServer::start();
        drop(store::open(&pg.url(), 1).unwrap());
        Db::Postgres(pg)
    }

    fn url(&self) -> String {
        match self {
            Db::Sqlite(_, path) => path.clone(),
            Db::Postgres(pg) => pg.url(),
        }
    }

    fn scratch_file(&self, name: &str) -> String {
        let dir = match self {
            Db::Sqlite(s, _) => s.0.clone(),
            Db::Postgres(_) => std::env::temp_dir(),
        };
        let file = dir.join(format!("{}-{name}", std::process::id()));
        file.to_str().unwrap().to_owned()
    }

    /// Stores `body` through the library's store, then sets its `received_at`.
    fn insert(&self, body: &str, received_at: &str) {
        let receipt = Receipt::parse(body).unwrap();
        let updated = time::format_iso(receipt.updated_at);
        store::open(&self.url(), 1)
            .unwrap()
            .insert(&receipt)
            .unwrap();
        let sql = "UPDATE receipts SET received_at = $1 WHERE consent_id = $2 AND updated_at = $3";
        let changed = match self {
            Db::Sqlite(_, path) => rusqlite::Connection::open(path)
                .unwrap()
                .execute(&sql.replace('$', "?"), [received_at, &receipt.id, &updated])
                .unwrap() as u64,
            Db::Postgres(pg) => postgres::Client::connect(&pg.url(), postgres::NoTls)
                .unwrap()
                .execute(sql, &[&received_at, &receipt.id, &updated])
                .unwrap(),
        };
        assert_eq!(changed, 1);
    }

    /// `(consent id, updated_at)` of every stored receipt, sorted.
    fn keys(&self) -> Vec<(String, String)> {
        let mut keys = store::open(&self.url(), 1).unwrap().keys().unwrap();
        keys.sort();
        keys
    }
}

const A: &str = "https://a.example";
const B: &str = "https://b.example";
const ID1: &str = "11111111-1111-4111-8111-111111111111";
const ID2: &str = "22222222-2222-4222-8222-222222222222";
const ID3: &str = "33333333-3333-4333-8333-333333333333";

/// A receipt body, compact as the widget sends it.
fn body(id: &str, site: &str, updated: &str, method: &str, categories: &str) -> String {
    format!(
        r#"{{"schema":1,"id":"{id}","revision":2,"givenAt":"2026-11-01T10:00:00Z","updatedAt":"{updated}","expiresAt":"2027-05-01T00:00:00.000Z","method":"{method}","categories":{categories},"services":{{}},"lang":"en","policyUrl":null,"gpc":false,"site":"{site}"}}"#
    )
}

/// The export fixture, in the order of `updatedAt`: (body, received_at).
fn fixture() -> [(String, &'static str); 4] {
    [
        (
            body(
                ID1,
                A,
                "2026-11-01T10:00:00Z",
                "accept-all",
                r#"{"necessary":true,"analytics":true}"#,
            ),
            "2026-11-01T10:00:01.000Z",
        ),
        (
            body(
                ID2,
                B,
                "2026-11-15T12:00:00.000Z",
                "reject-all",
                r#"{"necessary":true,"analytics":false}"#,
            ),
            "2026-11-15T12:00:00.400Z",
        ),
        (
            body(
                ID1,
                A,
                "2026-11-20T08:30:00.250Z",
                "custom",
                r#"{"necessary":true,"analytics":false,"social":true}"#,
            ),
            "2026-11-20T08:30:00.900Z",
        ),
        (
            body(
                ID3,
                A,
                "2026-12-02T00:00:00Z",
                "custom",
                r#"{"necessary":true}"#,
            ),
            "2026-12-02T00:00:01.000Z",
        ),
    ]
}

/// The JSON line of a fixture receipt.
fn line(row: &(String, &str)) -> String {
    format!("{{\"receivedAt\":\"{}\",\"receipt\":{}}}\n", row.1, row.0)
}

fn exports(db: &Db) {
    let rows = fixture();
    // stored out of order: the export's order is updatedAt's, not the insert's
    for i in [3, 1, 0, 2] {
        db.insert(&rows[i].0, rows[i].1);
    }
    let url = db.url();

    let out = ok(&["export", "--db", &url]);
    let all: String = rows.iter().map(line).collect();
    assert_eq!(stdout(&out), all);
    assert_eq!(
        stderr(&out),
        "optin-receiver: exported 4 receipts to standard output\n"
    );

    // a site written as a user might; since inclusive, until exclusive; a date is midnight UTC
    let out = ok(&[
        "export",
        "--db",
        &url,
        "--site",
        "https://A.example/",
        "--since",
        "2026-11-01T10:00:00Z",
        "--until=2026-12-02",
    ]);
    assert_eq!(stdout(&out), line(&rows[0]) + &line(&rows[2]));

    let file = db.scratch_file("export.csv");
    let out = ok(&[
        "export",
        "--db",
        &url,
        "--site",
        A,
        "--site",
        B,
        "--until",
        "2026-12-01",
        "--format",
        "csv",
        "--output",
        &file,
    ]);
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out),
        format!("optin-receiver: exported 3 receipts to {file}\n")
    );
    let csv = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    assert_eq!(
        csv,
        "id,site,revision,method,categoriesGranted,updatedAt,givenAt,receivedAt\r\n\
         11111111-1111-4111-8111-111111111111,https://a.example,2,accept-all,analytics necessary,\
         2026-11-01T10:00:00Z,2026-11-01T10:00:00Z,2026-11-01T10:00:01.000Z\r\n\
         22222222-2222-4222-8222-222222222222,https://b.example,2,reject-all,necessary,\
         2026-11-15T12:00:00.000Z,2026-11-01T10:00:00Z,2026-11-15T12:00:00.400Z\r\n\
         11111111-1111-4111-8111-111111111111,https://a.example,2,custom,necessary social,\
         2026-11-20T08:30:00.250Z,2026-11-01T10:00:00Z,2026-11-20T08:30:00.900Z\r\n"
    );

    // nothing matches: success, and a CSV is its header alone
    let out = ok(&[
        "export",
        "--db",
        &url,
        "--site",
        "https://c.example",
        "--format",
        "csv",
    ]);
    assert_eq!(
        stdout(&out),
        "id,site,revision,method,categoriesGranted,updatedAt,givenAt,receivedAt\r\n"
    );
    let out = ok(&["export", "--db", &url, "--since", "2027-01-01"]);
    assert!(out.stdout.is_empty());
    assert_eq!(db.keys().len(), 4, "export changes nothing");
}

/// `received_at` `days` days ago.
fn days_ago(days: i64) -> String {
    time::format_iso(time::now_ms() - days * 86_400_000)
}

/// The report line of a prune, its cutoff (checked to be `days` ago, within a minute) taken out.
fn report(out: &Output, days: i64) -> String {
    let text = stdout(out);
    let start = text.find("received before ").expect("a cutoff") + "received before ".len();
    let cutoff = &text[start..start + 24];
    let ms = time::parse_iso(cutoff).unwrap();
    let expected = time::now_ms() - days * 86_400_000;
    assert!((expected - ms).abs() < 60_000, "{text}");
    text.replace(cutoff, "CUTOFF")
}

fn prunes(db: &Db) {
    let site = A;
    let u = |day: u32| format!("2026-11-{day:02}T00:00:00.000Z");
    // ID1: two receipts 40 days old; ID2: one 40 days old, its latest from yesterday; ID3: one
    // 10 days old
    db.insert(&body(ID1, site, &u(2), "custom", "{}"), &days_ago(40));
    db.insert(&body(ID1, site, &u(3), "custom", "{}"), &days_ago(40));
    db.insert(&body(ID2, site, &u(2), "custom", "{}"), &days_ago(40));
    db.insert(&body(ID2, site, &u(3), "custom", "{}"), &days_ago(1));
    db.insert(&body(ID3, site, &u(2), "custom", "{}"), &days_ago(10));
    let url = db.url();
    let key = |id: &str, day| (id.to_owned(), u(day));

    let out = ok(&["prune", "--db", &url, "--older-than", "30", "--dry-run"]);
    assert_eq!(
        report(&out, 30),
        "2 receipts would be deleted (received before CUTOFF; each consent id's latest \
         receipt kept)\n"
    );
    assert_eq!(db.keys().len(), 5, "a dry run deletes nothing");

    let out = ok(&["prune", "--db", &url, "--older-than=30", "--batch", "1"]);
    assert_eq!(
        report(&out, 30),
        "2 receipts deleted (received before CUTOFF; each consent id's latest receipt kept)\n"
    );
    assert_eq!(db.keys(), [key(ID1, 3), key(ID2, 3), key(ID3, 2)]);
    let out = ok(&["prune", "--db", &url, "--older-than", "30"]);
    assert!(stdout(&out).starts_with("0 receipts deleted"));

    // the latest receipts too: ID1's is 40 days old
    let out = ok(&[
        "prune",
        "--db",
        &url,
        "--older-than",
        "30",
        "--include-latest",
        "--dry-run",
    ]);
    assert_eq!(
        report(&out, 30),
        "1 receipt would be deleted (received before CUTOFF; latest receipts included)\n"
    );
    let out = ok(&[
        "prune",
        "--db",
        &url,
        "--older-than",
        "5",
        "--include-latest",
    ]);
    assert_eq!(
        report(&out, 5),
        "2 receipts deleted (received before CUTOFF; latest receipts included)\n"
    );
    assert_eq!(db.keys(), [key(ID2, 3)]);
}

#[test]
fn sqlite_export_jsonl_and_csv_by_site_and_time() {
    exports(&Db::sqlite());
}

#[test]
fn postgres_export_jsonl_and_csv_by_site_and_time() {
    exports(&Db::postgres());
}

#[test]
fn sqlite_prune_keeps_each_latest_receipt_unless_told() {
    prunes(&Db::sqlite());
}

#[test]
fn postgres_prune_keeps_each_latest_receipt_unless_told() {
    prunes(&Db::postgres());
}

#[test]
fn bad_arguments_exit_2_and_bad_databases_exit_1() {
    let db = Db::sqlite();
    let url = db.url();
    let e = |args: &[&str]| fails(2, args);
    assert_eq!(
        e(&["export"]),
        "optin-receiver: export needs --db FILE|URL (see export --help)\n"
    );
    assert_eq!(
        e(&["export", "--db", &url, "--format", "xml"]),
        "optin-receiver: --format \"xml\" is not jsonl or csv\n"
    );
    assert!(e(&["export", "--db", &url, "--since", "last week"])
        .starts_with("optin-receiver: --since \"last week\" is not a date (2026-11-01)"));
    assert!(e(&["export", "--db", &url, "--site", "example.com"])
        .starts_with("optin-receiver: --site \"example.com\" is not an origin"));
    assert!(e(&["prune", "--db", &url]).starts_with(
        "optin-receiver: prune needs --older-than DAYS: there is no default retention period"
    ));
    assert_eq!(
        e(&["prune", "--db", &url, "--older-than", "-1"]),
        "optin-receiver: --older-than \"-1\" is not a number from 1 to 36500\n"
    );
    assert_eq!(
        e(&["prune", "--db", &url, "--older-than", "3", "--yes"]),
        "optin-receiver: unknown argument \"--yes\" (see prune --help)\n"
    );

    let missing = db.scratch_file("missing.sqlite");
    assert_eq!(
        fails(1, &["export", "--db", &missing]),
        format!("optin-receiver: export failed: no database file at {missing}\n")
    );
    assert!(!std::path::Path::new(&missing).exists(), "not created");
    let garbage = db.scratch_file("garbage.sqlite");
    std::fs::write(&garbage, vec![b'x'; 4096]).unwrap();
    assert!(fails(1, &["prune", "--db", &garbage, "--older-than", "30"])
        .starts_with("optin-receiver: prune failed: "));
    assert_eq!(
        fails(
            1,
            &[
                "prune",
                "--db",
                "postgres://postgres:secret@127.0.0.1:1/none",
                "--older-than",
                "30"
            ]
        ),
        "optin-receiver: prune failed: cannot connect to PostgreSQL at \
         postgres://postgres:***@127.0.0.1:1/none: error connecting to server: Connection \
         refused (os error 111)\n"
    );
    let nowhere = "/nonexistent-optin-dir/out.jsonl";
    assert!(fails(1, &["export", "--db", &url, "--output", nowhere])
        .starts_with("optin-receiver: export failed: cannot create /nonexistent-optin-dir/"));

    // the help texts
    let help = stdout(&ok(&["--help"]));
    assert!(
        help.contains("optin-receiver export --db FILE|URL"),
        "{help}"
    );
    assert!(help.contains("optin-receiver prune --db FILE|URL --older-than DAYS"));
    assert!(stdout(&ok(&["export", "--help"])).starts_with("optin-receiver export: "));
    assert!(stdout(&ok(&["prune", "-h"])).starts_with("optin-receiver prune: "));
}

/// `serve` names the default explicitly; what it stores, export reads while it runs.
#[test]
fn export_reads_what_the_running_server_stored() {
    let db = Db::sqlite();
    let url = db.url();
    let mut command = Command::new(env!("CARGO_BIN_EXE_optin-receiver"));
    command.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        &url,
        "--origin",
        SITE,
    ]);
    let (mut child, line) = spawn_receiver(command);
    let addr = startup_field(&line, "http://").parse().unwrap();
    let sent = receipt(&uuid(42));
    assert_eq!(beacon(addr, &sent).status, 201);
    let out = ok(&["export", "--db", &url, "--site", SITE]);
    let _ = child.kill();
    let _ = child.wait();
    let text = stdout(&out);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let received = time::parse_iso(v["receivedAt"].as_str().unwrap()).unwrap();
    assert!((time::now_ms() - received).abs() < 60_000, "{text}");
    assert_eq!(
        text,
        format!(
            "{{\"receivedAt\":{},\"receipt\":{sent}}}\n",
            v["receivedAt"]
        )
    );
}
