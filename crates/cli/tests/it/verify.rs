//! Input digests in the report, and `keyaudit verify`: untouched reports
//! verify; an edited report, a changed or missing input, another version's
//! report do not (exit 1, saying what); a file that is no report is exit 2.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::keyaudit;
use predicates::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
}

/// `sha256:<hex>` of a file, computed here, independently of keyaudit.
fn sha256_of(path: &Path) -> String {
    let hex: String = Sha256::digest(fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// A folder holding an inventory, a policy and a usage file, and the JSON
/// report audited from them there (`report.json`).
fn audited() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        fixture("inventory/keys-full.csv"),
        dir.path().join("keys.csv"),
    )
    .unwrap();
    fs::copy(
        fixture("policy/keyaudit.toml"),
        dir.path().join("keyaudit.toml"),
    )
    .unwrap();
    fs::copy(fixture("usage/fetch.jsonl"), dir.path().join("usage.jsonl")).unwrap();
    keyaudit()
        .current_dir(dir.path())
        .args([
            "audit",
            "--inventory",
            "keys.csv",
            "--policy",
            "keyaudit.toml",
        ])
        .args(["--usage", "usage.jsonl", "--as-of", "2026-11-26"])
        .args(["--output", "report.json", "--fail-on", "never", "--quiet"])
        .assert()
        .success();
    dir
}

fn report(dir: &Path) -> Value {
    serde_json::from_slice(&fs::read(dir.join("report.json")).unwrap()).unwrap()
}

fn verify(dir: &Path) -> assert_cmd::assert::Assert {
    keyaudit()
        .current_dir(dir)
        .args(["verify", "report.json"])
        .assert()
}

#[test]
fn every_input_records_the_sha256_and_length_of_its_bytes() {
    let dir = audited();
    let report = report(dir.path());
    let inputs = report["inputs"].as_array().unwrap();
    let kinds: Vec<&str> = inputs.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["inventory", "usage", "policy"]);
    for input in inputs {
        let path = dir.path().join(input["path"].as_str().unwrap());
        assert_eq!(input["sha256"], sha256_of(&path), "{input}");
        assert_eq!(
            input["bytes"],
            fs::metadata(&path).unwrap().len(),
            "{input}"
        );
        assert_eq!(input["origin"], "file");
    }
    assert_eq!(
        report["options"],
        serde_json::json!({"timezone": "UTC", "usage_window": null, "allow_partial": false})
    );
}

#[test]
fn an_untouched_report_verifies() {
    let dir = audited();
    verify(dir.path())
        .code(0)
        .stdout(predicate::str::contains("verified").and(predicate::str::contains("3 inputs")));
}

#[test]
fn a_report_verifies_from_another_folder_with_base() {
    let dir = audited();
    keyaudit()
        .arg("verify")
        .arg(dir.path().join("report.json"))
        .arg("--base")
        .arg(dir.path())
        .assert()
        .code(0);
}

#[test]
fn a_report_with_one_severity_edited_does_not_verify() {
    let dir = audited();
    let path = dir.path().join("report.json");
    let text = fs::read_to_string(&path).unwrap();
    let at = text.find("\"severity\": \"high\"").expect("a high finding");
    let index = report(dir.path())["findings"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["severity"] == "high")
        .unwrap();
    let edited = format!(
        "{}\"severity\": \"low\"{}",
        &text[..at],
        &text[at + "\"severity\": \"high\"".len()..]
    );
    fs::write(&path, edited).unwrap();
    verify(dir.path())
        .code(1)
        .stdout(predicate::str::contains(format!(
            "findings[{index}].severity: \"low\" in the report, \"high\" when re-made"
        )))
        .stdout(predicate::str::contains("edited"));
}

#[test]
fn a_line_appended_to_the_inventory_names_it_with_both_digests() {
    let dir = audited();
    let inventory = dir.path().join("keys.csv");
    let before = sha256_of(&inventory);
    let mut text = fs::read_to_string(&inventory).unwrap();
    text.push_str("Late addition,ITG.00000000000000000000000000000001.*****,false\n");
    fs::write(&inventory, text).unwrap();
    verify(dir.path())
        .code(1)
        .stdout(predicate::str::contains("inventory `keys.csv` changed"))
        .stdout(predicate::str::contains(before))
        .stdout(predicate::str::contains(sha256_of(&inventory)));
}

#[test]
fn a_missing_input_is_named() {
    let dir = audited();
    fs::remove_file(dir.path().join("usage.jsonl")).unwrap();
    verify(dir.path())
        .code(1)
        .stdout(predicate::str::contains("usage `usage.jsonl` is missing"));
}

#[test]
fn a_report_of_another_version_says_so() {
    let dir = audited();
    let path = dir.path().join("report.json");
    let text = fs::read_to_string(&path).unwrap().replacen(
        &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"version\": \"0.0.1\"",
        1,
    );
    fs::write(&path, text).unwrap();
    verify(dir.path())
        .code(1)
        .stdout(predicate::str::contains("made by keyaudit 0.0.1"))
        .stdout(predicate::str::contains("edited").not());
}

#[test]
fn a_json_file_that_is_no_report_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("report.json"), "{\"findings\": []}").unwrap();
    verify(dir.path())
        .code(2)
        .stderr(predicate::str::contains("not a keyaudit report"));
}

#[test]
fn the_demo_report_verifies_from_the_embedded_inputs() {
    let dir = tempfile::tempdir().unwrap();
    keyaudit()
        .current_dir(dir.path())
        .args(["audit", "--demo", "--output", "report.json"])
        .assert()
        .success();
    let report = report(dir.path());
    for input in report["inputs"].as_array().unwrap() {
        assert_eq!(input["origin"], "embedded", "{input}");
        let name = input["path"]
            .as_str()
            .unwrap()
            .strip_prefix("demo:")
            .unwrap();
        assert_eq!(
            input["sha256"],
            sha256_of(&fixture(&format!("demo/{name}")))
        );
    }
    verify(dir.path()).code(0);
}

#[test]
fn a_baseline_is_an_input_and_verifies() {
    let dir = audited();
    fs::rename(dir.path().join("report.json"), dir.path().join("old.json")).unwrap();
    keyaudit()
        .current_dir(dir.path())
        .args(["audit", "--inventory", "keys.csv", "--as-of", "2026-11-27"])
        .args([
            "--baseline",
            "old.json",
            "--output",
            "report.json",
            "--fail-on",
            "never",
            "-q",
        ])
        .assert()
        .success();
    let inputs = report(dir.path())["inputs"].clone();
    let baseline = inputs
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "baseline")
        .expect("the baseline is an input")
        .clone();
    assert_eq!(baseline["sha256"], sha256_of(&dir.path().join("old.json")));
    verify(dir.path()).code(0);
    fs::write(dir.path().join("old.json"), "{}").unwrap();
    verify(dir.path())
        .code(1)
        .stdout(predicate::str::contains("baseline `old.json` changed"));
}

#[test]
fn usage_fetched_during_the_audit_is_recorded_and_said_to_be_unverifiable() {
    use chrono::{TimeDelta, Utc};
    use keyaudit_itglue::fake::{FakeConfig, FakeItGlue, spread_events};
    const KEY: &str = "ITG.0123456789abcdef0123456789abcdef.Sup3rS3cretK3yValue";
    let now = Utc::now();
    let events = spread_events(1, 20, now - TimeDelta::days(9), now - TimeDelta::hours(1));
    let server = FakeItGlue::start(FakeConfig::new(KEY, events));
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        fixture("inventory/keys-full.csv"),
        dir.path().join("keys.csv"),
    )
    .unwrap();
    keyaudit()
        .current_dir(dir.path())
        .env("ITGLUE_API_KEY", KEY)
        .args(["audit", "--fetch-usage", "--base-url", &server.base_url()])
        .args([
            "--inventory",
            "keys.csv",
            "--output",
            "report.json",
            "--fail-on",
            "never",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning[fetched-usage-not-kept]"))
        .stderr(predicate::str::contains("fetch-usage --output"));
    let report = report(dir.path());
    let usage = &report["inputs"][1];
    assert_eq!(usage["kind"], "usage");
    assert_eq!(usage["origin"], "fetched");
    assert!(usage["sha256"].as_str().unwrap().starts_with("sha256:"));
    assert!(
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "fetched-usage-not-kept")
    );
    verify(dir.path())
        .code(1)
        .stdout(predicate::str::contains("was fetched from the IT Glue API"))
        .stdout(predicate::str::contains("--usage usage.jsonl"));
}

#[test]
fn an_input_changed_so_that_it_no_longer_reads_is_named() {
    let dir = audited();
    let usage = dir.path().join("usage.jsonl");
    fs::write(&usage, "not a usage file\u{0}").unwrap();
    verify(dir.path())
        .code(1)
        .stdout(predicate::str::contains("usage `usage.jsonl` changed"))
        .stdout(predicate::str::contains(sha256_of(&usage)));
}

/// A reader that closes the pipe before `verify` (or `check-policy`) prints
/// its line ends the output, not the process: no panic, the usual exit code.
#[test]
fn a_closed_pipe_ends_the_output_without_a_panic() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("demo.json");
    keyaudit()
        .args(["audit", "--demo", "--output", report.to_str().unwrap()])
        .assert()
        .success();
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo/keyaudit.toml");
    for args in [
        vec!["verify", report.to_str().unwrap()],
        vec!["check-policy", policy.to_str().unwrap()],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_keyaudit"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
