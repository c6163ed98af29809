//! The `optin-receiver` command: reads the flags, opens the SQLite store, serves until the
//! listener fails. Every rule lives in the library; this file only wires it.

use optin_receiver::{start, Origins, ReceiptStore, SqliteStore};
use std::path::PathBuf;
use std::process::ExitCode;

const HELP: &str = "\
optin-receiver: stores optin consent receipts (POST /receipts) in SQLite.

usage: optin-receiver [--listen ADDR] [--db FILE] [--origin ORIGIN]... [--workers N]

  --listen ADDR    address and port to listen on (default 127.0.0.1:8787; port 0 picks one)
  --db FILE        SQLite database, created if missing (default receipts.sqlite)
  --origin ORIGIN  a site allowed to send receipts from the browser, e.g. https://example.com;
                   repeat for several. Requests with another Origin get 403; requests without
                   an Origin header (curl, server to server) are accepted.
  --workers N      request threads (default 4)
  -h, --help       this text
  -V, --version    the version

Logs one line per request on stderr. Put it behind your TLS reverse proxy (see README.md).";

struct Args {
    listen: String,
    db: PathBuf,
    origins: Vec<String>,
    workers: usize,
}

enum Command {
    Run(Args),
    Help,
    Version,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut parsed = Args {
        listen: "127.0.0.1:8787".into(),
        db: PathBuf::from("receipts.sqlite"),
        origins: Vec::new(),
        workers: 4,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--listen" => parsed.listen = value()?,
            "--db" => parsed.db = PathBuf::from(value()?),
            "--origin" => parsed.origins.push(value()?),
            "--workers" => {
                let v = value()?;
                parsed.workers = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or_else(|| format!("--workers {v:?} is not a number from 1 to 64"))?;
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    Ok(Command::Run(parsed))
}

fn run(args: Args) -> Result<(), String> {
    let origins = Origins::parse(&args.origins)?;
    let store = SqliteStore::open(&args.db).map_err(|e| e.to_string())?;
    let stored = store.count().map_err(|e| e.to_string())?;
    let running = start(&args.listen, Box::new(store), origins.clone(), args.workers)?;
    let allowed = if origins.as_slice().is_empty() {
        "none (only requests without an Origin header are accepted)".to_owned()
    } else {
        origins.as_slice().join(" ")
    };
    eprintln!(
        "optin-receiver listening on http://{} db={} receipts={stored} origins: {allowed}",
        running.addr(),
        args.db.display()
    );
    if !running.addr().ip().is_loopback() {
        eprintln!(
            "optin-receiver: note: reachable beyond this machine; browsers need https, so put it \
             behind a TLS reverse proxy that caps bodies at 8 KiB (README.md \"Deployment\")"
        );
    }
    running.wait()
}

fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{HELP}");
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("optin-receiver {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Ok(Command::Run(args)) => match run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("optin-receiver: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("optin-receiver: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_and_flags() {
        let Ok(Command::Run(a)) = parse(&[]) else {
            panic!()
        };
        assert_eq!((a.listen.as_str(), a.workers), ("127.0.0.1:8787", 4));
        assert_eq!(a.db, PathBuf::from("receipts.sqlite"));
        let Ok(Command::Run(a)) = parse(&[
            "--listen=127.0.0.1:0",
            "--db",
            "x.sqlite",
            "--origin",
            "https://a.example",
            "--origin=https://b.example",
            "--workers",
            "2",
        ]) else {
            panic!()
        };
        assert_eq!(a.listen, "127.0.0.1:0");
        assert_eq!(a.db, PathBuf::from("x.sqlite"));
        assert_eq!(a.origins, ["https://a.example", "https://b.example"]);
        assert_eq!(a.workers, 2);
        assert!(matches!(parse(&["--help"]), Ok(Command::Help)));
        assert!(matches!(parse(&["-V"]), Ok(Command::Version)));
    }

    #[test]
    fn refuses_bad_arguments() {
        let err = |args: &[&str]| parse(args).err().unwrap();
        assert_eq!(err(&["--db"]), "--db needs a value");
        assert_eq!(
            err(&["--port", "1"]),
            "unknown argument \"--port\" (see --help)"
        );
        assert_eq!(
            err(&["--workers", "0"]),
            "--workers \"0\" is not a number from 1 to 64"
        );
    }
}
