//! Comparisons of reports: `diff`, the baseline marks of `annotate` and the
//! runs and notes of `history`.

use chrono::TimeDelta;
use keyaudit_engine::compare::{annotate, diff, history};
use keyaudit_model::{
    ApiKey, AuditReport, Change, DIFF_SCHEMA, Delta, FindingDiff, HISTORY_SCHEMA, HistoryNote,
    RuleCode, Severity,
};

use crate::support::fixtures::*;

fn with_password_access(mut key: ApiKey) -> ApiKey {
    key.password_access = Some(true);
    key
}

fn idle_key(name: &str, n: u32, days: i64) -> ApiKey {
    let mut key = key(name, n);
    key.last_used = keyaudit_model::LastUse::At(days_ago(days));
    key
}

/// Last month: a clean key (removed since), Password Access on HaloPSA, a
/// key idle for 50 days (medium).
fn last_month() -> AuditReport {
    run(vec![
        key("Backup sync - J. Smith", 1),
        with_password_access(key("HaloPSA - J. Smith", 2)),
        idle_key("ConnectWise - J. Smith", 3, 50),
    ])
}

/// This month: the clean key is gone, HaloPSA unchanged, the idle key now
/// idle for 85 days (high), and a new key with Password Access.
fn this_month() -> AuditReport {
    run(vec![
        with_password_access(key("HaloPSA - J. Smith", 2)),
        idle_key("ConnectWise - J. Smith", 3, 85),
        with_password_access(key("Datto RMM - J. Smith", 4)),
    ])
}

fn finding<'d>(findings: &'d [FindingDiff], rule: RuleCode, key: &str) -> &'d FindingDiff {
    findings
        .iter()
        .find(|f| f.rule == rule && f.key.name == key)
        .unwrap_or_else(|| panic!("no {rule} finding on {key}: {findings:#?}"))
}

#[test]
fn diff_matches_keys_by_identity_and_findings_by_id() {
    let (old, new) = (last_month(), this_month());
    let d = diff(&old, &new);
    assert_eq!(d.schema, DIFF_SCHEMA);
    let names = |keys: &[keyaudit_model::KeyRef]| -> Vec<String> {
        keys.iter().map(|k| k.name.clone()).collect()
    };
    assert_eq!(names(&d.keys_added), ["Datto RMM - J. Smith"]);
    assert_eq!(names(&d.keys_removed), ["Backup sync - J. Smith"]);

    let halo = finding(&d.findings, RuleCode::PasswordAccess, "HaloPSA - J. Smith");
    assert_eq!(
        (halo.change, halo.delta),
        (Change::Persisting, Some(Delta::Unchanged))
    );
    let idle = finding(&d.findings, RuleCode::IdleKey, "ConnectWise - J. Smith");
    assert_eq!(
        (idle.change, idle.delta),
        (Change::Changed, Some(Delta::Worsened))
    );
    assert_eq!(idle.old.map(|s| s.severity), Some(Severity::Medium));
    assert_eq!(idle.new.map(|s| s.severity), Some(Severity::High));
    let datto = finding(
        &d.findings,
        RuleCode::PasswordAccess,
        "Datto RMM - J. Smith",
    );
    assert_eq!((datto.change, datto.delta), (Change::New, Some(Delta::New)));
    assert!(datto.old.is_none());

    // New and changed first, persisting last; the gate sees new and worse.
    assert_eq!(
        d.findings.last().map(|f| f.change),
        Some(Change::Persisting)
    );
    let gate: Vec<&str> = d.new_or_worsened().map(|f| f.key.name.as_str()).collect();
    // Both high: by rule, idle-key before password-access.
    assert_eq!(gate, ["ConnectWise - J. Smith", "Datto RMM - J. Smith"]);
    assert_eq!(
        (
            d.summary.keys_added,
            d.summary.keys_removed,
            d.summary.worsened
        ),
        (1, 1, 1)
    );

    // The other way round: the new finding is resolved.
    let back = diff(&new, &old);
    let datto = finding(
        &back.findings,
        RuleCode::PasswordAccess,
        "Datto RMM - J. Smith",
    );
    assert_eq!((datto.change, datto.delta), (Change::Resolved, None));
    assert_eq!(back.summary.resolved, d.summary.new);
}

#[test]
fn annotate_marks_each_finding_against_the_baseline() {
    let baseline = last_month();
    let mut report = this_month();
    annotate(&mut report, &baseline, "reports/last-month.json");
    let delta = |rule, key: &str| {
        report
            .findings
            .iter()
            .find(|f| f.rule == rule && f.key.name == key)
            .and_then(|f| f.delta)
    };
    assert_eq!(
        delta(RuleCode::PasswordAccess, "HaloPSA - J. Smith"),
        Some(Delta::Unchanged)
    );
    assert_eq!(
        delta(RuleCode::IdleKey, "ConnectWise - J. Smith"),
        Some(Delta::Worsened)
    );
    assert_eq!(
        delta(RuleCode::PasswordAccess, "Datto RMM - J. Smith"),
        Some(Delta::New)
    );
    let recorded = report.baseline.as_ref().expect("the baseline is recorded");
    assert_eq!(recorded.path, "reports/last-month.json");
    assert_eq!(recorded.as_of, baseline.as_of);
}

#[test]
fn history_counts_runs_in_time_order_and_notes_what_the_reader_should_know() {
    let mut september = last_month();
    september.as_of = as_of() - TimeDelta::days(30);
    let october = this_month();
    let mut other_account = this_month();
    for key in &mut other_account.keys {
        key.account = Some("northwind".to_owned());
    }
    // Given out of order: history sorts by as-of time, then path.
    let h = history(vec![
        ("b/october.json".to_owned(), october),
        ("a/september.json".to_owned(), september),
        ("c/northwind.json".to_owned(), other_account),
    ]);
    assert_eq!(h.schema, HISTORY_SCHEMA);
    let runs: Vec<(&str, Option<usize>, Option<usize>)> = h
        .runs
        .iter()
        .map(|r| (r.path.as_str(), r.new, r.resolved))
        .collect();
    assert_eq!(
        runs,
        [
            ("a/september.json", None, None),
            // Datto's Password Access and ConnectWise's idle-key (its
            // severity changed, its id did not): one new, none resolved.
            ("b/october.json", Some(1), Some(0)),
            ("c/northwind.json", Some(0), Some(0)),
        ]
    );
    assert_eq!(h.runs[1].open_of(Severity::High), 3);
    assert_eq!(
        h.notes,
        [
            HistoryNote::SameAsOf {
                before: "b/october.json".to_owned(),
                path: "c/northwind.json".to_owned(),
                as_of: as_of(),
            },
            HistoryNote::OtherAccounts {
                path: "c/northwind.json".to_owned(),
                accounts: vec!["northwind".to_owned()],
                before: "b/october.json".to_owned(),
                before_accounts: Vec::new(),
            },
        ]
    );
    assert_eq!(
        h.notes[1].to_string(),
        "c/northwind.json covers accounts northwind, the run before (b/october.json) (none named): its new and resolved counts compare different sets of keys."
    );
}
