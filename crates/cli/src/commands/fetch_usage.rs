//! `keyaudit fetch-usage`: activity logs from the IT Glue API into a usage file.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use keyaudit_itglue::{
    ApiKey, FetchConfig, FetchReport, NoProgress, Progress, ProgressSnapshot, Region, TimeRange,
    write_usage_jsonl,
};

use crate::cli::{FetchArgs, FetchUsageArgs, RegionArg};
use crate::exit::ApiFailure;

/// The environment variable holding the IT Glue API key.
pub const KEY_VARIABLE: &str = "ITGLUE_API_KEY";

/// Runs `keyaudit fetch-usage`.
pub fn run(args: FetchUsageArgs) -> Result<ExitCode> {
    let report = fetch_to_file(&args.fetch, &args.output)?;
    eprintln!(
        "wrote {}: {} events ({} requests, {} retries)",
        args.output.display(),
        report.events,
        report.requests,
        report.retries
    );
    Ok(ExitCode::SUCCESS)
}

/// Fetches the window `args` names into `path` (atomically). An incomplete
/// fetch still writes the file, marked incomplete, and fails with an
/// [`ApiFailure`] saying which windows are missing events.
pub fn fetch_to_file(args: &FetchArgs, path: &Path) -> Result<FetchReport> {
    init_logging(args.verbose);
    let key = match &args.api_key_file {
        Some(file) => ApiKey::from_file(file)?,
        None => ApiKey::from_env(KEY_VARIABLE)?,
    };
    let config = config(args, Utc::now())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the HTTP client")?;
    let bar = progress_bar();
    let report = match &bar {
        Some(bar) => {
            let progress = BarProgress(bar.clone());
            runtime.block_on(write_usage_jsonl(&key, &config, &progress, path))
        }
        None => runtime.block_on(write_usage_jsonl(&key, &config, &NoProgress, path)),
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = report?;
    if !report.complete {
        let windows: Vec<String> = report
            .incomplete_windows
            .iter()
            .map(|w| format!("{}..{}", w.start.to_rfc3339(), w.end.to_rfc3339()))
            .collect();
        return Err(ApiFailure(format!(
            "the fetch is incomplete: {} events written to {}, but more than 5000 events share one second in {}; the file is marked incomplete (audit it with --allow-partial)",
            report.events,
            path.display(),
            windows.join(", ")
        ))
        .into());
    }
    Ok(report)
}

fn config(args: &FetchArgs, now: DateTime<Utc>) -> Result<FetchConfig> {
    let base_url = match (&args.base_url, args.region) {
        (Some(url), _) => url.clone(),
        (None, Some(region)) => region_of(region).base_url().to_string(),
        (None, None) => bail!(
            "say where to fetch from: --region us|eu|au (the account's data centre) or --base-url URL"
        ),
    };
    let window = match (&args.since, args.days) {
        (Some(since), _) => {
            let since = parse_time(since, "--since", false)?;
            let until = match &args.until {
                Some(until) => parse_time(until, "--until", true)?,
                None => now,
            };
            TimeRange::between(since, until, now)?
        }
        (None, days) => TimeRange::last_days(days.unwrap_or(30), now)?,
    };
    let mut config = FetchConfig::new(&base_url, window)?;
    config.concurrency = args.concurrency;
    config.max_requests_per_5min = args.max_requests_per_5min;
    config.retries = args.retries;
    config.timeout = Duration::from_secs(args.timeout);
    config.validate()?;
    Ok(config)
}

fn region_of(region: RegionArg) -> Region {
    match region {
        RegionArg::Us => Region::Us,
        RegionArg::Eu => Region::Eu,
        RegionArg::Au => Region::Au,
    }
}

/// A date (`YYYY-MM-DD`, UTC: its start, or its end for `--until`) or an
/// RFC 3339 time.
fn parse_time(text: &str, flag: &str, end_of_day: bool) -> Result<DateTime<Utc>> {
    if let Ok(date) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let start = date.and_time(chrono::NaiveTime::MIN).and_utc();
        return Ok(if end_of_day {
            start + TimeDelta::days(1) - TimeDelta::seconds(1)
        } else {
            start
        });
    }
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            anyhow::anyhow!(
                "invalid {flag} `{text}`: expected a date like 2026-11-01 or an RFC 3339 time like 2026-11-01T00:00:00Z"
            )
        })
}

/// Sends `tracing` output to stderr: request logs with `-v`, else warnings
/// only; `RUST_LOG` overrides both.
fn init_logging(verbose: bool) {
    let default = if verbose {
        "warn,keyaudit_itglue=debug"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

fn progress_bar() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}

struct BarProgress(ProgressBar);

impl Progress for BarProgress {
    fn update(&self, s: &ProgressSnapshot) {
        self.0.set_message(format!(
            "windows {}/{} · {} events · {} requests · {} retries",
            s.windows_done, s.windows_total, s.events, s.requests, s.retries
        ));
    }
}
