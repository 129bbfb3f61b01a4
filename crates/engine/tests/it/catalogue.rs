//! The rule catalogue, the compliance view, the policy recorded in the
//! report, and the rule pages in docs/rules.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::fixtures::*;
use keyaudit_engine::{ValidPolicy, parse_policy, rules};
use keyaudit_model::{ApiKey, ControlResult, ControlStatus, KeyState, LastUse, RuleCode, Severity};

fn rotation_due(name: &str, n: u32) -> ApiKey {
    ApiKey {
        created_at: Some(days_ago(400)),
        ..key(name, n)
    }
}

fn row<'r>(view: &'r [ControlStatus], framework: &str, control: &str) -> &'r ControlStatus {
    view.iter()
        .find(|c| c.framework == framework && c.control == control)
        .unwrap_or_else(|| panic!("no row for {framework} {control}"))
}

// -------------------------------------------------------------- catalogue

#[test]
fn catalogue_lists_every_rule_sorted_by_code_with_its_metadata() {
    let catalogue = rules::catalogue().rules;
    let codes: Vec<&str> = catalogue.iter().map(|r| r.code.as_str()).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);
    assert_eq!(catalogue.len(), rules::all().len());
    for rule in &catalogue {
        assert!(!rule.title.is_empty(), "{}", rule.code);
        assert!(rule.rationale.len() > 40, "{}", rule.code);
        assert!(rule.remediation.len() > 40, "{}", rule.code);
        assert!(!rule.compliance.is_empty(), "{}", rule.code);
        assert_eq!(
            rules::get(rule.code).map(|r| r.doc_path()),
            Some(format!("docs/rules/{}.md", rule.code))
        );
    }
    let listing: Vec<String> = catalogue
        .iter()
        .map(|r| {
            let controls: Vec<String> = r.compliance.iter().map(|c| c.to_string()).collect();
            format!(
                "{} | {} | {}{} | [{}] | {}",
                r.code,
                r.title,
                r.default_severity,
                r.escalated_severity
                    .map(|s| format!(" → {s}"))
                    .unwrap_or_default(),
                r.policy_keys.join(", "),
                controls.join("; ")
            )
        })
        .collect();
    insta::assert_snapshot!(listing.join("\n"));
}

#[test]
fn new_rules_are_in_the_catalogue_with_their_controls() {
    let rotation = rules::get(RuleCode::RotationDue).unwrap();
    assert_eq!(rotation.default_severity, Severity::Low);
    assert_eq!(rotation.policy_keys, ["rotation.max_age_days"]);
    let naming = rules::get(RuleCode::NamingConvention).unwrap();
    assert_eq!(naming.default_severity, Severity::Low);
    assert_eq!(naming.policy_keys, ["naming.pattern"]);
    let unused = rules::get(RuleCode::UnusedPasswordAccess).unwrap();
    assert_eq!(unused.default_severity, Severity::Medium);
    assert_eq!(unused.scope, rules::Scope::LiveKeys);
    let controls: Vec<String> = unused
        .compliance_refs()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        controls,
        [
            "NIST SP 800-53 r5 AC-6(7)",
            "PCI DSS 4.0 7.2.5.1",
            "SOC 2 CC6.3"
        ]
    );
}

#[test]
fn catalogue_serializes_for_keyaudit_rules_json() {
    let json = serde_json::to_value(rules::catalogue()).unwrap();
    assert_eq!(
        json,
        serde_json::to_value(&rules::catalogue().rules).unwrap(),
        "the catalogue is a plain array of rules"
    );
    let rotation = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "rotation-due")
        .unwrap();
    assert_eq!(
        rotation,
        &serde_json::json!({
            "code": "rotation-due",
            "title": "Key due for rotation",
            "default_severity": "low",
            "rationale": rules::get(RuleCode::RotationDue).unwrap().rationale,
            "remediation": rules::get(RuleCode::RotationDue).unwrap().remediation,
            "compliance": [
                {"framework": "NIST SP 800-53 r5", "control": "IA-5(f)"},
                {"framework": "PCI DSS 4.0", "control": "8.6.3"},
                {"framework": "ISO/IEC 27001:2022", "control": "A.5.17"},
            ],
            "policy_keys": ["rotation.max_age_days"],
            "scope": "live-keys",
        })
    );
    let idle = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "idle-key")
        .unwrap();
    assert_eq!(idle["escalated_severity"], "high");
    assert!(
        idle["escalation"]
            .as_str()
            .unwrap()
            .contains("high_after_days")
    );
}

// ------------------------------------------------------------- docs/rules

#[test]
fn every_catalogue_rule_has_a_doc_page_and_every_page_a_rule() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
    let pages: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .collect();
    let expected: BTreeSet<String> = rules::catalogue()
        .rules
        .iter()
        .map(|r| format!("{}.md", r.code))
        .collect();
    let missing: Vec<_> = expected.difference(&pages).collect();
    let orphaned: Vec<_> = pages.difference(&expected).collect();
    assert!(missing.is_empty(), "rules without a page: {missing:?}");
    assert!(orphaned.is_empty(), "pages naming no rule: {orphaned:?}");
    for rule in rules::catalogue().rules {
        let page = std::fs::read_to_string(dir.join(format!("{}.md", rule.code))).unwrap();
        assert!(
            page.starts_with(&format!("# `{}`", rule.code)),
            "{} page title",
            rule.code
        );
        for section in [
            "## What it flags",
            "## Why it matters",
            "## Evidence",
            "## Remediation",
            "## Compliance",
        ] {
            assert!(page.contains(section), "{}: {section}", rule.code);
        }
        for control in &rule.compliance {
            assert!(
                page.contains(&control.control),
                "{}: page does not cite {} {}",
                rule.code,
                control.framework,
                control.control
            );
        }
    }
}

// -------------------------------------------------------- compliance view

#[test]
fn compliance_view_has_one_row_per_control_of_any_rule_all_passing_when_clean() {
    let report = run(vec![key("Backup sync - J. Smith", 1)]);
    assert!(report.findings.is_empty());
    let expected: BTreeSet<(String, String)> = rules::all()
        .iter()
        .flat_map(|r| r.compliance_refs())
        .map(|c| (c.framework, c.control))
        .collect();
    let rows: Vec<(String, String)> = report
        .compliance
        .iter()
        .map(|c| (c.framework.clone(), c.control.clone()))
        .collect();
    assert_eq!(rows.len(), expected.len(), "one row per control");
    assert_eq!(rows.iter().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(
        report
            .compliance
            .iter()
            .all(|c| c.status == ControlResult::Pass
                && c.open == 0
                && c.muted == 0
                && c.keys.is_empty())
    );
    // Sorted by framework, then control in natural order.
    let cis: Vec<&str> = report
        .compliance
        .iter()
        .filter(|c| c.framework == "CIS Controls v8")
        .map(|c| c.control.as_str())
        .collect();
    assert_eq!(cis, ["3.3", "5.1", "5.3", "5.5", "6.8"]);
    let frameworks: Vec<&str> = report
        .compliance
        .iter()
        .map(|c| c.framework.as_str())
        .collect();
    let mut sorted = frameworks.clone();
    sorted.sort();
    assert_eq!(frameworks, sorted);
    // Controls shared by rules list every rule.
    assert_eq!(
        row(&report.compliance, "ISO/IEC 27001:2022", "A.5.17").rules,
        [RuleCode::ExposedSecret, RuleCode::RotationDue]
    );
    assert_eq!(
        row(&report.compliance, "CIS Controls v8", "5.5").rules,
        [
            RuleCode::GenericName,
            RuleCode::NamingConvention,
            RuleCode::UnnamedKey
        ]
    );
}

#[test]
fn compliance_control_fails_when_an_open_finding_references_it() {
    let report = run(vec![
        rotation_due("Zed sync", 2),
        rotation_due("Alpha sync", 1),
    ]);
    for (framework, control) in [
        ("NIST SP 800-53 r5", "IA-5(f)"),
        ("PCI DSS 4.0", "8.6.3"),
        ("ISO/IEC 27001:2022", "A.5.17"),
    ] {
        let c = row(&report.compliance, framework, control);
        assert_eq!(c.status, ControlResult::Fail, "{framework} {control}");
        assert_eq!((c.open, c.muted), (2, 0));
        let names: Vec<&str> = c.keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["Alpha sync", "Zed sync"], "sorted by name");
    }
    let failing = report
        .compliance
        .iter()
        .filter(|c| c.status == ControlResult::Fail)
        .count();
    assert_eq!(failing, 3);
}

#[test]
fn compliance_control_with_only_muted_findings_passes() {
    let policy = "[[mute]]\nrule = \"rotation-due\"\nkey = \"Alpha sync\"\nreason = \"vendor\"\n";
    let report = run_with(vec![rotation_due("Alpha sync", 1)], policy);
    let c = row(&report.compliance, "PCI DSS 4.0", "8.6.3");
    assert_eq!(c.status, ControlResult::Pass);
    assert_eq!((c.open, c.muted), (0, 1));
    assert_eq!(c.keys.len(), 1);
    assert_eq!(c.keys[0].name, "Alpha sync");
    // One open finding on another key makes it fail.
    let report = run_with(
        vec![rotation_due("Alpha sync", 1), rotation_due("Beta sync", 2)],
        policy,
    );
    let c = row(&report.compliance, "PCI DSS 4.0", "8.6.3");
    assert_eq!(c.status, ControlResult::Fail);
    assert_eq!((c.open, c.muted), (1, 1));
    assert_eq!(c.keys.len(), 2);
}

#[test]
fn compliance_status_is_fail_exactly_when_an_open_finding_references_the_control() {
    let keys = vec![
        ApiKey {
            password_access: Some(true),
            ..idle(85)
        },
        key("", 2),
        rotation_due("Test 2", 3),
        ApiKey {
            last_used: LastUse::Never,
            created_at: Some(days_ago(30)),
            ..key("PSA link - ACME", 4)
        },
        key("Zed sync", 6),
        key("zed  SYNC", 7),
        in_state(key("Old export", 8), KeyState::Revoked),
    ];
    let policy = "[[mute]]\nrule = \"unnamed-key\"\nkey = \"ITG.00000000000000000000000000000002\"\n\
                  reason = \"being replaced\"\n\n[naming]\npattern = '.+ - .+'\n";
    let report = run_with(keys, policy);
    assert!(report.summary.muted > 0);
    for c in &report.compliance {
        let referencing = report.findings.iter().filter(|f| {
            f.compliance
                .iter()
                .any(|r| r.framework == c.framework && r.control == c.control)
        });
        let open = referencing.clone().filter(|f| f.is_open()).count();
        let muted = referencing.clone().filter(|f| !f.is_open()).count();
        assert_eq!(
            (c.open, c.muted),
            (open, muted),
            "{} {}",
            c.framework,
            c.control
        );
        assert_eq!(
            c.status == ControlResult::Fail,
            open > 0,
            "{} {}",
            c.framework,
            c.control
        );
        let keys: BTreeSet<&str> = referencing.map(|f| f.key.id.as_str()).collect();
        assert_eq!(c.keys.len(), keys.len(), "keys are deduplicated");
    }
}

// ------------------------------------------------------------ policy info

#[test]
fn report_records_the_default_policy() {
    let report = run(vec![key("Backup sync", 1)]);
    let info = report.policy.unwrap();
    assert_eq!(info.source, None);
    assert_eq!(info.digest, "default");
    assert_eq!(info.thresholds.idle_warn_after_days, 45);
    assert_eq!(info.thresholds.idle_high_after_days, 80);
    assert_eq!(info.thresholds.idle_revoke_after_days, 90);
    assert_eq!(info.thresholds.never_used_grace_days, 7);
    assert_eq!(info.thresholds.naming_min_length, 4);
    assert_eq!(info.thresholds.naming_pattern, None);
    assert_eq!(info.thresholds.rotation_max_age_days, 365);
    assert!(info.severity_overrides.is_empty());
    assert_eq!((info.allowances, info.mutes, info.bindings), (0, 0, 0));
}

#[test]
fn report_records_the_policy_file_digest_and_thresholds() {
    let text = include_str!("../../../../fixtures/policy/keyaudit.toml");
    let policy = parse_policy("fixtures/policy/keyaudit.toml", text).unwrap();
    let report = run_inventory(&inventory(vec![key("Backup sync", 1)]), &policy);
    let info = report.policy.unwrap();
    use sha2::{Digest, Sha256};
    let hex: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(info.digest, format!("sha256:{hex}"));
    assert_eq!(
        info.source.as_deref(),
        Some("fixtures/policy/keyaudit.toml")
    );
    assert_eq!(info.thresholds.idle_warn_after_days, 30);
    assert_eq!(info.thresholds.rotation_max_age_days, 180);
    assert_eq!(info.thresholds.naming_min_length, 5);
    assert_eq!(
        info.thresholds.naming_pattern.as_deref(),
        Some("(?P<vendor>[^-]+?) - (?P<purpose>[^-]+?) - (?P<owner>.+)")
    );
    assert_eq!(info.severity_overrides.len(), 2);
    assert_eq!((info.allowances, info.mutes, info.bindings), (2, 2, 2));
    // The same bytes give the same digest in another run.
    let again = run_inventory(
        &inventory(vec![]),
        &parse_policy("elsewhere.toml", text).unwrap(),
    );
    assert_eq!(again.policy.unwrap().digest, info.digest);
    assert_ne!(ValidPolicy::default().digest(), info.digest);
}
