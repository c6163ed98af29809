//! `optin check CONFIG.json [PAGE.html…]`: the config's errors and warnings as the browser's
//! console shows them (`ConfigError::describe`, with the field path), then each page's findings
//! (`rules.rs`), one line each: `FILE:LINE: severity: message` (`FILE: …` where no line applies:
//! a root-level field that is missing).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use optin_core::config::{Config, ConfigError};

use crate::locate;
use crate::page;
use crate::rules::{self, Context, Severity};

#[derive(clap::Args)]
pub struct Args {
    /// The config, a JSON file (as given to data-config, or the text of the inline
    /// <script type="application/json" id="optin-config">).
    config: PathBuf,
    /// HTML pages whose gated markup to check against the config.
    pages: Vec<PathBuf>,
    /// The site's host (example.com), or a host trusted like it (a CDN that sets no cookies):
    /// scripts and iframes from it or its subdomains are first party. Repeatable. Without it,
    /// any absolute http(s) URL counts as third party.
    #[arg(long, value_name = "HOST")]
    site_host: Vec<String>,
    /// Exit with status 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

/// Counts what was printed, to choose the exit status.
#[derive(Default)]
struct Tally {
    errors: usize,
    warnings: usize,
}

impl Tally {
    fn print(&mut self, file: &Path, line: Option<u64>, severity: Severity, message: &str) {
        let label = match severity {
            Severity::Error => {
                self.errors += 1;
                "error"
            }
            Severity::Warning => {
                self.warnings += 1;
                "warning"
            }
        };
        match line {
            Some(line) => println!("{}:{line}: {label}: {message}", file.display()),
            None => println!("{}: {label}: {message}", file.display()),
        }
    }
}

pub fn run(args: &Args) -> ExitCode {
    match check(args) {
        Ok(tally) if tally.errors > 0 || (args.deny_warnings && tally.warnings > 0) => {
            ExitCode::from(1)
        }
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("optin check: {e}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn check(args: &Args) -> Result<Tally, String> {
    // Every file first: a missing page must not leave half a report.
    let source = read(&args.config)?;
    let pages = args
        .pages
        .iter()
        .map(|p| read(p).map(|html| (p, html)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut tally = Tally::default();
    let line = |e: &ConfigError| {
        locate::line_of(&source, &e.path)
            .or_else(|| locate::line_of_syntax_error(&source, &e.message))
    };
    let config = match Config::parse(&source) {
        Ok(parsed) => {
            for warning in &parsed.warnings {
                let describe = warning.describe();
                tally.print(&args.config, line(warning), Severity::Warning, &describe);
            }
            Some(parsed.config)
        }
        Err(e) => {
            tally.print(&args.config, line(&e), Severity::Error, &e.describe());
            None
        }
    };
    if config.is_none() && !pages.is_empty() {
        eprintln!("optin check: the config is refused: pages are checked without its categories");
    }
    let ctx = Context {
        config: config.as_ref(),
        site_hosts: &args.site_host,
    };
    for (path, html) in &pages {
        for f in rules::check(&page::elements(html), &ctx) {
            tally.print(path, Some(f.line), f.severity, &f.message);
        }
    }
    Ok(tally)
}
