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
    /// The config: a JSON file, or a page (.html) whose config is checked (data-config beside
    /// it, or its inline <script type="application/json" id="optin-config">) with the page.
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

/// The config's text as the widget gets it, and where its lines are.
struct Source {
    /// The JSON file, or the page of an inline config.
    file: PathBuf,
    text: String,
    /// Lines of `file` before the config's first (an inline config's page).
    offset: u64,
}

fn is_page(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

/// A page's config, found as the loader finds it: `data-config` on its script tag (a file beside
/// the page), else the inline `<script type="application/json" id="optin-config">`, else the
/// built-in config.
fn page_config(page: &Path, html: &str) -> Result<Source, String> {
    let read_page = page::read(html);
    let data_config = read_page
        .elements
        .iter()
        .filter(|e| e.name == "script")
        .find_map(|e| e.attr("data-config"));
    if let Some(url) = data_config {
        let lower = url.trim().to_ascii_lowercase();
        if lower.contains("://") || lower.starts_with('/') {
            return Err(format!(
                "{}: data-config=\"{url}\" is not a file beside the page: give the config file as CONFIG",
                page.display()
            ));
        }
        let relative = url.trim().split(['?', '#']).next().unwrap_or_default();
        let file = page.parent().unwrap_or(Path::new("")).join(relative);
        let text = read(&file)?;
        return Ok(Source {
            file,
            text,
            offset: 0,
        });
    }
    Ok(match read_page.inline_config {
        Some((line, text)) => Source {
            file: page.to_path_buf(),
            text,
            offset: line - 1,
        },
        None => {
            eprintln!(
                "optin check: {} has no config: the widget uses its built-in one",
                page.display()
            );
            Source {
                file: page.to_path_buf(),
                text: Config::BUILTIN_JSON.to_owned(),
                offset: 0,
            }
        }
    })
}

fn check(args: &Args) -> Result<Tally, String> {
    // Every file first: a missing page must not leave half a report.
    let mut pages = args
        .pages
        .iter()
        .map(|p| read(p).map(|html| (p.clone(), html)))
        .collect::<Result<Vec<_>, _>>()?;
    let source = if is_page(&args.config) {
        // A page given as CONFIG: its config, and the page itself is checked too.
        let html = read(&args.config)?;
        let source = page_config(&args.config, &html)?;
        if !args.pages.contains(&args.config) {
            pages.insert(0, (args.config.clone(), html));
        }
        source
    } else {
        Source {
            file: args.config.clone(),
            text: read(&args.config)?,
            offset: 0,
        }
    };
    let mut tally = Tally::default();
    let line = |e: &ConfigError| {
        locate::line_of(&source.text, &e.path)
            .or_else(|| locate::line_of_syntax_error(&source.text, &e.message))
            .map(|line| line + source.offset)
    };
    let config = match Config::parse(&source.text) {
        Ok(parsed) => {
            for warning in &parsed.warnings {
                let describe = warning.describe();
                tally.print(&source.file, line(warning), Severity::Warning, &describe);
            }
            Some(parsed.config)
        }
        Err(e) => {
            tally.print(&source.file, line(&e), Severity::Error, &e.describe());
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
        for f in rules::check(&page::read(html).elements, &ctx) {
            tally.print(path, Some(f.line), f.severity, &f.message);
        }
    }
    Ok(tally)
}
