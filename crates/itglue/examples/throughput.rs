//! Measures how fast `write_usage_jsonl` fetches, parses and writes events
//! from the in-process fake IT Glue server with the rate limit lifted.
//!
//! `cargo run --release -p keyaudit-itglue --features fake-server --example throughput [EVENTS]`

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use keyaudit_itglue::fake::{FakeConfig, FakeItGlue, spread_events};
use keyaudit_itglue::{ApiKey, FetchConfig, NoProgress, TimeRange, write_usage_jsonl};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let events: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(200_000);
    let now = Utc::now();
    let window = TimeRange::last_days(30, now)?;
    let server = FakeItGlue::start(FakeConfig::new(
        "ITG.throughput",
        spread_events(1, events, window.start, window.end - TimeDelta::seconds(1)),
    ));
    let mut config = FetchConfig::new(&server.base_url(), window)?;
    config.max_requests_per_5min = u32::MAX;
    config.rate_window = Duration::from_secs(1);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("usage.jsonl");
    let key = ApiKey::new("ITG.throughput", "example")?;
    let started = Instant::now();
    let report = write_usage_jsonl(&key, &config, &NoProgress, &path).await?;
    let elapsed = started.elapsed();
    let bytes = std::fs::metadata(&path)?.len();
    assert_eq!(report.events, events);
    println!(
        "{} events, {} requests ({} splits), {:.1} MB in {:.2} s: {:.0} events/s",
        report.events,
        report.requests,
        report.splits,
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        report.events as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
