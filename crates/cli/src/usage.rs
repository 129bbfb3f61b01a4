//! Usage evidence for an audit: activity-log files, or a fetch from the IT
//! Glue API, streamed through the policy's attribution.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use keyaudit_engine::{Attribution, UsageEvidence, ValidPolicy};
use keyaudit_ingest::{
    ParallelOptions, UsageOptions, parse_timezone, parse_usage_window, read_usage,
    read_usage_file_parallel,
};
use keyaudit_model::{AuditOptions, Inventory, TimeRange};

use crate::cli::FetchArgs;
use crate::commands::fetch_usage;
use crate::output::Output;

/// The usage read options recorded in a report, as the reader takes them.
pub fn read_options(options: &AuditOptions) -> Result<UsageOptions> {
    Ok(UsageOptions {
        timezone: parse_timezone(&options.timezone)?,
        window: options.usage_window.map(|w| (w.start, w.end)),
        allow_partial: options.allow_partial,
    })
}

/// The name a usage source fetched with `--fetch-usage` goes by in the report.
pub fn fetched_name(fetch: &FetchArgs) -> String {
    match (&fetch.base_url, fetch.region) {
        (Some(url), _) => format!("itglue-api:{url}"),
        (None, Some(region)) => format!("itglue-api:{region:?}").to_lowercase(),
        (None, None) => "itglue-api".to_string(),
    }
}

/// Reads the usage files, in order, then the activity logs fetched with
/// `fetch` (`--fetch-usage`), attributed for an audit as of `as_of` (a later
/// event is never a last use); `None` when there are none. Full keys found
/// in them are added to the inventory's exposures.
pub fn gather(
    files: &[PathBuf],
    fetch: Option<&FetchArgs>,
    options: &UsageOptions,
    inventory: &mut Inventory,
    policy: &ValidPolicy,
    as_of: DateTime<Utc>,
) -> Result<Option<UsageEvidence>> {
    if files.is_empty() && fetch.is_none() {
        return Ok(None);
    }
    let attribution = Attribution::new(inventory, policy).as_of(as_of);
    let mut evidence = UsageEvidence {
        sources: Vec::new(),
        tally: attribution.tally(),
    };
    let parallel = parallel_options();
    for path in files {
        // Opened first for the message naming the option.
        File::open(path).with_context(|| format!("cannot read usage file `{}`", path.display()))?;
        let (read, tally) = read_usage_file_parallel(path, options, &parallel, &attribution)?;
        evidence.tally.merge(tally);
        inventory.exposures.extend(read.exposures);
        evidence.sources.push(read.source);
    }
    if let Some(fetch) = fetch {
        // The fetched file lives in a folder removed at the end of this block.
        let dir = tempfile::tempdir().context("cannot create a folder for the fetched logs")?;
        let path = dir.path().join("usage.jsonl");
        fetch_usage::fetch_to_file(
            fetch,
            &path,
            &Output::prepare(Some(&path), [])?,
            options.allow_partial,
        )?;
        let file = File::open(&path).context("cannot read the fetched logs")?;
        attribute_into(
            &attribution,
            &mut evidence,
            inventory,
            [(fetched_name(fetch), BufReader::new(file))],
            options,
        )?;
    }
    Ok(Some(evidence))
}

/// The options of `--timezone`, `--usage-window` and `--allow-partial`, as a
/// report records them.
pub fn audit_options(
    timezone: &str,
    window: Option<&str>,
    allow_partial: bool,
) -> Result<AuditOptions> {
    Ok(AuditOptions {
        timezone: parse_timezone(timezone)?.name().to_string(),
        usage_window: window
            .map(parse_usage_window)
            .transpose()?
            .map(|(start, end)| TimeRange { start, end }),
        allow_partial,
    })
}

/// How files are read: on every core, or on `KEYAUDIT_THREADS` threads
/// (a whole number, at least 1).
pub fn parallel_options() -> ParallelOptions {
    let mut options = ParallelOptions::default();
    if let Some(threads) = std::env::var("KEYAUDIT_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n >= 1)
    {
        options.threads = threads;
    }
    options
}

/// Streams each `(name, reader)` source through the policy's attribution
/// as of `as_of`, sequentially (stdin-like sources and the embedded demo).
pub fn attribute<R: BufRead>(
    inventory: &mut Inventory,
    policy: &ValidPolicy,
    sources: impl IntoIterator<Item = (String, R)>,
    options: &UsageOptions,
    as_of: DateTime<Utc>,
) -> Result<UsageEvidence> {
    let attribution = Attribution::new(inventory, policy).as_of(as_of);
    let mut evidence = UsageEvidence {
        sources: Vec::new(),
        tally: attribution.tally(),
    };
    attribute_into(&attribution, &mut evidence, inventory, sources, options)?;
    Ok(evidence)
}

/// Streams sources into `evidence`.
fn attribute_into<R: BufRead>(
    attribution: &Attribution,
    evidence: &mut UsageEvidence,
    inventory: &mut Inventory,
    sources: impl IntoIterator<Item = (String, R)>,
    options: &UsageOptions,
) -> Result<()> {
    for (name, reader) in sources {
        let tally = &mut evidence.tally;
        let read = read_usage(&name, reader, options, |event| {
            attribution.observe(tally, event)
        })?;
        inventory.exposures.extend(read.exposures);
        evidence.sources.push(read.source);
    }
    Ok(())
}
