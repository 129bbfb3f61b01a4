//! "Is this the same key?" has one answer across the crates: inventory
//! merge, stable ids, `diff`, the policy's allowances and mutes, and
//! `duplicate-name` agree with [`KeyName`] for any names.

use std::fs;

use crate::support::keyaudit;
use chrono::{DateTime, TimeZone, Utc};
use keyaudit_engine::compare::diff;
use keyaudit_engine::{
    AuditInput, MuteTarget, PasswordAllowance, PolicyLine, PolicyMute, ValidPolicy, audit,
};
use keyaudit_ingest::{ParsedInventory, merge_inventories};
use keyaudit_model::{
    ApiKey, AuditReport, Change, FindingStatus, InventoryFile, KeyName, RuleCode, SourceLocation,
};
use proptest::prelude::*;
use serde_json::Value;

fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 16, 0, 0, 0).unwrap()
}

/// A key without a fingerprint, in account `acme`, holding Password Access.
fn key(name: &str) -> ApiKey {
    ApiKey {
        account: Some("acme".to_string()),
        password_access: Some(true),
        ..ApiKey::named(name)
    }
}

fn file(path: &str, keys: Vec<ApiKey>) -> ParsedInventory {
    let keys: Vec<ApiKey> = keys
        .into_iter()
        .enumerate()
        .map(|(i, mut key)| {
            key.sources = vec![SourceLocation::row(path, i + 2)];
            key
        })
        .collect();
    ParsedInventory {
        file: InventoryFile {
            path: path.to_string(),
            format: "csv".to_string(),
            keys: keys.len(),
            digest: None,
        },
        keys,
        exposures: Vec::new(),
        diagnostics: Vec::new(),
    }
}

fn report(keys: Vec<ApiKey>, policy: &ValidPolicy) -> AuditReport {
    let inventory = merge_inventories(vec![file("keys.csv", keys)]).unwrap();
    let input = AuditInput {
        inventory: &inventory,
        usage: None,
    };
    audit(&input, policy, as_of())
}

fn finding(report: &AuditReport, rule: RuleCode) -> Option<FindingStatus> {
    report
        .findings
        .iter()
        .find(|f| f.rule == rule)
        .map(|f| f.status)
}

/// A name made of words that differ in case, spacing and Unicode spelling
/// only, or of any printable text.
fn name() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "Halo",
        "HALO",
        "halo",
        "PSA",
        "psa",
        "Straße",
        "STRASSE",
        "strasse",
        "ﬁle",
        "FILE",
        "Café",
        "cafe\u{301}",
        "CAFÉ",
        "cafe",
        "Σ",
        "ς",
        "σ",
        "K",
        "\u{212a}",
        "sync",
        "Sync",
    ]);
    let space = prop::sample::select(vec![
        " ", "  ", "\t", "\u{a0}", "\u{3000}", "\u{2003}", "-", "",
    ]);
    let edge = prop::sample::select(vec!["", " ", "\t", "\u{a0}"]);
    let words = (
        prop::collection::vec((word, space), 1..4),
        edge.clone(),
        edge,
    )
        .prop_map(|(words, lead, trail)| {
            let mut name = lead.to_string();
            for (i, (word, space)) in words.iter().enumerate() {
                if i > 0 {
                    name.push_str(space);
                }
                name.push_str(word);
            }
            name.push_str(trail);
            name
        });
    prop_oneof![4 => words, 1 => "\\PC{1,12}"]
}

/// `name` with each letter's case and each run of whitespace changed as the
/// bits of `seed` say: mostly the same key under another spelling.
fn respelled(name: &str, seed: u64) -> String {
    const SPACES: [&str; 4] = [" ", "  ", "\t", "\u{a0}"];
    let mut out = SPACES[(seed % 4) as usize].repeat((seed >> 2) as usize % 2);
    for (i, word) in name.split_whitespace().enumerate() {
        let bits = seed.rotate_right(i as u32 * 7);
        if i > 0 {
            out.push_str(SPACES[(bits % 4) as usize]);
        }
        for (j, c) in word.chars().enumerate() {
            if (bits >> (j % 60)) & 1 == 1 {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
    out
}

/// Two names: unrelated, or the second a respelling of the first.
fn names() -> impl Strategy<Value = (String, String)> {
    name().prop_flat_map(|a| {
        let respelling = any::<u64>().prop_map({
            let a = a.clone();
            move |seed| respelled(&a, seed)
        });
        (Just(a), prop_oneof![name(), respelling])
    })
}

proptest! {
    #[test]
    fn merge_ids_diff_policy_and_duplicates_agree_on_the_same_key((a, b) in names()) {
        prop_assume!(!KeyName::new(&a).is_blank() && !KeyName::new(&b).is_blank());
        let same = KeyName::new(&a) == KeyName::new(&b);
        let defaults = ValidPolicy::default();

        // Merge: the key in two files is one key.
        let merged = merge_inventories(vec![file("a.csv", vec![key(&a)]), file("b.csv", vec![key(&b)])])
            .unwrap();
        prop_assert_eq!(merged.keys.len() == 1, same, "merge");

        // Stable ids: the key keeps its id, and so its findings keep theirs.
        let old = report(vec![key(&a)], &defaults);
        let new = report(vec![key(&b)], &defaults);
        prop_assert_eq!(old.keys[0].id == new.keys[0].id, same, "ids");

        // Diff: the key is neither added nor removed, its findings persist.
        let d = diff(&old, &new);
        let persists = d.keys_added.is_empty()
            && d.keys_removed.is_empty()
            && d.findings.iter().all(|f| f.change == Change::Persisting);
        prop_assert_eq!(persists, same, "diff: {:?}", d.findings);

        // Policy: an allowance or a mute written with one name applies to
        // the key under the other.
        let mut policy = ValidPolicy::default();
        policy.password_access.allow.push(PasswordAllowance {
            key: a.clone(),
            reason: "sync".to_string(),
            expires: None,
            line: PolicyLine::default(),
        });
        let allowed = finding(&report(vec![key(&b)], &policy), RuleCode::PasswordAccess).is_none();
        prop_assert_eq!(allowed, same, "allowance");
        let mut policy = ValidPolicy::default();
        policy.mutes.push(PolicyMute {
            rule: RuleCode::PasswordAccess,
            target: MuteTarget::Key(a.clone()),
            reason: "accepted".to_string(),
            expires: None,
            line: PolicyLine::default(),
        });
        let muted = finding(&report(vec![key(&b)], &policy), RuleCode::PasswordAccess)
            == Some(FindingStatus::Muted);
        prop_assert_eq!(muted, same, "mute");

        // duplicate-name: both in one file are two keys sharing a name.
        let both = report(vec![key(&a), key(&b)], &defaults);
        prop_assert_eq!(finding(&both, RuleCode::DuplicateName).is_some(), same, "duplicate-name");
    }
}

/// A key without a fingerprint renamed in case and spacing only, between two
/// runs of `keyaudit audit`: `diff` shows its findings as persisting, under
/// the same ids, and the key as neither added nor removed.
#[test]
fn a_case_and_spacing_rename_persists_in_diff() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    fs::write(
        path("old.csv"),
        "Name,Password Access,Created\nHaloPSA Sync,yes,2024-01-01\n",
    )
    .unwrap();
    fs::write(
        path("new.csv"),
        "Name,Password Access,Created\n  halopsa   SYNC ,yes,2024-01-01\n",
    )
    .unwrap();
    for run in ["old", "new"] {
        keyaudit()
            .args(["audit", "--inventory", &path(&format!("{run}.csv"))])
            .args(["--as-of", "2026-11-16", "--format", "json"])
            .args(["--fail-on", "never", "-o", &path(&format!("{run}.json"))])
            .assert()
            .code(0);
    }
    let out = keyaudit()
        .args([
            "diff",
            &path("old.json"),
            &path("new.json"),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "nothing new or worse");
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["summary"]["keys_added"], 0, "{d}");
    assert_eq!(d["summary"]["keys_removed"], 0, "{d}");
    let findings = d["findings"].as_array().unwrap();
    assert!(
        findings.len() >= 2,
        "password-access and more: {findings:?}"
    );
    for f in findings {
        assert_eq!(f["change"], "persisting", "{f}");
    }
    let ids = |run: &str| -> Vec<Value> {
        let report: Value =
            serde_json::from_str(&fs::read_to_string(path(&format!("{run}.json"))).unwrap())
                .unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].clone())
            .collect()
    };
    assert_eq!(ids("old"), ids("new"));
}
