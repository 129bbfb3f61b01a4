//! Usage evidence for an audit: activity-log files, or a fetch from the IT
//! Glue API, streamed through the policy's attribution.

use std::fs::File;
use std::io::{BufRead, BufReader};

use anyhow::{Context, Result};
use keyaudit_engine::{Attribution, UsageEvidence, ValidPolicy};
use keyaudit_ingest::{UsageOptions, parse_timezone, parse_usage_window, read_usage};
use keyaudit_model::Inventory;

use crate::cli::AuditArgs;
use crate::commands::fetch_usage;

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
    let mut sources: Vec<(String, Box<dyn BufRead>)> = Vec::new();
    for path in &args.usage {
        let file = File::open(path)
            .with_context(|| format!("cannot read usage file `{}`", path.display()))?;
        sources.push((path.display().to_string(), Box::new(BufReader::new(file))));
    }
    // The fetched file lives in a folder removed when this function returns.
    let fetched = if args.fetch_usage {
        let dir = tempfile::tempdir().context("cannot create a folder for the fetched logs")?;
        let path = dir.path().join("usage.jsonl");
        fetch_usage::fetch_to_file(&args.fetch, &path)?;
        let file = File::open(&path).context("cannot read the fetched logs")?;
        let name = match (&args.fetch.base_url, args.fetch.region) {
            (Some(url), _) => format!("itglue-api:{url}"),
            (None, Some(region)) => format!("itglue-api:{region:?}").to_lowercase(),
            (None, None) => "itglue-api".to_string(),
        };
        sources.push((name, Box::new(BufReader::new(file))));
        Some(dir)
    } else {
        None
    };
    let evidence = attribute(inventory, policy, sources, &options)?;
    drop(fetched);
    Ok(Some(evidence))
}

/// Streams each `(name, reader)` source through the policy's attribution.
pub fn attribute<R: BufRead>(
    inventory: &mut Inventory,
    policy: &ValidPolicy,
    sources: impl IntoIterator<Item = (String, R)>,
    options: &UsageOptions,
) -> Result<UsageEvidence> {
    let attribution = Attribution::new(inventory, policy);
    let mut tally = attribution.tally();
    let mut read_sources = Vec::new();
    for (name, reader) in sources {
        let read = read_usage(&name, reader, options, |event| {
            attribution.observe(&mut tally, event)
        })?;
        inventory.exposures.extend(read.exposures);
        read_sources.push(read.source);
    }
    Ok(UsageEvidence {
        sources: read_sources,
        tally,
    })
}
