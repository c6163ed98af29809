//! `optin-receiver prune`: retention. Deletes receipts received more than `--older-than` days
//! ago, in batches, keeping each consent id's latest receipt unless `--include-latest`. It owns
//! the subcommand's flags and its report; what is deleted, and how, is the store's `prune`.
//!
//! There is no default period: the receiver never deletes anything by itself, and `prune`
//! without `--older-than` refuses. The latest receipt of an id is the consent in force, which
//! the site must be able to demonstrate (GDPR Art. 7(1)) for as long as it relies on it, so
//! age alone does not delete it. README.md "Export and retention".

use crate::Flags;
use optin_receiver::store::{self, Retention, DEFAULT_PRUNE_BATCH};
use optin_receiver::time;
use std::process::ExitCode;

pub const HELP: &str = "\
optin-receiver prune: deletes old receipts (retention). Nothing is ever deleted otherwise.

usage: optin-receiver prune --db FILE|URL --older-than DAYS [--dry-run] [--include-latest]
                            [--batch N]

  --db FILE|URL       the receiver's database: a SQLite file (it must exist) or a postgres:// URL
  --older-than DAYS   delete receipts received more than DAYS days (of 24 h) ago, 1 to 36500;
                      required: there is no default period
  --dry-run           delete nothing; say how many receipts would be deleted
  --include-latest    also delete a consent id's latest receipt (the consent in force) when it
                      is that old; by default it is kept, whatever its age
  --batch N           receipts deleted per transaction (default 1000), so the receiver keeps
                      storing receipts while a big prune runs

Prints how many receipts were (or would be) deleted. It may run while receivers run.
Exit status: 0 done, 1 the database failed, 2 bad arguments.";

#[derive(Debug, PartialEq)]
pub struct Args {
    pub db: String,
    pub older_than_days: u32,
    pub dry_run: bool,
    pub include_latest: bool,
    pub batch: u32,
}

/// Reads the flags after `prune`; `None` for `--help`.
pub fn parse(args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let (mut db, mut days, mut dry_run, mut include_latest) = (None, None, false, false);
    let mut batch = DEFAULT_PRUNE_BATCH;
    let mut flags = Flags::new(args);
    while let Some(flag) = flags.next_flag() {
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--db" => db = Some(flags.value(&flag)?),
            "--older-than" => days = Some(crate::number(&flag, &flags.value(&flag)?, 1, 36_500)?),
            "--batch" => batch = crate::number(&flag, &flags.value(&flag)?, 1, 100_000)? as u32,
            "--dry-run" => dry_run = flags.no_value(&flag)?,
            "--include-latest" => include_latest = flags.no_value(&flag)?,
            other => return Err(format!("unknown argument {other:?} (see prune --help)")),
        }
    }
    let db = db.ok_or("prune needs --db FILE|URL (see prune --help)")?;
    let days = days.ok_or(
        "prune needs --older-than DAYS: there is no default retention period, nothing is \
         deleted unless you say how old (see prune --help)",
    )?;
    Ok(Some(Args {
        db,
        older_than_days: days as u32,
        dry_run,
        include_latest,
        batch,
    }))
}

/// Runs `optin-receiver prune` with its arguments (after `prune`).
pub fn main(args: impl Iterator<Item = String>) -> ExitCode {
    match parse(args) {
        Ok(None) => {
            println!("{HELP}");
            ExitCode::SUCCESS
        }
        Ok(Some(args)) => match run(&args, time::now_ms()) {
            Ok(report) => {
                println!("{report}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("optin-receiver: prune failed: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("optin-receiver: {e}");
            ExitCode::from(2)
        }
    }
}

/// Prunes (or counts) as of `now_ms`, and says what it did.
fn run(args: &Args, now_ms: i64) -> Result<String, String> {
    let rule = Retention {
        received_before_ms: now_ms - i64::from(args.older_than_days) * 86_400_000,
        include_latest: args.include_latest,
        batch: args.batch,
    };
    let store = store::open_existing(&args.db, 1).map_err(|e| e.to_string())?;
    let n = if args.dry_run {
        store.count_prunable(&rule)
    } else {
        store.prune(&rule)
    }
    .map_err(|e| e.to_string())?;
    Ok(report(n, &rule, args.dry_run))
}

/// One line: how many, and which.
fn report(n: u64, rule: &Retention, dry_run: bool) -> String {
    let done = if dry_run {
        "would be deleted"
    } else {
        "deleted"
    };
    let latest = if rule.include_latest {
        "latest receipts included"
    } else {
        "each consent id's latest receipt kept"
    };
    let cutoff = time::format_iso(rule.received_before_ms);
    let receipts = if n == 1 { "receipt" } else { "receipts" };
    format!("{n} {receipts} {done} (received before {cutoff}; {latest})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Option<Args>, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn reads_the_flags() {
        assert_eq!(
            parse_strs(&["--db", "r.sqlite", "--older-than=30"]),
            Ok(Some(Args {
                db: "r.sqlite".into(),
                older_than_days: 30,
                dry_run: false,
                include_latest: false,
                batch: 1000,
            }))
        );
        assert_eq!(
            parse_strs(&[
                "--dry-run",
                "--include-latest",
                "--db=r.sqlite",
                "--older-than",
                "365",
                "--batch",
                "10"
            ]),
            Ok(Some(Args {
                db: "r.sqlite".into(),
                older_than_days: 365,
                dry_run: true,
                include_latest: true,
                batch: 10,
            }))
        );
        assert_eq!(parse_strs(&["--help"]), Ok(None));
    }

    #[test]
    fn refuses_without_a_period_and_bad_flags() {
        let err = |args: &[&str]| parse_strs(args).unwrap_err();
        assert!(err(&["--db", "r"]).starts_with("prune needs --older-than DAYS: "));
        assert_eq!(
            err(&["--older-than", "3"]),
            "prune needs --db FILE|URL (see prune --help)"
        );
        assert_eq!(
            err(&["--db", "r", "--older-than", "0"]),
            "--older-than \"0\" is not a number from 1 to 36500"
        );
        assert_eq!(
            err(&["--db", "r", "--older-than", "30d"]),
            "--older-than \"30d\" is not a number from 1 to 36500"
        );
        assert_eq!(
            err(&["--db", "r", "--older-than", "3", "--dry-run=yes"]),
            "--dry-run takes no value"
        );
        assert_eq!(
            err(&["--db", "r", "--older-than", "3", "--force"]),
            "unknown argument \"--force\" (see prune --help)"
        );
    }

    #[test]
    fn reports_what_it_did() {
        let rule = Retention {
            received_before_ms: time::parse_iso("2026-10-31T19:00:00Z").unwrap(),
            include_latest: false,
            batch: 1000,
        };
        assert_eq!(
            report(3, &rule, true),
            "3 receipts would be deleted (received before 2026-10-31T19:00:00.000Z; each \
             consent id's latest receipt kept)"
        );
        let all = Retention {
            include_latest: true,
            ..rule
        };
        assert!(report(1, &all, true).starts_with("1 receipt would be deleted (received"));
        assert_eq!(
            report(0, &all, false),
            "0 receipts deleted (received before 2026-10-31T19:00:00.000Z; latest receipts \
             included)"
        );
    }
}
