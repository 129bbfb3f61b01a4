//! End-to-end tests of the revocation forecast (`--view forecast`,
//! `--format ics`) and of `keyaudit suggest-bindings`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{files_in, keyaudit};

use serde_json::Value;

fn fixture(path: &str) -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path);
    path.to_str().unwrap().to_string()
}

fn stdout_of(args: &[&str]) -> String {
    let out = keyaudit().args(args).output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Audits the suggest fixture with `policy`, as JSON.
fn audit_json(policy: &str) -> Value {
    let inventory = fixture("suggest/inventory.csv");
    let usage = fixture("suggest/activity.jsonl");
    let out = stdout_of(&[
        "audit",
        "-q",
        "-i",
        &inventory,
        "-u",
        &usage,
        "-p",
        policy,
        "--as-of",
        "2026-11-26",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    serde_json::from_str(&out).unwrap()
}

fn activity(report: &Value, name: &str) -> u64 {
    let key = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("no key {name}"));
    key["activity"]["events"].as_u64().unwrap_or(0)
}

#[test]
fn the_json_forecast_counts_from_the_last_use_soonest_first() {
    let report: Value =
        serde_json::from_str(&stdout_of(&["audit", "--demo", "--format", "json"])).unwrap();
    let forecast = report["forecast"].as_array().unwrap();
    assert!(!forecast.is_empty());
    let keys = report["keys"].as_array().unwrap();
    let live = keys.iter().filter(|k| k["state"] != "revoked").count();
    assert_eq!(forecast.len(), live, "one entry per active or paused key");
    let mut previous = String::new();
    let mut undated = false;
    for entry in forecast {
        match entry["revoked_on"].as_str() {
            Some(day) => {
                assert!(!undated, "undated entries come last");
                assert!(day >= previous.as_str(), "soonest first");
                previous = day.to_string();
                if entry["basis"] == "last-use" {
                    let key = keys.iter().find(|k| k["id"] == entry["key"]["id"]).unwrap();
                    assert_eq!(entry["revoked_on"], key["revocation_date"]);
                }
            }
            None => {
                undated = true;
                assert_eq!(entry["basis"], "unknown");
                assert!(entry["warning_on"].is_null() && entry["days_left"].is_null());
            }
        }
    }
}

#[test]
fn the_forecast_view_renders_in_table_csv_markdown_and_html() {
    let table = stdout_of(&["audit", "--demo", "--view", "forecast", "--color", "never"]);
    assert!(table.contains("Revoked on") && table.contains("Warning on"));
    let csv = stdout_of(&["audit", "--demo", "--view", "forecast", "--format", "csv"]);
    assert!(csv.starts_with(
        "key_name,key_fingerprint,account,owner,state,last_used_at,basis,warning_on,revoked_on,days_left\n"
    ));
    let markdown = stdout_of(&[
        "audit", "--demo", "--view", "forecast", "--format", "markdown",
    ]);
    assert!(markdown.starts_with("# IT Glue API key revocation forecast"));
    let html = stdout_of(&["audit", "--demo", "--view", "forecast", "--format", "html"]);
    assert!(html.contains("<h1>Revocation forecast</h1>") && !html.contains("<script"));
    let report = stdout_of(&["audit", "--demo", "--format", "html"]);
    assert!(
        report.contains("id=\"chart-forecast-title\""),
        "the report has the timeline"
    );
}

#[test]
fn an_ics_output_is_chosen_by_its_extension_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("revocations.ics");
    let path = path.to_str().unwrap();
    for _ in 0..2 {
        keyaudit()
            .args(["audit", "--demo", "-q", "--output", path])
            .assert()
            .success();
    }
    assert_eq!(files_in(dir.path()), ["revocations.ics"]);
    let ics = fs::read_to_string(path).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert_eq!(
        ics,
        stdout_of(&["audit", "--demo", "-q", "--format", "ics"])
    );
    // Another as-of date: the same events (UIDs), a later stamp.
    let later = stdout_of(&[
        "audit",
        "--demo",
        "-q",
        "--format",
        "ics",
        "--as-of",
        "2026-12-16",
    ]);
    let uids = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("UID:"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(!uids(&ics).is_empty());
    assert_eq!(uids(&ics), uids(&later));
    assert!(later.contains("DTSTAMP:20261216T000000Z"));
}

#[test]
fn suggested_bindings_pass_check_policy_and_attribute_the_suggested_clusters() {
    let dir = tempfile::tempdir().unwrap();
    let policy = fixture("suggest/keyaudit.toml");
    let suggestions = dir.path().join("bindings.toml");
    keyaudit()
        .args([
            "suggest-bindings",
            "--inventory",
            &fixture("suggest/inventory.csv"),
            "--usage",
            &fixture("suggest/activity.jsonl"),
            "--policy",
            &policy,
            "--output",
            suggestions.to_str().unwrap(),
        ])
        .assert()
        .success();
    let text = fs::read_to_string(&suggestions).unwrap();

    // Right keys, none wrong; unmatched clusters listed with counts.
    for (key, agent) in [
        ("HaloPSA Integration", "HaloPSA-Connector/*"),
        ("Datto RMM - device sync - NOC", "DattoRMM-Agent/*"),
        ("Rewst automation", "rewst-worker/*"),
        // Its paused namesake is the same name to the policy: the binding
        // names the active key by its fingerprint.
        (
            "ITG.86e4d3cea27d26934b484e73cf575dca",
            "ConnectWiseManage-Sync/*",
        ),
        ("BrightGauge dashboards", "BrightGauge-Connector/*"),
        ("Vault export", "python-requests/*"),
    ] {
        let entry = format!("[[bind]]\nkey = \"{key}\"\nuser_agent = [\"{agent}\"]\n");
        assert!(text.contains(&entry), "missing {entry}\n{text}");
    }
    for (agent, count) in [("Zapier", 12), ("curl", 6), ("PowerShell", 5)] {
        assert!(
            text.contains(&format!("# {agent}: {count} event(s)")),
            "{text}"
        );
        assert!(
            text.contains(&format!("# user_agent = [\"{agent}/*\"]")),
            "{text}"
        );
    }
    assert_eq!(text.matches("# key = \"?\"").count(), 3);
    assert!(
        !text.contains("PowerShell password export"),
        "never by name alone"
    );

    // Valid alone and appended to the policy.
    keyaudit()
        .args(["check-policy", suggestions.to_str().unwrap()])
        .assert()
        .success();
    let combined = dir.path().join("keyaudit.toml");
    fs::write(
        &combined,
        format!("{}{text}", fs::read_to_string(&policy).unwrap()),
    )
    .unwrap();
    keyaudit()
        .args(["check-policy", combined.to_str().unwrap()])
        .assert()
        .success();

    // An audit with it attributes the suggested clusters, and nothing more
    // becomes ambiguous.
    let before = audit_json(&policy);
    let after = audit_json(combined.to_str().unwrap());
    assert_eq!(before["coverage"]["unattributed"], 155);
    assert_eq!(after["coverage"]["unattributed"], 12 + 6 + 5);
    assert_eq!(
        after["coverage"]["ambiguous"],
        before["coverage"]["ambiguous"]
    );
    for (key, gained) in [
        ("HaloPSA Integration", 52),
        ("Datto RMM - device sync - NOC", 25),
        ("Rewst automation", 18),
        ("ConnectWise Manage", 16),
        ("BrightGauge dashboards", 14),
        ("Vault export", 7),
        ("connectwise  manage", 0),
        ("PowerShell password export (J. Smith)", 0),
    ] {
        assert_eq!(
            activity(&after, key) - activity(&before, key),
            gained,
            "{key}"
        );
    }

    // Run again with the new policy: nothing left to propose.
    let again = stdout_of(&[
        "suggest-bindings",
        "-i",
        &fixture("suggest/inventory.csv"),
        "-u",
        &fixture("suggest/activity.jsonl"),
        "-p",
        combined.to_str().unwrap(),
    ]);
    assert!(
        again.contains("# 0 binding(s) proposed, 3 cluster(s) without a key"),
        "{again}"
    );
}

#[test]
fn suggest_bindings_never_overwrites_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("keyaudit.toml");
    fs::write(&policy, "[idle]\nwarn_after_days = 45\n").unwrap();
    let out = keyaudit()
        .args([
            "suggest-bindings",
            "-i",
            &fixture("suggest/inventory.csv"),
            "-u",
            &fixture("suggest/activity.jsonl"),
            "-p",
            policy.to_str().unwrap(),
            "-o",
            policy.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("would be overwritten"), "{stderr}");
    assert_eq!(
        fs::read_to_string(&policy).unwrap(),
        "[idle]\nwarn_after_days = 45\n"
    );
    assert_eq!(files_in(dir.path()), ["keyaudit.toml"]);
}

#[test]
fn suggest_bindings_reports_bad_usage_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let usage = dir.path().join("usage.jsonl");
    fs::write(&usage, "not json\n").unwrap();
    let out = keyaudit()
        .args([
            "suggest-bindings",
            "-i",
            &fixture("suggest/inventory.csv"),
            "-u",
            usage.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("usage.jsonl")
    );
}
