//! Usage evidence for an audit: activity-log files, or a fetch from the IT
//! Glue API, streamed through the policy's attribution.

use std::fs::File;
use std::io::{BufRead, BufReader};

use anyhow::{Context, Result};
use keyaudit_engine::{Attribution, UsageEvidence, ValidPolicy};
use keyaudit_ingest::{
    ParallelOptions, UsageOptions, parse_timezone, parse_usage_window, read_usage,
    read_usage_file_parallel,
};
use keyaudit_model::Inventory;

use crate::cli::AuditArgs;
use crate::commands::fetch_usage;
use crate::output::Output;

/// Reads every usage source `args` names (files, and a fetch with
/// `--fetch-usage`); `None` when there are none. Full keys found in them are
/// added to the inventory's exposures.
pub fn gather(
    args: &AuditArgs,
    inventory: &mut Inventory,
    policy: &ValidPolicy,
) -> Result<Option<UsageEvidence>> {
    if args.usage.is_empty() && !args.fetch_usage {
        return Ok(None);
    }
    let options = UsageOptions {
        timezone: parse_timezone(&args.timezone)?,
        window: args
            .usage_window
            .as_deref()
            .map(parse_usage_window)
            .transpose()?,
        allow_partial: args.allow_partial,
    };
    let attribution = Attribution::new(inventory, policy);
    let mut evidence = UsageEvidence {
        sources: Vec::new(),
        tally: attribution.tally(),
    };
    let parallel = parallel_options();
    for path in &args.usage {
        // Opened first for the message; the parallel read opens it per thread.
        File::open(path).with_context(|| format!("cannot read usage file `{}`", path.display()))?;
        let (read, tally) = read_usage_file_parallel(
            path,
            &options,
            &parallel,
            || attribution.tally(),
            |tally, event| attribution.observe(tally, event),
            |total, part| attribution.merge(total, part),
        )?;
        evidence.tally.merge(tally);
        inventory.exposures.extend(read.exposures);
        evidence.sources.push(read.source);
    }
    if args.fetch_usage {
        // The fetched file lives in a folder removed at the end of this block.
        let dir = tempfile::tempdir().context("cannot create a folder for the fetched logs")?;
        let path = dir.path().join("usage.jsonl");
        fetch_usage::fetch_to_file(&args.fetch, &path, &Output::prepare(Some(&path), [])?)?;
        let file = File::open(&path).context("cannot read the fetched logs")?;
        let name = match (&args.fetch.base_url, args.fetch.region) {
            (Some(url), _) => format!("itglue-api:{url}"),
            (None, Some(region)) => format!("itglue-api:{region:?}").to_lowercase(),
            (None, None) => "itglue-api".to_string(),
        };
        attribute_into(
            &attribution,
            &mut evidence,
            inventory,
            [(name, BufReader::new(file))],
            &options,
        )?;
    }
    Ok(Some(evidence))
}

/// How files are read: on every core, or on `KEYAUDIT_THREADS` threads
/// (a whole number, at least 1).
fn parallel_options() -> ParallelOptions {
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

/// Streams each `(name, reader)` source through the policy's attribution,
/// sequentially (stdin-like sources and the embedded demo).
pub fn attribute<R: BufRead>(
    inventory: &mut Inventory,
    policy: &ValidPolicy,
    sources: impl IntoIterator<Item = (String, R)>,
    options: &UsageOptions,
) -> Result<UsageEvidence> {
    let attribution = Attribution::new(inventory, policy);
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
