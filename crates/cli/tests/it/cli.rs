//! End-to-end tests of the `keyaudit` binary.

use std::fs;
use std::path::Path;

use crate::support::{files_in, keyaudit};

use predicates::prelude::*;
use serde_json::Value;

/// The secret part of the full key planted in the demo inventory.
const DEMO_SECRET: &str = "Tq7ZmX2pLw9RvK4sNb8YcH3d";

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

#[test]
fn demo_raises_every_rule_but_naming_convention() {
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
            "password-access-unknown",
            "rotation-due",
            "unnamed-key",
            "unused-password-access"
        ]
    );
    assert_eq!(report["coverage"]["events_seen"], 223);
    assert!(report["coverage"]["attributed"].as_u64().unwrap() > 200);
    assert_eq!(report["schema"], "keyaudit.report/v1");
    assert_eq!(report["as_of"], "2026-11-16T00:00:00Z");
}

#[test]
fn the_demo_is_no_gate_unless_asked_and_audits_gate_on_high_by_default() {
    keyaudit().args(["audit", "--demo"]).assert().code(0);
    keyaudit()
        .args(["audit", "--demo", "--fail-on", "high"])
        .assert()
        .code(1);
    let dir = tempfile::tempdir().unwrap();
    let high = write(
        dir.path(),
        "keys.csv",
        "Name,Last Used
,2026-11-20
",
    );
    keyaudit()
        .args(["audit", "--inventory", &high, "--as-of", "2026-11-26"])
        .assert()
        .code(1);
    keyaudit()
        .args([
            "audit",
            "--inventory",
            &high,
            "--as-of",
            "2026-11-26",
            "--fail-on",
            "critical",
        ])
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
            "audit",
            "--inventory",
            &inv,
            "--as-of",
            "2026-11-26",
            "--format",
            "csv",
            "--view",
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
    let out = stdout_of(&[
        "audit",
        "--inventory",
        &inv,
        "--as-of",
        "2026-11-26",
        "--format",
        "json",
    ]);
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
    assert!(
        has("password-access", "high", "Vault export"),
        "{findings:?}"
    );
    assert!(has("unnamed-key", "high", ""), "{findings:?}");
    assert!(
        has("no-usage-evidence", "info", "HaloPSA Integration"),
        "{findings:?}"
    );
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
        .args([
            "audit",
            "--inventory",
            &inv,
            "--output",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("keys.csv:3"), "{stderr}");
    assert!(stderr.contains("maybe"), "{stderr}");
    assert_eq!(files_in(dir.path()), ["keys.csv"]);
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
        .args([
            "audit",
            "--demo",
            "--fail-on",
            "never",
            "--output",
            json.to_str().unwrap(),
        ])
        .assert()
        .code(0)
        .stdout("");
    keyaudit()
        .args([
            "audit",
            "--demo",
            "--fail-on",
            "never",
            "--view",
            "keys",
            "--output",
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
    assert_eq!(files_in(dir.path()), ["keys.csv", "report.json"]);
}

/// The extension picks the format, case-insensitively; an unknown extension
/// gives the table; `--format` wins over the extension.
#[test]
fn every_extension_picks_its_format_and_format_wins() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str], &str); 7] = [
        ("r.CSV", &[], "severity,rule,"),
        ("r.json", &[], "{"),
        ("r.md", &[], "# "),
        ("r.html", &[], "<!DOCTYPE html>"),
        ("r.ics", &[], "BEGIN:VCALENDAR\r\n"),
        ("r.txt", &[], "IT Glue API key audit"),
        ("j.csv", &["--format", "json"], "{"),
    ];
    for (name, extra, start) in cases {
        let path = dir.path().join(name);
        keyaudit()
            .args(["audit", "--demo", "--output", path.to_str().unwrap()])
            .args(extra)
            .assert()
            .code(0);
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(start),
            "{name}: {}",
            &text[..text.len().min(80)]
        );
    }
}

/// `--as-of` takes a date or an RFC 3339 time (kept in UTC), and a wrong
/// form is refused with the value and an example of the right one.
#[test]
fn as_of_accepts_dates_and_times() {
    let report: Value = serde_json::from_str(&stdout_of(&[
        "audit",
        "--demo",
        "--format",
        "json",
        "--as-of",
        "2026-11-26T10:30:00+02:00",
    ]))
    .unwrap();
    assert_eq!(report["as_of"], "2026-11-26T08:30:00Z");
    keyaudit()
        .args(["audit", "--demo", "--as-of", "26/11/2026"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("26/11/2026").and(predicate::str::contains("2026-11-26")));
}

#[test]
fn unwritable_output_exits_4() {
    keyaudit()
        .args([
            "audit",
            "--demo",
            "--output",
            "/nonexistent-dir/report.json",
        ])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("/nonexistent-dir/report.json"));
}

#[test]
fn colour_only_when_asked() {
    let plain = stdout_of(&["audit", "--demo"]);
    assert!(!plain.contains('\u{1b}'));
    let coloured = stdout_of(&["audit", "--demo", "--color", "always"]);
    assert!(coloured.contains('\u{1b}'));
    let never = stdout_of(&["audit", "--demo", "--color", "never"]);
    assert!(!never.contains('\u{1b}'));
}

#[test]
fn init_writes_a_policy_that_audit_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("keyaudit.toml");
    let policy = policy.to_str().unwrap();
    keyaudit()
        .args(["init", "--output", policy])
        .assert()
        .code(0);
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

#[test]
fn rules_json_lists_every_rule_with_compliance() {
    let out = stdout_of(&["rules", "--format", "json"]);
    let rules: Value = serde_json::from_str(&out).unwrap();
    let rules = rules.as_array().unwrap();
    assert!(rules.len() >= 10, "{out}");
    for rule in rules {
        assert!(!rule["compliance"].as_array().unwrap().is_empty(), "{rule}");
        let code = rule["code"].as_str().unwrap();
        let doc = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/rules")
            .join(format!("{code}.md"));
        assert!(doc.exists(), "no page for {code}");
    }
    for format in ["table", "markdown"] {
        assert!(stdout_of(&["rules", "--format", format]).contains("password-access"));
    }
}

#[test]
fn check_policy_reports_all_errors_or_says_valid() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.toml",
        "[[mute]]\nrule = \"rotation-due\"\nkey = \"myITprocess\"\nreason = \"vendor cannot rotate before Q1\"\nexpires = \"2027-01-31\"\n",
    );
    keyaudit()
        .args(["check-policy", &good])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("valid (0 allowances, 1 mute"));
    let bad = write(
        dir.path(),
        "bad.toml",
        "[naming]\npattern = \"(unclosed\"\n\n[[mute]]\nrule = \"no-such-rule\"\nkey = \"x\"\nreason = \"\"\nexpires = \"31/01/2027\"\n",
    );
    let assert = keyaudit().args(["check-policy", &bad]).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for place in ["bad.toml:2:", "bad.toml:5:", "bad.toml:7:", "bad.toml:8:"] {
        assert!(stderr.contains(place), "{place} missing in {stderr}");
    }
    assert!(stderr.lines().all(|l| l.starts_with("error: ")), "{stderr}");
}

#[test]
fn demo_mute_is_reported_and_does_not_fail_the_run() {
    let report = demo_json();
    let muted: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "muted")
        .collect();
    assert_eq!(muted.len(), 1);
    assert_eq!(muted[0]["rule"], "rotation-due");
    assert!(
        muted[0]["mute"]["reason"]
            .as_str()
            .unwrap()
            .contains("HaloPSA")
    );
    assert_eq!(report["summary"]["muted"], 1);
    assert!(
        report["policy"]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    // The muted finding is low; with --fail-on low the open lows still fail it.
    keyaudit()
        .args(["audit", "--demo", "--fail-on", "low"])
        .assert()
        .code(1);
}

#[test]
fn diff_classifies_changes_and_gates_on_new_or_worsened() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    let new = dir.path().join("new.json");
    keyaudit()
        .args([
            "audit",
            "--demo",
            "--fail-on",
            "never",
            "-o",
            old.to_str().unwrap(),
        ])
        .assert()
        .code(0);
    keyaudit()
        .args([
            "audit",
            "--demo",
            "--fail-on",
            "never",
            "--as-of",
            "2026-12-20",
            "-o",
            new.to_str().unwrap(),
        ])
        .assert()
        .code(0);
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let out = keyaudit()
        .args(["diff", old, new, "--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(diff["schema"], "keyaudit.diff/v1");
    let changed: Vec<&Value> = diff["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["change"] == "changed")
        .collect();
    assert_eq!(changed.len(), 1, "{diff}");
    assert_eq!(changed[0]["rule"], "idle-key");
    assert_eq!(changed[0]["delta"], "worsened");
    assert_eq!(changed[0]["old"]["severity"], "medium");
    assert_eq!(changed[0]["new"]["severity"], "high");
    // A worsened high finding fails a high gate; nothing new is critical.
    keyaudit().args(["diff", old, new]).assert().code(1);
    keyaudit()
        .args(["diff", old, new, "--fail-on", "critical"])
        .assert()
        .code(0);
    // Same report twice: nothing new or worse.
    keyaudit().args(["diff", old, old]).assert().code(0);
}

#[test]
fn baseline_marks_every_finding_with_a_delta() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    keyaudit()
        .args([
            "audit",
            "--demo",
            "--fail-on",
            "never",
            "-o",
            old.to_str().unwrap(),
        ])
        .assert()
        .code(0);
    let out = stdout_of(&[
        "audit",
        "--demo",
        "--as-of",
        "2026-12-20",
        "--format",
        "json",
        "--baseline",
        old.to_str().unwrap(),
    ]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let deltas: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas.iter().filter(|d| **d == "worsened").count(), 1);
    assert!(
        deltas
            .iter()
            .all(|d| ["unchanged", "worsened", "new"].contains(d))
    );
    assert_eq!(report["baseline"]["as_of"], "2026-11-16T00:00:00Z");
}

#[test]
fn a_report_of_another_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = write(
        dir.path(),
        "v2.json",
        "{\"schema\": \"keyaudit.report/v2\"}",
    );
    let other = write(dir.path(), "other.json", "{\"hello\": 1}");
    keyaudit()
        .args(["diff", &v2, &v2])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("keyaudit.report/v2"));
    keyaudit()
        .args(["diff", &other, &other])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a keyaudit report"));
}

#[test]
fn compliance_view_fails_a_control_exactly_when_an_open_finding_references_it() {
    let out = stdout_of(&["audit", "--demo", "--format", "csv", "--view", "compliance"]);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "framework",
            "control",
            "status",
            "open",
            "muted",
            "rules",
            "keys"
        ]
    );
    let report = demo_json();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        rows += 1;
        let referenced = report["findings"].as_array().unwrap().iter().any(|f| {
            f["status"] == "open"
                && f["compliance"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["framework"] == record[0] && c["control"] == record[1])
        });
        assert_eq!(
            &record[2],
            if referenced { "fail" } else { "pass" },
            "{record:?}"
        );
    }
    assert_eq!(rows, report["compliance"].as_array().unwrap().len());
    assert!(stdout_of(&["audit", "--demo", "--view", "compliance"]).contains("PCI DSS 4.0"));
}

#[test]
fn ocsf_maps_every_finding() {
    let out = stdout_of(&["audit", "--demo", "--format", "ocsf"]);
    let findings: Value = serde_json::from_str(&out).unwrap();
    let findings = findings.as_array().unwrap();
    let report = demo_json();
    assert_eq!(findings.len(), report["findings"].as_array().unwrap().len());
    assert!(findings.iter().all(|f| f["class_uid"] == 2004));
    assert_eq!(
        findings.iter().filter(|f| f["status_id"] == 3).count(),
        report["summary"]["muted"].as_u64().unwrap() as usize
    );
}

#[test]
fn html_and_markdown_reports_are_self_contained_and_deterministic() {
    let html = stdout_of(&["audit", "--demo", "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(html.contains("<svg"));
    assert!(!html.contains(DEMO_SECRET));
    assert_eq!(html, stdout_of(&["audit", "--demo", "--format", "html"]));
    let md = stdout_of(&["audit", "--demo", "--format", "markdown"]);
    assert!(md.starts_with("# IT Glue API key audit"));
    assert!(!md.contains(DEMO_SECRET));
}

#[test]
fn history_orders_runs_and_ignores_other_files() {
    let dir = tempfile::tempdir().unwrap();
    for (name, as_of) in [("b.json", "2026-12-20"), ("a.json", "2026-11-16")] {
        keyaudit()
            .args([
                "audit",
                "--demo",
                "--fail-on",
                "never",
                "--as-of",
                as_of,
                "-o",
            ])
            .arg(dir.path().join(name))
            .assert()
            .code(0);
    }
    fs::write(dir.path().join("notes.txt"), "not a report").unwrap();
    let out = keyaudit()
        .args(["history", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("notes.txt"));
    let history: Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = history["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["as_of"], "2026-11-16T00:00:00Z");
    assert_eq!(runs[1]["as_of"], "2026-12-20T00:00:00Z");
    let html = keyaudit()
        .args(["history", "--format", "html"])
        .arg(dir.path())
        .output()
        .unwrap();
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(html.contains("<svg") && !html.contains("<script"));
}

#[test]
fn a_saved_settings_page_is_audited() {
    let page =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/inventory/settings-page.html");
    let out = stdout_of(&[
        "audit",
        "--inventory",
        page.to_str().unwrap(),
        "--as-of",
        "2026-11-26",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["inputs"][0]["format"], "html");
    assert_eq!(report["keys"].as_array().unwrap().len(), 7);
    assert!(
        report["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["password_access"] == true)
    );
}

#[test]
fn a_csv_export_in_a_time_zone_is_usage_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(
        dir.path(),
        "keys.csv",
        "Name,Password Access,Created\nHaloPSA Integration,yes,2024-01-01\nForgotten sync,no,2024-01-01\n",
    );
    let export =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/usage/activity-export.csv");
    let out = stdout_of(&[
        "audit",
        "--inventory",
        &inv,
        "--usage",
        export.to_str().unwrap(),
        "--timezone",
        "America/New_York",
        "--usage-window",
        "2024-01-01..2024-03-31",
        "--as-of",
        "2024-04-01",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let window = &report["coverage"]["usage_window"];
    assert_eq!(window["inferred"], false);
    assert_eq!(window["start"], "2024-01-01T00:00:00Z");
    let halo = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "HaloPSA Integration")
        .unwrap();
    assert_eq!(halo["last_used_source"], "activity-log");
    // 03/04/2024 05:22 AM in New York (EST, UTC-5) is 10:22 UTC.
    assert!(halo["activity"]["events"].as_u64().unwrap() >= 2);
    // The forgotten key: no event in a 90-day window since before it was created.
    let forgotten: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["key"]["name"] == "Forgotten sync")
        .collect();
    assert!(
        forgotten.iter().any(|f| f["rule"] == "idle-key"),
        "{forgotten:?}"
    );
    keyaudit()
        .args([
            "audit",
            "--inventory",
            &inv,
            "--usage",
            export.to_str().unwrap(),
            "--timezone",
            "Mars/Olympus",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Mars/Olympus"));
}

#[cfg(unix)]
#[test]
fn reports_are_created_with_the_usual_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" audit --demo --fail-on never --output \"$1\"")
        .arg(assert_cmd::cargo::cargo_bin("keyaudit"))
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
}

#[test]
fn an_empty_password_access_cell_is_unknown_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(
        dir.path(),
        "keys.csv",
        "Name,Key,Password Access,Last Used\n\
         Vault export,ITG.0d1f9e2c3b4a5968778695a4b3c2d1e0.*****,,2026-11-20\n\
         Datto RMM sync,ITG.45df64a0dd9df8a7a79dc4382927a045.*****,no,2026-11-20\n",
    );
    let report: Value = serde_json::from_str(&stdout_of(&[
        "audit",
        "--inventory",
        &inv,
        "--as-of",
        "2026-11-26",
        "--format",
        "json",
    ]))
    .unwrap();
    let vault = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "Vault export")
        .unwrap();
    assert!(vault["password_access"].is_null(), "{vault}");
    let findings: Vec<(&str, &str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["key"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [("password-access-unknown", "medium", "Vault export")]
    );
    let keys_csv = stdout_of(&[
        "audit",
        "--inventory",
        &inv,
        "--as-of",
        "2026-11-26",
        "--format",
        "csv",
        "--view",
        "keys",
    ]);
    let vault_row = keys_csv
        .lines()
        .find(|l| l.starts_with("Vault export,"))
        .unwrap();
    assert!(vault_row.contains(",unknown,"), "{vault_row}");
}

#[test]
fn capture_snippet_prints_the_snippet_and_its_bookmarklet() {
    let snippet = stdout_of(&["capture-snippet"]);
    assert!(
        snippet.starts_with("// keyaudit capture snippet"),
        "{snippet}"
    );
    assert!(snippet.trim_end().ends_with("})()"));
    let bookmarklet = stdout_of(&["capture-snippet", "--bookmarklet"]);
    assert!(bookmarklet.starts_with("javascript:void"), "{bookmarklet}");
    assert_eq!(bookmarklet.lines().count(), 1);
    let rules = stdout_of(&["rules", "--format", "json"]);
    assert!(rules.contains("\"code\": \"password-access-unknown\""));
}

/// How a command's format is chosen and offered.
mod formats {
    use std::path::Path;

    use clap::builder::TypedValueParser;
    use clap::error::ErrorKind;
    use keyaudit_cli::cli::{Cli, chosen_format, format_help, formats};
    use keyaudit_report::{
        CATALOGUE_FORMATS, DIFF_FORMATS, Format, HISTORY_FORMATS, REPORT_FORMATS,
    };

    #[test]
    fn the_output_extension_picks_a_format_the_document_supports_else_a_table() {
        let pick =
            |flag, path: &str, supported| chosen_format(flag, Some(Path::new(path)), supported);
        assert_eq!(pick(None, "r.csv", REPORT_FORMATS), Format::Csv);
        assert_eq!(pick(None, "r.JSON", REPORT_FORMATS), Format::Json);
        assert_eq!(pick(None, "r.markdown", REPORT_FORMATS), Format::Markdown);
        assert_eq!(pick(None, "r.htm", REPORT_FORMATS), Format::Html);
        assert_eq!(pick(None, "r.ics", REPORT_FORMATS), Format::Ics);
        assert_eq!(pick(None, "r.txt", REPORT_FORMATS), Format::Table);
        assert_eq!(pick(None, "-", REPORT_FORMATS), Format::Table);
        // A diff has no HTML and a history no CSV: the table, as before.
        assert_eq!(pick(None, "d.html", DIFF_FORMATS), Format::Table);
        assert_eq!(pick(None, "d.md", DIFF_FORMATS), Format::Markdown);
        assert_eq!(pick(None, "h.csv", HISTORY_FORMATS), Format::Table);
        assert_eq!(pick(None, "h.html", HISTORY_FORMATS), Format::Html);
        assert_eq!(pick(None, "r.ics", CATALOGUE_FORMATS), Format::Table);
        // --format wins over the extension.
        assert_eq!(
            pick(Some(Format::Ocsf), "r.json", REPORT_FORMATS),
            Format::Ocsf
        );
        assert_eq!(chosen_format(None, None, REPORT_FORMATS), Format::Table);
    }

    #[test]
    fn format_help_and_values_come_from_the_documents_formats() {
        assert_eq!(
            format_help(REPORT_FORMATS),
            "Output format. Default: from the --output extension (.csv, .json, .md, .html, .ics), else table"
        );
        assert_eq!(
            format_help(DIFF_FORMATS),
            "Output format. Default: from the --output extension (.json, .md), else table"
        );
        let names: Vec<String> = formats(HISTORY_FORMATS)
            .possible_values()
            .into_iter()
            .flatten()
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(names, ["table", "json", "markdown", "html"]);
    }

    #[test]
    fn format_flags_accept_only_the_documents_formats() {
        use clap::Parser;
        let rules = Cli::try_parse_from(["keyaudit", "rules", "--format", "markdown"]);
        assert!(rules.is_ok());
        let err = Cli::try_parse_from(["keyaudit", "rules", "--format", "html"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidValue);
        assert!(
            err.to_string()
                .contains("[possible values: table, json, markdown]"),
            "{err}"
        );
        let err = Cli::try_parse_from(["keyaudit", "audit", "--format", "xml"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("[possible values: table, csv, json, markdown, html, ocsf, ics]"),
            "{err}"
        );
        let err = Cli::try_parse_from(["keyaudit", "audit", "--view", "rows"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("[possible values: findings, keys, compliance, forecast]"),
            "{err}"
        );
    }
}
