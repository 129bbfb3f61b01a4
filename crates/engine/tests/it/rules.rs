//! Rule scenarios: one test per scenario, on inventories built in code.

use std::collections::BTreeMap;

use crate::support::fixtures::*;
use keyaudit_model::{
    Allowance, ApiKey, DiagnosticLevel, KeyState, LastUse, LastUsedSource, RuleCode, Severity,
    SourceLocation,
};

// ---------------------------------------------------------------- idle-key

#[test]
fn idle_44_days_is_not_reported() {
    let report = run(vec![idle(44)]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.keys[0].days_idle, Some(44));
}

#[test]
fn idle_45_days_is_medium_with_full_evidence() {
    let report = run(vec![idle(45)]);
    let f = only(&report, RuleCode::IdleKey);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.base_severity, Severity::Medium);
    assert_eq!(f.evidence.days_idle, Some(45));
    assert_eq!(f.evidence.threshold_days, Some(45));
    assert_eq!(f.evidence.last_used_at, Some(days_ago(45)));
    assert_eq!(f.evidence.last_used_source, Some(LastUsedSource::Inventory));
    assert_eq!(f.evidence.revocation_date, Some(date(2027, 1, 15)));
    assert_eq!(
        f.message,
        "Last used 2026-10-17, 45 days ago; IT Glue revokes keys idle for 90 days (on 2027-01-15)."
    );
}

#[test]
fn idle_just_under_45_days_rounds_down_to_44() {
    let mut key = idle(45);
    key.last_used = LastUse::At(days_ago(45) + chrono::TimeDelta::minutes(1));
    let report = run(vec![key]);
    assert!(of_rule(&report, RuleCode::IdleKey).is_empty());
    assert_eq!(report.keys[0].days_idle, Some(44));
}

#[test]
fn idle_79_days_is_medium() {
    let report = run(vec![idle(79)]);
    let f = only(&report, RuleCode::IdleKey);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.evidence.threshold_days, Some(45));
}

#[test]
fn idle_80_days_is_high() {
    let report = run(vec![idle(80)]);
    let f = only(&report, RuleCode::IdleKey);
    assert_eq!(f.severity, Severity::High);
    // The high tier escalates from the rule's base severity.
    assert_eq!(f.base_severity, Severity::Medium);
    assert_eq!(f.evidence.threshold_days, Some(80));
}

#[test]
fn idle_89_days_gives_the_coming_revocation_date() {
    let report = run(vec![idle(89)]);
    let f = only(&report, RuleCode::IdleKey);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.evidence.revocation_date, Some(date(2026, 12, 2)));
    assert_eq!(
        f.message,
        "Last used 2026-09-03, 89 days ago; IT Glue revokes keys idle for 90 days (on 2026-12-02)."
    );
}

#[test]
fn idle_90_days_says_the_key_should_already_be_revoked() {
    let report = run(vec![idle(90)]);
    let f = only(&report, RuleCode::IdleKey);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.evidence.revocation_date, Some(date(2026, 12, 1)));
    assert!(
        f.message
            .contains("should already have revoked this key (on 2026-12-01)"),
        "{}",
        f.message
    );
    assert!(f.message.contains("check that the inventory is current"));
}

#[test]
fn idle_thresholds_come_from_the_policy() {
    let policy = "[idle]\nwarn_after_days = 10\nhigh_after_days = 20\nrevoke_after_days = 30\n";
    let report = run_with(vec![idle(9)], policy);
    assert!(report.findings.is_empty());
    let report = run_with(vec![idle(10)], policy);
    assert_eq!(rules(&report), [(RuleCode::IdleKey, Severity::Medium)]);
    let report = run_with(vec![idle(20)], policy);
    let f = only(&report, RuleCode::IdleKey);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.evidence.revocation_date, Some(date(2026, 12, 11)));
}

#[test]
fn last_use_after_as_of_counts_as_zero_days_idle() {
    let mut key = idle(0);
    key.last_used = LastUse::At(days_ago(-3));
    let report = run(vec![key]);
    assert!(report.findings.is_empty());
    assert_eq!(report.keys[0].days_idle, Some(0));
}

// ------------------------------------------------------------- never-used

fn never_used(created_days_ago: Option<i64>) -> ApiKey {
    ApiKey {
        last_used: LastUse::Never,
        created_at: created_days_ago.map(days_ago),
        ..key("Backup sync - J. Smith", 1)
    }
}

#[test]
fn never_used_within_grace_is_not_reported() {
    let report = run(vec![never_used(Some(6))]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(report.keys[0].never_used);
}

#[test]
fn never_used_at_end_of_grace_is_medium() {
    let report = run(vec![never_used(Some(7))]);
    let f = only(&report, RuleCode::NeverUsed);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.evidence.age_days, Some(7));
    assert_eq!(f.evidence.threshold_days, Some(7));
    assert_eq!(f.evidence.created_at, Some(days_ago(7)));
    assert_eq!(
        f.message,
        "This key has never been used, and it was created on 2026-11-24, 7 days ago."
    );
    assert_eq!(report.findings.len(), 1, "no idle or no-usage finding too");
}

#[test]
fn never_used_with_unknown_creation_is_reported() {
    let report = run(vec![never_used(None)]);
    let f = only(&report, RuleCode::NeverUsed);
    assert_eq!(
        f.message,
        "This key has never been used, and its creation date is unknown."
    );
}

#[test]
fn never_used_grace_comes_from_the_policy() {
    let report = run_with(
        vec![never_used(Some(0))],
        "[idle]\nnever_used_grace_days = 0\n",
    );
    assert_eq!(rules(&report), [(RuleCode::NeverUsed, Severity::Medium)]);
    let report = run_with(
        vec![never_used(Some(29))],
        "[idle]\nnever_used_grace_days = 30\n",
    );
    assert!(report.findings.is_empty());
}

// ------------------------------------------------------ no-usage-evidence

#[test]
fn unknown_last_use_is_info() {
    let key = ApiKey {
        last_used: LastUse::Unknown,
        ..key("Backup sync - J. Smith", 1)
    };
    let report = run(vec![key]);
    let f = only(&report, RuleCode::NoUsageEvidence);
    assert_eq!(f.severity, Severity::Info);
    assert!(f.message.contains("cannot be judged"), "{}", f.message);
    assert!(f.remediation.contains("Last Used column"));
    assert!(f.remediation.contains("activity-log"));
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.keys[0].days_idle, None);
    assert_eq!(report.keys[0].last_used_source, None);
}

// ------------------------------------------------------------ key states

#[test]
fn paused_key_skips_idle_rules_but_not_naming_or_password_access() {
    let stale = ApiKey {
        password_access: Some(true),
        ..in_state(idle(200), KeyState::Paused)
    };
    let never = in_state(never_used(Some(30)), KeyState::Paused);
    let unknown = ApiKey {
        last_used: LastUse::Unknown,
        ..in_state(key("Test", 3), KeyState::Paused)
    };
    let report = run(vec![stale, never, unknown]);
    let fired: Vec<RuleCode> = report.findings.iter().map(|f| f.rule).collect();
    assert!(!fired.contains(&RuleCode::IdleKey), "{fired:?}");
    assert!(!fired.contains(&RuleCode::NeverUsed), "{fired:?}");
    assert!(!fired.contains(&RuleCode::NoUsageEvidence), "{fired:?}");
    assert!(fired.contains(&RuleCode::PasswordAccess), "{fired:?}");
    assert!(fired.contains(&RuleCode::GenericName), "{fired:?}");
    // The paused keys share a name: duplicate-name covers paused keys.
    assert_eq!(of_rule(&report, RuleCode::DuplicateName).len(), 2);
}

#[test]
fn revoked_key_is_listed_without_findings() {
    let revoked = ApiKey {
        name: "  ".into(),
        password_access: Some(true),
        last_used: LastUse::Never,
        ..in_state(key("", 1), KeyState::Revoked)
    };
    let report = run(vec![revoked]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.keys.len(), 1);
    assert_eq!(report.keys[0].state, KeyState::Revoked);
    assert!(report.keys[0].findings.is_empty());
    assert_eq!(report.keys[0].max_severity, None);
}

// ------------------------------------------------------------ unnamed-key

#[test]
fn empty_name_is_unnamed_high() {
    let report = run(vec![key("", 1)]);
    let f = only(&report, RuleCode::UnnamedKey);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(
        f.message,
        "This key has no name, so no one can tell which integration or owner it belongs to."
    );
    assert!(of_rule(&report, RuleCode::GenericName).is_empty());
}

#[test]
fn whitespace_name_is_unnamed_not_generic() {
    let report = run(vec![key(" \t ", 1)]);
    assert_eq!(rules(&report), [(RuleCode::UnnamedKey, Severity::High)]);
}

// ----------------------------------------------------------- generic-name

fn generic_match(name: &str) -> Option<String> {
    let report = run(vec![key(name, 1)]);
    of_rule(&report, RuleCode::GenericName)
        .first()
        .map(|f| f.evidence.generic_match.clone().unwrap_or_default())
}

#[test]
fn generic_name_ignores_trailing_digits() {
    assert_eq!(generic_match("Test 2").as_deref(), Some("test"));
}

#[test]
fn generic_name_ignores_case_and_trailing_punctuation() {
    assert_eq!(generic_match("API Key!").as_deref(), Some("api key"));
    assert_eq!(generic_match("KEY").as_deref(), Some("key"));
    assert_eq!(generic_match("new key-01").as_deref(), Some("new key"));
    assert_eq!(generic_match("Key #2").as_deref(), Some("key"));
    // Punctuation inside a name is kept: only whitespace is collapsed.
    assert_eq!(generic_match("API-Key!"), None);
    assert_eq!(
        generic_match("  My   Integration Key ").as_deref(),
        Some("my integration key")
    );
}

#[test]
fn generic_name_message_names_the_match() {
    let report = run(vec![key("Test 2", 1)]);
    let f = only(&report, RuleCode::GenericName);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(
        f.message,
        "The name \"Test 2\" is generic (\"test\"), so it does not say which integration or \
         owner the key belongs to."
    );
}

#[test]
fn short_names_are_generic() {
    assert_eq!(
        generic_match("abc").as_deref(),
        Some("shorter than 4 characters")
    );
    assert_eq!(
        generic_match("ab 12").as_deref(),
        Some("shorter than 4 characters")
    );
    assert_eq!(generic_match("Abcd"), None);
}

#[test]
fn min_length_comes_from_the_policy() {
    let report = run_with(vec![key("Backup", 1)], "[naming]\nmin_length = 8\n");
    let f = only(&report, RuleCode::GenericName);
    assert_eq!(
        f.evidence.generic_match.as_deref(),
        Some("shorter than 8 characters")
    );
    let report = run_with(vec![key("abc", 1)], "[naming]\nmin_length = 3\n");
    assert!(report.findings.is_empty());
}

#[test]
fn fingerprint_as_name_is_generic() {
    let name = fp(1).as_str().to_uppercase().replace("ITG", "itg");
    assert_eq!(
        generic_match(&name).as_deref(),
        Some("the key's fingerprint")
    );
    assert_eq!(
        generic_match(&fp(1).masked()).as_deref(),
        Some("the key's masked key")
    );
}

#[test]
fn policy_adds_generic_names() {
    let policy = "[naming]\ngeneric_names = [\"Sync\", \"PSA Link!\"]\n";
    let report = run_with(
        vec![key("sync 3", 1), key("PSA  link", 2), key("Backup sync", 3)],
        policy,
    );
    let matches: Vec<_> = of_rule(&report, RuleCode::GenericName)
        .iter()
        .map(|f| f.evidence.generic_match.clone().unwrap_or_default())
        .collect();
    assert_eq!(matches, ["psa link", "sync"]);
    // Built-ins still apply.
    let report = run_with(vec![key("test", 1)], policy);
    assert_eq!(rules(&report), [(RuleCode::GenericName, Severity::Medium)]);
}

#[test]
fn descriptive_names_are_not_generic() {
    for name in [
        "Backup sync - J. Smith",
        "PSA integration (ACME)",
        "Test automation bot",
    ] {
        assert_eq!(generic_match(name), None, "{name}");
    }
}

// --------------------------------------------------------- duplicate-name

fn in_account(mut key: ApiKey, account: &str) -> ApiKey {
    key.account = Some(account.into());
    key
}

#[test]
fn duplicate_names_in_one_account_are_reported_on_each_key() {
    let report = run(vec![
        in_account(key("Backup Sync", 1), "acme"),
        in_account(key("  backup   sync ", 2), "acme"),
        in_account(key("Other thing", 3), "acme"),
    ]);
    let found = of_rule(&report, RuleCode::DuplicateName);
    assert_eq!(found.len(), 2);
    for f in &found {
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(f.evidence.duplicates.len(), 1);
        assert_ne!(f.evidence.duplicates[0].id, f.key.id);
        assert!(
            f.message
                .starts_with("Another key in account \"acme\" has the same name: "),
            "{}",
            f.message
        );
    }
    let on_first = found
        .iter()
        .find(|f| f.key.fingerprint == Some(fp(1)))
        .unwrap();
    assert_eq!(on_first.evidence.duplicates[0].fingerprint, Some(fp(2)));
    assert!(
        on_first.message.contains(&fp(2).masked()),
        "{}",
        on_first.message
    );
}

#[test]
fn same_name_in_different_accounts_is_not_a_duplicate() {
    let report = run(vec![
        in_account(key("Backup sync", 1), "acme"),
        in_account(key("Backup sync", 2), "globex"),
        key("Backup sync", 3),
    ]);
    assert!(of_rule(&report, RuleCode::DuplicateName).is_empty());
}

#[test]
fn keys_without_account_form_their_own_group() {
    let report = run(vec![
        key("Backup sync", 1),
        key("Backup sync", 2),
        key("Backup sync", 3),
    ]);
    let found = of_rule(&report, RuleCode::DuplicateName);
    assert_eq!(found.len(), 3);
    assert_eq!(found[0].evidence.duplicates.len(), 2);
    assert!(
        found[0]
            .message
            .starts_with("2 other keys with no account have the same name: "),
        "{}",
        found[0].message
    );
}

#[test]
fn revoked_keys_and_blank_names_are_not_duplicates() {
    let report = run(vec![
        key("Backup sync", 1),
        in_state(key("Backup sync", 2), KeyState::Revoked),
        key("", 3),
        key(" ", 4),
    ]);
    assert!(of_rule(&report, RuleCode::DuplicateName).is_empty());
}

// -------------------------------------------------------- password-access

fn with_password_access(key: ApiKey) -> ApiKey {
    ApiKey {
        password_access: Some(true),
        ..key
    }
}

#[test]
fn password_access_without_allowance_is_high() {
    let report = run(vec![with_password_access(key("Vault export", 1))]);
    let f = only(&report, RuleCode::PasswordAccess);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.base_severity, Severity::High);
    assert_eq!(f.evidence.password_access, Some(true));
    assert_eq!(f.evidence.allowance, None);
    assert!(f.evidence.escalated_by.is_empty());
    assert_eq!(
        f.message,
        "This key has Password Access, so it can read every password in the account, and no \
         allowance in the policy covers it."
    );
    assert!(f.remediation.contains("untick Password Access"));
}

#[test]
fn no_password_access_is_not_reported() {
    let report = run(vec![key("Backup sync", 2)]);
    assert!(report.findings.is_empty());
}

// ------------------------------------------------ password-access-unknown

fn with_unknown_access(key: ApiKey) -> ApiKey {
    ApiKey {
        password_access: None,
        ..key
    }
}

#[test]
fn unknown_password_access_is_medium_and_never_read_as_no() {
    let report = run(vec![with_unknown_access(key("Vault export", 1))]);
    let f = only(&report, RuleCode::PasswordAccessUnknown);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.base_severity, Severity::Medium);
    assert_eq!(f.evidence.password_access, None);
    assert!(f.evidence.escalated_by.is_empty());
    assert_eq!(
        f.message,
        "The inventory does not say whether this key has Password Access (its cell is empty, or \
         no inventory file has the column), so whether it can read every password in the \
         account cannot be verified."
    );
    assert!(
        f.remediation.contains("keyaudit capture-snippet"),
        "{}",
        f.remediation
    );
    let pa = keyaudit_engine::rules::get(RuleCode::PasswordAccess).unwrap();
    let controls: Vec<String> = f.compliance.iter().map(ToString::to_string).collect();
    let expected: Vec<String> = pa
        .compliance_refs()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(controls, expected, "the same controls as password-access");
    assert_eq!(report.keys[0].password_access, None);
}

#[test]
fn unknown_password_access_is_not_judged_by_the_password_access_rules() {
    // Unnamed, never used: a key with Password Access would be critical.
    let key = ApiKey {
        last_used: LastUse::Never,
        created_at: Some(days_ago(30)),
        ..with_unknown_access(key("", 1))
    };
    let report = run(vec![key, with_unknown_access(idle(85))]);
    assert!(of_rule(&report, RuleCode::PasswordAccess).is_empty());
    assert!(of_rule(&report, RuleCode::UnusedPasswordAccess).is_empty());
    let unknown: Vec<Severity> = of_rule(&report, RuleCode::PasswordAccessUnknown)
        .iter()
        .map(|f| f.severity)
        .collect();
    assert_eq!(
        unknown,
        [Severity::Medium, Severity::Medium],
        "no escalation"
    );
}

#[test]
fn unknown_password_access_on_live_keys_only() {
    let report = run(vec![
        with_unknown_access(in_state(key("Paused sync", 1), KeyState::Paused)),
        with_unknown_access(in_state(key("Old sync", 2), KeyState::Revoked)),
    ]);
    let f = only(&report, RuleCode::PasswordAccessUnknown);
    assert_eq!(f.key.name, "Paused sync");
}

#[test]
fn an_allowance_in_force_covers_unknown_password_access() {
    let report = run_with(
        vec![with_unknown_access(key("Vault export", 1))],
        ALLOW_VAULT,
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // From the expiry day on, the allowance no longer covers it.
    let policy = ALLOW_VAULT.replace("2026-12-02", "2026-12-01");
    let report = run_with(vec![with_unknown_access(key("Vault export", 1))], &policy);
    assert_eq!(
        of_rule(&report, RuleCode::PasswordAccessUnknown).len(),
        1,
        "{:#?}",
        report.findings
    );
}

const ALLOW_VAULT: &str = "[[password_access.allow]]\n\
    key = \" vault EXPORT \"\n\
    reason = \"nightly encrypted export of passwords\"\n\
    expires = 2026-12-02\n";

#[test]
fn allowance_by_name_applies_the_day_before_expiry() {
    let report = run_with(
        vec![with_password_access(key("Vault export", 1))],
        ALLOW_VAULT,
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(report.diagnostics.is_empty());
}

#[test]
fn allowance_by_fingerprint_applies() {
    let policy = format!(
        "[[password_access.allow]]\nkey = \"{}\"\nreason = \"export\"\n",
        fp(1).as_str().to_uppercase()
    );
    let report = run_with(vec![with_password_access(key("Vault export", 1))], &policy);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let masked = format!(
        "[[password_access.allow]]\nkey = \"{}\"\nreason = \"export\"\n",
        fp(1).masked()
    );
    let report = run_with(vec![with_password_access(key("Vault export", 1))], &masked);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn allowance_expires_on_its_expiry_day() {
    let policy = ALLOW_VAULT.replace("2026-12-02", "2026-12-01");
    let report = run_with(vec![with_password_access(key("Vault export", 1))], &policy);
    let f = only(&report, RuleCode::PasswordAccess);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(
        f.evidence.allowance,
        Some(Allowance {
            reason: "nightly encrypted export of passwords".into(),
            expires: Some(date(2026, 12, 1)),
            expired: true,
        })
    );
    assert_eq!(
        f.message,
        "This key has Password Access, so it can read every password in the account, and its \
         allowance (\"nightly encrypted export of passwords\") expired on 2026-12-01."
    );
}

#[test]
fn a_live_allowance_wins_over_an_expired_one() {
    let policy = format!(
        "{}\n{}",
        ALLOW_VAULT.replace("2026-12-02", "2026-01-01"),
        ALLOW_VAULT.replace("expires = 2026-12-02\n", "")
    );
    let report = run_with(vec![with_password_access(key("Vault export", 1))], &policy);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn allowance_does_not_match_other_names() {
    let report = run_with(
        vec![
            with_password_access(key("Vault export 2", 1)),
            key("Vault export", 2),
        ],
        ALLOW_VAULT,
    );
    assert_eq!(of_rule(&report, RuleCode::PasswordAccess).len(), 1);
}

#[test]
fn allowance_matching_no_key_is_a_warning() {
    let report = run_with(vec![key("Backup sync", 1)], ALLOW_VAULT);
    assert_eq!(report.diagnostics.len(), 1);
    let d = &report.diagnostics[0];
    assert_eq!(d.level, DiagnosticLevel::Warning);
    assert_eq!(
        d.message,
        "Password Access allowance for \"vault EXPORT\" matches no key in the inventory"
    );
    assert_eq!(d.location, Some(SourceLocation::row("keyaudit.toml", 1)));
}

fn escalation(key: ApiKey) -> (Severity, Severity, Vec<RuleCode>, String) {
    let report = run(vec![with_password_access(key)]);
    let f = only(&report, RuleCode::PasswordAccess);
    (
        f.severity,
        f.base_severity,
        f.evidence.escalated_by.clone(),
        f.message.clone(),
    )
}

#[test]
fn password_access_on_unnamed_key_is_critical() {
    let (severity, base, by, message) = escalation(key("", 1));
    assert_eq!((severity, base), (Severity::Critical, Severity::High));
    assert_eq!(by, [RuleCode::UnnamedKey]);
    assert!(
        message.ends_with("; it is critical because the key is also unnamed."),
        "{message}"
    );
}

#[test]
fn password_access_on_generic_key_is_critical() {
    let (severity, base, by, _) = escalation(key("API key", 1));
    assert_eq!((severity, base), (Severity::Critical, Severity::High));
    assert_eq!(by, [RuleCode::GenericName]);
}

#[test]
fn password_access_on_never_used_key_is_critical() {
    let (severity, _, by, _) = escalation(never_used(Some(30)));
    assert_eq!(severity, Severity::Critical);
    assert_eq!(by, [RuleCode::NeverUsed]);
}

#[test]
fn password_access_on_high_idle_key_is_critical() {
    let (severity, _, by, message) = escalation(idle(80));
    assert_eq!(severity, Severity::Critical);
    assert_eq!(by, [RuleCode::IdleKey]);
    assert!(
        message.ends_with("because the key is also idle for 80 days."),
        "{message}"
    );
}

#[test]
fn password_access_on_medium_idle_key_stays_high() {
    let (severity, _, by, _) = escalation(idle(79));
    assert_eq!(severity, Severity::High);
    assert!(by.is_empty());
}

#[test]
fn escalation_lists_every_reason() {
    let key = ApiKey {
        last_used: LastUse::At(days_ago(85)),
        ..key("Test", 1)
    };
    let (severity, _, by, message) = escalation(key);
    assert_eq!(severity, Severity::Critical);
    assert_eq!(by, [RuleCode::GenericName, RuleCode::IdleKey]);
    assert!(
        message.ends_with("generically named and idle for 85 days."),
        "{message}"
    );
}

#[test]
fn password_access_on_paused_key_is_reported_without_idle_escalation() {
    let report = run(vec![with_password_access(in_state(
        idle(200),
        KeyState::Paused,
    ))]);
    assert_eq!(rules(&report), [(RuleCode::PasswordAccess, Severity::High)]);
}

// --------------------------------------------------------- exposed-secret

#[test]
fn exposed_secret_is_one_critical_finding_with_every_location() {
    let mut inventory = inventory(vec![key("Backup sync", 1)]);
    inventory.exposures = vec![
        exposure(1, "keys.csv", 7),
        exposure(1, "keys.csv", 3),
        exposure(1, "keys.csv", 3),
    ];
    let report = run_inventory(&inventory, &Default::default());
    let f = only(&report, RuleCode::ExposedSecret);
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.key.fingerprint, Some(fp(1)));
    assert_eq!(f.key.name, "Backup sync");
    assert_eq!(
        f.evidence.locations,
        [
            SourceLocation::row("keys.csv", 3).with_column("Key"),
            SourceLocation::row("keys.csv", 7).with_column("Key"),
        ]
    );
    assert_eq!(
        f.message,
        "A full, unmasked copy of this key appears in the input (keys.csv:3, column \"Key\"; \
         keys.csv:7, column \"Key\"), so the key must be treated as compromised."
    );
    assert!(f.remediation.starts_with("Revoke this key in IT Glue now"));
    assert!(f.remediation.contains("remove the secret from the file"));
    assert_eq!(report.exposures.len(), 2, "exposures are deduplicated");
}

#[test]
fn exposed_secret_applies_to_a_revoked_key() {
    let mut inventory = inventory(vec![in_state(key("Old sync", 1), KeyState::Revoked)]);
    inventory.exposures = vec![exposure(1, "keys.csv", 2)];
    let report = run_inventory(&inventory, &Default::default());
    assert_eq!(
        rules(&report),
        [(RuleCode::ExposedSecret, Severity::Critical)]
    );
    assert_eq!(report.keys[0].findings, [RuleCode::ExposedSecret]);
    assert_eq!(report.keys[0].max_severity, Some(Severity::Critical));
}

#[test]
fn exposed_secret_of_an_unknown_fingerprint_gets_its_own_key_ref() {
    let mut inventory = inventory(vec![key("Backup sync", 1)]);
    inventory.exposures = vec![exposure(9, "notes.txt", 4)];
    let report = run_inventory(&inventory, &Default::default());
    let f = only(&report, RuleCode::ExposedSecret);
    assert_eq!(f.key.name, "");
    assert_eq!(f.key.account, None);
    assert_eq!(f.key.fingerprint, Some(fp(9)));
    assert_eq!(f.id, format!("exposed-secret:{}", f.key.id));
    assert_eq!(
        report.keys.len(),
        1,
        "no key record for an unlisted fingerprint"
    );
    assert_eq!(report.summary.keys, 1);
    // Its id is the one the key would have if it were listed.
    let listed = run(vec![key("", 9)]);
    assert_eq!(listed.keys[0].id, f.key.id);
}

// ----------------------------------------------------------- rotation-due

fn created(days: i64) -> ApiKey {
    ApiKey {
        created_at: Some(days_ago(days)),
        ..key("Backup sync - J. Smith", 1)
    }
}

#[test]
fn rotation_364_days_is_not_due() {
    let report = run(vec![created(364)]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn rotation_365_days_is_due_low_with_evidence() {
    let report = run(vec![created(365)]);
    let f = only(&report, RuleCode::RotationDue);
    assert_eq!(
        (f.severity, f.base_severity),
        (Severity::Low, Severity::Low)
    );
    assert_eq!(f.evidence.created_at, Some(days_ago(365)));
    assert_eq!(f.evidence.age_days, Some(365));
    assert_eq!(f.evidence.threshold_days, Some(365));
    assert_eq!(
        f.message,
        "This key was created on 2025-12-01, 365 days ago; the policy asks for keys to be \
         rotated every 365 days."
    );
    assert!(
        f.remediation.contains("generate a new key"),
        "{}",
        f.remediation
    );
    let controls: Vec<String> = f.compliance.iter().map(ToString::to_string).collect();
    assert_eq!(
        controls,
        [
            "NIST SP 800-53 r5 IA-5(f)",
            "PCI DSS 4.0 8.6.3",
            "ISO/IEC 27001:2022 A.5.17"
        ]
    );
    assert_eq!(report.findings.len(), 1);
}

#[test]
fn rotation_counts_whole_days() {
    let mut key = created(365);
    key.created_at = Some(days_ago(365) + chrono::TimeDelta::minutes(1));
    let report = run(vec![key]);
    assert!(of_rule(&report, RuleCode::RotationDue).is_empty());
}

#[test]
fn rotation_with_unknown_creation_is_not_judged() {
    let key = ApiKey {
        created_at: None,
        ..created(1000)
    };
    let report = run(vec![key]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn rotation_skips_revoked_keys_but_not_paused_ones() {
    let report = run(vec![in_state(created(1000), KeyState::Revoked)]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let report = run(vec![in_state(created(1000), KeyState::Paused)]);
    assert_eq!(rules(&report), [(RuleCode::RotationDue, Severity::Low)]);
}

#[test]
fn rotation_period_comes_from_the_policy() {
    let policy = "[rotation]\nmax_age_days = 90\n";
    let report = run_with(vec![created(89)], policy);
    assert!(report.findings.is_empty());
    let report = run_with(vec![created(90)], policy);
    let f = only(&report, RuleCode::RotationDue);
    assert_eq!(f.evidence.threshold_days, Some(90));
    assert!(
        f.message.ends_with("rotated every 90 days."),
        "{}",
        f.message
    );
}

// ------------------------------------------------------ naming-convention

const CONVENTION: &str =
    "[naming]\npattern = '(?P<vendor>[^-]+?) - (?P<purpose>[^-]+?)(?: - (?P<owner>.+))?'\n";

#[test]
fn naming_convention_records_named_groups_of_matching_names() {
    let report = run_with(
        vec![
            key(" Datto RMM - device sync - NOC ", 1),
            key("Veeam - backup reporting", 2),
        ],
        CONVENTION,
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let parts = |name: &str| {
        report
            .keys
            .iter()
            .find(|k| k.name.trim() == name)
            .unwrap()
            .name_parts
            .clone()
    };
    assert_eq!(
        parts("Datto RMM - device sync - NOC"),
        BTreeMap::from([
            ("owner".to_string(), "NOC".to_string()),
            ("purpose".to_string(), "device sync".to_string()),
            ("vendor".to_string(), "Datto RMM".to_string()),
        ])
    );
    // A group that took no part in the match is left out.
    assert_eq!(
        parts("Veeam - backup reporting"),
        BTreeMap::from([
            ("purpose".to_string(), "backup reporting".to_string()),
            ("vendor".to_string(), "Veeam".to_string()),
        ])
    );
}

#[test]
fn naming_convention_flags_names_that_do_not_match_whole() {
    let report = run_with(vec![key("Backup sync", 1)], CONVENTION);
    let f = only(&report, RuleCode::NamingConvention);
    assert_eq!(
        (f.severity, f.base_severity),
        (Severity::Low, Severity::Low)
    );
    assert_eq!(
        f.evidence.pattern.as_deref(),
        Some("(?P<vendor>[^-]+?) - (?P<purpose>[^-]+?)(?: - (?P<owner>.+))?")
    );
    assert_eq!(
        f.message,
        "The name \"Backup sync\" does not match the policy's naming pattern \
         `(?P<vendor>[^-]+?) - (?P<purpose>[^-]+?)(?: - (?P<owner>.+))?`."
    );
    let controls: Vec<String> = f.compliance.iter().map(ToString::to_string).collect();
    assert_eq!(controls, ["CIS Controls v8 5.5"]);
    assert!(report.keys[0].name_parts.is_empty());
    // The pattern is anchored: a match inside the name is not enough.
    let report = run_with(
        vec![key("Backup sync job", 1)],
        "[naming]\npattern = 'sync'\n",
    );
    assert_eq!(
        rules(&report),
        [(RuleCode::NamingConvention, Severity::Low)]
    );
}

#[test]
fn naming_convention_leaves_blank_names_to_unnamed_key() {
    let report = run_with(vec![key("", 1), key("   ", 2)], CONVENTION);
    let fired: Vec<RuleCode> = report.findings.iter().map(|f| f.rule).collect();
    assert_eq!(fired, [RuleCode::UnnamedKey, RuleCode::UnnamedKey]);
}

#[test]
fn naming_convention_never_fires_without_a_pattern() {
    let report = run(vec![key("whatever Name", 1), key("Backup sync", 2)]);
    assert!(of_rule(&report, RuleCode::NamingConvention).is_empty());
    assert!(report.keys.iter().all(|k| k.name_parts.is_empty()));
}

#[test]
fn naming_convention_skips_revoked_keys() {
    let report = run_with(
        vec![in_state(key("Backup sync", 1), KeyState::Revoked)],
        CONVENTION,
    );
    assert!(report.findings.is_empty());
    let report = run_with(
        vec![in_state(key("Backup sync", 1), KeyState::Paused)],
        CONVENTION,
    );
    assert_eq!(
        rules(&report),
        [(RuleCode::NamingConvention, Severity::Low)]
    );
}

#[test]
fn naming_convention_and_generic_name_are_independent() {
    let report = run_with(vec![key("Test", 1)], CONVENTION);
    assert_eq!(
        rules(&report),
        [
            (RuleCode::GenericName, Severity::Medium),
            (RuleCode::NamingConvention, Severity::Low),
        ]
    );
}

// ----------------------------------------------------- severity overrides

/// (severity, base severity) of the only finding of `rule`.
fn severities(report: &keyaudit_model::AuditReport, rule: RuleCode) -> (Severity, Severity) {
    let f = only(report, rule);
    (f.severity, f.base_severity)
}

#[test]
fn override_lowers_generic_name_and_password_access_still_escalates() {
    let report = run_with(
        vec![with_password_access(key("Test", 1))],
        "[severity]\n\"generic-name\" = \"low\"\n",
    );
    assert_eq!(
        severities(&report, RuleCode::GenericName),
        (Severity::Low, Severity::Low)
    );
    assert_eq!(
        severities(&report, RuleCode::PasswordAccess),
        (Severity::Critical, Severity::High)
    );
    assert_eq!(
        only(&report, RuleCode::PasswordAccess)
            .evidence
            .escalated_by,
        [RuleCode::GenericName]
    );
}

#[test]
fn override_of_password_access_base_then_escalation_to_critical() {
    let policy = "[severity]\n\"password-access\" = \"medium\"\n";
    let report = run_with(vec![with_password_access(key("Test", 1))], policy);
    assert_eq!(
        severities(&report, RuleCode::PasswordAccess),
        (Severity::Critical, Severity::Medium)
    );
    let report = run_with(vec![with_password_access(key("Vault export", 1))], policy);
    assert_eq!(
        severities(&report, RuleCode::PasswordAccess),
        (Severity::Medium, Severity::Medium)
    );
}

#[test]
fn override_of_idle_key_keeps_the_high_tier_on_top() {
    let policy = "[severity]\n\"idle-key\" = \"low\"\n";
    let report = run_with(vec![idle(45)], policy);
    assert_eq!(
        severities(&report, RuleCode::IdleKey),
        (Severity::Low, Severity::Low)
    );
    let report = run_with(vec![idle(80)], policy);
    assert_eq!(
        severities(&report, RuleCode::IdleKey),
        (Severity::High, Severity::Low)
    );
    // Above the high tier, the override wins everywhere.
    let report = run_with(vec![idle(45)], "[severity]\n\"idle-key\" = \"critical\"\n");
    assert_eq!(
        severities(&report, RuleCode::IdleKey),
        (Severity::Critical, Severity::Critical)
    );
}

#[test]
fn escalation_depends_on_facts_not_on_overridden_severities() {
    // A medium-tier idle key stays a non-escalating fact even when idle-key
    // is raised to critical; a high-tier one escalates even when lowered.
    let raised = "[severity]\n\"idle-key\" = \"critical\"\n";
    let report = run_with(vec![with_password_access(idle(50))], raised);
    assert_eq!(
        severities(&report, RuleCode::PasswordAccess),
        (Severity::High, Severity::High)
    );
    let lowered = "[severity]\n\"idle-key\" = \"info\"\n";
    let report = run_with(vec![with_password_access(idle(85))], lowered);
    assert_eq!(
        severities(&report, RuleCode::PasswordAccess),
        (Severity::Critical, Severity::High)
    );
}

#[test]
fn override_applies_to_every_rule_and_is_recorded_in_the_report() {
    let policy = "[severity]\n\"rotation-due\" = \"high\"\n\"exposed-secret\" = \"medium\"\n";
    let mut inv = inventory(vec![created(400)]);
    inv.exposures = vec![exposure(1, "keys.csv", 2)];
    let report = run_inventory(
        &inv,
        &keyaudit_engine::parse_policy("p.toml", policy).unwrap(),
    );
    assert_eq!(
        rules(&report),
        [
            (RuleCode::RotationDue, Severity::High),
            (RuleCode::ExposedSecret, Severity::Medium),
        ]
    );
    let info = report.policy.unwrap();
    assert_eq!(
        info.severity_overrides,
        BTreeMap::from([
            (RuleCode::ExposedSecret, Severity::Medium),
            (RuleCode::RotationDue, Severity::High),
        ])
    );
}
