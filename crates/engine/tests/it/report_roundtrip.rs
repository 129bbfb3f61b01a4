//! The report's JSON round-trips for any inventory: audit random keys (any
//! text in names and notes, any dates, states and Password Access, exposed
//! keys, several accounts), write the report as JSON, read it back into an
//! `AuditReport`: the same report, and the same bytes when written again.

use chrono::{DateTime, TimeZone, Utc};
use keyaudit_engine::{AuditInput, ValidPolicy, audit, parse_policy};
use keyaudit_model::{
    ApiKey, AuditReport, Exposure, Inventory, InventoryFile, KeyFingerprint, KeyState, LastUse,
    SourceLocation,
};
use proptest::prelude::*;

fn time() -> impl Strategy<Value = DateTime<Utc>> {
    // 2020-01-01 to 2030-01-01, to the second.
    (1_577_836_800i64..1_893_456_000).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 ._-]{0,24}",
        "\\PC{0,24}",
        "[\\x00-\\x1f\"\\\\<>&'=+@ ]{0,8}",
        Just("test".to_string()),
        Just("API".to_string()),
    ]
}

fn fingerprint() -> impl Strategy<Value = Option<KeyFingerprint>> {
    prop::option::of(
        "[0-9a-f]{32}".prop_map(|hex| KeyFingerprint::parse(&format!("ITG.{hex}")).unwrap()),
    )
}

fn key() -> impl Strategy<Value = ApiKey> {
    (
        text(),
        fingerprint(),
        prop::option::of(prop::sample::select(vec!["acme", "globex"])),
        prop::option::of(any::<bool>()),
        prop::sample::select(vec![KeyState::Active, KeyState::Paused, KeyState::Revoked]),
        prop::option::of(time()),
        prop_oneof![
            Just(LastUse::Unknown),
            Just(LastUse::Never),
            time().prop_map(LastUse::At)
        ],
        prop::option::of(text()),
        prop::option::of(text()),
        1usize..50,
    )
        .prop_map(
            |(name, fingerprint, account, pa, state, created, last, owner, purpose, row)| ApiKey {
                name,
                fingerprint,
                account: account.map(str::to_string),
                password_access: pa,
                state,
                created_at: created,
                last_used: last,
                owner,
                purpose,
                sources: vec![SourceLocation::row("keys.csv", row)],
            },
        )
}

fn policy(which: u8) -> ValidPolicy {
    match which {
        0 => ValidPolicy::default(),
        1 => parse_policy(
            "keyaudit.toml",
            "[naming]\npattern = '(?P<vendor>[^-]+?) - (?P<owner>.+)'\n\
             [[mute]]\nrule = \"generic-name\"\nkey = \"test\"\nreason = \"lab key\"\nexpires = \"2026-06-01\"\n\
             [[password_access.allow]]\nkey = \"API\"\nreason = \"r\"\nexpires = \"2027-01-01\"\n\
             [severity]\n\"idle-key\" = \"critical\"\n",
        )
        .unwrap(),
        _ => parse_policy(
            "keyaudit.toml",
            "[idle]\nwarn_after_days = 1\nhigh_after_days = 2\nrevoke_after_days = 3\n\
             never_used_grace_days = 0\n[rotation]\nmax_age_days = 1\n",
        )
        .unwrap(),
    }
}

fn round_trip(report: &AuditReport) -> Result<(), TestCaseError> {
    let json = serde_json::to_string_pretty(report).unwrap();
    let back: AuditReport = serde_json::from_str(&json).unwrap();
    prop_assert_eq!(&back, report);
    prop_assert_eq!(serde_json::to_string_pretty(&back).unwrap(), json);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_report_round_trips_through_json(
        keys in prop::collection::vec(key(), 0..12),
        exposed in prop::collection::vec(fingerprint(), 0..3),
        as_of in time(),
        which in 0u8..3,
    ) {
        let exposures: Vec<Exposure> = exposed
            .into_iter()
            .flatten()
            .map(|fingerprint| Exposure {
                fingerprint,
                location: SourceLocation::row("keys.csv", 2).with_column("Notes"),
            })
            .collect();
        let inventory = Inventory {
            files: vec![InventoryFile {
                path: "keys.csv".into(),
                format: "csv".into(),
                keys: keys.len(),
                digest: None,
            }],
            keys,
            exposures,
            ..Inventory::default()
        };
        let report = audit(
            &AuditInput { inventory: &inventory, usage: None },
            &policy(which),
            as_of,
        );
        round_trip(&report)?;
    }
}
