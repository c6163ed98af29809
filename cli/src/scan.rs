//! `optin scan URL…`: crawls the site, visits each page before a choice, after reject-all and
//! after accept-all, and reports every cookie, storage key and third-party host with who it
//! belongs to (README "Scan your site"); `--config` compares with a config, `--draft-config`
//! writes one.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use optin_core::config::Config;

use crate::crawl::{self, CrawlArgs};
use crate::draft;
use crate::report::Report;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    crawl: CrawlArgs,
    /// Compare with this config: what it declares that no page sets, and the reverse.
    #[arg(long, value_name = "CONFIG.json")]
    config: Option<PathBuf>,
    /// The report's format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write a config drafted from what was found (categories, services, cookie table).
    #[arg(long, value_name = "FILE")]
    draft_config: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// Tables for a terminal.
    Text,
    /// Markdown tables.
    Md,
    Json,
}

pub fn run(args: &Args) -> ExitCode {
    match scan(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("optin scan: {e}");
            ExitCode::from(2)
        }
    }
}

fn scan(args: &Args) -> Result<(), String> {
    let config = args.config.as_deref().map(load_config).transpose()?;
    let crawl = crawl::crawl(&args.crawl).map_err(|e| e.to_string())?;
    let report = Report::new(&crawl, config.as_ref());
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        ),
        format => print!("{}", report.render(format == Format::Md)),
    }
    if let Some(path) = &args.draft_config {
        let own_key = config.as_ref().map_or("optin.consent", |c| &c.storage_key);
        std::fs::write(path, draft::draft(&report, own_key))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("optin scan: drafted config written to {}", path.display());
    }
    Ok(())
}

/// Reads and validates a config as the widget does.
pub fn load_config(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Config::parse(&text)
        .map(|parsed| parsed.config)
        .map_err(|e| format!("{}: {}", path.display(), e.describe()))
}
