//! Mutes: a finding accepted with a reason, until an expiry. One test per
//! scenario. The audit runs as of 2026-12-01 12:00 UTC.

use crate::support::fixtures::*;
use keyaudit_model::{
    ApiKey, DiagnosticLevel, FindingStatus, Mute, RuleCode, Severity, SourceLocation,
};

/// A key due for rotation (created 400 days ago), and nothing else.
fn old(name: &str, n: u32) -> ApiKey {
    ApiKey {
        created_at: Some(days_ago(400)),
        ..key(name, n)
    }
}

fn mute(rule: &str, target: &str, expires: Option<&str>) -> String {
    let expires = expires
        .map(|d| format!("expires = \"{d}\"\n"))
        .unwrap_or_default();
    format!(
        "[[mute]]\nrule = \"{rule}\"\n{target}\nreason = \"vendor cannot rotate before Q1\"\n{expires}"
    )
}

fn by_key(name: &str) -> String {
    format!("key = \"{name}\"")
}

#[test]
fn active_mute_keeps_the_finding_as_muted_with_reason_and_expiry() {
    let policy = mute("rotation-due", &by_key(" myITPROCESS "), Some("2027-01-31"));
    let report = run_with(vec![old("myITprocess", 1)], &policy);
    let f = only(&report, RuleCode::RotationDue);
    assert_eq!(f.status, FindingStatus::Muted);
    assert_eq!(
        f.mute,
        Some(Mute {
            reason: "vendor cannot rotate before Q1".into(),
            expires: Some(date(2027, 1, 31)),
        })
    );
    assert_eq!(f.evidence.expired_mute, None);
    assert!(!f.message.contains("mute"), "{}", f.message);
    // Counted apart: not open, not in the severity counts.
    assert_eq!(report.summary.findings, 1);
    assert_eq!(report.summary.open, 0);
    assert_eq!(report.summary.muted, 1);
    assert_eq!(report.summary.by_severity[&Severity::Low], 0);
    assert!(report.summary.by_rule.is_empty());
    assert_eq!(report.summary.max_open_severity(), None);
    // The key record lists open findings only.
    assert!(report.keys[0].findings.is_empty());
    assert_eq!(report.keys[0].max_severity, None);
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    assert_eq!(report.policy.unwrap().mutes, 1);
}

#[test]
fn mute_without_expiry_applies() {
    let policy = mute("rotation-due", &by_key("myITprocess"), None);
    let report = run_with(vec![old("myITprocess", 1)], &policy);
    let f = only(&report, RuleCode::RotationDue);
    assert_eq!(f.status, FindingStatus::Muted);
    assert_eq!(f.mute.as_ref().unwrap().expires, None);
}

#[test]
fn mute_applies_the_day_before_its_expiry() {
    let policy = mute("rotation-due", &by_key("myITprocess"), Some("2026-12-02"));
    let report = run_with(vec![old("myITprocess", 1)], &policy);
    assert_eq!(
        only(&report, RuleCode::RotationDue).status,
        FindingStatus::Muted
    );
}

#[test]
fn mute_expires_on_its_expiry_day_and_the_finding_says_so() {
    let policy = mute("rotation-due", &by_key("myITprocess"), Some("2026-12-01"));
    let report = run_with(vec![old("myITprocess", 1)], &policy);
    let f = only(&report, RuleCode::RotationDue);
    assert_eq!(f.status, FindingStatus::Open);
    assert_eq!(f.mute, None);
    assert_eq!(
        f.evidence.expired_mute,
        Some(Mute {
            reason: "vendor cannot rotate before Q1".into(),
            expires: Some(date(2026, 12, 1)),
        })
    );
    assert_eq!(
        f.message,
        "This key was created on 2025-10-27, 400 days ago; the policy asks for keys to be \
         rotated every 365 days. The mute for this finding (\"vendor cannot rotate before Q1\") \
         expired on 2026-12-01."
    );
    assert_eq!((report.summary.open, report.summary.muted), (1, 0));
    assert_eq!(report.keys[0].findings, [RuleCode::RotationDue]);
    assert_eq!(report.summary.max_open_severity(), Some(Severity::Low));
    assert!(
        report.diagnostics.is_empty(),
        "an expired mute still matched"
    );
}

#[test]
fn mute_long_expired_is_open() {
    let policy = mute("rotation-due", &by_key("myITprocess"), Some("2026-06-30"));
    let report = run_with(vec![old("myITprocess", 1)], &policy);
    let f = only(&report, RuleCode::RotationDue);
    assert_eq!(f.status, FindingStatus::Open);
    assert!(
        f.message.ends_with("expired on 2026-06-30."),
        "{}",
        f.message
    );
}

#[test]
fn mute_by_fingerprint_or_masked_key() {
    for target in [fp(1).as_str().to_uppercase(), fp(1).masked()] {
        let policy = mute("rotation-due", &by_key(&target), None);
        let report = run_with(vec![old("myITprocess", 1), old("Other sync", 2)], &policy);
        let statuses: Vec<_> = of_rule(&report, RuleCode::RotationDue)
            .iter()
            .map(|f| (f.key.name.clone(), f.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("myITprocess".to_string(), FindingStatus::Muted),
                ("Other sync".to_string(), FindingStatus::Open),
            ],
            "{target}"
        );
    }
}

#[test]
fn mute_by_finding_id() {
    let keys = vec![old("Backup sync", 1), old("Backup sync", 2)];
    let first = run(keys.clone());
    let target = of_rule(&first, RuleCode::RotationDue)
        .into_iter()
        .find(|f| f.key.fingerprint == Some(fp(2)))
        .unwrap()
        .id
        .clone();
    let policy = mute(
        "rotation-due",
        &format!("finding = \"{}\"", target.to_uppercase()),
        Some("2027-01-31"),
    );
    let report = run_with(keys, &policy);
    for f in of_rule(&report, RuleCode::RotationDue) {
        let want = if f.id == target {
            FindingStatus::Muted
        } else {
            FindingStatus::Open
        };
        assert_eq!(f.status, want, "{}", f.id);
    }
    assert_eq!(report.summary.muted, 1);
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
}

#[test]
fn mute_of_one_rule_leaves_other_rules_on_the_key_open() {
    let policy = mute("generic-name", &by_key("Test"), None);
    let report = run_with(vec![old("Test", 1)], &policy);
    assert_eq!(
        only(&report, RuleCode::GenericName).status,
        FindingStatus::Muted
    );
    assert_eq!(
        only(&report, RuleCode::RotationDue).status,
        FindingStatus::Open
    );
    assert_eq!(report.keys[0].findings, [RuleCode::RotationDue]);
    assert_eq!(report.keys[0].max_severity, Some(Severity::Low));
}

#[test]
fn muted_finding_still_escalates_password_access() {
    // The mute accepts the name; the key is still generic, so Password
    // Access on it stays critical.
    let key = ApiKey {
        password_access: Some(true),
        ..key("Test", 1)
    };
    let report = run_with(vec![key], &mute("generic-name", &by_key("Test"), None));
    assert_eq!(
        only(&report, RuleCode::GenericName).status,
        FindingStatus::Muted
    );
    let pa = only(&report, RuleCode::PasswordAccess);
    assert_eq!(
        (pa.status, pa.severity),
        (FindingStatus::Open, Severity::Critical)
    );
}

#[test]
fn muted_findings_do_not_count_toward_fail_on() {
    let keys = vec![ApiKey {
        password_access: Some(true),
        ..key("Vault export", 1)
    }];
    let open = run(keys.clone());
    assert_eq!(open.summary.max_open_severity(), Some(Severity::High));
    let report = run_with(
        keys,
        &mute("password-access", &by_key("Vault export"), None),
    );
    assert_eq!(report.summary.max_open_severity(), None);
    assert_eq!(report.summary.by_severity[&Severity::High], 0);
    assert_eq!((report.summary.open, report.summary.muted), (0, 1));
    // Still in the report, with its severity.
    let f = only(&report, RuleCode::PasswordAccess);
    assert_eq!(
        (f.status, f.severity),
        (FindingStatus::Muted, Severity::High)
    );
}

#[test]
fn unmatched_mute_is_a_warning_with_its_line() {
    let policy = format!(
        "[rotation]\nmax_age_days = 365\n\n{}",
        mute("idle-key", &by_key("Backup sync"), None)
    );
    let report = run_with(vec![old("Backup sync", 1)], &policy);
    assert_eq!(
        only(&report, RuleCode::RotationDue).status,
        FindingStatus::Open
    );
    assert_eq!(report.diagnostics.len(), 1, "{:#?}", report.diagnostics);
    let d = &report.diagnostics[0];
    assert_eq!(d.level, DiagnosticLevel::Warning);
    assert_eq!(
        d.message,
        "Mute of idle-key for key \"Backup sync\" matches no finding"
    );
    assert_eq!(d.location, Some(SourceLocation::row("keyaudit.toml", 4)));
    assert_eq!(
        d.to_string(),
        "warning[mute-matches-nothing]: keyaudit.toml:4: Mute of idle-key for key \"Backup sync\" matches no finding"
    );
}

#[test]
fn unmatched_mute_by_finding_id_of_another_rule_gives_a_hint() {
    let policy = mute(
        "rotation-due",
        "finding = \"idle-key:0123456789ab\"",
        Some("2027-01-31"),
    );
    let report = run_with(vec![old("Backup sync", 1)], &policy);
    assert_eq!(
        report.diagnostics[0].message,
        "Mute of rotation-due for finding idle-key:0123456789ab matches no finding (the ids of \
         rotation-due findings start with \"rotation-due:\")"
    );
}

#[test]
fn two_mutes_for_one_finding_are_a_warning_and_the_first_applies() {
    let policy = format!(
        "{}\n{}",
        mute("rotation-due", &by_key("myITprocess"), Some("2027-01-31")),
        mute(
            "rotation-due",
            &by_key("ITG.00000000000000000000000000000001"),
            None
        )
        .replace("vendor cannot rotate before Q1", "second reason"),
    );
    let report = run_with(vec![old("myITprocess", 1)], &policy);
    let f = only(&report, RuleCode::RotationDue);
    assert_eq!(f.status, FindingStatus::Muted);
    assert_eq!(
        f.mute.as_ref().map(|m| m.reason.as_str()),
        Some("vendor cannot rotate before Q1")
    );
    assert_eq!(report.diagnostics.len(), 1, "{:#?}", report.diagnostics);
    let d = &report.diagnostics[0];
    assert_eq!(d.level, DiagnosticLevel::Warning);
    assert_eq!(
        d.message,
        format!(
            "The mutes at lines 1 and 7 both match finding {} (key \"myITprocess\"); the first \
             one that has not expired applies",
            f.id
        )
    );
    assert_eq!(d.location, Some(SourceLocation::row("keyaudit.toml", 7)));
}

#[test]
fn of_two_mutes_the_first_that_has_not_expired_applies() {
    let policy = format!(
        "{}\n{}",
        mute("rotation-due", &by_key("myITprocess"), Some("2026-11-30")),
        mute(
            "rotation-due",
            "finding = \"rotation-due:f0de9a0b5c5c\"",
            None
        ),
    );
    // Find the real id first.
    let id = only(&run(vec![old("myITprocess", 1)]), RuleCode::RotationDue)
        .id
        .clone();
    let policy = policy.replace("rotation-due:f0de9a0b5c5c", &id);
    let report = run_with(vec![old("myITprocess", 1)], &policy);
    let f = only(&report, RuleCode::RotationDue);
    assert_eq!(f.status, FindingStatus::Muted);
    assert_eq!(f.mute.as_ref().unwrap().expires, None);
    assert_eq!(report.diagnostics.len(), 1);
    // When all have expired, the one that expired last is reported.
    let policy = format!(
        "{}\n{}",
        mute("rotation-due", &by_key("myITprocess"), Some("2026-11-30")),
        mute(
            "rotation-due",
            &format!("finding = \"{id}\""),
            Some("2026-12-01")
        ),
    );
    let report = run_with(vec![old("myITprocess", 1)], &policy);
    let f = only(&report, RuleCode::RotationDue);
    assert_eq!(f.status, FindingStatus::Open);
    assert_eq!(
        f.evidence.expired_mute.as_ref().and_then(|m| m.expires),
        Some(date(2026, 12, 1))
    );
}

#[test]
fn one_mute_by_name_mutes_every_key_of_that_name() {
    let policy = mute("rotation-due", &by_key("Backup sync"), None);
    let report = run_with(vec![old("Backup sync", 1), old("backup SYNC", 2)], &policy);
    assert!(
        of_rule(&report, RuleCode::RotationDue)
            .iter()
            .all(|f| f.status == FindingStatus::Muted)
    );
    assert_eq!(report.summary.muted, 2);
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
}

#[test]
fn blank_names_are_muted_by_fingerprint_only() {
    let policy = mute("unnamed-key", &by_key(&fp(1).masked()), None);
    let report = run_with(vec![key("", 1), key(" ", 2)], &policy);
    let statuses: Vec<_> = of_rule(&report, RuleCode::UnnamedKey)
        .iter()
        .map(|f| (f.key.fingerprint.clone(), f.status))
        .collect();
    assert!(statuses.contains(&(Some(fp(1)), FindingStatus::Muted)));
    assert!(statuses.contains(&(Some(fp(2)), FindingStatus::Open)));
}

#[test]
fn exposed_secret_of_an_unlisted_fingerprint_can_be_muted() {
    let mut inv = inventory(vec![key("Backup sync", 1)]);
    inv.exposures = vec![exposure(9, "notes.txt", 4)];
    let policy = keyaudit_engine::parse_policy(
        "keyaudit.toml",
        &mute("exposed-secret", &by_key(fp(9).as_str()), None),
    )
    .unwrap();
    let report = run_inventory(&inv, &policy);
    assert_eq!(
        only(&report, RuleCode::ExposedSecret).status,
        FindingStatus::Muted
    );
}
