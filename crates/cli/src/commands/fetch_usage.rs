//! `keyaudit fetch-usage`: activity logs from the IT Glue API into a usage file.

use std::fs;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use keyaudit_itglue::{
    ApiKey, FetchConfig, FetchError, FetchReport, HeaderExposure, Progress, ProgressSnapshot,
    Region, TimeRange, write_usage_jsonl,
};

use crate::cli::{FetchArgs, FetchUsageArgs, RegionArg};
use crate::exit::Failure;
use crate::output::Output;

/// The environment variable holding the IT Glue API key.
pub const KEY_VARIABLE: &str = "ITGLUE_API_KEY";

/// Runs `keyaudit fetch-usage`.
pub fn run(args: FetchUsageArgs) -> Result<ExitCode> {
    let key_file = args.fetch.api_key_file.as_deref();
    let output = Output::prepare(
        Some(&args.output),
        key_file.map(|file| ("--api-key-file", file)),
    )?;
    let report = fetch_to_file(&args.fetch, &args.output, &output, false)?;
    eprintln!(
        "wrote {}: {} events ({} requests, {} retries)",
        args.output.display(),
        report.events,
        report.requests,
        report.retries
    );
    Ok(ExitCode::SUCCESS)
}

/// Fetches the window `args` names into `output` (prepared, named `path`).
/// An incomplete fetch still writes the file, marked incomplete, and fails
/// with an API failure (exit 3) saying where it stopped, unless
/// `allow_partial` (the audit's `--allow-partial`): it then only warns.
///
/// Nothing is written unless the fetch completes: a failure of the API, or
/// an interruption (SIGINT, SIGTERM), fails with an API failure (exit 3)
/// saying how far the fetch got; an output that cannot be written is an
/// output failure (exit 4).
pub fn fetch_to_file(
    args: &FetchArgs,
    path: &Path,
    output: &Output,
    allow_partial: bool,
) -> Result<FetchReport> {
    init_logging(args.verbose);
    let key = match &args.api_key_file {
        Some(file) => ApiKey::from_file(file)?,
        None => ApiKey::from_env(KEY_VARIABLE)?,
    };
    let config = config(args, Utc::now())?;
    let target = Target::prepare(output)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the HTTP client")?;
    let progress = Tracked::new(progress_bar());
    let outcome = runtime.block_on(async {
        tokio::select! {
            biased;
            signal = interrupted() => Err(signal),
            result = write_usage_jsonl(&key, &config, &progress, target.fetch_path()) => Ok(result),
        }
    });
    progress.finish();
    let so_far = progress.so_far();
    let (report, exposures) = match outcome {
        Err(signal) => {
            return Err(Failure::Api.mark(anyhow!(
                "interrupted ({signal}) after fetching {so_far}; no usage file was written"
            )));
        }
        // Writing the output (or its spool, next to it) failed: a full
        // disk, say. That is the output's fault, not the API's.
        Ok(Err(FetchError::Io { source, .. } | FetchError::Sink(source))) => {
            return Err(
                Failure::Output.mark(anyhow!("cannot write `{}`: {source}", path.display()))
            );
        }
        Ok(Err(err)) if err.is_usage_error() => return Err(err.into()),
        Ok(Err(err)) => {
            return Err(Failure::Api.mark(err).context(format!(
                "the fetch failed after fetching {so_far}; no usage file was written"
            )));
        }
        Ok(Ok(written)) => written,
    };
    target.finish(output)?;
    warn_exposures(&exposures, path);
    warn_anomalies(&report, path);
    if !report.complete {
        let windows: Vec<String> = report
            .incomplete_windows
            .iter()
            .map(ToString::to_string)
            .collect();
        let message = format!(
            "the fetch is incomplete: IT Glue claims more than 5000 events (5 pages) in the window {}, which cannot be split further, so the fetch stopped there; the {} events fetched until then are written to {}, marked incomplete",
            windows.join(", "),
            report.events,
            path.display(),
        );
        if allow_partial {
            eprintln!("warning: {message}; auditing them as partial evidence (--allow-partial)");
        } else {
            return Err(Failure::Api.mark(anyhow!(
                "{message} (an audit accepts it with --allow-partial)"
            )));
        }
    }
    Ok(report)
}

/// Says what the fetch dropped or withheld from what IT Glue answered.
fn warn_anomalies(report: &FetchReport, path: &Path) {
    if report.outside_window > 0 {
        eprintln!(
            "warning: IT Glue answered {} event(s) dated outside the window asked for (e.g. in the year 9999): dropped, not written to {}",
            report.outside_window,
            path.display()
        );
    }
    if report.conflicting > 0 {
        eprintln!(
            "warning: IT Glue answered {} log id(s) a second time with different content: each is written once, as first received",
            report.conflicting
        );
    }
    if report.withheld > 0 {
        eprintln!(
            "warning: {} fetched event(s) held part of the API key used for this fetch: those values are withheld from {}; the key has leaked into IT Glue's activity logs, so regenerate it",
            report.withheld,
            path.display()
        );
    }
}

/// Says which full API keys the fetched logs held (masked in the file,
/// listed in its header for the audit).
fn warn_exposures(exposures: &[HeaderExposure], path: &Path) {
    if exposures.is_empty() {
        return;
    }
    let mut fingerprints: Vec<&str> = exposures.iter().map(|e| e.fingerprint.as_str()).collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    eprintln!(
        "warning: the fetched activity logs hold {} full API key(s) ({}) in {} record(s): \
         masked in {}; an audit of it reports them as exposed-secret",
        fingerprints.len(),
        fingerprints.join(", "),
        exposures.len(),
        path.display()
    );
}

/// Where the fetch writes: the output file itself (replaced atomically by
/// the writer), or, for stdout, a device or a pipe (`/dev/stdout`), a file
/// in a temporary folder copied there once complete.
enum Target {
    File(PathBuf),
    Special(tempfile::TempDir, PathBuf),
}

impl Target {
    /// Where to fetch to for `output` (checked by [`Output::prepare`]).
    fn prepare(output: &Output) -> Result<Self> {
        if let Output::File(path) = output {
            return Ok(Target::File(path.clone()));
        }
        let dir = tempfile::tempdir()
            .map_err(|e| Failure::Output.mark(e))
            .context("cannot create a temporary folder for the fetched logs")?;
        let fetched = dir.path().join("usage.jsonl");
        Ok(Target::Special(dir, fetched))
    }

    /// The file the fetch writes to.
    fn fetch_path(&self) -> &Path {
        match self {
            Target::File(path) | Target::Special(_, path) => path,
        }
    }

    /// Copies a fetched file to a stdout, device or pipe output.
    fn finish(self, output: &Output) -> Result<()> {
        let Target::Special(_dir, fetched) = self else {
            return Ok(());
        };
        let mut file = fs::File::open(&fetched).context("cannot read the fetched logs")?;
        output.write(|out| io::copy(&mut file, out).map(drop))
    }
}

/// Resolves when the process is asked to stop: SIGINT (Ctrl-C), or SIGTERM
/// on Unix. Never resolves when the signals cannot be watched (the default
/// action then applies: nothing is left behind either, the spool being an
/// unnamed temporary file).
///
/// Once watched, these signals stay caught for the rest of the process;
/// what follows a fetch (an audit) is short and writes atomically.
async fn interrupted() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok();
        let term = async {
            match term.as_mut() {
                Some(term) => {
                    term.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            result = tokio::signal::ctrl_c() => match result {
                Ok(()) => "SIGINT",
                Err(_) => std::future::pending().await,
            },
            () = term => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            Err(_) => std::future::pending().await,
        }
    }
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
    config.max_time = Duration::from_secs(args.max_time);
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

/// Progress of a fetch: shown on the bar (on a terminal), and kept to say
/// how far a failed or interrupted fetch got. A wait IT Glue imposes (HTTP
/// 429) is shown on the bar, or said on stderr when it starts.
struct Tracked {
    bar: Option<ProgressBar>,
    last: Mutex<ProgressSnapshot>,
}

impl Tracked {
    fn new(bar: Option<ProgressBar>) -> Self {
        Self {
            bar,
            last: Mutex::new(ProgressSnapshot::default()),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// E.g. `1000 events (1 of 5 windows done)`: the events of the windows
    /// fetched whole.
    fn so_far(&self) -> String {
        let s = *self.last.lock().unwrap_or_else(|p| p.into_inner());
        format!(
            "{} event{} ({} of {} windows done)",
            s.events,
            if s.events == 1 { "" } else { "s" },
            s.windows_done,
            s.windows_total,
        )
    }
}

impl Progress for Tracked {
    fn update(&self, s: &ProgressSnapshot) {
        let was_waiting = std::mem::replace(
            &mut *self.last.lock().unwrap_or_else(|p| p.into_inner()),
            *s,
        )
        .waiting
        .is_some();
        let waiting = s.waiting.map(|d| {
            format!(
                "waiting {} s: IT Glue answered HTTP 429 (too many requests)",
                d.as_secs_f64().ceil()
            )
        });
        match (&self.bar, waiting) {
            (Some(bar), waiting) => bar.set_message(format!(
                "windows {}/{} · {} events · {} requests · {} retries{}",
                s.windows_done,
                s.windows_total,
                s.events,
                s.requests,
                s.retries,
                waiting.map(|w| format!(" · {w}")).unwrap_or_default()
            )),
            (None, Some(waiting)) if !was_waiting => {
                eprintln!("{waiting} ({} events fetched so far)", s.events);
            }
            (None, _) => {}
        }
    }
}
