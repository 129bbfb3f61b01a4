//! Policy parsing and validation: every kind of error, with its place.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use keyaudit_engine::{
    BUILTIN_GENERIC_NAMES, Binding, DEFAULT_POLICY_TOML, IdlePolicy, IpPattern, MuteTarget,
    PasswordAllowance, PolicyErrorKind, PolicyErrors, PolicyLine, PolicyMute, RotationPolicy,
    ValidPolicy, parse_policy,
};
use keyaudit_model::{RuleCode, Severity};
use proptest::prelude::*;

fn errors(text: &str) -> PolicyErrors {
    match parse_policy("keyaudit.toml", text) {
        Ok(policy) => panic!("expected errors, got {policy:#?}"),
        Err(errors) => errors,
    }
}

/// Every error as `line:col: message`.
fn lines(text: &str) -> Vec<String> {
    errors(text)
        .errors
        .iter()
        .map(|e| format!("{}:{}: {}", e.line, e.column, e.message))
        .collect()
}

/// The only error, as `line:col: message`, with its kind.
fn one(text: &str) -> (String, PolicyErrorKind) {
    let errors = errors(text).errors;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    (format!("{}:{}: {}", e.line, e.column, e.message), e.kind)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn empty_policy_is_the_default() {
    assert_eq!(parse_policy("p.toml", "").unwrap(), ValidPolicy::default());
    assert_eq!(
        parse_policy("p.toml", "# only a comment\n\n").unwrap(),
        ValidPolicy::default()
    );
}

#[test]
fn default_policy_toml_parses_to_the_defaults() {
    let policy = parse_policy("keyaudit.toml", DEFAULT_POLICY_TOML).unwrap();
    assert_eq!(policy, ValidPolicy::default());
    assert_eq!(policy.source(), Some("keyaudit.toml"));
}

#[test]
fn default_policy_toml_explains_every_setting() {
    for needle in [
        "warn_after_days = 45",
        "high_after_days = 80",
        "revoke_after_days = 90",
        "never_used_grace_days = 7",
        "generic_names = []",
        "min_length = 4",
        "[[password_access.allow]]",
        "# pattern = ",
        "[rotation]",
        "max_age_days = 365",
        "# [[mute]]",
        "# rule = \"rotation-due\"",
        "# finding = ",
        "# expires = ",
        "[severity]",
        "# \"generic-name\" = \"low\"",
        "# [[bind]]",
        "# user_agent = ",
        "# ip = ",
        "# user_id = ",
        "# actor = ",
        "CIS Controls v8 5.3",
        "NIST SP 800-53 r5",
    ] {
        assert!(DEFAULT_POLICY_TOML.contains(needle), "{needle}");
    }
    let flat = DEFAULT_POLICY_TOML
        .lines()
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ");
    for name in BUILTIN_GENERIC_NAMES {
        assert!(
            flat.contains(&format!(" {name},")) || flat.contains(&format!(" {name}.")),
            "{name}"
        );
    }
}

#[test]
fn full_policy_reads_every_setting() {
    let policy = parse_policy(
        "fixtures/policy/keyaudit.toml",
        include_str!("../../../../fixtures/policy/keyaudit.toml"),
    )
    .unwrap();
    assert_eq!(
        policy.idle,
        IdlePolicy {
            warn_after_days: 30,
            high_after_days: 60,
            revoke_after_days: 90,
            never_used_grace_days: 3,
        }
    );
    assert_eq!(policy.naming.generic_names, ["psa", "rmm", "sync"]);
    assert_eq!(policy.naming.min_length, 5);
    assert_eq!(
        policy.naming.pattern.as_ref().map(|p| p.as_str()),
        Some("(?P<vendor>[^-]+?) - (?P<purpose>[^-]+?) - (?P<owner>.+)")
    );
    assert_eq!(policy.rotation, RotationPolicy { max_age_days: 180 });
    assert_eq!(
        policy.mutes,
        [
            PolicyMute {
                rule: RuleCode::RotationDue,
                target: MuteTarget::Key("myITprocess".into()),
                reason: "vendor cannot rotate before Q1".into(),
                expires: Some(date(2027, 1, 31)),
                line: PolicyLine::default(),
            },
            PolicyMute {
                rule: RuleCode::NamingConvention,
                target: MuteTarget::Finding("naming-convention:3f2a9c01d4e5".into()),
                reason: "legacy key, replaced in change CHG-3310".into(),
                expires: None,
                line: PolicyLine::default(),
            },
        ]
    );
    let mute_lines: Vec<_> = policy.mutes.iter().map(|m| m.line.get()).collect();
    assert_eq!(mute_lines, [Some(28), Some(34)]);
    assert_eq!(
        policy.severity,
        BTreeMap::from([
            (RuleCode::GenericName, Severity::Low),
            (RuleCode::PasswordAccess, Severity::Critical),
        ])
    );
    assert_eq!(
        policy.password_access.allow,
        [
            PasswordAllowance {
                key: "Vault export - Security team".into(),
                reason: "nightly encrypted export of passwords to the offline vault".into(),
                expires: Some(date(2027, 3, 31)),
                line: PolicyLine::default(),
            },
            PasswordAllowance {
                key: "ITG.45df64a0dd9df8a7a79dc4382927a045".into(),
                reason: "password rotation runbook (ticket SEC-142)".into(),
                expires: Some(date(2026, 12, 31)),
                line: PolicyLine::default(),
            },
        ]
    );
    let lines: Vec<_> = policy
        .password_access
        .allow
        .iter()
        .map(|a| a.line.get())
        .collect();
    assert_eq!(lines, [Some(18), Some(23)]);
    assert_eq!(
        policy.bindings,
        [
            Binding {
                key: "HaloPSA - ticket sync - Service desk".into(),
                user_agent: vec!["HaloPSA*".into()],
                ip: vec![
                    "203.0.113.7".parse().unwrap(),
                    "198.51.100.0/24".parse().unwrap()
                ],
                ..Binding::default()
            },
            Binding {
                key: "ITG.45df64a0dd9df8a7a79dc4382927a045".into(),
                actor: vec!["Password Rotation Bot".into()],
                ..Binding::default()
            },
        ]
    );
    let bind_lines: Vec<_> = policy.bindings.iter().map(|b| b.line.get()).collect();
    assert_eq!(bind_lines, [Some(44), Some(49)]);
}

#[test]
fn inline_allowances_and_optional_expiry_are_accepted() {
    let policy = parse_policy(
        "p.toml",
        "[password_access]\nallow = [{ key = \"Vault\", reason = \"export\" }]\n",
    )
    .unwrap();
    assert_eq!(policy.password_access.allow[0].expires, None);
    assert_eq!(policy.password_access.allow[0].line.get(), Some(2));
}

#[test]
fn equal_thresholds_and_zero_grace_are_valid() {
    let policy = parse_policy(
        "p.toml",
        "[idle]\nwarn_after_days = 1\nhigh_after_days = 1\nrevoke_after_days = 1\nnever_used_grace_days = 0\n",
    )
    .unwrap();
    assert_eq!(policy.idle.revoke_after_days, 1);
    assert_eq!(policy.idle.never_used_grace_days, 0);
}

#[test]
fn syntax_error_has_line_and_column() {
    let (line, kind) = one("[idle]\nwarn_after_days = \n");
    assert_eq!(kind, PolicyErrorKind::Syntax);
    assert!(line.starts_with("2:19: invalid TOML: "), "{line}");
}

#[test]
fn duplicate_table_is_a_syntax_error() {
    let (line, kind) = one("[idle]\nwarn_after_days = 50\n\n[idle]\nhigh_after_days = 85\n");
    assert_eq!(kind, PolicyErrorKind::Syntax);
    assert!(
        line.starts_with("4:2: invalid TOML: duplicate key"),
        "{line}"
    );
}

#[test]
fn unknown_key_lists_the_valid_keys() {
    let (line, kind) = one("[idle]\nwarn_days = 30\n");
    assert_eq!(kind, PolicyErrorKind::UnknownKey);
    assert_eq!(
        line,
        "2:1: unknown key `warn_days` in [idle]; valid keys: warn_after_days, high_after_days, \
         revoke_after_days, never_used_grace_days"
    );
    assert_eq!(
        one("[naming]\nregex = \"^x\"\n").0,
        "2:1: unknown key `regex` in [naming]; valid keys: generic_names, min_length, pattern"
    );
    assert_eq!(
        one("[rotation]\nmax_age = 90\n").0,
        "2:1: unknown key `max_age` in [rotation]; valid keys: max_age_days"
    );
    assert_eq!(
        one("[[mute]]\nrule = \"idle-key\"\nkey = \"a\"\nreason = \"b\"\nuntil = 2027-01-01\n").0,
        "5:1: unknown key `until` in [[mute]]; valid keys: rule, key, finding, reason, expires"
    );
    assert_eq!(
        one("[[password_access.allow]]\nkey = \"a\"\nreason = \"b\"\n  until = 2027-01-01\n").0,
        "4:3: unknown key `until` in [[password_access.allow]]; valid keys: key, reason, expires"
    );
    assert_eq!(
        one("[password_access]\ndeny = []\n").0,
        "2:1: unknown key `deny` in [password_access]; valid keys: allow"
    );
}

#[test]
fn unknown_table_lists_the_valid_tables() {
    let (line, kind) = one("\n[mutes]\nrule = \"idle-key\"\n");
    assert_eq!(kind, PolicyErrorKind::UnknownKey);
    assert_eq!(
        line,
        "2:2: unknown table `[mutes]`; valid tables: idle, naming, rotation, password_access, \
         bind, mute, severity"
    );
    assert_eq!(
        one("warn_after_days = 30\n").0,
        "1:1: unknown key `warn_after_days` at the top level; valid tables: idle, naming, \
         rotation, password_access, bind, mute, severity"
    );
}

#[test]
fn wrong_types_say_what_was_expected_and_found() {
    let (line, kind) = one("[idle]\nwarn_after_days = \"45\"\n");
    assert_eq!(kind, PolicyErrorKind::WrongType);
    assert_eq!(
        line,
        "2:19: `warn_after_days` must be a positive integer, found a string"
    );
    assert_eq!(
        one("[idle]\nnever_used_grace_days = 1.5\n").0,
        "2:25: `never_used_grace_days` must be a non-negative integer, found a float"
    );
    assert_eq!(
        one("[naming]\ngeneric_names = \"api\"\n").0,
        "2:17: `generic_names` must be an array of strings, found a string"
    );
    assert_eq!(
        one("[naming]\ngeneric_names = [\"ok\", 3]\n").0,
        "2:24: `generic_names` must be a non-empty string, found an integer"
    );
    assert_eq!(
        one("idle = 3\n").0,
        "1:8: `idle` must be a table, found an integer"
    );
    assert_eq!(
        one("[password_access.allow]\nkey = \"a\"\n").0,
        "1:1: `allow` must be an array of tables ([[password_access.allow]]), found a table"
    );
    assert_eq!(
        one("[password_access]\nallow = [\"Vault\"]\n").0,
        "2:10: `password_access.allow[0]` must be a table with key, reason and expires, found a string"
    );
}

#[test]
fn thresholds_must_be_positive() {
    let (line, kind) = one("[idle]\nwarn_after_days = 0\n");
    assert_eq!(kind, PolicyErrorKind::InvalidValue);
    assert_eq!(
        line,
        "2:19: `warn_after_days` must be a positive integer, found 0"
    );
    assert_eq!(
        one("[idle]\nnever_used_grace_days = -1\n").0,
        "2:25: `never_used_grace_days` must be a non-negative integer, found -1"
    );
    assert_eq!(
        one("[naming]\nmin_length = 0\n").0,
        "2:14: `min_length` must be a positive integer, found 0"
    );
    assert_eq!(
        one("[idle]\nrevoke_after_days = 99999999999999999999\n").0,
        "2:21: `revoke_after_days` must be a positive integer, found 99999999999999999999, \
         which is out of range"
    );
}

#[test]
fn thresholds_must_be_ordered() {
    let (line, kind) = one("[idle]\nwarn_after_days = 60\nhigh_after_days = 50\n");
    assert_eq!(kind, PolicyErrorKind::InvalidValue);
    assert_eq!(
        line,
        "3:19: `warn_after_days` (60) must not be greater than `high_after_days` (50); [idle] \
         needs warn_after_days <= high_after_days <= revoke_after_days"
    );
    // Against a default, the error points at the value that was set.
    assert_eq!(
        one("[idle]\nhigh_after_days = 95\n").0,
        "2:19: `high_after_days` (95) must not be greater than `revoke_after_days` (90, the \
         default); [idle] needs warn_after_days <= high_after_days <= revoke_after_days"
    );
}

#[test]
fn invalid_thresholds_are_not_also_checked_for_order() {
    assert_eq!(
        lines("[idle]\nwarn_after_days = \"x\"\nhigh_after_days = 30\n"),
        ["2:19: `warn_after_days` must be a positive integer, found a string"]
    );
}

#[test]
fn allowance_needs_key_and_reason() {
    let errors = lines("[[password_access.allow]]\nexpires = 2027-01-01\n");
    assert_eq!(
        errors,
        [
            "1:1: `key` is required in [[password_access.allow]]",
            "1:1: `reason` is required in [[password_access.allow]]",
        ]
    );
    assert_eq!(
        errors_kind("[[password_access.allow]]\nreason = \"x\"\n"),
        [PolicyErrorKind::MissingKey]
    );
    assert_eq!(
        one("[[password_access.allow]]\nkey = \"Vault\"\nreason = \"  \"\n").0,
        "3:10: `reason` must not be empty"
    );
    assert_eq!(
        one("[[password_access.allow]]\nkey = \"\"\nreason = \"x\"\n").0,
        "2:7: `key` must not be empty"
    );
}

fn errors_kind(text: &str) -> Vec<PolicyErrorKind> {
    errors(text).errors.iter().map(|e| e.kind).collect()
}

#[test]
fn expires_must_be_a_date() {
    let allow = |expires: &str| {
        format!("[[password_access.allow]]\nkey = \"Vault\"\nreason = \"x\"\nexpires = {expires}\n")
    };
    let policy = parse_policy("p.toml", &allow("\"2027-03-31\"")).unwrap();
    assert_eq!(
        policy.password_access.allow[0].expires,
        Some(date(2027, 3, 31))
    );
    assert_eq!(
        one(&allow("\"2027-3-31\"")).0,
        "4:11: `expires` must be a date (YYYY-MM-DD), found \"2027-3-31\""
    );
    assert_eq!(
        one(&allow("\"2027-02-30\"")).0,
        "4:11: `expires` must be a date (YYYY-MM-DD), found \"2027-02-30\""
    );
    assert_eq!(
        one(&allow("2027-03-31T10:00:00Z")).0,
        "4:11: `expires` must be a date (YYYY-MM-DD), found a date-time"
    );
    assert_eq!(
        one(&allow("20270331")).0,
        "4:11: `expires` must be a date (YYYY-MM-DD), found an integer"
    );
}

#[test]
fn generic_names_must_not_be_blank() {
    assert_eq!(
        lines("[naming]\ngeneric_names = [\"\", \"42!\"]\n"),
        [
            "2:18: `generic_names` must not be empty",
            "2:22: `generic_names` entry \"42!\" is empty once digits and punctuation are removed",
        ]
    );
}

#[test]
fn all_errors_are_reported_at_once_in_file_order() {
    let text = include_str!("../../../../fixtures/policy/invalid.toml");
    let errors = parse_policy("fixtures/policy/invalid.toml", text).unwrap_err();
    insta::assert_snapshot!(errors.to_string());
    let kinds: Vec<_> = errors.errors.iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&PolicyErrorKind::UnknownKey));
    assert!(kinds.contains(&PolicyErrorKind::WrongType));
    assert!(kinds.contains(&PolicyErrorKind::InvalidValue));
}

#[test]
fn errors_display_one_line_each_with_the_file() {
    let err = errors("[idle]\nwarn_days = 1\n[naming]\nmin_length = \"4\"\n");
    assert_eq!(
        err.to_string(),
        "keyaudit.toml:2:1: unknown key `warn_days` in [idle]; valid keys: warn_after_days, \
         high_after_days, revoke_after_days, never_used_grace_days\n\
         keyaudit.toml:4:14: `min_length` must be a positive integer, found a string"
    );
    assert_eq!(err.errors[0].file, "keyaudit.toml");
    assert_eq!(
        err.errors[1].to_string(),
        "keyaudit.toml:4:14: `min_length` must be a positive integer, found a string"
    );
    let as_error: &dyn std::error::Error = &err;
    assert!(as_error.to_string().contains("warn_days"));
}

#[test]
fn columns_count_characters_not_bytes() {
    assert_eq!(
        one("[naming]\ngeneric_names = [\"é\", 1]\n").0,
        "2:23: `generic_names` must be a non-empty string, found an integer"
    );
}

// ------------------------------------------------------------- [rotation]

#[test]
fn rotation_max_age_is_a_positive_integer() {
    let policy = parse_policy("p.toml", "[rotation]\nmax_age_days = 90\n").unwrap();
    assert_eq!(policy.rotation.max_age_days, 90);
    assert_eq!(ValidPolicy::default().rotation.max_age_days, 365);
    let (line, kind) = one("[rotation]\nmax_age_days = 0\n");
    assert_eq!(kind, PolicyErrorKind::InvalidValue);
    assert_eq!(
        line,
        "2:16: `max_age_days` must be a positive integer, found 0"
    );
    assert_eq!(
        one("[rotation]\nmax_age_days = \"1y\"\n").0,
        "2:16: `max_age_days` must be a positive integer, found a string"
    );
    assert_eq!(
        one("rotation = 365\n").0,
        "1:12: `rotation` must be a table, found an integer"
    );
}

// --------------------------------------------------------- naming.pattern

#[test]
fn naming_pattern_is_compiled_and_anchored() {
    let policy = parse_policy("p.toml", "[naming]\npattern = 'sync'\n").unwrap();
    let pattern = policy.naming.pattern.unwrap();
    assert_eq!(pattern.as_str(), "sync");
    assert!(pattern.is_match(" sync "));
    assert!(
        !pattern.is_match("Backup sync"),
        "the whole name must match"
    );
    assert!(!pattern.is_match("sync job"));
    // Alternation stays inside the anchors.
    let policy = parse_policy("p.toml", "[naming]\npattern = 'a|b'\n").unwrap();
    assert!(!policy.naming.pattern.unwrap().is_match("ab"));
}

#[test]
fn invalid_naming_pattern_is_an_error_with_the_regex_message() {
    let (line, kind) = one("[naming]\npattern = '(?P<vendor>\\w+ - .+'\n");
    assert_eq!(kind, PolicyErrorKind::InvalidValue);
    assert_eq!(
        line,
        "2:11: `pattern` is not a valid regular expression: unclosed group (at character 1 of \
         the pattern)"
    );
    assert_eq!(
        one("[naming]\npattern = 'ab[c'\n").0,
        "2:11: `pattern` is not a valid regular expression: unclosed character class (at \
         character 3 of the pattern)"
    );
    // A pattern that only compiles inside the anchors is still rejected.
    assert_eq!(
        one("[naming]\npattern = 'a)|(b'\n").0,
        "2:11: `pattern` is not a valid regular expression: unopened group (at character 2 of \
         the pattern)"
    );
    assert_eq!(
        one("[naming]\npattern = ''\n").0,
        "2:11: `pattern` must not be empty"
    );
    assert_eq!(
        one("[naming]\npattern = ['a']\n").0,
        "2:11: `pattern` must be a non-empty string, found an array"
    );
}

// ----------------------------------------------------------------- [[mute]]

const MUTE: &str = "[[mute]]\nrule = \"rotation-due\"\nkey = \"myITprocess\"\nreason = \"vendor cannot rotate before Q1\"\n";

#[test]
fn mutes_are_read_in_file_order_with_their_lines() {
    let text = format!(
        "{MUTE}expires = 2027-01-31\n\n[[mute]]\nrule = \"idle-key\"\nfinding = \" IDLE-KEY:0123456789AB \"\nreason = \" seasonal \"\n"
    );
    let policy = parse_policy("p.toml", &text).unwrap();
    assert_eq!(
        policy.mutes,
        [
            PolicyMute {
                rule: RuleCode::RotationDue,
                target: MuteTarget::Key("myITprocess".into()),
                reason: "vendor cannot rotate before Q1".into(),
                expires: Some(date(2027, 1, 31)),
                line: PolicyLine::default(),
            },
            PolicyMute {
                rule: RuleCode::IdleKey,
                target: MuteTarget::Finding("idle-key:0123456789ab".into()),
                reason: "seasonal".into(),
                expires: None,
                line: PolicyLine::default(),
            },
        ]
    );
    assert_eq!(policy.mutes[0].line.get(), Some(1));
    assert_eq!(policy.mutes[1].line.get(), Some(7));
}

#[test]
fn inline_mutes_are_accepted() {
    let policy = parse_policy(
        "p.toml",
        "mute = [\n  { rule = \"idle-key\", key = \"a\", reason = \"b\" },\n]\n",
    )
    .unwrap();
    assert_eq!(policy.mutes.len(), 1);
    assert_eq!(policy.mutes[0].line.get(), Some(2));
}

#[test]
fn mute_needs_a_known_rule() {
    let (line, kind) = one(&MUTE.replace("rotation-due", "rotation"));
    assert_eq!(kind, PolicyErrorKind::InvalidValue);
    assert_eq!(
        line,
        "2:8: unknown rule `rotation` in [[mute]]; valid rules: duplicate-name, exposed-secret, \
         generic-name, idle-key, naming-convention, never-used, no-usage-evidence, \
         password-access, password-access-unknown, rotation-due, unnamed-key, \
         unused-password-access"
    );
    assert_eq!(
        one(&MUTE.replace("rule = \"rotation-due\"\n", "")),
        (
            "1:1: `rule` is required in [[mute]]".to_string(),
            PolicyErrorKind::MissingKey
        )
    );
}

#[test]
fn mute_needs_exactly_one_of_key_and_finding() {
    let (line, kind) = one(&format!("{MUTE}finding = \"rotation-due:0123456789ab\"\n"));
    assert_eq!(kind, PolicyErrorKind::InvalidValue);
    assert_eq!(line, "5:1: [[mute]] takes `key` or `finding`, not both");
    let (line, kind) = one(&MUTE.replace("key = \"myITprocess\"\n", ""));
    assert_eq!(kind, PolicyErrorKind::MissingKey);
    assert_eq!(line, "1:1: `key` or `finding` is required in [[mute]]");
    assert_eq!(
        one(&MUTE.replace("\"myITprocess\"", "\" \"")).0,
        "3:7: `key` must not be empty"
    );
}

#[test]
fn mute_needs_a_reason_and_a_valid_expiry() {
    assert_eq!(
        one(&MUTE.replace("\"vendor cannot rotate before Q1\"", "\"\"")).0,
        "4:10: `reason` must not be empty"
    );
    assert_eq!(
        one(&MUTE.replace("reason = \"vendor cannot rotate before Q1\"\n", "")).0,
        "1:1: `reason` is required in [[mute]]"
    );
    assert_eq!(
        one(&format!("{MUTE}expires = \"2027-13-01\"\n")).0,
        "5:11: `expires` must be a date (YYYY-MM-DD), found \"2027-13-01\""
    );
    assert_eq!(
        one(&format!("{MUTE}expires = true\n")).0,
        "5:11: `expires` must be a date (YYYY-MM-DD), found a boolean"
    );
}

#[test]
fn mute_must_be_an_array_of_tables() {
    assert_eq!(
        one("[mute]\nrule = \"idle-key\"\n").0,
        "1:1: `mute` must be an array of tables ([[mute]]), found a table"
    );
    assert_eq!(
        one("mute = [\"idle-key\"]\n").0,
        "1:9: `mute[0]` must be a table with rule, key or finding, reason and expires, found a \
         string"
    );
}

// -------------------------------------------------------------- [severity]

#[test]
fn severity_overrides_are_read() {
    let policy = parse_policy(
        "p.toml",
        "[severity]\n\"generic-name\" = \"low\"\nidle-key = \"High\"\n",
    )
    .unwrap();
    assert_eq!(
        policy.severity,
        BTreeMap::from([
            (RuleCode::GenericName, Severity::Low),
            (RuleCode::IdleKey, Severity::High),
        ])
    );
}

#[test]
fn severity_overrides_need_known_rules_and_severities() {
    let (line, kind) = one("[severity]\n\"generic\" = \"low\"\n");
    assert_eq!(kind, PolicyErrorKind::UnknownKey);
    assert_eq!(
        line,
        "2:1: unknown rule `generic` in [severity]; valid rules: duplicate-name, exposed-secret, \
         generic-name, idle-key, naming-convention, never-used, no-usage-evidence, \
         password-access, password-access-unknown, rotation-due, unnamed-key, \
         unused-password-access"
    );
    let (line, kind) = one("[severity]\n\"generic-name\" = \"minor\"\n");
    assert_eq!(kind, PolicyErrorKind::InvalidValue);
    assert_eq!(
        line,
        "2:18: unknown severity `minor` for `generic-name` in [severity]; valid severities: info, \
         low, medium, high, critical"
    );
    let (line, kind) = one("[severity]\n\"generic-name\" = 1\n");
    assert_eq!(kind, PolicyErrorKind::WrongType);
    assert_eq!(
        line,
        "2:18: `generic-name` must be a severity (info, low, medium, high, critical), found an \
         integer"
    );
}

// ---------------------------------------------------------------- digest

#[test]
fn digest_is_the_sha256_of_the_policy_bytes() {
    use sha2::{Digest, Sha256};
    let text = "[idle]\nwarn_after_days = 30\n";
    let hex: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let policy = parse_policy("a.toml", text).unwrap();
    assert_eq!(policy.digest(), format!("sha256:{hex}"));
    // Stable: the same bytes give the same digest, whatever the file name.
    assert_eq!(
        parse_policy("b.toml", text).unwrap().digest(),
        policy.digest()
    );
    // Any change of bytes (even a comment) changes it.
    let commented = parse_policy("a.toml", &format!("# note\n{text}")).unwrap();
    assert_ne!(commented.digest(), policy.digest());
    assert_eq!(commented, policy, "settings are equal");
    assert_eq!(ValidPolicy::default().digest(), "default");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn parsing_never_panics(text in "(\\[|\\]|=|\"|idle|warn_after_days|allow|password_access|[a-z0-9 .\n-]){0,60}") {
        let _ = parse_policy("fuzz.toml", &text);
    }
}

// ------------------------------------------------------------------ [[bind]]

#[test]
fn bindings_are_read_in_file_order_with_single_strings_and_arrays() {
    let policy = parse_policy(
        "p.toml",
        "[[bind]]\nkey = \" HaloPSA \"\nuser_agent = \"HaloPSA*\"\nip = \"2001:db8::/48\"\n\n\
         [[bind]]\nkey = \"ITG.45DF64A0DD9DF8A7A79DC4382927A045\"\nuser_id = [\" 123456 \", \"7\"]\n\
         actor = [\"Rewst Bot\"]\n",
    )
    .unwrap();
    assert_eq!(
        policy.bindings,
        [
            Binding {
                key: "HaloPSA".into(),
                user_agent: vec!["HaloPSA*".into()],
                ip: vec!["2001:db8::/48".parse().unwrap()],
                ..Binding::default()
            },
            Binding {
                key: "ITG.45DF64A0DD9DF8A7A79DC4382927A045".into(),
                user_id: vec!["123456".into(), "7".into()],
                actor: vec!["Rewst Bot".into()],
                ..Binding::default()
            },
        ]
    );
    let lines: Vec<_> = policy.bindings.iter().map(|b| b.line.get()).collect();
    assert_eq!(lines, [Some(1), Some(6)]);
    assert_eq!(policy.info().bindings, 2);
    assert_ne!(policy, ValidPolicy::default());
}

#[test]
fn inline_bindings_are_accepted() {
    let policy = parse_policy(
        "p.toml",
        "bind = [{ key = \"Rewst\", user_agent = [\"Rewst/*\"] }]\n",
    )
    .unwrap();
    assert_eq!(policy.bindings.len(), 1);
    assert_eq!(policy.bindings[0].user_agent, ["Rewst/*"]);
}

#[test]
fn binding_needs_a_key_and_a_condition() {
    assert_eq!(
        lines("[[bind]]\nuser_agent = \"x*\"\n"),
        ["1:1: `key` is required in [[bind]]"]
    );
    assert_eq!(
        lines("[[bind]]\nkey = \"Rewst\"\n"),
        [
            "1:1: [[bind]] needs at least one of `user_agent`, `ip`, `user_id`, `actor`, to say \
          which events belong to the key"
        ]
    );
    assert_eq!(
        lines("[[bind]]\nkey = \"Rewst\"\nagent = \"x\"\n"),
        [
            "1:1: [[bind]] needs at least one of `user_agent`, `ip`, `user_id`, `actor`, to say \
             which events belong to the key",
            "3:1: unknown key `agent` in [[bind]]; valid keys: key, user_agent, ip, user_id, actor",
        ]
    );
}

#[test]
fn binding_values_must_be_non_empty_strings() {
    assert_eq!(
        lines("[[bind]]\nkey = \"R\"\nuser_agent = [\"R*\", \"\"]\nuser_id = 42\nactor = []\n"),
        [
            "3:21: `user_agent` must not be empty",
            "4:11: `user_id` must be a string or an array of strings, found an integer",
            "5:9: `actor` must list at least one entry (a value)",
        ]
    );
    assert_eq!(
        lines("bind = \"HaloPSA\"\n"),
        ["1:8: `bind` must be an array of tables ([[bind]]), found a string"]
    );
}

#[test]
fn binding_addresses_must_be_addresses_or_networks() {
    let text = "[[bind]]\nkey = \"R\"\nip = [\"203.0.113.300\", \"198.51.100.7/24\", \
                \"2001:db8::/129\", \"10.0.0.0/8\", \"10.0.0.0/x\"]\n";
    assert_eq!(
        lines(text),
        [
            "3:7: `ip` entry \"203.0.113.300\" is not an IP address or CIDR network; valid: an \
             IPv4 or IPv6 address (203.0.113.7, 2001:db8::7) or a CIDR network \
             (198.51.100.0/24, 2001:db8::/48)",
            "3:24: `ip` entry \"198.51.100.7/24\" has bits set after its 24-bit prefix; write \
             the network as 198.51.100.0/24",
            "3:43: `ip` entry \"2001:db8::/129\" has an invalid prefix length `/129`; IPv6 \
             prefixes are 0 to 128",
            "3:75: `ip` entry \"10.0.0.0/x\" has an invalid prefix length `/x`; IPv4 prefixes \
             are 0 to 32",
        ]
    );
    assert_eq!(errors(text).errors[0].kind, PolicyErrorKind::InvalidValue);
}

#[test]
fn ip_patterns_normalise_and_display() {
    let p = |s: &str| s.parse::<IpPattern>().unwrap();
    assert_eq!(p(" 203.0.113.7 ").to_string(), "203.0.113.7");
    assert_eq!(p("203.0.113.7/32"), p("203.0.113.7"));
    assert_eq!(p("::ffff:203.0.113.7"), p("203.0.113.7"));
    assert_eq!(p("::ffff:198.51.100.0/120"), p("198.51.100.0/24"));
    assert_eq!(p("0.0.0.0/0").to_string(), "0.0.0.0/0");
    assert_eq!(p("2001:DB8::/32").to_string(), "2001:db8::/32");
    assert!(p("0.0.0.0/0").contains("8.8.8.8".parse().unwrap()));
    assert!(!p("0.0.0.0/0").contains("::1".parse().unwrap()));
    assert!(p("::/0").contains("::1".parse().unwrap()));
}
