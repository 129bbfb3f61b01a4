//! Forecast scenarios: when IT Glue warns about and revokes each live key.

use crate::support::fixtures::*;
use chrono::TimeDelta;
use keyaudit_engine::{Attribution, AuditInput, UsageEvidence, ValidPolicy, audit};
use keyaudit_model::{
    ApiKey, ForecastBasis, KeyState, LastUse, RuleCode, UsageSource, WindowOrigin,
};

fn names(report: &keyaudit_model::AuditReport) -> Vec<&str> {
    report
        .forecast
        .iter()
        .map(|e| e.key.name.as_str())
        .collect()
}

#[test]
fn dates_count_from_the_last_use_soonest_first() {
    let report = run(vec![
        ApiKey {
            last_used: LastUse::At(days_ago(20)),
            ..key("Datto RMM - device sync - NOC", 2)
        },
        ApiKey {
            last_used: LastUse::At(days_ago(85)),
            ..key("HaloPSA - ticket sync - Service desk", 3)
        },
        ApiKey {
            last_used: LastUse::At(days_ago(95)),
            ..key("Veeam - backup reports - Backup team", 4)
        },
    ]);
    assert_eq!(
        names(&report),
        [
            "Veeam - backup reports - Backup team",
            "HaloPSA - ticket sync - Service desk",
            "Datto RMM - device sync - NOC",
        ]
    );
    let halo = &report.forecast[1];
    assert_eq!(halo.basis, ForecastBasis::LastUse);
    assert_eq!(halo.last_used_at, Some(days_ago(85)));
    // as of 2026-12-01: last use 2026-09-07, + 90 days = 2026-12-06.
    assert_eq!(halo.revoked_on, Some(date(2026, 12, 6)));
    assert_eq!(halo.warning_on, Some(date(2026, 11, 26)));
    assert_eq!(halo.days_left, Some(5));
    assert_eq!(halo.owner.as_deref(), Some("J. Smith"));
    // Past the revocation day: listed, with the days counted down below zero.
    assert_eq!(report.forecast[0].days_left, Some(-5));
}

#[test]
fn revocation_day_is_the_one_idle_key_reports() {
    let report = run(vec![idle(85)]);
    let finding = only(&report, RuleCode::IdleKey);
    assert_eq!(
        report.forecast[0].revoked_on,
        finding.evidence.revocation_date
    );
    assert_eq!(
        report.forecast[0].revoked_on,
        report.keys[0].revocation_date
    );
}

#[test]
fn the_policys_revocation_period_is_used() {
    let report = run_with(
        vec![idle(10)],
        "[idle]\nwarn_after_days = 20\nhigh_after_days = 25\nrevoke_after_days = 30\n",
    );
    let entry = &report.forecast[0];
    assert_eq!(
        entry.revoked_on,
        Some((days_ago(10) + TimeDelta::days(30)).date_naive())
    );
    assert_eq!(entry.days_left, Some(20));
    assert_eq!(
        entry.warning_on,
        Some((days_ago(10) + TimeDelta::days(20)).date_naive())
    );
}

#[test]
fn revoked_keys_are_left_out_and_paused_keys_kept() {
    let report = run(vec![
        in_state(key("Old sync - J. Smith", 2), KeyState::Revoked),
        in_state(key("Paused sync - J. Smith", 3), KeyState::Paused),
    ]);
    assert_eq!(names(&report), ["Paused sync - J. Smith"]);
    assert_eq!(report.forecast[0].state, KeyState::Paused);
}

#[test]
fn keys_without_usage_evidence_come_last_without_dates() {
    let report = run(vec![
        ApiKey {
            last_used: LastUse::Unknown,
            ..key("Alpha sync - J. Smith", 2)
        },
        ApiKey {
            last_used: LastUse::Never,
            ..key("Beta sync - J. Smith", 3)
        },
        key("Zulu sync - J. Smith", 4),
    ]);
    assert_eq!(
        names(&report),
        [
            "Zulu sync - J. Smith",
            "Alpha sync - J. Smith",
            "Beta sync - J. Smith"
        ]
    );
    for entry in &report.forecast[1..] {
        assert_eq!(entry.basis, ForecastBasis::Unknown);
        assert_eq!(
            (entry.warning_on, entry.revoked_on, entry.days_left),
            (None, None, None)
        );
    }
}

#[test]
fn silence_since_the_window_start_gives_the_latest_revocation_day() {
    let keys = vec![ApiKey {
        last_used: LastUse::Unknown,
        created_at: None,
        ..key("Liongard inventory - NOC", 2)
    }];
    let inventory = inventory(keys);
    let policy = ValidPolicy::default();
    let start = days_ago(60);
    let evidence = UsageEvidence {
        sources: vec![UsageSource {
            path: "logs.jsonl".into(),
            format: "jsonl".into(),
            start: Some(start),
            end: Some(as_of()),
            origin: WindowOrigin::Declared,
            complete: true,
            events: 0,
            digest: None,
        }],
        tally: Attribution::new(&inventory, &policy).tally(),
    };
    let report = audit(
        &AuditInput {
            inventory: &inventory,
            usage: Some(&evidence),
        },
        &policy,
        as_of(),
    );
    let entry = &report.forecast[0];
    assert_eq!(entry.basis, ForecastBasis::WindowStart);
    assert_eq!(entry.last_used_at, None);
    assert_eq!(
        entry.revoked_on,
        Some((start + TimeDelta::days(90)).date_naive())
    );
    assert_eq!(entry.days_left, Some(30));
    // idle-key names the same day as the latest.
    let finding = only(&report, RuleCode::IdleKey);
    let day = entry.revoked_on.unwrap().to_string();
    assert!(finding.message.contains(&day), "{}", finding.message);
}

#[test]
fn an_empty_inventory_has_an_empty_forecast_in_json() {
    let report = run(vec![]);
    assert!(report.forecast.is_empty());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["forecast"], serde_json::json!([]));
}

#[test]
fn forecast_is_independent_of_inventory_order() {
    let keys = vec![idle(30), key("Zulu sync - J. Smith", 4), idle(70)];
    let mut reversed = keys.clone();
    reversed.reverse();
    assert_eq!(run(keys).forecast, run(reversed).forecast);
}
