//! `keyaudit fetch-usage` against the in-process fake IT Glue server.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{files_in, keyaudit};

use chrono::{TimeDelta, Utc};
use keyaudit_itglue::fake::{FakeConfig, FakeEvent, FakeItGlue, Fault, spread_events};
use predicates::prelude::*;

const KEY: &str = "ITG.0123456789abcdef0123456789abcdef.Sup3rS3cretK3yValue";
const SECRET: &str = "Sup3rS3cretK3yValue";

fn server(events: u64) -> FakeItGlue {
    let now = Utc::now();
    let mut list = spread_events(
        1,
        events,
        now - TimeDelta::days(29),
        now - TimeDelta::hours(1),
    );
    list.push(
        FakeEvent::new("999999", now - TimeDelta::days(2))
            .attribute("user-agent", "HaloPSA/2.1")
            .attribute("resource-type", "Password"),
    );
    FakeItGlue::start(FakeConfig::new(KEY, list))
}

#[test]
fn fetches_every_event_into_a_usage_file() {
    let server = server(2500);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("usage.jsonl");
    keyaudit()
        .env("ITGLUE_API_KEY", KEY)
        .args([
            "fetch-usage",
            "--base-url",
            &server.base_url(),
            "--days",
            "30",
            "-o",
        ])
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("2501 events"));
    let text = fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["schema"], "keyaudit.usage/v1");
    assert_eq!(header["complete"], true);
    assert_eq!(header["events"], 2501);
    let mut ids: Vec<String> = lines
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((total, ids.len()), (2501, 2501));
    server.assert_rate_limit_respected();
}

#[test]
fn the_key_is_read_from_a_file_too() {
    let server = server(10);
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let out = dir.path().join("usage.jsonl");
    keyaudit()
        .args([
            "fetch-usage",
            "--base-url",
            &server.base_url(),
            "--api-key-file",
        ])
        .arg(&key_file)
        .arg("--output")
        .arg(&out)
        .assert()
        .code(0);
    assert!(out.exists());
}

#[test]
fn a_wrong_key_exits_3_without_a_file_or_the_key() {
    let server = server(10);
    let dir = tempfile::tempdir().unwrap();
    let wrong = "ITG.ffffffffffffffffffffffffffffffff.WrongS3cretValue99";
    let assert = keyaudit()
        .env("ITGLUE_API_KEY", wrong)
        .args(["fetch-usage", "--base-url", &server.base_url(), "-o"])
        .arg(dir.path().join("usage.jsonl"))
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("IT Glue rejected the API key (HTTP 401)"),
        "{stderr}"
    );
    assert!(!stderr.contains("WrongS3cretValue99"), "{stderr}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn a_dead_server_exits_3_without_a_file() {
    let url = {
        let server = server(0);
        server.base_url()
    };
    let dir = tempfile::tempdir().unwrap();
    keyaudit()
        .env("ITGLUE_API_KEY", KEY)
        .args([
            "fetch-usage",
            "--base-url",
            &url,
            "--retries",
            "1",
            "--timeout",
            "2",
            "-o",
        ])
        .arg(dir.path().join("usage.jsonl"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "could not get an answer from IT Glue",
        ));
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("usage.jsonl");
    keyaudit()
        .args(["fetch-usage", "--region", "eu", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ITGLUE_API_KEY"));
    keyaudit()
        .env("ITGLUE_API_KEY", KEY)
        .args(["fetch-usage", "--region", "eu", "--days", "45", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("30 days").and(predicate::str::contains("CSV")));
    keyaudit()
        .env("ITGLUE_API_KEY", KEY)
        .args(["fetch-usage", "--days", "5", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--region"));
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn the_key_never_appears_even_at_trace_level() {
    let server = server(50);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("usage.jsonl");
    let output = keyaudit()
        .env("ITGLUE_API_KEY", KEY)
        .env("RUST_LOG", "trace")
        .args(["fetch-usage", "-v", "--base-url", &server.base_url(), "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/logs"),
        "no request log at trace level: {stderr}"
    );
    for text in [
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr.into_owned(),
        fs::read_to_string(&out).unwrap(),
    ] {
        assert!(!text.contains(SECRET));
    }
}

#[test]
fn audit_fetches_then_attributes_without_leaking_the_key() {
    let server = server(300);
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("keys.csv");
    fs::write(
        &inventory,
        "Name,Key,Password Access,Created\n\
         HaloPSA,ITG.45df64a0dd9df8a7a79dc4382927a045.*****,yes,2025-01-01\n\
         Forgotten sync,ITG.0d1f9e2c3b4a5968778695a4b3c2d1e0.*****,no,2025-01-01\n",
    )
    .unwrap();
    let report = dir.path().join("report.json");
    let output = keyaudit()
        .env("ITGLUE_API_KEY", KEY)
        .env("RUST_LOG", "trace")
        .args([
            "audit",
            "--fetch-usage",
            "--base-url",
            &server.base_url(),
            "-i",
        ])
        .arg(&inventory)
        .arg("-o")
        .arg(&report)
        .args(["--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = fs::read_to_string(&report).unwrap();
    for out in [&output.stdout, &output.stderr] {
        assert!(!String::from_utf8_lossy(out).contains(SECRET));
    }
    assert!(!text.contains(SECRET));
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["coverage"]["events_seen"], 301);
    // The one HaloPSA event (a password read) is attributed by the default name binding.
    let halo = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "HaloPSA")
        .unwrap();
    assert_eq!(halo["activity"]["events"], 1);
    assert_eq!(halo["activity"]["password_events"], 1);
    assert_eq!(halo["last_used_source"], "activity-log");
    // Only temporary files of our own were made, and none is left.
    assert_eq!(files_in(dir.path()), ["keys.csv", "report.json"]);
}

#[test]
fn a_full_key_in_the_fetched_logs_is_masked_in_the_file_and_reported_by_the_audit() {
    const LEAKED_HEX: &str = "fedcba9876543210fedcba9876543210";
    const LEAKED_SECRET: &str = "L3akedInAUserAgent";
    let now = Utc::now();
    let mut list = spread_events(1, 200, now - TimeDelta::days(29), now - TimeDelta::hours(1));
    list.push(
        FakeEvent::new("999999", now - TimeDelta::days(2)).attribute(
            "user-agent",
            format!("curl/8 (debug: ITG.{LEAKED_HEX}.{LEAKED_SECRET})"),
        ),
    );
    let server = FakeItGlue::start(FakeConfig::new(KEY, list));
    let dir = tempfile::tempdir().unwrap();
    let usage = dir.path().join("usage.jsonl");
    let fetched = keyaudit()
        .env("ITGLUE_API_KEY", KEY)
        .args(["fetch-usage", "--base-url", &server.base_url(), "-o"])
        .arg(&usage)
        .output()
        .unwrap();
    assert_eq!(fetched.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&fetched.stderr);
    assert!(stderr.contains(&format!("ITG.{LEAKED_HEX}")), "{stderr}");
    let text = fs::read_to_string(&usage).unwrap();
    assert!(!text.contains(LEAKED_SECRET) && !stderr.contains(LEAKED_SECRET));
    let line = text.lines().position(|l| l.contains("999999")).unwrap() + 1;
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["exposures"][0]["line"], line);

    let inventory = dir.path().join("keys.csv");
    fs::write(
        &inventory,
        "Name,Key\nHaloPSA,ITG.45df64a0dd9df8a7a79dc4382927a045.*****\n",
    )
    .unwrap();
    let report = dir.path().join("report.json");
    keyaudit()
        .args(["audit", "-i"])
        .arg(&inventory)
        .arg("--usage")
        .arg(&usage)
        .args(["--fail-on", "never", "-o"])
        .arg(&report)
        .assert()
        .code(0);
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    let exposure = &report["exposures"][0];
    assert_eq!(exposure["fingerprint"], format!("ITG.{LEAKED_HEX}"));
    assert_eq!(exposure["location"]["row"], line);
    assert_eq!(exposure["location"]["column"], "user-agent");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "exposed-secret")
    );
}

// Hostile or broken servers: each case ends with its documented exit code,
// within seconds, and leaves no file where it failed.

/// Runs `fetch-usage` with `args` against `server`, the key in the
/// environment, into `dir/usage.jsonl`; gives up after 60 s.
fn fetch(server: &FakeItGlue, dir: &Path, args: &[&str]) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let output = keyaudit()
        .env("ITGLUE_API_KEY", KEY)
        .args(["fetch-usage", "--base-url", &server.base_url()])
        .args(args)
        .arg("-o")
        .arg(dir.join("usage.jsonl"))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code(), stderr, started.elapsed())
}

/// A `/logs` page holding `records`, with `meta`.
fn page(records: &[serde_json::Value], meta: &str) -> Fault {
    let data: Vec<String> = records.iter().map(ToString::to_string).collect();
    Fault::Reply {
        status: 200,
        content_type: "application/vnd.api+json".into(),
        body: format!("{{\"data\":[{}],\"meta\":{meta}}}", data.join(",")),
    }
}

fn record(id: &str, at: chrono::DateTime<Utc>, user_agent: &str) -> serde_json::Value {
    serde_json::json!({"id": id, "type": "logs", "attributes": {
        "created-at": at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "action": "show", "resource-type": "Password", "user-agent": user_agent,
    }})
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("usage.jsonl");
    for url in ["http://api.itglue.com", "http://192.0.2.10:8080"] {
        keyaudit()
            .env("ITGLUE_API_KEY", KEY)
            .args(["fetch-usage", "--base-url", url, "--timeout", "1", "-o"])
            .arg(&out)
            .timeout(Duration::from_secs(20))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("https is required"));
    }
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn a_body_larger_than_a_page_can_be_ends_the_fetch_with_exit_3() {
    let server = server(10);
    server.set_periodic_faults(
        1,
        vec![Fault::Reply {
            status: 200,
            content_type: "application/vnd.api+json".into(),
            body: " ".repeat(9 << 20),
        }],
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, _) = fetch(&server, dir.path(), &["--days", "2"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("larger than the limit of 8 MiB"),
        "{stderr}"
    );
    assert_eq!(server.requests(), 1, "not retried");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn an_endless_body_ends_the_fetch_with_exit_3_in_bounded_time() {
    let server = server(10);
    server.set_periodic_faults(1, vec![Fault::EndlessBody]);
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, elapsed) = fetch(&server, dir.path(), &["--days", "2"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("larger than the limit of 8 MiB"),
        "{stderr}"
    );
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn a_next_page_that_is_not_a_later_page_number_is_malformed() {
    let now = Utc::now();
    for next in ["false", "\"no\"", "1", "true"] {
        let server = server(0);
        let one = record("1", now - TimeDelta::hours(3), "HaloPSA/2.1");
        server.set_periodic_faults(
            1,
            vec![page(
                &[one],
                &format!("{{\"current-page\":1,\"next-page\":{next}}}"),
            )],
        );
        let dir = tempfile::tempdir().unwrap();
        let (code, stderr, _) = fetch(&server, dir.path(), &["--days", "2"]);
        assert_eq!(code, Some(3), "{next}: {stderr}");
        assert!(stderr.contains("meta.next-page of page 1 is"), "{stderr}");
        // Retried once, then given up.
        assert_eq!(server.requests(), 2, "{next}");
        assert!(files_in(dir.path()).is_empty());
    }
}

#[test]
fn a_server_that_always_claims_a_next_page_ends_the_fetch_at_once() {
    let now = Utc::now();
    let events = spread_events(1, 20, now - TimeDelta::days(29), now - TimeDelta::hours(1));
    let server = FakeItGlue::start(FakeConfig {
        endless_pages: true,
        ..FakeConfig::new(KEY, events)
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, elapsed) = fetch(&server, dir.path(), &["--days", "30"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("which cannot be split further, so the fetch stopped there"),
        "{stderr}"
    );
    // The window is named: one second, `START..END`.
    let window = stderr
        .split("in the window ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap();
    let (start, end) = window.split_once("..").unwrap();
    assert_eq!(start, end, "{stderr}");
    // Down the first path of halves (about 20 levels of 5 pages, 4 windows
    // at a time), not the whole month (millions of requests).
    assert!(server.requests() < 1000, "{} requests", server.requests());
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
    let text = fs::read_to_string(dir.path().join("usage.jsonl")).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["complete"], false);
}

#[test]
fn retry_after_beyond_the_rate_limit_window_ends_the_fetch_at_once() {
    let server = server(10);
    server.set_periodic_faults(
        1,
        vec![Fault::TooManyRequests {
            retry_after: Some("97200".into()),
        }],
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, elapsed) = fetch(&server, dir.path(), &["--days", "2"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("IT Glue asked to wait 27 h"), "{stderr}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert_eq!(server.requests(), 1);
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn retry_after_zero_still_backs_off_and_retries_are_honoured() {
    let server = server(10);
    server.set_periodic_faults(
        1,
        vec![Fault::TooManyRequests {
            retry_after: Some("0".into()),
        }],
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, elapsed) = fetch(&server, dir.path(), &["--days", "2", "--retries", "2"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("kept answering HTTP 429"), "{stderr}");
    assert_eq!(server.requests(), 3, "one request and --retries 2");
    // Backoff from 1 s, doubling, with jitter down to half: at least 1.5 s.
    assert!(elapsed >= Duration::from_millis(1500), "{elapsed:?}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn a_wait_asked_for_is_shown_and_the_time_limit_is_kept() {
    let server = server(10);
    server.push_faults([Fault::TooManyRequests {
        retry_after: Some("2".into()),
    }]);
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, _) = fetch(&server, dir.path(), &["--days", "2"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("waiting 2 s: IT Glue answered HTTP 429 (too many requests)"),
        "{stderr}"
    );

    server.set_periodic_faults(
        1,
        vec![Fault::TooManyRequests {
            retry_after: Some("30".into()),
        }],
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, elapsed) = fetch(&server, dir.path(), &["--days", "2", "--max-time", "10"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("did not finish within its time limit of 10 s"),
        "{stderr}"
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn events_outside_the_window_are_dropped_with_one_warning() {
    let now = Utc::now();
    let server = server(0);
    let far = "9999-12-31T23:59:59Z".parse().unwrap();
    server.set_periodic_faults(
        1,
        vec![page(
            &[
                record("1", now - TimeDelta::hours(3), "HaloPSA/2.1"),
                record("2", far, "HaloPSA/2.1"),
                record("3", far, "Rewst/1.0"),
            ],
            "{\"current-page\":1,\"next-page\":null}",
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, _) = fetch(&server, dir.path(), &["--days", "2"]);
    assert_eq!(code, Some(0), "{stderr}");
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("outside")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].contains("2 event(s) dated outside"), "{stderr}");
    let text = fs::read_to_string(dir.path().join("usage.jsonl")).unwrap();
    assert!(!text.contains("9999"), "{text}");
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn a_log_id_seen_twice_with_different_content_is_written_once_with_a_warning() {
    let now = Utc::now();
    let server = server(0);
    server.set_periodic_faults(
        1,
        vec![page(
            &[
                record("7", now - TimeDelta::hours(5), "HaloPSA/2.1"),
                record("8", now - TimeDelta::hours(4), "HaloPSA/2.1"),
                record("7", now - TimeDelta::hours(3), "Rewst/1.0"),
            ],
            "{\"current-page\":1,\"next-page\":null}",
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, _) = fetch(&server, dir.path(), &["--days", "2"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("1 log id(s) a second time with different content"),
        "{stderr}"
    );
    let text = fs::read_to_string(dir.path().join("usage.jsonl")).unwrap();
    let ids: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids, ["\"7\"", "\"8\""]);
    assert!(
        !text.contains("Rewst"),
        "the first content received is kept"
    );
}

#[test]
fn audit_fetch_usage_allow_partial_audits_an_incomplete_fetch() {
    let now = Utc::now();
    let mut events = spread_events(1, 5, now - TimeDelta::days(3), now - TimeDelta::hours(1));
    events.push(
        FakeEvent::new("999999", now - TimeDelta::hours(2)).attribute("user-agent", "HaloPSA/2.1"),
    );
    let server = FakeItGlue::start(FakeConfig {
        endless_pages: true,
        ..FakeConfig::new(KEY, events)
    });
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("keys.csv");
    fs::write(
        &inventory,
        "Name,Key\nHaloPSA,ITG.45df64a0dd9df8a7a79dc4382927a045.*****\n",
    )
    .unwrap();
    let audit = |partial: bool| {
        let mut cmd = keyaudit();
        cmd.env("ITGLUE_API_KEY", KEY)
            .args(["audit", "--fetch-usage", "--days", "4"])
            .args(["--base-url", &server.base_url(), "--fail-on", "never"])
            .args(["--format", "json", "-i"])
            .arg(&inventory)
            .timeout(Duration::from_secs(60));
        if partial {
            cmd.arg("--allow-partial");
        }
        cmd.output().unwrap()
    };
    let refused = audit(false);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("--allow-partial"), "{stderr}");
    assert!(refused.stdout.is_empty());

    let partial = audit(true);
    let stderr = String::from_utf8_lossy(&partial.stderr);
    assert_eq!(partial.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("partial evidence"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&partial.stdout).unwrap();
    assert_eq!(report["coverage"]["usage_window"]["complete"], false);
}

#[test]
fn the_key_file_is_read_to_its_first_line_only() {
    let server = server(10);
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    fs::write(
        &key_file,
        format!("{KEY}\nrotated 2026-11-01 by J. Smith\n"),
    )
    .unwrap();
    let out = dir.path().join("usage.jsonl");
    keyaudit()
        .args([
            "fetch-usage",
            "--days",
            "2",
            "--base-url",
            &server.base_url(),
        ])
        .arg("--api-key-file")
        .arg(&key_file)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    assert!(out.exists());
}

#[cfg(unix)]
#[test]
fn an_endless_key_file_is_refused_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    keyaudit()
        .args([
            "fetch-usage",
            "--region",
            "eu",
            "--api-key-file",
            "/dev/zero",
            "-o",
        ])
        .arg(dir.path().join("usage.jsonl"))
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("longer than 4096 bytes"));
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn an_event_after_the_as_of_in_any_usage_file_is_never_a_last_use() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("keys.csv");
    fs::write(
        &inventory,
        "Name,Key,Created\nHaloPSA,ITG.45df64a0dd9df8a7a79dc4382927a045.*****,2026-01-01\n",
    )
    .unwrap();
    let usage = dir.path().join("usage.jsonl");
    fs::write(
        &usage,
        "{\"schema\":\"keyaudit.usage/v1\",\"source\":\"itglue-api\",\"base_url\":\"https://api.itglue.com\",\"window\":{\"start\":\"2026-08-01T00:00:00Z\",\"end\":\"2026-11-01T00:00:00Z\"},\"complete\":true,\"events\":2}\n\
         {\"id\":\"1\",\"type\":\"logs\",\"attributes\":{\"created-at\":\"2026-08-10T10:00:00.000Z\",\"user-agent\":\"HaloPSA/2.1\"}}\n\
         {\"id\":\"2\",\"type\":\"logs\",\"attributes\":{\"created-at\":\"9999-12-31T23:59:59.000Z\",\"user-agent\":\"HaloPSA/2.1\"}}\n",
    )
    .unwrap();
    let output = keyaudit()
        .args([
            "audit",
            "--as-of",
            "2026-11-01",
            "--format",
            "json",
            "--fail-on",
            "never",
            "-i",
        ])
        .arg(&inventory)
        .arg("-u")
        .arg(&usage)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let key = &report["keys"][0];
    assert_eq!(key["last_used_at"], "2026-08-10T10:00:00Z", "{key}");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "idle-key"),
        "{report}"
    );
}
