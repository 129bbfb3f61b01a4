//! Fetch scenarios against the in-process fake IT Glue server: in each, every
//! event id arrives exactly once, or the fetch fails and leaves no file.

use std::time::{Duration, Instant};

use crate::common::{
    KEY, assert_each_once, assert_requests_needed, config, config_for, key, now, read_usage,
    seconds,
};
use chrono::TimeDelta;
use keyaudit_itglue::fake::{FakeConfig, FakeEvent, FakeItGlue, Fault, RateLimit, spread_events};
use keyaudit_itglue::{
    FetchError, FetchReport, HeaderExposure, NoProgress, ProgressSnapshot, TimeRange, fetch_logs,
    write_usage_jsonl,
};

fn ids(events: &[FakeEvent]) -> Vec<String> {
    events.iter().map(|e| e.id().to_owned()).collect()
}

async fn fetch_to_file(
    server: &FakeItGlue,
    config: &keyaudit_itglue::FetchConfig,
) -> (
    Result<FetchReport, FetchError>,
    tempfile::TempDir,
    std::path::PathBuf,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.jsonl");
    let result = write_usage_jsonl(&key(), config, &NoProgress, &path)
        .await
        .map(|(report, _)| report);
    let _ = server;
    (result, dir, path)
}

fn assert_no_file_left(dir: &tempfile::TempDir) {
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

#[tokio::test]
async fn a_dense_week_is_split_until_every_part_fits() {
    let now = now();
    let window = TimeRange::last_days(7, now).unwrap();
    let events = spread_events(
        1,
        12_000,
        window.start + TimeDelta::hours(1),
        window.end - TimeDelta::hours(1),
    );
    let expected = ids(&events);
    let secs = seconds(&events);
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, events)
    });
    let (report, _dir, path) = fetch_to_file(&server, &config(&server, window)).await;
    let report = report.unwrap();
    let (header, got) = read_usage(&path);
    assert_each_once(&got, expected);
    assert_requests_needed(&server, &report, &secs, 1);
    assert!(header.complete && report.complete);
    assert_eq!(header.schema, "keyaudit.usage/v1");
    assert_eq!(header.source, "itglue-api");
    assert_eq!(header.base_url, server.base_url());
    // 1 probe of the week, 2 of its halves, then 4 quarters of 3 or 4 pages
    // (about 3,000 events each, boundary seconds counted twice); then the
    // week's last second (a window spans 7 days less one second).
    assert_eq!(report.splits, 3);
    assert!((16..=20).contains(&report.requests), "{report:?}");
    assert_eq!(report.retries, 0);
    // No request ever asked for page 6 or more than 7 days.
    for request in server.request_log() {
        assert_eq!(request.status, 200, "{request:?}");
    }
}

#[tokio::test]
async fn events_on_window_boundaries_arrive_once() {
    let now = now();
    let window = TimeRange::last_days(20, now).unwrap();
    let s = window.start;
    // Windows span 7 days less one second, sharing boundary seconds.
    let week = TimeDelta::days(7) - TimeDelta::seconds(1);
    let mut events = Vec::new();
    let mut id = 1u64;
    let mut add = |at, n: u64, events: &mut Vec<FakeEvent>| {
        // Ties at one second, with ids in descending order.
        for i in (0..n).rev() {
            events.push(FakeEvent::new((id + i).to_string(), at));
        }
        id += n;
    };
    for at in [
        s,
        s + week - TimeDelta::seconds(1),
        s + week,
        s + week + TimeDelta::seconds(1),
        s + week * 2,
        window.end,
    ] {
        add(at, 3, &mut events);
    }
    // The last window [s+14d, end] is dense: it is split at its midpoint.
    let last = s + week * 2;
    let mid = last + TimeDelta::seconds((window.end - last).num_seconds() / 2);
    add(mid, 4, &mut events);
    let dense = spread_events(10_000, 6_000, last, window.end);
    events.extend(dense);
    let expected = ids(&events);
    let secs = seconds(&events);
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, events)
    });
    let (report, _dir, path) = fetch_to_file(&server, &config(&server, window)).await;
    let report = report.unwrap();
    let (_, got) = read_usage(&path);
    assert_each_once(&got, expected);
    assert_requests_needed(&server, &report, &secs, 1);
    assert!(report.splits >= 1);
    assert!(report.duplicates >= 6, "{report:?}");
}

#[tokio::test]
async fn a_storm_of_429_is_waited_out() {
    let now = now();
    let window = TimeRange::last_days(7, now).unwrap();
    let events = spread_events(1, 12_000, window.start, window.end);
    let expected = ids(&events);
    let secs = seconds(&events);
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, events)
    });
    let storm = [
        vec![Fault::TooManyRequests { retry_after: None }; 20],
        vec![Fault::TooManyRequests {
            retry_after: Some("1".into()),
        }],
        vec![Fault::TooManyRequests { retry_after: None }; 5],
    ]
    .concat();
    server.push_faults(storm);
    let mut config = config(&server, window);
    config.retries = 40;
    let started = Instant::now();
    let (report, _dir, path) = fetch_to_file(&server, &config).await;
    let report = report.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was not waited for"
    );
    let (_, got) = read_usage(&path);
    assert_each_once(&got, expected);
    assert_requests_needed(&server, &report, &secs, 1);
    assert_eq!(report.rate_limited, 26);
    assert_eq!(report.retries, 26);
}

#[tokio::test]
async fn endless_429_fails_with_no_file() {
    let now = now();
    let window = TimeRange::last_days(2, now).unwrap();
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, spread_events(1, 10, window.start, window.end))
    });
    server.set_periodic_faults(1, vec![Fault::TooManyRequests { retry_after: None }]);
    let mut config = config(&server, window);
    config.retries = 3;
    let (result, dir, _) = fetch_to_file(&server, &config).await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, FetchError::RateLimited { attempts: 4, .. }),
        "{error}"
    );
    assert_eq!(server.requests(), 4);
    assert_no_file_left(&dir);
}

#[tokio::test]
async fn server_errors_timeouts_and_bad_bodies_are_retried() {
    let now = now();
    let window = TimeRange::last_days(7, now).unwrap();
    let events = spread_events(1, 12_000, window.start, window.end);
    let expected = ids(&events);
    let secs = seconds(&events);
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, events)
    });
    // One page meets them all: 5 transient failures (the default retries)
    // and two bad bodies, not in a row.
    server.push_faults([
        Fault::Truncated,
        Fault::Status(500),
        Fault::Slow(Duration::from_millis(1500)),
        Fault::NotJson,
        Fault::Status(502),
        Fault::Status(503),
        Fault::Status(504),
    ]);
    let mut config = config(&server, window);
    config.timeout = Duration::from_millis(500);
    config.concurrency = 1;
    let (report, _dir, path) = fetch_to_file(&server, &config).await;
    let report = report.unwrap();
    let (_, got) = read_usage(&path);
    assert_each_once(&got, expected);
    assert_requests_needed(&server, &report, &secs, 1);
    assert_eq!(report.retries, 7);
}

#[tokio::test]
async fn the_rate_limit_is_never_exceeded() {
    let now = now();
    let window = TimeRange::last_days(30, now).unwrap();
    let events = spread_events(1, 30_000, window.start, window.end);
    let expected = ids(&events);
    let secs = seconds(&events);
    let limit = RateLimit {
        max: 10,
        window: Duration::from_millis(500),
    };
    let server = FakeItGlue::start(FakeConfig {
        now,
        rate_limit: Some(limit),
        ..FakeConfig::new(KEY, events)
    });
    let mut config = config(&server, window);
    config.max_requests_per_5min = 10;
    config.rate_window = limit.window;
    let (report, _dir, path) = fetch_to_file(&server, &config).await;
    let report = report.unwrap();
    let (_, got) = read_usage(&path);
    assert_each_once(&got, expected);
    assert_requests_needed(&server, &report, &secs, 1);
    server.assert_rate_limit_respected();
    assert_eq!(report.rate_limited, 0);
    assert!(report.requests > 30, "{report:?}");
}

#[tokio::test]
async fn a_month_with_dense_days_and_random_faults() {
    let now = now();
    let window = TimeRange::last_days(30, now).unwrap();
    let mut events = spread_events(1, 20_000, window.start, window.end);
    // Two dense days: 9,000 events each.
    let day = TimeDelta::days(1);
    events.extend(spread_events(
        100_000,
        9_000,
        window.start + day * 3,
        window.start + day * 4,
    ));
    events.extend(spread_events(200_000, 9_000, window.end - day, window.end));
    let expected = ids(&events);
    let secs = seconds(&events);
    let limit = RateLimit {
        max: 40,
        window: Duration::from_millis(500),
    };
    let server = FakeItGlue::start(FakeConfig {
        now,
        rate_limit: Some(limit),
        ..FakeConfig::new(KEY, events)
    });
    server.set_periodic_faults(
        5,
        vec![
            Fault::TooManyRequests { retry_after: None },
            Fault::Status(500),
            Fault::TooManyRequests {
                retry_after: Some("0".into()),
            },
            Fault::Status(503),
        ],
    );
    let mut config = config(&server, window);
    config.max_requests_per_5min = 40;
    config.rate_window = limit.window;
    let (report, _dir, path) = fetch_to_file(&server, &config).await;
    let report = report.unwrap();
    let (header, got) = read_usage(&path);
    assert_each_once(&got, expected);
    assert_requests_needed(&server, &report, &secs, 1);
    assert!(header.complete);
    server.assert_rate_limit_respected();
    assert!(report.retries >= report.requests / 5 - 1, "{report:?}");
}

#[tokio::test]
async fn a_dead_server_fails_after_retries_with_no_file() {
    let window = TimeRange::last_days(3, now()).unwrap();
    let base_url = {
        let server = FakeItGlue::start(FakeConfig::new(KEY, Vec::new()));
        server.base_url()
    };
    let mut config = config_for(&base_url, window);
    config.retries = 2;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.jsonl");
    std::fs::write(&path, "previous run\n").unwrap();
    let error = write_usage_jsonl(&key(), &config, &NoProgress, &path)
        .await
        .unwrap_err();
    assert!(
        matches!(error, FetchError::Network { attempts: 3, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&base_url) && message.contains("3 attempt"),
        "{message}"
    );
    assert!(!error.is_usage_error());
    // The earlier file is untouched and nothing else is left.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "previous run\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn a_wrong_key_stops_at_once() {
    let now = now();
    let window = TimeRange::last_days(30, now).unwrap();
    for status in [401, 403] {
        let server = FakeItGlue::start(FakeConfig {
            now,
            reject_status: status,
            ..FakeConfig::new(
                "ITG.the-right-key",
                spread_events(1, 100, window.start, window.end),
            )
        });
        let (result, dir, _) = fetch_to_file(&server, &config(&server, window)).await;
        let error = result.unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("IT Glue rejected the API key (HTTP {status})")),
            "{message}"
        );
        assert!(!message.contains(KEY));
        // Only the windows already in flight asked, once each.
        assert!(server.requests() <= 4, "{}", server.requests());
        assert_no_file_left(&dir);
    }
}

#[tokio::test]
async fn a_body_that_stays_wrong_fails_naming_the_url_and_summing_the_answer_up() {
    let now = now();
    let window = TimeRange::last_days(2, now).unwrap();
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, spread_events(1, 10, window.start, window.end))
    });
    server.push_faults([Fault::NotJson, Fault::EchoKey]);
    let (result, dir, _) = fetch_to_file(&server, &config(&server, window)).await;
    let error = result.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, FetchError::BadBody { .. }), "{message}");
    assert!(
        message.contains(&format!("{}/logs?filter[created_at]=", server.base_url())),
        "{message}"
    );
    // The body is summed up, never quoted.
    assert!(
        message.contains("the answer: HTTP 200, 84 bytes, content type \"text/plain\""),
        "{message}"
    );
    assert!(!message.contains("debug: received key"), "{message}");
    assert!(!message.contains(KEY), "{message}");
    assert_eq!(server.requests(), 2);
    assert_no_file_left(&dir);
}

#[tokio::test]
async fn persistent_server_errors_fail_after_the_retries() {
    let now = now();
    let window = TimeRange::last_days(2, now).unwrap();
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, Vec::new())
    });
    server.set_periodic_faults(1, vec![Fault::Status(502)]);
    let mut config = config(&server, window);
    config.retries = 3;
    let (result, dir, _) = fetch_to_file(&server, &config).await;
    let error = result.unwrap_err();
    assert!(
        matches!(
            error,
            FetchError::Http {
                status: 502,
                attempts: 4,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("Injected failure"), "{error}");
    assert_eq!(server.requests(), 4);
    assert_no_file_left(&dir);
}

#[tokio::test]
async fn a_second_holding_too_many_events_makes_the_fetch_incomplete() {
    let now = now();
    let window = TimeRange::last_days(1, now).unwrap();
    let crowded = window.start + TimeDelta::hours(5);
    let mut events: Vec<FakeEvent> = (1..=5_500)
        .map(|i| FakeEvent::new(i.to_string(), crowded))
        .collect();
    events.extend(spread_events(10_000, 100, window.start, window.end));
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, events)
    });
    let (report, _dir, path) = fetch_to_file(&server, &config(&server, window)).await;
    let report = report.unwrap();
    assert!(!report.complete);
    assert_eq!(
        report.incomplete_windows,
        vec![TimeRange {
            start: crowded,
            end: crowded
        }]
    );
    let (header, got) = read_usage(&path);
    assert!(!header.complete);
    let unique: std::collections::HashSet<_> = got.iter().collect();
    assert_eq!(unique.len(), got.len());
    assert_eq!(got.len(), 5_000 + 100);
}

#[tokio::test]
async fn without_total_count_a_full_fifth_page_means_split() {
    let now = now();
    let window = TimeRange::last_days(7, now).unwrap();
    let events = spread_events(1, 12_000, window.start, window.end);
    let expected = ids(&events);
    let secs = seconds(&events);
    let server = FakeItGlue::start(FakeConfig {
        now,
        omit_total_count: true,
        ..FakeConfig::new(KEY, events)
    });
    let (report, _dir, path) = fetch_to_file(&server, &config(&server, window)).await;
    let report = report.unwrap();
    let (_, got) = read_usage(&path);
    assert_each_once(&got, expected);
    assert_requests_needed(&server, &report, &secs, 5);
    // 5 pages to learn the week is too big, 5 for each half, 3 for each quarter.
    assert_eq!(report.splits, 3);
}

#[tokio::test]
async fn progress_is_reported_and_batches_are_sorted() {
    let now = now();
    let window = TimeRange::last_days(10, now).unwrap();
    let events = spread_events(1, 3_000, window.start, window.end);
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, events)
    });
    let last = std::sync::Mutex::new(ProgressSnapshot::default());
    let progress = |s: &ProgressSnapshot| *last.lock().unwrap() = *s;
    let mut batches = Vec::new();
    let report = fetch_logs(&key(), &config(&server, window), &progress, |batch| {
        batches.push(batch);
        Ok(())
    })
    .await
    .unwrap();
    let last = *last.lock().unwrap();
    assert_eq!(last.windows_done, 2);
    assert_eq!(last.windows_total, 2);
    assert_eq!(last.events, 3_000);
    assert_eq!(last.requests, report.requests);
    assert_eq!(batches.len(), 2);
    for batch in &batches {
        assert!(
            batch
                .logs
                .windows(2)
                .all(|w| w[0].created_at() <= w[1].created_at())
        );
        assert!(batch.logs.iter().all(|l| l.created_at() >= batch.window.start
            && l.created_at() <= batch.window.end));
    }
}

#[tokio::test]
async fn a_failing_sink_stops_the_fetch() {
    let now = now();
    let window = TimeRange::last_days(2, now).unwrap();
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, spread_events(1, 10, window.start, window.end))
    });
    let error = fetch_logs(&key(), &config(&server, window), &NoProgress, |_| {
        Err(std::io::Error::other("disk full"))
    })
    .await
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot store the fetched events: disk full"
    );
}

#[tokio::test]
async fn the_fake_server_enforces_the_documented_rules() {
    let now = now();
    let window = TimeRange::last_days(7, now).unwrap();
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, spread_events(1, 2_500, window.start, window.end))
    });
    let http = reqwest::Client::new();
    let base = server.base_url();
    let get = |query: String, key: Option<&'static str>| {
        let mut request = http.get(format!("{base}/logs?{query}"));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            (status, body)
        }
    };
    let range = |a: chrono::DateTime<chrono::Utc>, b: chrono::DateTime<chrono::Utc>| {
        format!(
            "filter[created_at]={},{}",
            a.format("%Y-%m-%dT%H:%M:%SZ"),
            b.format("%Y-%m-%dT%H:%M:%SZ")
        )
    };
    let week = range(window.start, window.end);

    let (status, body) = get(
        format!("{week}&sort=created_at&page[size]=1000&page[number]=3"),
        Some(KEY),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"].as_array().unwrap().len(), 500);
    assert_eq!(
        body["meta"],
        serde_json::json!({"current-page":3,"next-page":null,"prev-page":2,"total-pages":3,"total-count":2500})
    );
    let (status, body) = get(format!("{week}&page[size]=1000&page[number]=6"), Some(KEY)).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("page[number]")
    );
    let (status, _) = get(format!("{week}&page[size]=1001"), Some(KEY)).await;
    assert_eq!(status, 422);
    let eight_days = range(window.start - TimeDelta::days(1), window.end);
    let (status, _) = get(eight_days, Some(KEY)).await;
    assert_eq!(status, 422);
    let (status, _) = get(week.clone(), None).await;
    assert_eq!(status, 401);
    let (status, _) = get(week.clone(), Some("ITG.wrong")).await;
    assert_eq!(status, 401);
    let (status, _) = get(format!("{week}&sort=name"), Some(KEY)).await;
    assert_eq!(status, 400);
    // Inclusive on both ends, whole seconds; descending sort.
    let first = window.start;
    let (status, body) = get(
        format!("{}&sort=-created_at", range(first, first)),
        Some(KEY),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"][0]["id"], "1");
    server.push_faults([Fault::TooManyRequests {
        retry_after: Some("7".into()),
    }]);
    let response = http
        .get(format!("{base}/logs"))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(server.request_log().len(), 9);
}

#[tokio::test]
async fn full_keys_in_records_are_masked_and_listed_in_the_header() {
    const LEAKED: &str = "ITG.fedcba9876543210fedcba9876543210.L3aked-s3cret";
    const MASKED: &str = "ITG.fedcba9876543210fedcba9876543210.*****";
    let now = now();
    // Three windows: the key is in the second one's last record.
    let window = TimeRange::last_days(20, now).unwrap();
    let mut events = spread_events(1, 300, window.start, window.end);
    let leaked = events
        .iter()
        .position(|e| e.created_at() > window.start + TimeDelta::days(13))
        .unwrap()
        - 1;
    events[leaked] = events[leaked]
        .clone()
        .attribute("user-agent", format!("curl/8 (token {LEAKED})"));
    let leaked_id = events[leaked].id().to_owned();
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, events)
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.jsonl");
    let (report, exposures) =
        write_usage_jsonl(&key(), &config(&server, window), &NoProgress, &path)
            .await
            .unwrap();
    assert_eq!(report.events, 300);

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("L3aked-s3cret"), "the secret was written");
    let (header, ids) = read_usage(&path);
    assert_eq!(header.exposures, exposures);
    let line = ids.iter().position(|id| *id == leaked_id).unwrap() as u64 + 2;
    assert_eq!(
        exposures,
        [HeaderExposure {
            fingerprint: keyaudit_model::KeyFingerprint::parse(
                "ITG.fedcba9876543210fedcba9876543210"
            )
            .unwrap(),
            line,
            field: Some("user-agent".into()),
        }]
    );
    let record = text.lines().nth(line as usize - 1).unwrap();
    assert!(
        record.contains(&leaked_id) && record.contains(MASKED),
        "{record}"
    );
}

/// A `/logs` page holding `records`, as a fault every request meets.
fn page(records: &[serde_json::Value]) -> Fault {
    let data: Vec<String> = records.iter().map(ToString::to_string).collect();
    Fault::Reply {
        status: 200,
        content_type: "application/vnd.api+json".into(),
        body: format!(
            "{{\"data\":[{}],\"meta\":{{\"current-page\":1,\"next-page\":null}}}}",
            data.join(",")
        ),
    }
}

fn record(id: &str, at: &str, user_agent: &str) -> serde_json::Value {
    serde_json::json!({"id": id, "type": "logs",
        "attributes": {"created-at": at, "user-agent": user_agent}})
}

#[tokio::test]
async fn a_body_past_the_limit_stops_the_fetch_at_once() {
    let now = now();
    let window = TimeRange::last_days(2, now).unwrap();
    for fault in [
        Fault::EndlessBody,
        Fault::Reply {
            status: 500,
            content_type: "text/plain".into(),
            body: "x".repeat(5000),
        },
    ] {
        let server = FakeItGlue::start(FakeConfig {
            now,
            ..FakeConfig::new(KEY, Vec::new())
        });
        server.set_periodic_faults(1, vec![fault]);
        let mut config = config(&server, window);
        config.max_body_bytes = 4096;
        let started = Instant::now();
        let (result, dir, _) = fetch_to_file(&server, &config).await;
        let error = result.unwrap_err();
        assert!(matches!(error, FetchError::BodyTooLarge { .. }), "{error}");
        assert!(error.to_string().contains("limit of 4 KiB"), "{error}");
        assert!(!error.is_usage_error());
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(server.requests(), 1);
        assert_no_file_left(&dir);
    }
}

#[tokio::test]
async fn waits_are_bounded_by_the_retry_after_limit_and_the_time_limit() {
    let now = now();
    let window = TimeRange::last_days(2, now).unwrap();
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, spread_events(1, 10, window.start, window.end))
    });
    server.set_periodic_faults(
        1,
        vec![Fault::TooManyRequests {
            retry_after: Some("301".into()),
        }],
    );
    let (result, dir, _) = fetch_to_file(&server, &config(&server, window)).await;
    let error = result.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("IT Glue asked to wait 5 min before the next request"),
        "{error}"
    );
    assert_no_file_left(&dir);

    server.set_periodic_faults(
        1,
        vec![Fault::TooManyRequests {
            retry_after: Some("2".into()),
        }],
    );
    let mut config = config(&server, window);
    config.max_time = Duration::from_secs(1);
    let started = Instant::now();
    let (result, dir, _) = fetch_to_file(&server, &config).await;
    let error = result.unwrap_err();
    assert!(matches!(error, FetchError::OutOfTime { .. }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_no_file_left(&dir);

    // A slow server: the fetch ends at the time limit, not after it.
    server.set_periodic_faults(1, vec![Fault::Slow(Duration::from_secs(3))]);
    let started = Instant::now();
    let (result, _dir, _) = fetch_to_file(&server, &config).await;
    assert!(matches!(result, Err(FetchError::OutOfTime { .. })));
    assert!(started.elapsed() < Duration::from_millis(1500));
}

#[tokio::test]
async fn odd_records_are_dropped_deduplicated_unescaped_or_withheld() {
    let now = now();
    let window = TimeRange::last_days(2, now).unwrap();
    let at = (now - TimeDelta::hours(3))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let later = (now - TimeDelta::hours(2))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, Vec::new())
    });
    let Fault::Reply { body, .. } = page(&[
        record("1", &at, "HaloPSA/2.1 \u{2014} ok"),
        record("2", "9999-12-31T23:59:59Z", "HaloPSA/2.1"),
        record("3", "1999-01-01T00:00:00Z", "HaloPSA/2.1"),
        record("1", &later, "Rewst/1.0"),
        record("4", &at, "curl k3Y-S3CR3T"),
        record("5", &later, "a/b"),
    ]) else {
        unreachable!()
    };
    // Needless escapes, as some servers write them.
    let body = body.replace("a/b", "a\\/b").replace("k3Y", "k\\u0033Y");
    server.set_periodic_faults(
        1,
        vec![Fault::Reply {
            status: 200,
            content_type: "application/vnd.api+json".into(),
            body,
        }],
    );
    let (report, _dir, path) = fetch_to_file(&server, &config(&server, window)).await;
    let report = report.unwrap();
    assert_eq!(report.outside_window, 2);
    assert_eq!((report.duplicates, report.conflicting), (1, 1));
    assert_eq!(report.withheld, 1);
    assert_eq!(report.events, 3);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert!(lines[0].contains("HaloPSA/2.1 \u{2014} ok"), "{text}");
    assert!(
        lines[1].contains(
            "\"user-agent\":\"[withheld: it holds part of the API key used for this fetch]\""
        ),
        "{text}"
    );
    assert!(lines[2].contains("\"user-agent\":\"a/b\""), "{text}");
    assert!(!text.to_lowercase().contains("k3y-s3cr3t"), "{text}");
}
