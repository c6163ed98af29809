//! The `optin-receiver` command: reads the flags, opens the store (SQLite or PostgreSQL), serves
//! until SIGTERM
//! or SIGINT. Every rule lives in the library; this file only wires it. The operator
//! subcommands `export` and `prune` are `export.rs` and `prune.rs`; without one (or with
//! `serve`) it serves, so existing command lines keep working.

mod export;
mod prune;

use optin_receiver::http::{DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_MAX_PER_ID_PER_DAY};
use optin_receiver::limit::{DEFAULT_BURST, DEFAULT_RATE};
use optin_receiver::store::{self, DEFAULT_POOL_SIZE};
use optin_receiver::{start_with, Limits, MetricsFrom, Origins, Policy};
use std::process::ExitCode;
use std::time::Duration;

const HELP: &str = "\
optin-receiver: stores optin consent receipts (POST /receipts) in SQLite or PostgreSQL.

usage: optin-receiver [serve] [--listen ADDR] [--db FILE|URL] [--origin ORIGIN]... [OPTIONS]
       optin-receiver export --db FILE|URL [--site ORIGIN]... [--since TIME] [--until TIME]
                             [--format jsonl|csv] [--output FILE]
       optin-receiver prune --db FILE|URL --older-than DAYS [--dry-run] [--include-latest]

  export: the stored receipts for an auditor; prune: deletes old receipts (retention; nothing
  is deleted otherwise). `optin-receiver export --help`, `prune --help` for theirs.

serve (the default):

  --listen ADDR    address and port to listen on (default 127.0.0.1:8787; port 0 picks one)
  --db FILE|URL    a SQLite database file, created if missing (default receipts.sqlite), or a
                   PostgreSQL database: postgres://USER[:PASSWORD]@HOST[:PORT]/DB (or
                   postgresql://); the schema is created or migrated at start
  --pool-size N    PostgreSQL connections per receiver (default 8, 1 to 64)
  --origin ORIGIN  a site allowed to send receipts from the browser, e.g. https://example.com;
                   repeat for several. Requests with another Origin get 403; requests without
                   an Origin header (curl, server to server) are accepted.
  --site ORIGIN    a site receipts may be for (the receipt's site field), e.g.
                   https://www.example.com; repeat for several. A receipt for another site gets
                   403, with or without an Origin header. Default: the --origin list (so scripts,
                   which send no Origin, cannot file receipts for other sites either); with
                   neither flag, any site.
  --workers N      runtime threads (default 4)

limits (times in seconds, fractions allowed):
  --request-timeout S   a whole request, body included, within S, else 408 (default 10)
  --idle-timeout S      close a connection with no request in progress that moved no byte
                        for S (default 30)
  --header-timeout S    the request line and headers within S of waiting for them, else
                        close; so also the longest wait for a (next) request (default 10)
  --max-header-bytes N  request line and headers at most N bytes, else 431 (default 16384)
  --max-requests N      requests in progress at once; more wait (default 64)
  --max-connections N   open connections; at the cap no more are accepted (default 512;
                        keep it below `ulimit -n`)
  --max-clock-skew S    a receipt whose givenAt or updatedAt is more than S after this
                        machine's clock gets 400 (default 300)
  --rate N              receipts per second per client address (token bucket refill; IPv6
                        per /64); over it 429 with Retry-After (default 5; 0: no limit)
  --burst N             receipts a client address may send at once (bucket size; default 20)
  --trust-forwarded-for ADDR  a reverse proxy (its IP address as the receiver sees it);
                        repeat for several. Only requests from these take the client address
                        from X-Forwarded-For (the right-most entry that is not one of them)
  --max-per-id-per-day N  receipts stored per consent id within 24 h; more get 429
                        (default 50)

monitoring (GET /health answers 200 ok when the store answers, else 503):
  --metrics-from ADDR   serve GET /metrics (Prometheus text format) to this IP address or
                        network (127.0.0.1, 10.0.0.0/24, ::1); repeat for several. Without
                        it /metrics is 404 for everyone

  -h, --help       this text
  -V, --version    the version

Logs one line per request on stderr; SIGTERM or SIGINT stops it gracefully. Put it behind your
TLS reverse proxy (see README.md).";

struct Args {
    listen: String,
    db: String,
    pool_size: u32,
    origins: Vec<String>,
    sites: Vec<String>,
    max_clock_skew_ms: i64,
    rate: f64,
    burst: f64,
    trusted_proxies: Vec<std::net::IpAddr>,
    max_per_id_per_day: u64,
    metrics_from: Vec<String>,
    limits: Limits,
}

enum Command {
    Run(Box<Args>),
    Help,
    Version,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut parsed = Args {
        listen: "127.0.0.1:8787".into(),
        db: "receipts.sqlite".into(),
        pool_size: DEFAULT_POOL_SIZE,
        origins: Vec::new(),
        sites: Vec::new(),
        max_clock_skew_ms: DEFAULT_MAX_CLOCK_SKEW_MS,
        rate: DEFAULT_RATE,
        burst: DEFAULT_BURST,
        trusted_proxies: Vec::new(),
        max_per_id_per_day: DEFAULT_MAX_PER_ID_PER_DAY,
        metrics_from: Vec::new(),
        limits: Limits::default(),
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
            "--db" => parsed.db = value()?,
            "--pool-size" => parsed.pool_size = number(&flag, &value()?, 1, 64)? as u32,
            "--origin" => parsed.origins.push(value()?),
            "--site" => parsed.sites.push(value()?),
            "--rate" => parsed.rate = rate(&flag, &value()?, 0.0)?,
            "--burst" => parsed.burst = rate(&flag, &value()?, 1.0)?,
            "--trust-forwarded-for" => {
                let v = value()?;
                let ip = v.parse().map_err(|_| {
                    format!("{flag} {v:?} is not an IP address like 127.0.0.1 or ::1")
                })?;
                parsed.trusted_proxies.push(ip)
            }
            "--max-per-id-per-day" => {
                parsed.max_per_id_per_day = number(&flag, &value()?, 1, 1_000_000)? as u64
            }
            "--metrics-from" => {
                let v = value()?;
                // checked here, so a bad value is a bad argument (exit status 2)
                MetricsFrom::parse(&[&v])?;
                parsed.metrics_from.push(v)
            }
            "--max-clock-skew" => {
                parsed.max_clock_skew_ms = seconds(&flag, &value()?)?.as_millis() as i64
            }
            "--workers" => parsed.limits.workers = number(&flag, &value()?, 1, 64)?,
            "--request-timeout" => parsed.limits.request_timeout = seconds(&flag, &value()?)?,
            "--idle-timeout" => parsed.limits.idle_timeout = seconds(&flag, &value()?)?,
            "--header-timeout" => parsed.limits.header_timeout = seconds(&flag, &value()?)?,
            "--max-header-bytes" => {
                parsed.limits.max_header_bytes = number(&flag, &value()?, 1024, 1 << 20)?
            }
            "--max-requests" => parsed.limits.max_requests = number(&flag, &value()?, 1, 100_000)?,
            "--max-connections" => {
                parsed.limits.max_connections = number(&flag, &value()?, 1, 1_000_000)?
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    Ok(Command::Run(Box::new(parsed)))
}

fn number(flag: &str, v: &str, min: usize, max: usize) -> Result<usize, String> {
    v.parse()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("{flag} {v:?} is not a number from {min} to {max}"))
}

fn rate(flag: &str, v: &str, min: f64) -> Result<f64, String> {
    v.parse::<f64>()
        .ok()
        .filter(|n| *n >= min && *n <= 1e9)
        .ok_or_else(|| format!("{flag} {v:?} is not a number from {min} to 1000000000"))
}

fn seconds(flag: &str, v: &str) -> Result<Duration, String> {
    v.parse::<f64>()
        .ok()
        .filter(|s| *s >= 0.001 && *s <= 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{flag} {v:?} is not a number of seconds from 0.001 to 86400"))
}

/// The subcommands' flags, read the way the server's are: `--flag value` or `--flag=value`.
struct Flags<I> {
    args: I,
    /// The value given with `=` to the flag just read.
    inline: Option<String>,
}

impl<I: Iterator<Item = String>> Flags<I> {
    fn new(args: I) -> Flags<I> {
        Flags { args, inline: None }
    }

    /// The next flag, its `=value` kept for `value`.
    fn next_flag(&mut self) -> Option<String> {
        let arg = self.args.next()?;
        match arg.split_once('=') {
            Some((flag, v)) if flag.starts_with("--") => {
                self.inline = Some(v.to_owned());
                Some(flag.to_owned())
            }
            _ => {
                self.inline = None;
                Some(arg)
            }
        }
    }

    /// The value of `flag`: after its `=`, or the next argument.
    fn value(&mut self, flag: &str) -> Result<String, String> {
        self.inline
            .take()
            .or_else(|| self.args.next())
            .ok_or_else(|| format!("{flag} needs a value"))
    }

    /// For a switch: `true`, or an error if it was given a value with `=`.
    fn no_value(&mut self, flag: &str) -> Result<bool, String> {
        match self.inline.take() {
            Some(_) => Err(format!("{flag} takes no value")),
            None => Ok(true),
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    // One line per request on stderr (the startup line below stays plain, for scripts).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let origins = Origins::parse(&args.origins)?;
    let store = store::open(&args.db, args.pool_size).map_err(|e| e.to_string())?;
    let stored = store.count().map_err(|e| e.to_string())?;
    let sites = if args.sites.is_empty() {
        origins.clone()
    } else {
        Origins::parse(&args.sites).map_err(|e| e.replacen("--origin", "--site", 1))?
    };
    let policy = Policy {
        sites: sites.clone(),
        max_clock_skew_ms: args.max_clock_skew_ms,
        rate: args.rate,
        burst: args.burst,
        trusted_proxies: args.trusted_proxies,
        max_per_id_per_day: args.max_per_id_per_day,
        metrics_from: MetricsFrom::parse(&args.metrics_from)?,
        ..Policy::default()
    };
    let mut running = start_with(&args.listen, store, origins.clone(), policy, args.limits)?;
    running.catch_signals()?;
    let allowed = if origins.as_slice().is_empty() {
        "none (only requests without an Origin header are accepted)".to_owned()
    } else {
        origins.as_slice().join(" ")
    };
    let sites = if sites.as_slice().is_empty() {
        "any".to_owned()
    } else {
        sites.as_slice().join(" ")
    };
    eprintln!(
        "optin-receiver listening on http://{} db={} receipts={stored} origins: {allowed} \
         sites: {sites}",
        running.addr(),
        store::display_db(&args.db)
    );
    if !running.addr().ip().is_loopback() {
        eprintln!(
            "optin-receiver: note: reachable beyond this machine; browsers need https, so put it \
             behind a TLS reverse proxy that caps bodies at 8 KiB (README.md \"Deployment\")"
        );
    }
    running.run_until_signal()
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    match args.peek().map(String::as_str) {
        Some("export") => return export::main(args.skip(1)),
        Some("prune") => return prune::main(args.skip(1)),
        Some("serve") => drop(args.next()),
        _ => {}
    }
    match parse_args(args) {
        Ok(Command::Help) => {
            println!("{HELP}");
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("optin-receiver {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Ok(Command::Run(args)) => match run(*args) {
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
        assert_eq!(a.listen.as_str(), "127.0.0.1:8787");
        assert_eq!(a.limits, Limits::default());
        assert_eq!(a.limits.workers, 4);
        assert_eq!(a.db, "receipts.sqlite");
        assert_eq!(a.pool_size, 8);
        assert_eq!((a.rate, a.burst, a.max_per_id_per_day), (5.0, 20.0, 50));
        assert!(a.trusted_proxies.is_empty());
        let Ok(Command::Run(a)) = parse(&[
            "--listen=127.0.0.1:0",
            "--db",
            "postgres://u@db.internal/consent",
            "--pool-size=3",
            "--origin",
            "https://a.example",
            "--origin=https://b.example",
            "--site",
            "https://www.example.com",
            "--max-clock-skew=60",
            "--rate=0.5",
            "--burst",
            "3",
            "--trust-forwarded-for",
            "10.0.0.2",
            "--max-per-id-per-day=7",
            "--workers",
            "2",
            "--request-timeout",
            "2.5",
            "--idle-timeout=1",
            "--header-timeout",
            "0.5",
            "--max-header-bytes",
            "4096",
            "--max-requests",
            "3",
            "--max-connections",
            "40",
        ]) else {
            panic!()
        };
        assert_eq!(a.listen, "127.0.0.1:0");
        assert_eq!(a.db, "postgres://u@db.internal/consent");
        assert_eq!(a.pool_size, 3);
        assert_eq!(a.origins, ["https://a.example", "https://b.example"]);
        assert_eq!(a.sites, ["https://www.example.com"]);
        assert_eq!(a.max_clock_skew_ms, 60_000);
        assert_eq!((a.rate, a.burst), (0.5, 3.0));
        assert_eq!(
            a.trusted_proxies,
            ["10.0.0.2".parse::<std::net::IpAddr>().unwrap()]
        );
        assert_eq!(a.max_per_id_per_day, 7);
        assert_eq!(
            a.limits,
            Limits {
                workers: 2,
                request_timeout: Duration::from_millis(2500),
                idle_timeout: Duration::from_secs(1),
                header_timeout: Duration::from_millis(500),
                max_header_bytes: 4096,
                max_requests: 3,
                max_connections: 40,
            }
        );
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
        assert_eq!(
            err(&["--idle-timeout", "0"]),
            "--idle-timeout \"0\" is not a number of seconds from 0.001 to 86400"
        );
        assert_eq!(
            err(&["--request-timeout", "soon"]),
            "--request-timeout \"soon\" is not a number of seconds from 0.001 to 86400"
        );
        assert_eq!(
            err(&["--pool-size", "0"]),
            "--pool-size \"0\" is not a number from 1 to 64"
        );
        assert_eq!(
            err(&["--max-header-bytes", "100"]),
            "--max-header-bytes \"100\" is not a number from 1024 to 1048576"
        );
    }
}
