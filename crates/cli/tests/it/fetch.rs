//! `keyaudit fetch-usage` against the in-process fake IT Glue server.

use std::fs;

use crate::support::{files_in, keyaudit};

use chrono::{TimeDelta, Utc};
use keyaudit_itglue::fake::{FakeConfig, FakeEvent, FakeItGlue, spread_events};
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
