//! End-to-end tests of the `keyaudit` binary.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

/// The secret part of the full key planted in the demo inventory.
const DEMO_SECRET: &str = "Tq7ZmX2pLw9RvK4sNb8YcH3d";

fn keyaudit() -> Command {
    let mut cmd = Command::cargo_bin("keyaudit").unwrap();
    cmd.env_remove("NO_COLOR").env_remove("RUST_LOG");
    cmd
}

fn stdout_of(args: &[&str]) -> String {
    let out = keyaudit().args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn demo_json() -> Value {
    serde_json::from_str(&stdout_of(&["audit", "--demo", "--format", "json"])).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn demo_raises_every_rule_of_the_foundation() {
    let report = demo_json();
    let mut rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    rules.sort();
    rules.dedup();
    assert_eq!(
        rules,
        [
            "duplicate-name",
            "exposed-secret",
            "generic-name",
            "idle-key",
            "never-used",
            "no-usage-evidence",
            "password-access",
            "unnamed-key"
        ]
    );
    assert_eq!(report["schema"], "keyaudit.report/v1");
    assert_eq!(report["as_of"], "2026-11-16T00:00:00Z");
}

#[test]
fn demo_exits_1_at_the_default_threshold_and_follows_fail_on() {
    keyaudit().args(["audit", "--demo"]).assert().code(1);
    keyaudit()
        .args(["audit", "--demo", "--fail-on", "never"])
        .assert()
        .code(0);
    keyaudit()
        .args(["audit", "--demo", "--fail-on", "critical"])
        .assert()
        .code(1);
}

#[test]
fn a_clean_inventory_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(
        dir.path(),
        "keys.csv",
        "Name,Key,Password Access,Created,Last Used\n\
         HaloPSA Integration,ITG.45df64a0dd9df8a7a79dc4382927a045.*****,no,2026-01-05,2026-11-20\n",
    );
    keyaudit()
        .args(["audit", "--inventory", &inv, "--as-of", "2026-11-26"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No findings"));
}

#[test]
fn every_format_is_byte_identical_across_runs() {
    for args in [
        &["audit", "--demo", "--format", "json"][..],
        &["audit", "--demo", "--format", "csv"],
        &["audit", "--demo", "--format", "csv", "--view", "keys"],
        &["audit", "--demo", "--format", "table"],
        &["audit", "--demo", "--format", "table", "--view", "keys"],
    ] {
        assert_eq!(stdout_of(args), stdout_of(args), "{args:?}");
    }
}

#[test]
fn the_demo_secret_never_appears_in_any_output() {
    for args in [
        &["audit", "--demo", "--format", "json"][..],
        &["audit", "--demo", "--format", "csv"],
        &["audit", "--demo", "--format", "csv", "--view", "keys"],
        &["audit", "--demo", "--format", "table", "--color", "always"],
        &["audit", "--demo", "--view", "keys"],
    ] {
        let out = keyaudit().args(args).output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(DEMO_SECRET), "{args:?} leaked the secret");
    }
    let report = demo_json();
    let exposed: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "exposed-secret")
        .collect();
    assert_eq!(exposed.len(), 1);
    assert_eq!(exposed[0]["severity"], "critical");
    assert_eq!(exposed[0]["key"]["name"], "Rewst automation");
}

#[test]
fn no_csv_cell_can_start_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(
        dir.path(),
        "keys.csv",
        "Name,Password Access,Last Used,Owner\n\
         \"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",yes,2026-01-01,@admin\n\
         +cmd,no,never,-owner\n",
    );
    for view in ["findings", "keys"] {
        let out = stdout_of(&[
            "audit", "--inventory", &inv, "--as-of", "2026-11-26", "--format", "csv", "--view",
            view,
        ]);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(out.as_bytes());
        let mut cells = 0;
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                cells += 1;
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{view}: formula cell {cell:?}"
                );
            }
        }
        assert!(cells > 20, "{view}: {out}");
    }
}

#[test]
fn the_settings_page_paste_is_read_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(
        dir.path(),
        "paste.tsv",
        "Name\tKey\tPassword Access\tActions\n\
         HaloPSA Integration\tITG.45df64a0dd9df8a7a79dc4382927a045.*****\t<input type=\"checkbox\"/>\tRevoke\n\
         Vault export\tITG.0d1f9e2c3b4a5968778695a4b3c2d1e0.*****\t<input checked=\"\" type=\"checkbox\"/>\tRevoke\n\
         \tITG.aaaabbbbccccddddeeeeffff00001111.*****\t<input type=\"checkbox\"/>\tRevoke\n\
         Enter Name\t\t<input type=\"checkbox\"/>\tGenerate API Key\n",
    );
    let out = stdout_of(&["audit", "--inventory", &inv, "--as-of", "2026-11-26", "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["keys"].as_array().unwrap().len(), 3);
    let findings: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["key"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |rule: &str, sev: &str, name: &str| {
        findings
            .iter()
            .any(|(r, s, n)| r == rule && s == sev && n == name)
    };
    assert!(has("password-access", "high", "Vault export"), "{findings:?}");
    assert!(has("unnamed-key", "high", ""), "{findings:?}");
    assert!(has("no-usage-evidence", "info", "HaloPSA Integration"), "{findings:?}");
    assert!(!findings.iter().any(|(_, _, n)| n == "Enter Name"));
}

#[test]
fn bad_inventory_exits_2_with_the_place_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(
        dir.path(),
        "keys.csv",
        "Name,Password Access\nHaloPSA,yes\nDatto,maybe\n",
    );
    let out = dir.path().join("report.json");
    let assert = keyaudit()
        .args(["audit", "--inventory", &inv, "--output", out.to_str().unwrap()])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("keys.csv:3"), "{stderr}");
    assert!(stderr.contains("maybe"), "{stderr}");
    assert_eq!(dir_entries(dir.path()), ["keys.csv"]);
}

#[test]
fn missing_inventory_file_exits_2() {
    keyaudit()
        .args(["audit", "--inventory", "/nonexistent/keys.csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/keys.csv"));
}

#[test]
fn bad_policy_reports_every_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "keys.csv", "Name\nHaloPSA Integration\n");
    let policy = write(
        dir.path(),
        "keyaudit.toml",
        "[idle]\nwarn_days = 45\nhigh_after_days = \"eighty\"\n",
    );
    let assert = keyaudit()
        .args(["audit", "--inventory", &inv, "--policy", &policy])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("keyaudit.toml:2"), "{stderr}");
    assert!(stderr.contains("warn_after_days"), "{stderr}");
    assert!(stderr.contains("keyaudit.toml:3"), "{stderr}");
}

#[test]
fn output_extension_picks_the_format_and_the_write_is_complete() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let csv = dir.path().join("keys.csv");
    keyaudit()
        .args(["audit", "--demo", "--fail-on", "never", "--output", json.to_str().unwrap()])
        .assert()
        .code(0)
        .stdout("");
    keyaudit()
        .args([
            "audit", "--demo", "--fail-on", "never", "--view", "keys", "--output",
            csv.to_str().unwrap(),
        ])
        .assert()
        .code(0);
    let report: Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report, demo_json());
    assert!(
        fs::read_to_string(&csv)
            .unwrap()
            .starts_with("key_name,key_fingerprint,account,state,password_access,")
    );
    assert_eq!(dir_entries(dir.path()), ["keys.csv", "report.json"]);
}

#[test]
fn unwritable_output_exits_2() {
    keyaudit()
        .args(["audit", "--demo", "--output", "/nonexistent-dir/report.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent-dir/report.json"));
}

#[test]
fn colour_only_when_asked() {
    let plain = stdout_of(&["audit", "--demo"]);
    assert!(!plain.contains('\u{1b}'));
    let coloured = stdout_of(&["audit", "--demo", "--color", "always"]);
    assert!(coloured.contains('\u{1b}'));
}

#[test]
fn init_writes_a_policy_that_audit_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("keyaudit.toml");
    let policy = policy.to_str().unwrap();
    keyaudit().args(["init", "--output", policy]).assert().code(0);
    keyaudit()
        .args(["init", "--output", policy])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    let inv = write(dir.path(), "keys.csv", "Name\nHaloPSA Integration\n");
    keyaudit()
        .args(["audit", "--inventory", &inv, "--policy", policy])
        .assert()
        .code(0);
    keyaudit()
        .args(["init", "--output", "-"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warn_after_days = 45"));
}

#[test]
fn usage_errors_exit_2() {
    keyaudit().args(["audit"]).assert().code(2);
    keyaudit()
        .args(["audit", "--demo", "--inventory", "x.csv"])
        .assert()
        .code(2);
    keyaudit()
        .args(["audit", "--demo", "--as-of", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("yesterday"));
}
