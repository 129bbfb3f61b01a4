//! `fetch`: `fetch-usage`'s fetch (request, parse, write the JSONL) against
//! the in-process fake IT Glue server, with the rate limit lifted.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use chrono::{TimeDelta, Utc};
use keyaudit_itglue::fake::{FakeConfig, FakeItGlue, spread_events};
use keyaudit_itglue::{ApiKey, FetchConfig, NoProgress, TimeRange, write_usage_jsonl};

/// Fetches `events` events and returns the events per second.
pub fn run(events: u64) -> Result<f64> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // The fake server, as IT Glue, keeps the 30 days before the real now.
    let now = Utc::now();
    let window = TimeRange::last_days(30, now)?;
    let server = FakeItGlue::start(FakeConfig::new(
        "ITG.throughput",
        spread_events(
            1,
            events,
            window.start + TimeDelta::minutes(5),
            window.end - TimeDelta::seconds(1),
        ),
    ));
    let mut config = FetchConfig::new(&server.base_url(), window)?;
    config.max_requests_per_5min = u32::MAX;
    config.rate_window = Duration::from_secs(1);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("usage.jsonl");
    let key = ApiKey::new("ITG.throughput", "keyaudit-bench")?;
    let started = Instant::now();
    let (report, _) = runtime.block_on(write_usage_jsonl(&key, &config, &NoProgress, &path))?;
    let elapsed = started.elapsed();
    if report.events != events {
        bail!("fetched {} events of {events}", report.events);
    }
    let bytes = std::fs::metadata(&path)?.len();
    let rate = events as f64 / elapsed.as_secs_f64();
    println!(
        "== fetch: {events} events, {} requests, {:.1} MB written in {:.2} s: {rate:.0} events/s",
        report.requests,
        bytes as f64 / 1e6,
        elapsed.as_secs_f64()
    );
    Ok(rate)
}
