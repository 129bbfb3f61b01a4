//! Shared builders for the engine's scenario tests.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use keyaudit_engine::{AuditInput, ValidPolicy, audit, parse_policy};
use keyaudit_model::{
    ApiKey, AuditReport, Exposure, Finding, Inventory, KeyFingerprint, KeyState, LastUse, RuleCode,
    Severity, SourceLocation,
};

/// The audit time of every scenario.
pub fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()
}

pub fn days_ago(days: i64) -> DateTime<Utc> {
    as_of() - TimeDelta::days(days)
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A fingerprint made from a small number.
pub fn fp(n: u32) -> KeyFingerprint {
    KeyFingerprint::parse(&format!("ITG.{n:032x}")).unwrap()
}

/// A well-kept active key: descriptive name, fingerprint, used yesterday,
/// no Password Access, created 200 days ago (inside the rotation period).
pub fn key(name: &str, n: u32) -> ApiKey {
    ApiKey {
        fingerprint: Some(fp(n)),
        password_access: Some(false),
        created_at: Some(days_ago(200)),
        last_used: LastUse::At(days_ago(1)),
        owner: Some("J. Smith".into()),
        ..ApiKey::named(name)
    }
}

pub fn idle(days: i64) -> ApiKey {
    ApiKey {
        last_used: LastUse::At(days_ago(days)),
        ..key("Backup sync - J. Smith", 1)
    }
}

pub fn in_state(mut key: ApiKey, state: KeyState) -> ApiKey {
    key.state = state;
    key
}

pub fn inventory(keys: Vec<ApiKey>) -> Inventory {
    Inventory {
        keys,
        ..Inventory::default()
    }
}

pub fn exposure(n: u32, file: &str, row: usize) -> Exposure {
    Exposure {
        fingerprint: fp(n),
        location: SourceLocation::row(file, row).with_column("Key"),
    }
}

pub fn run(keys: Vec<ApiKey>) -> AuditReport {
    run_inventory(&inventory(keys), &ValidPolicy::default())
}

pub fn run_with(keys: Vec<ApiKey>, policy: &str) -> AuditReport {
    let policy = parse_policy("keyaudit.toml", policy).unwrap();
    run_inventory(&inventory(keys), &policy)
}

pub fn run_inventory(inventory: &Inventory, policy: &ValidPolicy) -> AuditReport {
    audit(
        &AuditInput {
            inventory,
            usage: None,
        },
        policy,
        as_of(),
    )
}

/// The findings of one rule.
pub fn of_rule(report: &AuditReport, rule: RuleCode) -> Vec<&Finding> {
    report.findings.iter().filter(|f| f.rule == rule).collect()
}

/// The only finding of one rule; panics when there are none or several.
pub fn only(report: &AuditReport, rule: RuleCode) -> &Finding {
    let found = of_rule(report, rule);
    assert_eq!(
        found.len(),
        1,
        "expected one {rule} finding, got {found:#?}"
    );
    found[0]
}

/// (rule, severity) of every finding, in report order.
pub fn rules(report: &AuditReport) -> Vec<(RuleCode, Severity)> {
    report
        .findings
        .iter()
        .map(|f| (f.rule, f.severity))
        .collect()
}
