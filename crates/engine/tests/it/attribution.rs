//! Attribution of activity-log events to keys, and the usage-based rules:
//! one test per scenario, events built in code.

use std::borrow::Cow;

use crate::support::fixtures::*;
use chrono::{DateTime, TimeDelta, Utc};
use keyaudit_engine::{
    Attribution, AuditInput, UsageEvidence, UsageTally, ValidPolicy, audit, parse_policy,
};
use keyaudit_model::{
    ApiKey, AuditReport, DiagnosticLevel, InputKind, KeyActivity, KeyState, LastUse,
    LastUsedSource, RuleCode, Severity, UsageEvent, UsageSource, UsageWindow, ValueCount,
    WindowOrigin,
};

// ---------------------------------------------------------------- helpers

/// An event at `at` with the given attributes (empty strings are absent).
fn event(
    at: DateTime<Utc>,
    user_agent: &str,
    ip: &str,
    user_id: &str,
    actor: &str,
) -> UsageEvent<'static> {
    let field = |s: &str| (!s.is_empty()).then(|| Cow::Owned(s.to_string()));
    UsageEvent {
        user_agent: field(user_agent),
        ip_address: field(ip),
        user_id: field(user_id),
        actor: field(actor),
        ..UsageEvent::at(at)
    }
}

fn ua(user_agent: &str) -> UsageEvent<'static> {
    event(days_ago(1), user_agent, "", "", "")
}

fn from_ip(ip: &str) -> UsageEvent<'static> {
    event(days_ago(1), "", ip, "", "")
}

fn password_event(mut e: UsageEvent<'static>) -> UsageEvent<'static> {
    e.resource_type = Some("Password".into());
    e
}

/// A key with no inventory last use (the logs decide), created long ago.
fn quiet(name: &str, n: u32) -> ApiKey {
    ApiKey {
        last_used: LastUse::Unknown,
        created_at: Some(days_ago(200)),
        ..key(name, n)
    }
}

fn policy(text: &str) -> ValidPolicy {
    parse_policy("keyaudit.toml", text).unwrap()
}

/// The tally of `events` over `keys` under `policy_text`.
fn tally(keys: &[ApiKey], policy_text: &str, events: &[UsageEvent<'_>]) -> UsageTally {
    let inv = inventory(keys.to_vec());
    Attribution::new(&inv, &policy(policy_text)).tally_events(events)
}

/// Event counts per key.
fn counts(t: &UsageTally, keys: usize) -> Vec<u64> {
    (0..keys).map(|i| t.key_activity(i).events).collect()
}

/// A usage source covering `start..end` with `events` events.
fn source(start: DateTime<Utc>, end: DateTime<Utc>, events: u64) -> UsageSource {
    UsageSource {
        path: "logs.jsonl".into(),
        format: "jsonl".into(),
        start: Some(start),
        end: Some(end),
        origin: WindowOrigin::Declared,
        complete: true,
        events,
        digest: None,
    }
}

/// Audits `keys` with usage evidence: `events` attributed under
/// `policy_text`, from sources covering `window`.
fn audit_with(
    keys: Vec<ApiKey>,
    policy_text: &str,
    sources: Vec<UsageSource>,
    events: &[UsageEvent<'_>],
) -> AuditReport {
    let inv = inventory(keys);
    let policy = policy(policy_text);
    let tally = Attribution::new(&inv, &policy).tally_events(events);
    let evidence = UsageEvidence { sources, tally };
    audit(
        &AuditInput {
            inventory: &inv,
            usage: Some(&evidence),
        },
        &policy,
        as_of(),
    )
}

/// Audits with one source covering `days` days up to the as-of time.
fn audit_window(keys: Vec<ApiKey>, days: i64, events: &[UsageEvent<'_>]) -> AuditReport {
    let sources = vec![source(days_ago(days), as_of(), events.len() as u64)];
    audit_with(keys, "", sources, events)
}

/// The usage rules that fired on the report's only key.
fn usage_rules(report: &AuditReport) -> Vec<RuleCode> {
    report
        .findings
        .iter()
        .map(|f| f.rule)
        .filter(|r| {
            matches!(
                r,
                RuleCode::IdleKey | RuleCode::NeverUsed | RuleCode::NoUsageEvidence
            )
        })
        .collect()
}

// ------------------------------------------------------- explicit bindings

#[test]
fn user_agent_glob_binds_case_insensitively_over_the_whole_agent() {
    let keys = [quiet("Ticket sync - NOC", 1)];
    let bind = "[[bind]]\nkey = \"ticket SYNC - noc\"\nuser_agent = [\"HaloPSA*\"]\n";
    let events = [
        ua("HaloPSA/2.1 (+https://halopsa.com)"),
        ua("halopsa/3.0"),
        ua("MyHaloPSA/1.0"),
        ua("Rewst/1.0"),
    ];
    let t = tally(&keys, bind, &events);
    assert_eq!(counts(&t, 1), [2]);
    assert_eq!((t.attributed(), t.unattributed(), t.ambiguous()), (2, 2, 0));
}

#[test]
fn user_agent_glob_question_mark_is_one_character() {
    let keys = [quiet("Ticket sync - NOC", 1)];
    let bind = "[[bind]]\nkey = \"Ticket sync - NOC\"\nuser_agent = \"Halo/?.?\"\n";
    let t = tally(
        &keys,
        bind,
        &[ua("Halo/2.1"), ua("Halo/2.10"), ua("Halo/2.")],
    );
    assert_eq!(counts(&t, 1), [1]);
}

#[test]
fn ip_binding_by_exact_address_and_ipv4_network() {
    let keys = [quiet("Ticket sync - NOC", 1)];
    let bind =
        "[[bind]]\nkey = \"Ticket sync - NOC\"\nip = [\"203.0.113.7\", \"198.51.100.0/24\"]\n";
    let events = [
        from_ip("203.0.113.7"),
        from_ip("198.51.100.0"),
        from_ip("198.51.100.255"),
        from_ip("::ffff:198.51.100.9"),
        from_ip("203.0.113.8"),
        from_ip("198.51.101.1"),
        from_ip("not-an-address"),
    ];
    let t = tally(&keys, bind, &events);
    assert_eq!(counts(&t, 1), [4]);
    assert_eq!(t.unattributed(), 3);
}

#[test]
fn ip_binding_by_ipv6_address_and_network() {
    let keys = [quiet("Ticket sync - NOC", 1)];
    let bind =
        "[[bind]]\nkey = \"Ticket sync - NOC\"\nip = [\"2001:db8:1::/48\", \"2001:db8:2::7\"]\n";
    let events = [
        from_ip("2001:db8:1::1"),
        from_ip("2001:DB8:1:ffff::1"),
        from_ip("2001:db8:2::7"),
        from_ip("2001:db8:2::8"),
        from_ip("2001:db8:3::1"),
        from_ip("203.0.113.7"),
    ];
    let t = tally(&keys, bind, &events);
    assert_eq!(counts(&t, 1), [3]);
}

#[test]
fn user_id_binding_is_exact() {
    let keys = [quiet("Ticket sync - NOC", 1)];
    let bind = "[[bind]]\nkey = \"Ticket sync - NOC\"\nuser_id = \"123456\"\n";
    let at = days_ago(1);
    let events = [
        event(at, "", "", "123456", ""),
        event(at, "", "", " 123456 ", ""),
        event(at, "", "", "1234567", ""),
        event(at, "", "", "23456", ""),
    ];
    let t = tally(&keys, bind, &events);
    assert_eq!(counts(&t, 1), [2]);
}

#[test]
fn actor_binding_matches_the_whole_name_ignoring_case() {
    let keys = [quiet("Ticket sync - NOC", 1)];
    let bind =
        "[[bind]]\nkey = \"Ticket sync - NOC\"\nactor = [\"HaloPSA Integration\", \"Élan Bot\"]\n";
    let at = days_ago(1);
    let events = [
        event(at, "", "", "", "HaloPSA Integration"),
        event(at, "", "", "", "  halopsa INTEGRATION "),
        event(at, "", "", "", "ÉLAN BOT"),
        event(at, "", "", "", "HaloPSA Integration 2"),
        event(at, "", "", "", "HaloPSA"),
    ];
    let t = tally(&keys, bind, &events);
    assert_eq!(counts(&t, 1), [3]);
}

#[test]
fn every_field_of_a_binding_must_match() {
    let keys = [quiet("Ticket sync - NOC", 1)];
    let bind = "[[bind]]\nkey = \"Ticket sync - NOC\"\nuser_agent = \"HaloPSA*\"\n\
                ip = \"203.0.113.0/24\"\nuser_id = \"42\"\n";
    let at = days_ago(1);
    let events = [
        event(at, "HaloPSA/2.1", "203.0.113.7", "42", ""),
        event(at, "HaloPSA/2.1", "203.0.113.7", "", ""),
        event(at, "HaloPSA/2.1", "", "42", ""),
        event(at, "", "203.0.113.7", "42", ""),
        event(at, "Rewst/1.0", "203.0.113.7", "42", ""),
    ];
    let t = tally(&keys, bind, &events);
    assert_eq!(counts(&t, 1), [1]);
    assert_eq!(t.unattributed(), 4);
}

#[test]
fn any_entry_of_a_field_and_any_binding_of_a_key_may_match() {
    let keys = [quiet("Ticket sync - NOC", 1)];
    let bind = "[[bind]]\nkey = \"Ticket sync - NOC\"\nuser_agent = [\"HaloPSA*\", \"Halo-Agent*\"]\n\
                ip = \"203.0.113.7\"\n\n\
                [[bind]]\nkey = \"ITG.00000000000000000000000000000001\"\nuser_id = \"42\"\n";
    let at = days_ago(1);
    let events = [
        event(at, "HaloPSA/2.1", "203.0.113.7", "", ""),
        event(at, "Halo-Agent/9", "203.0.113.7", "", ""),
        event(at, "curl/8", "", "42", ""),
        event(at, "Halo-Agent/9", "203.0.113.8", "", ""),
    ];
    let t = tally(&keys, bind, &events);
    assert_eq!(counts(&t, 1), [3]);
}

// -------------------------------------------------------- default bindings

#[test]
fn default_binding_finds_the_name_as_a_whole_word() {
    let keys = [quiet("HaloPSA", 1), quiet("Halo", 2)];
    let at = days_ago(1);
    let events = [
        ua("HaloPSA/2.1 (+https://halopsa.com)"),
        ua("Mozilla/5.0 (compatible; halo/1.0)"),
        ua("HaloPSAX/1"),
        event(at, "", "", "", "HALOPSA"),
        event(at, "", "", "", "Halo sync bot"),
    ];
    let t = tally(&keys, "", &events);
    // "Halo" is not a whole word in "HaloPSA/2.1" (nor in the URL).
    assert_eq!(counts(&t, 2), [2, 2]);
    assert_eq!(t.unattributed(), 1);
    assert_eq!(t.ambiguous(), 0);
}

#[test]
fn default_binding_with_non_ascii_name_ignores_case() {
    let keys = [quiet("Élan Backup", 1)];
    let t = tally(&keys, "", &[ua("ÉLAN BACKUP/1.0"), ua("élan backups")]);
    assert_eq!(counts(&t, 1), [1]);
}

#[test]
fn default_binding_is_skipped_for_generic_and_short_names() {
    let keys = [quiet("API Key", 1), quiet("Test 2", 2), quiet("Abc", 3)];
    let events = [ua("API Key/1.0"), ua("test 2"), ua("Abc/1")];
    let t = tally(&keys, "", &events);
    assert_eq!(counts(&t, 3), [0, 0, 0]);
    // The policy's min_length and generic names count too.
    let keys = [quiet("Rewst", 1), quiet("Datto RMM", 2)];
    let events = [ua("Rewst/1"), ua("Datto RMM/2")];
    let t = tally(
        &keys,
        "[naming]\nmin_length = 6\ngeneric_names = [\"datto rmm\"]\n",
        &events,
    );
    assert_eq!(counts(&t, 2), [0, 0]);
    let t = tally(&keys, "", &events);
    assert_eq!(counts(&t, 2), [1, 1]);
}

#[test]
fn default_binding_is_replaced_by_explicit_bindings() {
    let keys = [quiet("HaloPSA", 1)];
    let bind = "[[bind]]\nkey = \"HaloPSA\"\nuser_agent = \"Halo-Agent*\"\n";
    let t = tally(&keys, bind, &[ua("HaloPSA/2.1"), ua("Halo-Agent/1")]);
    assert_eq!(counts(&t, 1), [1]);
    assert_eq!(t.top_unattributed_user_agents(10)[0].value, "HaloPSA/2.1");
}

#[test]
fn revoked_keys_get_explicit_attributions_but_no_default_binding_nor_findings() {
    let keys = vec![
        in_state(quiet("HaloPSA", 1), KeyState::Revoked),
        in_state(quiet("Rewst", 2), KeyState::Revoked),
    ];
    let bind =
        "[[bind]]\nkey = \"ITG.00000000000000000000000000000002\"\nuser_agent = \"Rewst*\"\n";
    let events = [ua("HaloPSA/2.1"), ua("Rewst/1.0")];
    let t = tally(&keys, bind, &events);
    assert_eq!(counts(&t, 2), [0, 1]);
    let report = audit_with(keys, bind, vec![source(days_ago(60), as_of(), 2)], &events);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let rewst = report.keys.iter().find(|k| k.name == "Rewst").unwrap();
    assert_eq!(rewst.activity.as_ref().unwrap().events, 1);
    assert_eq!(rewst.last_used_source, Some(LastUsedSource::ActivityLog));
}

// ------------------------------------------------ ambiguity and coverage

#[test]
fn ambiguous_and_unattributed_events_are_counted_in_the_coverage() {
    let keys = vec![quiet("HaloPSA", 1), quiet("Ticket sync - NOC", 2)];
    let bind = "[[bind]]\nkey = \"Ticket sync - NOC\"\nip = \"203.0.113.7\"\n";
    let at = days_ago(1);
    let events = [
        event(at, "HaloPSA/2.1", "203.0.113.7", "", ""), // both keys
        event(at, "HaloPSA/2.1", "198.51.100.1", "", ""), // HaloPSA
        event(at, "curl/8.5", "203.0.113.7", "", ""),    // NOC
        event(at, "curl/8.5", "198.51.100.1", "", ""),   // none
        event(at, "", "", "", ""),                       // none
    ];
    let report = audit_with(keys, bind, vec![source(days_ago(30), as_of(), 5)], &events);
    let c = &report.coverage;
    assert_eq!(c.events_seen, 5);
    assert_eq!((c.attributed, c.ambiguous, c.unattributed), (3, 1, 2));
    assert_eq!(c.keys_with_activity, 2);
    assert_eq!(
        c.usage_window,
        Some(UsageWindow {
            start: days_ago(30),
            end: as_of(),
            inferred: false,
            complete: true,
        })
    );
    assert_eq!(
        c.top_unattributed_user_agents,
        [ValueCount {
            value: "curl/8.5".into(),
            count: 1
        }]
    );
    assert_eq!(c.top_unattributed_ips[0].value, "198.51.100.1");
    let activity: Vec<u64> = report
        .keys
        .iter()
        .map(|k| k.activity.as_ref().unwrap().events)
        .collect();
    assert_eq!(activity, [2, 2], "the ambiguous event counts for each key");
}

#[test]
fn top_unattributed_lists_keep_ten_by_count_then_value() {
    let mut events = Vec::new();
    // agent-00 × 1, agent-01 × 2, …, agent-11 × 12; and ties at 5.
    for i in 0..12u32 {
        for _ in 0..=i {
            events.push(event(
                days_ago(1),
                &format!("agent-{i:02}"),
                &format!("192.0.2.{i}"),
                "",
                "",
            ));
        }
    }
    for _ in 0..12 {
        events.push(event(days_ago(1), "zz-tied", "192.0.2.200", "", ""));
        events.push(event(days_ago(1), "aa-tied", "192.0.2.100", "", ""));
    }
    let t = tally(&[], "", &events);
    let agents: Vec<(String, u64)> = t
        .top_unattributed_user_agents(10)
        .into_iter()
        .map(|v| (v.value, v.count))
        .collect();
    let want: Vec<(String, u64)> = [
        ("aa-tied", 12),
        ("agent-11", 12),
        ("zz-tied", 12),
        ("agent-10", 11),
        ("agent-09", 10),
        ("agent-08", 9),
        ("agent-07", 8),
        ("agent-06", 7),
        ("agent-05", 6),
        ("agent-04", 5),
    ]
    .iter()
    .map(|(v, c)| (v.to_string(), *c))
    .collect();
    assert_eq!(agents, want);
    let ips: Vec<String> = t
        .top_unattributed_ips(3)
        .into_iter()
        .map(|v| v.value)
        .collect();
    assert_eq!(ips, ["192.0.2.100", "192.0.2.11", "192.0.2.200"]);
}

#[test]
fn report_lists_usage_inputs_and_activity_on_every_key() {
    let keys = vec![quiet("HaloPSA", 1), quiet("Ticket sync - NOC", 2)];
    let mut logs = source(days_ago(30), as_of(), 1);
    logs.path = "march.csv".into();
    logs.format = "csv".into();
    let report = audit_with(keys.clone(), "", vec![logs], &[ua("HaloPSA/2.1")]);
    let usage: Vec<_> = report
        .inputs
        .iter()
        .filter(|i| i.kind == InputKind::Usage)
        .collect();
    assert_eq!(usage.len(), 1);
    assert_eq!(
        (usage[0].path.as_str(), usage[0].records),
        ("march.csv", Some(1))
    );
    assert_eq!(
        report.keys[1].activity,
        Some(KeyActivity::default()),
        "keys without events get an empty activity"
    );
    // Without usage evidence nothing changes: no activity, no window.
    let plain = run_inventory(&inventory(keys), &ValidPolicy::default());
    assert!(plain.keys.iter().all(|k| k.activity.is_none()));
    assert_eq!(plain.coverage.usage_window, None);
    assert_eq!(plain.coverage.keys_with_activity, 0);
}

#[test]
fn binding_matching_no_key_is_a_warning_with_its_line() {
    let bind = "\n[[bind]]\nkey = \"Gone integration\"\nuser_agent = \"Gone*\"\n";
    let report = audit_with(vec![quiet("HaloPSA", 1)], bind, vec![], &[]);
    let warnings: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("Binding"))
        .collect();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].level, DiagnosticLevel::Warning);
    assert_eq!(
        warnings[0].to_string(),
        "warning[binding-matches-nothing]: keyaudit.toml:2: Binding for \"Gone integration\" matches no key in the \
         inventory: no event is attributed through it"
    );
    assert_eq!(report.policy.unwrap().bindings, 1);
}

// ---------------------------------------------------------------- windows

#[test]
fn windows_that_touch_are_joined_and_a_gap_keeps_the_latest_span() {
    let mut old = source(days_ago(200), days_ago(170), 10);
    old.path = "june.csv".into();
    let mut a = source(days_ago(60), days_ago(30), 10);
    a.origin = WindowOrigin::Inferred;
    let b = source(days_ago(30), as_of(), 10);
    let report = audit_with(
        vec![quiet("Ticket sync - NOC", 1)],
        "",
        vec![old, a, b],
        &[],
    );
    let w = report.coverage.usage_window.clone().unwrap();
    assert_eq!((w.start, w.end), (days_ago(60), as_of()));
    assert!(w.inferred && w.complete);
    assert_eq!(report.coverage.events_seen, 30);
    let note = report
        .diagnostics
        .iter()
        .find(|d| d.level == DiagnosticLevel::Note)
        .unwrap();
    assert_eq!(note.location.as_ref().unwrap().file, "june.csv");
    assert!(
        note.message.contains("idleness is judged over"),
        "{}",
        note.message
    );
    // Idle from the joined window's start.
    assert_eq!(
        only(&report, RuleCode::IdleKey).evidence.days_idle,
        Some(60)
    );
}

#[test]
fn an_incomplete_source_makes_the_window_partial() {
    let mut partial = source(days_ago(50), as_of(), 0);
    partial.complete = false;
    let report = audit_with(vec![quiet("Ticket sync - NOC", 1)], "", vec![partial], &[]);
    assert!(!report.coverage.usage_window.as_ref().unwrap().complete);
    let f = only(&report, RuleCode::IdleKey);
    assert!(
        f.message
            .ends_with("The activity logs are incomplete, so a use may have been missed.")
    );
}

// ------------------------------------------------------ idle from a window

#[test]
fn idle_from_a_window_of_45_days_is_medium() {
    let report = audit_window(vec![quiet("Ticket sync - NOC", 1)], 45, &[]);
    let f = only(&report, RuleCode::IdleKey);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.evidence.days_idle, Some(45));
    assert_eq!(f.evidence.threshold_days, Some(45));
    assert_eq!(f.evidence.last_used_at, None);
    assert_eq!(f.evidence.window_start, Some(days_ago(45)));
    assert_eq!(f.evidence.window_end, Some(as_of()));
    assert_eq!(f.evidence.events_attributed, Some(0));
    assert_eq!(
        f.message,
        "No use of this key was seen in the activity logs since 2026-10-17 (at least 45 days); \
         IT Glue revokes keys idle for 90 days, so it revokes this one by 2027-01-15 at the latest."
    );
    assert_eq!(usage_rules(&report), [RuleCode::IdleKey]);
    let record = &report.keys[0];
    assert_eq!((record.last_used_at, record.days_idle), (None, None));
    assert_eq!(record.revocation_date, None);
}

#[test]
fn idle_from_a_window_of_79_days_is_medium_and_80_is_high() {
    let report = audit_window(vec![quiet("Ticket sync - NOC", 1)], 79, &[]);
    assert_eq!(only(&report, RuleCode::IdleKey).severity, Severity::Medium);
    let report = audit_window(vec![quiet("Ticket sync - NOC", 1)], 80, &[]);
    let f = only(&report, RuleCode::IdleKey);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.evidence.threshold_days, Some(80));
}

#[test]
fn idle_from_a_window_past_revocation_says_it_should_be_revoked() {
    let report = audit_window(vec![quiet("Ticket sync - NOC", 1)], 122, &[]);
    let f = only(&report, RuleCode::IdleKey);
    assert_eq!(
        f.message,
        "No use of this key was seen in the activity logs since 2026-08-01 (at least 122 days); \
         IT Glue revokes keys idle for 90 days, so it should already have revoked this key: check \
         that the inventory is current and the key's state in IT Glue."
    );
}

#[test]
fn idle_from_a_window_escalates_password_access_with_at_least() {
    let key = ApiKey {
        password_access: Some(true),
        ..quiet("Ticket sync - NOC", 1)
    };
    let report = audit_window(vec![key], 85, &[]);
    let f = only(&report, RuleCode::PasswordAccess);
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.message
            .ends_with("it is critical because the key is also idle for at least 85 days."),
        "{}",
        f.message
    );
}

#[test]
fn window_of_44_days_is_too_short_to_judge() {
    let report = audit_window(vec![quiet("Ticket sync - NOC", 1)], 44, &[]);
    let f = only(&report, RuleCode::NoUsageEvidence);
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(
        f.message,
        "No use of this key was seen in the activity logs, but they cover only 44 days \
         (2026-10-18 to 2026-12-01), too short to judge idleness against \
         idle.warn_after_days (45 days): whether it is idle cannot be judged."
    );
    assert_eq!(f.evidence.window_start, Some(days_ago(44)));
    assert_eq!(f.evidence.threshold_days, Some(45));
    assert_eq!(usage_rules(&report), [RuleCode::NoUsageEvidence]);
}

#[test]
fn an_old_window_shorter_than_the_threshold_is_too_short_though_long_ago() {
    let sources = vec![source(days_ago(100), days_ago(56), 0)];
    let report = audit_with(vec![quiet("Ticket sync - NOC", 1)], "", sources, &[]);
    assert_eq!(usage_rules(&report), [RuleCode::NoUsageEvidence]);
}

#[test]
fn window_length_threshold_comes_from_the_policy() {
    let sources = vec![source(days_ago(30), as_of(), 0)];
    let report = audit_with(
        vec![quiet("Ticket sync - NOC", 1)],
        "[idle]\nwarn_after_days = 30\nhigh_after_days = 60\n",
        sources,
        &[],
    );
    assert_eq!(rules(&report), [(RuleCode::IdleKey, Severity::Medium)]);
}

// ------------------------------------------------ never-used from a window

fn created(days: i64) -> ApiKey {
    ApiKey {
        created_at: Some(days_ago(days)),
        ..quiet("Ticket sync - NOC", 1)
    }
}

#[test]
fn key_created_inside_the_window_without_events_is_never_used() {
    let report = audit_window(vec![created(10)], 30, &[]);
    let f = only(&report, RuleCode::NeverUsed);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.evidence.created_at, Some(days_ago(10)));
    assert_eq!(f.evidence.age_days, Some(10));
    assert_eq!(f.evidence.threshold_days, Some(7));
    assert_eq!(f.evidence.events_attributed, Some(0));
    assert_eq!(f.evidence.window_start, Some(days_ago(30)));
    assert_eq!(
        f.message,
        "No use of this key was seen in the activity logs (2026-11-01 to 2026-12-01) since it \
         was created on 2026-11-21, 10 days ago: it looks never used."
    );
    assert_eq!(usage_rules(&report), [RuleCode::NeverUsed]);
    assert!(!report.keys[0].never_used, "the inventory did not say so");
}

#[test]
fn never_used_from_a_window_waits_for_the_grace_period() {
    let report = audit_window(vec![created(6)], 30, &[]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let report = audit_window(vec![created(7)], 30, &[]);
    assert_eq!(usage_rules(&report), [RuleCode::NeverUsed]);
}

#[test]
fn key_created_inside_a_long_window_is_never_used_not_idle() {
    let report = audit_window(vec![created(100)], 120, &[]);
    assert_eq!(usage_rules(&report), [RuleCode::NeverUsed]);
    // Created exactly at the window's start: it existed the whole window.
    let report = audit_window(vec![created(120)], 120, &[]);
    assert_eq!(usage_rules(&report), [RuleCode::IdleKey]);
}

#[test]
fn key_created_inside_the_window_with_an_event_is_used() {
    let report = audit_window(vec![created(10)], 30, &[ua("Ticket sync - NOC/1")]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(
        report.keys[0].last_used_source,
        Some(LastUsedSource::ActivityLog)
    );
}

#[test]
fn key_created_after_the_window_ended_cannot_be_judged() {
    let sources = vec![source(days_ago(60), days_ago(20), 0)];
    let report = audit_with(vec![created(10)], "", sources, &[]);
    let f = only(&report, RuleCode::NoUsageEvidence);
    assert_eq!(
        f.message,
        "This key was created on 2026-11-21 after the activity logs end (2026-11-11), and no \
         last use is known, so whether it is idle cannot be judged."
    );
    assert_eq!(usage_rules(&report), [RuleCode::NoUsageEvidence]);
}

/// (inventory last use, created days ago, window (start, end) days ago, events)
type Case = (LastUse, Option<i64>, (i64, i64), bool);

#[test]
fn exactly_one_usage_rule_describes_each_key() {
    let cases: Vec<Case> = vec![
        (LastUse::Unknown, Some(400), (60, 0), false),
        (LastUse::Unknown, Some(400), (30, 0), false),
        (LastUse::Unknown, None, (60, 0), false),
        (LastUse::Unknown, None, (30, 0), false),
        (LastUse::Unknown, Some(20), (60, 0), false),
        (LastUse::Unknown, Some(20), (30, 0), false),
        (LastUse::Unknown, Some(10), (60, 30), false),
        (LastUse::Unknown, Some(400), (60, 0), true),
        (LastUse::Never, Some(400), (60, 0), false),
        (LastUse::Never, Some(400), (60, 0), true),
        (LastUse::Never, None, (30, 0), false),
        (LastUse::At(days_ago(100)), Some(400), (60, 0), false),
        (LastUse::At(days_ago(100)), Some(400), (20, 0), false),
    ];
    for (last_used, created_at, (start, end), with_event) in cases {
        let key = ApiKey {
            last_used,
            created_at: created_at.map(days_ago),
            ..quiet("Ticket sync - NOC", 1)
        };
        let events = if with_event {
            vec![event(days_ago(70), "Ticket sync - NOC", "", "", "")]
        } else {
            vec![]
        };
        let report = audit_with(
            vec![key],
            "",
            vec![source(days_ago(start), days_ago(end), events.len() as u64)],
            &events,
        );
        let fired = usage_rules(&report);
        assert_eq!(
            fired.len(),
            1,
            "{last_used:?}, created {created_at:?}, window {start}..{end}, event {with_event}: \
             {fired:?}"
        );
    }
}

// --------------------------------------------------------------- last use

#[test]
fn later_inventory_last_use_wins_over_older_events() {
    let key = ApiKey {
        last_used: LastUse::At(days_ago(5)),
        ..quiet("HaloPSA", 1)
    };
    let events = [event(days_ago(50), "HaloPSA/2.1", "", "", "")];
    let report = audit_window(vec![key], 60, &events);
    let r = &report.keys[0];
    assert_eq!(r.last_used_at, Some(days_ago(5)));
    assert_eq!(r.last_used_source, Some(LastUsedSource::Inventory));
    assert_eq!(r.days_idle, Some(5));
    assert_eq!(
        r.activity,
        Some(KeyActivity {
            events: 1,
            password_events: 0,
            last_event_at: Some(days_ago(50)),
        })
    );
    assert_eq!(report.coverage.keys_with_inventory_last_use, 1);
}

#[test]
fn later_event_wins_over_an_older_inventory_last_use() {
    let key = ApiKey {
        last_used: LastUse::At(days_ago(100)),
        ..quiet("HaloPSA", 1)
    };
    let events = [
        event(days_ago(55), "HaloPSA/2.1", "", "", ""),
        event(days_ago(50), "HaloPSA/2.1", "", "", ""),
        event(days_ago(58), "HaloPSA/2.1", "", "", ""),
    ];
    let report = audit_window(vec![key], 60, &events);
    let r = &report.keys[0];
    assert_eq!(r.last_used_at, Some(days_ago(50)));
    assert_eq!(r.last_used_source, Some(LastUsedSource::ActivityLog));
    assert_eq!(r.days_idle, Some(50));
    assert_eq!(r.revocation_date, Some(date(2027, 1, 10)));
    assert_eq!(report.coverage.keys_with_inventory_last_use, 0);
    let f = only(&report, RuleCode::IdleKey);
    assert_eq!(
        f.evidence.last_used_source,
        Some(LastUsedSource::ActivityLog)
    );
    assert_eq!(f.evidence.events_attributed, Some(3));
    assert_eq!(
        f.message,
        "Last used 2026-10-12 (activity logs), 50 days ago; IT Glue revokes keys idle for 90 days \
         (on 2027-01-10)."
    );
}

#[test]
fn events_prove_use_of_a_key_the_inventory_says_was_never_used() {
    let key = ApiKey {
        last_used: LastUse::Never,
        ..quiet("HaloPSA", 1)
    };
    let report = audit_window(vec![key], 30, &[ua("HaloPSA/2.1")]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(!report.keys[0].never_used);
    assert_eq!(report.keys[0].last_used_at, Some(days_ago(1)));
}

// ------------------------------------------------- unused-password-access

fn with_password_access(name: &str) -> ApiKey {
    ApiKey {
        password_access: Some(true),
        ..quiet(name, 1)
    }
}

const ALLOW: &str = "[[password_access.allow]]\nkey = \"HaloPSA\"\nreason = \"sync\"\n";

fn audit_allowed(days: i64, events: &[UsageEvent<'_>]) -> AuditReport {
    let sources = vec![source(days_ago(days), as_of(), events.len() as u64)];
    audit_with(
        vec![with_password_access("HaloPSA")],
        ALLOW,
        sources,
        events,
    )
}

#[test]
fn password_access_never_used_on_passwords_is_reported() {
    let events = [ua("HaloPSA/2.1"), ua("HaloPSA/2.1")];
    let report = audit_allowed(30, &events);
    let f = only(&report, RuleCode::UnusedPasswordAccess);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(
        f.message,
        "This key has Password Access, but none of the 2 activity-log events attributed to it \
         over 30 days (2026-11-01 to 2026-12-01) touched passwords: the privilege looks unused; \
         untick Password Access for this key."
    );
    assert_eq!(f.evidence.password_access, Some(true));
    assert_eq!(f.evidence.events_attributed, Some(2));
    assert_eq!(f.evidence.password_events, Some(0));
    assert_eq!(f.evidence.window_start, Some(days_ago(30)));
    assert_eq!(f.evidence.window_end, Some(as_of()));
    let controls: Vec<String> = f.compliance.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        controls,
        [
            "NIST SP 800-53 r5 AC-6(7)",
            "PCI DSS 4.0 7.2.5.1",
            "SOC 2 CC6.3"
        ]
    );
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
}

#[test]
fn a_password_event_shows_password_access_is_used() {
    let events = [ua("HaloPSA/2.1"), password_event(ua("HaloPSA/2.1"))];
    let report = audit_allowed(30, &events);
    assert!(of_rule(&report, RuleCode::UnusedPasswordAccess).is_empty());
    assert_eq!(report.keys[0].activity.as_ref().unwrap().password_events, 1);
}

#[test]
fn password_events_match_resource_types_ignoring_case() {
    let mut e = ua("HaloPSA/2.1");
    e.resource_type = Some("OTP passwords".into());
    let report = audit_allowed(30, &[e]);
    assert!(of_rule(&report, RuleCode::UnusedPasswordAccess).is_empty());
}

#[test]
fn unused_password_access_needs_a_window_of_30_days() {
    let report = audit_allowed(29, &[ua("HaloPSA/2.1")]);
    assert!(of_rule(&report, RuleCode::UnusedPasswordAccess).is_empty());
}

#[test]
fn unused_password_access_needs_attributed_events() {
    let report = audit_allowed(60, &[ua("Rewst/1.0")]);
    assert!(of_rule(&report, RuleCode::UnusedPasswordAccess).is_empty());
    // The key is idle instead.
    assert_eq!(
        only(&report, RuleCode::IdleKey).evidence.days_idle,
        Some(60)
    );
}

#[test]
fn unused_password_access_is_not_judged_without_password_access_or_evidence() {
    let sources = vec![source(days_ago(30), as_of(), 1)];
    let report = audit_with(vec![quiet("HaloPSA", 1)], "", sources, &[ua("HaloPSA/2.1")]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let report = run_with(vec![with_password_access("HaloPSA")], ALLOW);
    assert!(of_rule(&report, RuleCode::UnusedPasswordAccess).is_empty());
}

// ---------------------------------------------------- tallies and scale

#[test]
fn merging_two_tallies_equals_one_tally_over_all_events() {
    let keys: Vec<ApiKey> = vec![quiet("HaloPSA", 1), quiet("Ticket sync - NOC", 2)];
    let bind = "[[bind]]\nkey = \"Ticket sync - NOC\"\nip = \"203.0.113.0/24\"\n";
    let events: Vec<UsageEvent<'static>> = (0..200)
        .map(|i| {
            let e = event(
                days_ago(i % 40),
                ["HaloPSA/2.1", "curl/8", "Rewst/1", ""][i as usize % 4],
                ["203.0.113.5", "198.51.100.7", ""][i as usize % 3],
                "",
                "",
            );
            if i % 7 == 0 { password_event(e) } else { e }
        })
        .collect();
    let inv = inventory(keys);
    let attribution = Attribution::new(&inv, &policy(bind));
    let whole = attribution.tally_events(&events);
    let (a, b) = events.split_at(77);
    let mut merged = attribution.tally_events(b);
    merged.merge(attribution.tally_events(a));
    assert_eq!(merged, whole);
    // A default (unsized) tally merges and observes too.
    let mut empty = UsageTally::default();
    empty.merge(whole.clone());
    assert_eq!(empty, whole);
    let mut fresh = UsageTally::default();
    for e in &events {
        attribution.observe(&mut fresh, e);
    }
    assert_eq!(fresh, whole);
    assert!(whole.ambiguous() > 0 && whole.unattributed() > 0);
}

#[test]
fn tallies_merged_by_the_attribution_pass_their_caches_on_and_count_the_same() {
    let keys: Vec<ApiKey> = vec![quiet("HaloPSA", 1), quiet("Rewst", 2)];
    let bind = "[[bind]]\nkey = \"Rewst\"\nuser_agent = \"Rewst/*\"\nip = \"203.0.113.0/24\"\n";
    let events: Vec<UsageEvent<'static>> = (0..300)
        .map(|i| {
            event(
                days_ago(i % 30),
                ["HaloPSA/2.1", "Rewst/1", "curl/8"][i as usize % 3],
                ["203.0.113.5", "198.51.100.7"][i as usize % 2],
                "",
                ["API Integration", ""][i as usize % 2],
            )
        })
        .collect();
    let inv = inventory(keys);
    let attribution = Attribution::new(&inv, &policy(bind));
    let whole = attribution.tally_events(&events);
    let mut total = attribution.tally();
    for part in events.chunks(40) {
        // Each range's tally starts with the caches of the last one merged.
        let mut tally = attribution.tally();
        for e in part {
            attribution.observe(&mut tally, e);
        }
        attribution.merge(&mut total, tally);
    }
    assert_eq!(total, whole);
    assert_eq!(counts(&total, 2), [100, 50]);
}

#[test]
fn tallies_merge_across_threads() {
    let inv = inventory(vec![quiet("HaloPSA", 1)]);
    let attribution = Attribution::new(&inv, &ValidPolicy::default());
    let events: Vec<UsageEvent<'static>> = (0..1000).map(|_| ua("HaloPSA/2.1")).collect();
    let attribution = &attribution;
    let tally = std::thread::scope(|scope| {
        let handles: Vec<_> = events
            .chunks(250)
            .map(|chunk| scope.spawn(move || attribution.tally_events(chunk)))
            .collect();
        let mut total = attribution.tally();
        for handle in handles {
            total.merge(handle.join().unwrap());
        }
        total
    });
    assert_eq!(tally.key_activity(0).events, 1000);
    assert_eq!(tally.events(), 1000);
}

#[test]
fn a_thousand_bound_keys_attribute_a_hundred_thousand_events() {
    const KEYS: u32 = 1000;
    let keys: Vec<ApiKey> = (0..KEYS)
        .map(|i| quiet(&format!("Integration {i:04} - NOC"), i + 1))
        .collect();
    let mut text = String::new();
    for i in 0..KEYS {
        // Even keys by user agent, odd keys by address and user id; every
        // tenth key also by a second binding on its actor.
        if i % 2 == 0 {
            text.push_str(&format!(
                "[[bind]]\nkey = \"Integration {i:04} - NOC\"\nuser_agent = [\"Vendor{i}/*\", \"*agent-{i}-x*\"]\n\n"
            ));
        } else {
            text.push_str(&format!(
                "[[bind]]\nkey = \"ITG.{:032x}\"\nip = \"10.{}.{}.0/24\"\nuser_id = \"u{i}\"\n\n",
                i + 1,
                i / 256,
                i % 256
            ));
        }
        if i % 10 == 0 {
            text.push_str(&format!(
                "[[bind]]\nkey = \"Integration {i:04} - NOC\"\nactor = \"Bot {i}\"\n\n"
            ));
        }
    }
    let policy = policy(&text);
    assert_eq!(policy.bindings.len(), 1100);
    let inv = inventory(keys);
    let attribution = Attribution::new(&inv, &policy);

    let mut expected = vec![0u64; KEYS as usize];
    let mut unattributed = 0u64;
    let start = days_ago(30);
    let events: Vec<UsageEvent<'static>> = (0..100_000u32)
        .map(|n| {
            let i = (n * 7919) % KEYS;
            let at = start + TimeDelta::seconds(i64::from(n));
            match n % 5 {
                // Attributed by the glob (even keys) or address + user id (odd keys).
                0..=2 => {
                    expected[i as usize] += 1;
                    if i % 2 == 0 {
                        let agent = if n % 2 == 0 {
                            format!("vendor{i}/3.{n}")
                        } else {
                            format!("Mozilla (agent-{i}-x)")
                        };
                        event(at, &agent, "", "", "")
                    } else {
                        event(
                            at,
                            "",
                            &format!("10.{}.{}.{}", i / 256, i % 256, n % 250),
                            &format!("u{i}"),
                            "",
                        )
                    }
                }
                // Odd keys' address without the user id: no match (AND).
                3 if i % 2 == 1 => {
                    unattributed += 1;
                    event(at, "", &format!("10.{}.{}.9", i / 256, i % 256), "", "")
                }
                // Actors of every tenth key; others unattributed.
                _ => {
                    if i % 10 == 0 {
                        expected[i as usize] += 1;
                    } else {
                        unattributed += 1;
                    }
                    event(at, &format!("Vendor{i}"), "", "", &format!("bot {i}"))
                }
            }
        })
        .collect();

    let tally = attribution.tally_events(&events);
    let got: Vec<u64> = (0..KEYS as usize)
        .map(|i| tally.key_activity(i).events)
        .collect();
    assert_eq!(got, expected);
    assert_eq!(tally.events(), 100_000);
    assert_eq!(tally.unattributed(), unattributed);
    assert_eq!(tally.attributed() + tally.unattributed(), 100_000);
    assert_eq!(tally.ambiguous(), 0);
    assert!(tally.top_unattributed_user_agents(10).len() == 10);
}

// ------------------------------------------------ events after the as-of

/// A year-9999 event and one 60 days old, both the key's.
fn with_a_far_future_event() -> (Vec<ApiKey>, Vec<UsageEvent<'static>>) {
    let far: DateTime<Utc> = "9999-12-31T23:59:59Z".parse().unwrap();
    let keys = vec![quiet("HaloPSA", 1)];
    let events = vec![
        event(days_ago(60), "HaloPSA/2.1", "", "", ""),
        event(far, "HaloPSA/2.1", "", "", ""),
    ];
    (keys, events)
}

#[test]
fn an_event_after_the_as_of_is_never_a_last_use() {
    let (keys, events) = with_a_far_future_event();
    let inv = inventory(keys);
    let policy = policy("");
    let tally = Attribution::new(&inv, &policy)
        .as_of(as_of())
        .tally_events(&events);
    assert_eq!(tally.after_as_of(), 1);
    assert_eq!(tally.key_activity(0).events, 2);
    assert_eq!(tally.key_activity(0).last_event_at, Some(days_ago(60)));
    let sources = vec![source(days_ago(90), as_of(), 2)];
    let evidence = UsageEvidence { sources, tally };
    let report = audit(
        &AuditInput {
            inventory: &inv,
            usage: Some(&evidence),
        },
        &policy,
        as_of(),
    );
    assert_eq!(report.keys[0].last_used_at, Some(days_ago(60)));
    assert_eq!(usage_rules(&report), [RuleCode::IdleKey]);
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.level == DiagnosticLevel::Warning
                && d.message
                    .starts_with("1 usage event(s) are dated after the audit's as-of time")),
        "{:?}",
        report.diagnostics
    );
}

#[test]
fn a_tally_that_does_not_know_the_as_of_still_gives_no_future_last_use() {
    let (keys, events) = with_a_far_future_event();
    let report = audit_window(keys, 90, &events);
    let key = &report.keys[0];
    assert!(key.last_used_at.is_none_or(|t| t <= as_of()), "{key:?}");
    // Idle at least since the window's start: the far event hides nothing.
    assert_eq!(usage_rules(&report), [RuleCode::IdleKey]);
}
