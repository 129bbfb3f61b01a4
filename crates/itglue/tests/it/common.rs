//! Helpers shared by the itglue tests.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use keyaudit_itglue::fake::FakeItGlue;
use keyaudit_itglue::{FetchConfig, TimeRange, UsageHeader};

pub const KEY: &str = "ITG.0123456789abcdef0123456789abcdef.K3y-s3cr3t";

/// A fixed "now" for a test: the current time in whole seconds.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

pub fn key() -> keyaudit_itglue::ApiKey {
    keyaudit_itglue::ApiKey::new(KEY, "test").unwrap()
}

/// Fast retries, short timeouts.
pub fn config(server: &FakeItGlue, window: TimeRange) -> FetchConfig {
    config_for(&server.base_url(), window)
}

pub fn config_for(base_url: &str, window: TimeRange) -> FetchConfig {
    let mut config = FetchConfig::new(base_url, window).unwrap();
    config.backoff_base = Duration::from_millis(5);
    config.backoff_max = Duration::from_millis(40);
    config.timeout = Duration::from_secs(5);
    config
}

/// The header and the event lines of a usage JSONL file, checking that lines
/// are sorted by created-at then numeric id.
pub fn read_usage(path: &Path) -> (UsageHeader, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: UsageHeader = serde_json::from_str(lines.next().unwrap()).unwrap();
    let mut ids = Vec::new();
    let mut previous: Option<(DateTime<Utc>, u64)> = None;
    for line in lines {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = value["id"].as_str().unwrap().to_owned();
        assert_eq!(value["type"], "logs");
        let at: DateTime<Utc> = value["attributes"]["created-at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let key = (at, id.parse::<u64>().unwrap());
        if let Some(p) = previous {
            assert!(p < key, "not sorted: {p:?} then {key:?}");
        }
        previous = Some(key);
        ids.push(id);
    }
    assert_eq!(header.events, ids.len() as u64);
    (header, ids)
}

/// Asserts that `ids` holds each of `expected` exactly once.
pub fn assert_each_once(ids: &[String], expected: impl IntoIterator<Item = String>) {
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for id in ids {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).take(5).collect();
    assert!(
        repeated.is_empty(),
        "ids delivered more than once: {repeated:?}"
    );
    let expected: Vec<String> = expected.into_iter().collect();
    let missing: Vec<_> = expected
        .iter()
        .filter(|id| !counts.contains_key(id.as_str()))
        .take(5)
        .collect();
    assert!(missing.is_empty(), "ids missing: {missing:?}");
    assert_eq!(ids.len(), expected.len());
}

/// The event times, in whole seconds, sorted.
pub fn seconds(events: &[keyaudit_itglue::fake::FakeEvent]) -> Vec<i64> {
    let mut secs: Vec<i64> = events.iter().map(|e| e.created_at().timestamp()).collect();
    secs.sort_unstable();
    secs
}

/// Checks from the server's log that no request was wasted: every request
/// that failed (status other than 200, or a fault) was retried once; no
/// (window, page) was answered twice; a window that fits in 5 pages got
/// exactly the pages its events need; a window too big got only the probe
/// (`probe_pages`: 1 when `total-count` is served, else 5) and was split.
pub fn assert_requests_needed(
    server: &FakeItGlue,
    report: &keyaudit_itglue::FetchReport,
    secs: &[i64],
    probe_pages: u32,
) {
    use std::collections::BTreeMap;
    let log = server.request_log();
    assert_eq!(report.requests, log.len() as u64);
    let failed = log
        .iter()
        .filter(|r| r.status != 200 || r.fault.is_some())
        .count() as u64;
    assert_eq!(failed, report.retries, "every failure retried once");
    let mut pages: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for request in log.iter().filter(|r| r.status == 200 && r.fault.is_none()) {
        let query = request.path_and_query.split_once('?').unwrap().1;
        let mut filter = None;
        let mut page = None;
        for part in query.split('&') {
            if let Some(v) = part.strip_prefix("filter[created_at]=") {
                filter = Some(v.to_owned());
            }
            if let Some(v) = part.strip_prefix("page[number]=") {
                page = Some(v.parse::<u32>().unwrap());
            }
        }
        pages
            .entry(filter.unwrap())
            .or_default()
            .push(page.unwrap());
    }
    let mut splits = 0;
    for (filter, mut numbers) in pages {
        numbers.sort_unstable();
        let n = numbers.len() as u32;
        assert_eq!(numbers, (1..=n).collect::<Vec<_>>(), "pages of {filter}");
        let (a, b) = filter.split_once(',').unwrap();
        let a = a.parse::<DateTime<Utc>>().unwrap().timestamp();
        let b = b.parse::<DateTime<Utc>>().unwrap().timestamp();
        assert!(b - a <= 7 * 86_400, "{filter}");
        let count = (secs.partition_point(|&t| t <= b) - secs.partition_point(|&t| t < a)) as u64;
        if count > 5000 && b > a {
            splits += 1;
            assert_eq!(n, probe_pages, "{filter} holds {count} events");
        } else {
            let needed = count.div_ceil(1000).clamp(1, 5) as u32;
            assert_eq!(n, needed, "{filter} holds {count} events");
        }
    }
    assert_eq!(splits, report.splits);
}
