//! The JSON report is the contract: what `keyaudit audit --format json`
//! writes reads back into an `AuditReport` that writes the very same bytes —
//! for the demo, the demo against a baseline, and a report in which every
//! optional field of the schema is present.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::support::keyaudit;

use assert_cmd::Command;
use keyaudit_model::AuditReport;
use serde_json::Value;

/// Reads `json` into the model, writes it back with the JSON renderer, and
/// checks that nothing changed, byte for byte.
fn assert_round_trips(json: &str) -> AuditReport {
    let report: AuditReport = serde_json::from_str(json).expect("the report reads back");
    let mut out = Vec::new();
    keyaudit_report::json::render(&report, &mut out).unwrap();
    let again = String::from_utf8(out).unwrap();
    if let Some((n, (got, want))) = again
        .lines()
        .zip(json.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
    {
        panic!("line {}: written back {got:?}, was {want:?}", n + 1);
    }
    assert_eq!(again, json);
    // And the model itself survives a second trip.
    let twice: AuditReport = serde_json::from_str(&again).unwrap();
    assert_eq!(twice, report);
    report
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_demo_report_round_trips() {
    let json = stdout(keyaudit().args(["audit", "--demo", "--format", "json"]));
    let report = assert_round_trips(&json);
    assert!(!report.findings.is_empty());
}

#[test]
fn the_demo_against_a_baseline_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    keyaudit()
        .args(["audit", "--demo", "--fail-on", "never", "-o"])
        .arg(&old)
        .assert()
        .code(0);
    let json = stdout(
        keyaudit()
            .args([
                "audit",
                "--demo",
                "--as-of",
                "2026-12-20",
                "--format",
                "json",
            ])
            .arg("--baseline")
            .arg(&old),
    );
    let report = assert_round_trips(&json);
    assert!(report.baseline.is_some());
    assert!(report.findings.iter().all(|f| f.delta.is_some()));
    // The file written with -o is the same bytes as stdout.
    assert_round_trips(&fs::read_to_string(&old).unwrap());
}

/// Every field that `AuditReport` leaves out when empty (`None`, `[]`,
/// `{}`), by its JSON name.
const OPTIONAL_FIELDS: &[&str] = &[
    // report
    "policy",
    "compliance",
    "baseline",
    "diagnostics",
    "exposures",
    // inputs, coverage
    "records",
    "keys_with_activity",
    "top_unattributed_user_agents",
    "top_unattributed_ips",
    // keys
    "activity",
    "name_parts",
    "last_used_at",
    "last_used_source",
    "days_idle",
    "revocation_date",
    "created_at",
    "password_access",
    // policy info
    "severity_overrides",
    "naming_pattern",
    // findings and their evidence
    "mute",
    "delta",
    "expires",
    "age_days",
    "threshold_days",
    "generic_match",
    "duplicates",
    "allowance",
    "escalated_by",
    "locations",
    "events_attributed",
    "password_events",
    "window_start",
    "window_end",
    "pattern",
    "expired_mute",
];

fn present_fields(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (name, v) in map {
                let empty = v.is_null()
                    || v.as_array().is_some_and(Vec::is_empty)
                    || v.as_object().is_some_and(serde_json::Map::is_empty);
                if !empty {
                    found.insert(name.clone());
                }
                present_fields(v, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| present_fields(v, found)),
        _ => {}
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

/// An inventory, usage and policy that between them fill every optional
/// field: a naming pattern with named groups, allowances (one expired),
/// mutes (one expired, one matching nothing), a severity override, a
/// binding, activity with password events, duplicates, an exposed key, a
/// baseline.
fn every_field_inputs(dir: &Path) {
    write(
        dir,
        "keys.csv",
        "Name,Key,Password Access,Created,Last Used,Owner,Notes,State,Account\n\
         HaloPSA - Tickets - Service desk,ITG.45df64a0dd9df8a7a79dc4382927a045.*****,yes,2024-01-05,2026-11-10,Service desk,PSA sync,active,acme\n\
         Vault export,ITG.0d1f9e2c3b4a5968778695a4b3c2d1e0.*****,yes,2026-02-22,2026-11-14,Security,Nightly export,active,acme\n\
         test,ITG.aaaabbbbccccddddeeeeffff00001111.*****,yes,2026-06-03,never,,,active,acme\n\
         ,ITG.1111222233334444555566667777aaaa.*****,no,2026-03-10,,,,active,acme\n\
         Rewst,ITG.e58b081006f7e3dfc967a64cb14028d5.*****,no,2026-02-02,2026-07-01,Automation,key ITG.e58b081006f7e3dfc967a64cb14028d5.Tq7ZmX2pLw9RvK4sNb8Y,active,acme\n\
         rewst,ITG.2aabfe228f219e9cb0eb53f16947ccf2.*****,no,2026-02-02,2026-07-01,,,paused,acme\n\
         Old bridge,ITG.12c9791e558e08baa7196b50ac2f8670.*****,no,2023-04-11,2025-12-01,,,active,acme\n\
         Datto RMM sync,ITG.36b3216fdaeeb975729fae923d5a4fd1.*****,yes,2025-12-08,,,,active,acme\n",
    );
    write(
        dir,
        "keyaudit.toml",
        "[naming]\npattern = '(?P<vendor>[^-]+?) - (?P<purpose>[^-]+?) - (?P<owner>.+)'\n\
         [[password_access.allow]]\nkey = \"Vault export\"\nreason = \"nightly export\"\nexpires = \"2026-10-31\"\n\
         [[password_access.allow]]\nkey = \"HaloPSA - Tickets - Service desk\"\nreason = \"lookups\"\nexpires = \"2027-06-30\"\n\
         [[mute]]\nrule = \"rotation-due\"\nkey = \"HaloPSA - Tickets - Service desk\"\nreason = \"vendor\"\nexpires = \"2027-01-31\"\n\
         [[mute]]\nrule = \"idle-key\"\nkey = \"Old bridge\"\nreason = \"seasonal\"\nexpires = \"2026-01-31\"\n\
         [[mute]]\nrule = \"never-used\"\nkey = \"No such key\"\nreason = \"matches nothing: a warning\"\n\
         [severity]\n\"generic-name\" = \"low\"\n\
         [[bind]]\nkey = \"Datto RMM sync\"\nuser_agent = \"Datto*\"\n",
    );
    let mut usage = String::from(
        "{\"schema\":\"keyaudit.usage/v1\",\"source\":\"itglue-api\",\"base_url\":\"https://api.itglue.com\",\
         \"window\":{\"start\":\"2026-09-01T00:00:00Z\",\"end\":\"2026-11-15T00:00:00Z\"},\"complete\":true,\"events\":4}\n",
    );
    for (id, day, agent, resource) in [
        (1, 2, "Datto/3.0", "Password"),
        (2, 3, "Datto/3.0", "Configuration"),
        (3, 4, "curl/8.0", "Organization"),
        (4, 5, "HaloPSA/2.1", "Password"),
    ] {
        usage.push_str(&format!(
            "{{\"id\":\"{id}\",\"type\":\"logs\",\"attributes\":{{\"created-at\":\"2026-11-{day:02}T10:00:00.000Z\",\
             \"action\":\"show\",\"resource-type\":\"{resource}\",\"ip-address\":\"203.0.113.{id}\",\"user-agent\":\"{agent}\"}}}}\n"
        ));
    }
    write(dir, "usage.jsonl", &usage);
}

#[test]
fn a_report_with_every_optional_field_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    every_field_inputs(dir.path());
    let audit = |as_of: &str| {
        let mut cmd = keyaudit();
        cmd.current_dir(dir.path())
            .args(["audit", "-i", "keys.csv", "-u", "usage.jsonl"])
            .args([
                "-p",
                "keyaudit.toml",
                "--as-of",
                as_of,
                "--fail-on",
                "never",
            ]);
        cmd
    };
    audit("2026-10-01")
        .args(["-o", "old.json"])
        .assert()
        .code(0);
    let json = stdout(audit("2026-11-16").args(["--format", "json", "--baseline", "old.json"]));
    let report = assert_round_trips(&json);

    let mut found = BTreeSet::new();
    present_fields(&serde_json::from_str(&json).unwrap(), &mut found);
    let missing: Vec<&&str> = OPTIONAL_FIELDS
        .iter()
        .filter(|f| !found.contains(**f))
        .collect();
    assert!(missing.is_empty(), "not exercised: {missing:?}");
    assert!(report.findings.iter().any(|f| f.mute.is_some()));
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.evidence.expired_mute.is_some())
    );
    assert!(report.keys.iter().any(|k| !k.name_parts.is_empty()));
}
