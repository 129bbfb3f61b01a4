//! How `audit` assembles the report: ids, ordering, records, inputs, summary.

use crate::support::fixtures::*;
use keyaudit_engine::{ValidPolicy, parse_policy, rules};
use keyaudit_model::{
    ApiKey, ContentDigest, Diagnostic, DiagnosticCode, InputFile, InputKind, InputOrigin,
    InventoryFile, KeyState, LastUse, LastUsedSource, REPORT_SCHEMA, RuleCode, Severity,
    SourceLocation,
};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

fn sha12(seed: &str) -> String {
    Sha256::digest(seed.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A mixed inventory: every rule fires somewhere.
fn mixed_keys() -> Vec<ApiKey> {
    let mut keys = vec![
        ApiKey {
            password_access: Some(true),
            ..idle(85)
        },
        key("", 2),
        key("Test 2", 3),
        ApiKey {
            last_used: LastUse::Never,
            created_at: Some(days_ago(30)),
            ..key("PSA link - ACME", 4)
        },
        ApiKey {
            last_used: LastUse::Unknown,
            ..key("Documentation sync", 5)
        },
        key("Zed sync", 6),
        key("zed  SYNC", 7),
        in_state(key("Old export", 8), KeyState::Revoked),
        in_state(key("Paused thing", 9), KeyState::Paused),
        ApiKey {
            fingerprint: None,
            ..key("No fingerprint sync", 0)
        },
    ];
    keys[1].password_access = Some(true);
    keys
}

fn mixed_inventory(keys: Vec<ApiKey>) -> keyaudit_model::Inventory {
    let mut inv = inventory(keys);
    inv.files = vec![InventoryFile {
        path: "keys.csv".into(),
        format: "csv".into(),
        keys: 10,
        digest: Some(ContentDigest::of(b"the inventory's bytes")),
    }];
    inv.exposures = vec![exposure(8, "keys.csv", 9), exposure(77, "notes.txt", 1)];
    inv.diagnostics = vec![
        Diagnostic::warning(
            DiagnosticCode::LastUseBeforeCreation,
            "key `Backup sync` was last used before it was created",
            Some(SourceLocation::row("keys.csv", 12)),
        ),
        Diagnostic::warning(
            DiagnosticCode::LastUseBeforeCreation,
            "key `Backup sync` was last used before it was created",
            Some(SourceLocation::row("keys.csv", 12)),
        ),
    ];
    inv
}

#[test]
fn key_id_of_a_key_with_fingerprint_hashes_the_fingerprint() {
    let report = run(vec![key("Backup sync", 1)]);
    assert_eq!(report.keys[0].id, sha12(&format!("fp:{}", fp(1).as_str())));
}

#[test]
fn key_id_of_a_key_without_fingerprint_hashes_account_and_normalised_name() {
    let mut k = key("  Backup   SYNC ", 1);
    k.fingerprint = None;
    k.account = Some("acme".into());
    let report = run(vec![k]);
    assert_eq!(report.keys[0].id, sha12("name:acme\0backup sync"));
}

#[test]
fn colliding_fingerprintless_keys_get_unique_ids() {
    let base = ApiKey {
        fingerprint: None,
        ..key("Backup sync", 0)
    };
    let a = ApiKey {
        created_at: Some(days_ago(10)),
        ..base.clone()
    };
    let b = ApiKey {
        created_at: Some(days_ago(20)),
        ..base.clone()
    };
    let c = ApiKey {
        owner: Some("Zoe".into()),
        ..b.clone()
    };
    let forward = run(vec![a.clone(), b.clone(), c.clone()]);
    let backward = run(vec![c, b, a]);
    let mut ids: Vec<_> = forward.keys.iter().map(|k| k.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    assert_eq!(forward, backward);
}

#[test]
fn finding_ids_are_rule_and_key_id() {
    let report = run_inventory(&mixed_inventory(mixed_keys()), &ValidPolicy::default());
    for f in &report.findings {
        assert_eq!(f.id, format!("{}:{}", f.rule, f.key.id));
    }
    let mut ids: Vec<_> = report.findings.iter().map(|f| &f.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), report.findings.len(), "finding ids are unique");
}

#[test]
fn report_does_not_depend_on_input_order() {
    let policy = ValidPolicy::default();
    let forward = run_inventory(&mixed_inventory(mixed_keys()), &policy);
    let mut reversed = mixed_keys();
    reversed.reverse();
    let mut inv = mixed_inventory(reversed);
    inv.exposures.reverse();
    let backward = run_inventory(&inv, &policy);
    assert_eq!(forward, backward);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn report_is_the_same_for_any_key_order(order in Just((0..10).collect::<Vec<usize>>()).prop_shuffle()) {
        let keys = mixed_keys();
        let shuffled: Vec<ApiKey> = order.iter().map(|&i| keys[i].clone()).collect();
        let policy = ValidPolicy::default();
        prop_assert_eq!(
            run_inventory(&mixed_inventory(keys), &policy),
            run_inventory(&mixed_inventory(shuffled), &policy)
        );
    }
}

#[test]
fn findings_sort_by_severity_rule_name_and_id() {
    let report = run_inventory(&mixed_inventory(mixed_keys()), &ValidPolicy::default());
    let order: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            (
                std::cmp::Reverse(f.severity),
                f.rule.as_str(),
                f.key.name.to_lowercase(),
                f.key.id.clone(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert_eq!(report.findings[0].severity, Severity::Critical);
}

#[test]
fn keys_sort_by_name_then_account_then_id() {
    let report = run(vec![
        key("b", 1),
        ApiKey {
            account: Some("z".into()),
            ..key("A", 2)
        },
        ApiKey {
            account: Some("y".into()),
            ..key("a", 3)
        },
    ]);
    let names: Vec<_> = report
        .keys
        .iter()
        .map(|k| (k.name.as_str(), k.account.as_deref()))
        .collect();
    assert_eq!(names, [("a", Some("y")), ("A", Some("z")), ("b", None)]);
}

#[test]
fn key_record_carries_usage_and_open_findings() {
    let mut k = ApiKey {
        password_access: Some(true),
        ..idle(85)
    };
    k.sources = vec![SourceLocation::row("keys.csv", 2)];
    let report = run(vec![k]);
    let r = &report.keys[0];
    assert_eq!(r.last_used_at, Some(days_ago(85)));
    assert_eq!(r.last_used_source, Some(LastUsedSource::Inventory));
    assert_eq!(r.days_idle, Some(85));
    assert_eq!(r.revocation_date, Some(date(2026, 12, 6)));
    assert!(!r.never_used);
    assert_eq!(r.findings, [RuleCode::IdleKey, RuleCode::PasswordAccess]);
    assert_eq!(r.max_severity, Some(Severity::Critical));
    assert_eq!(r.owner.as_deref(), Some("J. Smith"));
    assert_eq!(r.sources, [SourceLocation::row("keys.csv", 2)]);
}

#[test]
fn report_header_inputs_coverage_and_summary() {
    let policy = parse_policy("policy/keyaudit.toml", "").unwrap();
    let report = run_inventory(&mixed_inventory(mixed_keys()), &policy);
    assert_eq!(report.schema, REPORT_SCHEMA);
    assert_eq!(report.tool.name, "keyaudit");
    assert_eq!(report.tool.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(report.as_of, as_of());
    assert_eq!(
        report.inputs,
        [
            InputFile {
                kind: InputKind::Inventory,
                path: "keys.csv".into(),
                format: "csv".into(),
                records: Some(10),
                origin: InputOrigin::File,
                sha256: Some(ContentDigest::of(b"the inventory's bytes").sha256),
                bytes: Some(21),
            },
            InputFile {
                kind: InputKind::Policy,
                path: "policy/keyaudit.toml".into(),
                format: "toml".into(),
                records: None,
                origin: InputOrigin::File,
                sha256: Some(policy.digest()),
                bytes: policy.content_digest().map(|d| d.bytes),
            },
        ]
    );
    assert_eq!(report.inputs[1].bytes, Some(0), "the policy text is empty");
    assert_eq!(report.coverage.usage_window, None);
    assert_eq!(report.coverage.events_seen, 0);
    assert_eq!(report.coverage.keys_with_inventory_last_use, 8);
    assert_eq!(report.summary.keys, 10);
    assert_eq!(report.summary.findings, report.findings.len());
    assert_eq!(report.diagnostics.len(), 1, "diagnostics are deduplicated");

    let defaults = run_inventory(&mixed_inventory(mixed_keys()), &ValidPolicy::default());
    assert_eq!(
        defaults.inputs.len(),
        1,
        "no policy input without a policy file"
    );
}

#[test]
fn registry_lists_every_implemented_rule() {
    let listing: Vec<String> = rules::all()
        .iter()
        .map(|r| {
            format!(
                "{} ({}, {:?}) tuned by [{}]",
                r.code,
                r.default_severity,
                r.scope,
                r.policy_keys.join(", ")
            )
        })
        .collect();
    insta::assert_snapshot!(listing.join("\n"));
}

#[test]
fn every_rule_has_metadata_and_known_frameworks() {
    const FRAMEWORKS: [&str; 5] = [
        "CIS Controls v8",
        "NIST SP 800-53 r5",
        "PCI DSS 4.0",
        "ISO/IEC 27001:2022",
        "SOC 2",
    ];
    for rule in rules::all() {
        assert!(!rule.title.is_empty());
        assert!(rule.rationale.len() > 40, "{}", rule.code);
        assert!(rule.remediation.len() > 40, "{}", rule.code);
        assert!(!rule.compliance.is_empty(), "{}", rule.code);
        for c in rule.compliance {
            assert!(
                FRAMEWORKS.contains(&c.framework),
                "{}: {}",
                rule.code,
                c.framework
            );
        }
        assert_eq!(rules::get(rule.code).map(|r| r.code), Some(rule.code));
    }
}

#[test]
fn mixed_inventory_report_json() {
    let policy = parse_policy(
        "keyaudit.toml",
        "[[password_access.allow]]\nkey = \"Gone\"\nreason = \"old\"\n\n\
         [[mute]]\nrule = \"no-usage-evidence\"\nkey = \"Documentation sync\"\n\
         reason = \"last use recorded from January (SEC-200)\"\nexpires = 2027-01-31\n\n\
         [severity]\n\"duplicate-name\" = \"low\"\n",
    )
    .unwrap();
    let mut report = run_inventory(&mixed_inventory(mixed_keys()), &policy);
    assert_eq!(report.summary.muted, 1);
    report.tool.version = "[version]".into();
    insta::assert_json_snapshot!(report);
}
