//! `optin`, the site owner's command-line tool (README "`optin check`"): `optin check` runs the
//! widget's own config validation (optin-core, natively: the same code as in the browser) and
//! checks pages' gated markup against the config; `optin schema` prints the config's JSON Schema.

mod audit;
mod cdp;
mod check;
mod crawl;
mod draft;
mod locate;
mod page;
mod report;
mod robots;
mod rules;
mod scan;
mod site;
mod table;
mod trackers;
mod visit;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "optin",
    version,
    about = "optin, the cookie-consent widget: check a config and pages"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validates CONFIG as the widget does and checks each PAGE's gated markup against it.
    ///
    /// Exit status: 0 without errors, 1 with any (or any warning, with --deny-warnings), 2 when
    /// a file cannot be read.
    Check(check::Args),
    /// Prints the config's JSON Schema (2020-12).
    Schema,
    /// Crawls a site in headless Chromium and reports every cookie, storage key and third-party
    /// host before a choice, after reject-all and after accept-all, classified.
    ///
    /// Exit status: 0 after a report, 2 when the scan cannot run.
    Scan(scan::Args),
    /// Crawls a site like scan and fails (exit status 1) when something non-necessary happens
    /// before a choice or after reject-all, a cookie is not declared, or a page has no way back
    /// to the preferences.
    Audit(audit::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check(args) => check::run(&args),
        Command::Scan(args) => scan::run(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Schema => {
            print!("{}", optin_core::config::schema::to_json());
            ExitCode::SUCCESS
        }
    }
}
