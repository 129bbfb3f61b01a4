//! Merging several inventory files into one inventory.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use keyaudit_ingest::{
    IngestError, ParsedInventory, load_inventories, merge_inventories, parse_inventory,
};
use keyaudit_model::{
    ApiKey, InventoryFile, KeyFingerprint, KeyName, KeyState, LastUse, SourceLocation,
};
use proptest::prelude::*;

fn parse(name: &str, text: &str) -> ParsedInventory {
    parse_inventory(name, text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn fixture(name: &str) -> String {
    format!(
        "{}/../../fixtures/inventory/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

const HALO: &str = "ITG.0a1b2c3d4e5f60718293a4b5c6d7e8f9";

#[test]
fn settings_paste_and_owner_list_merge_by_name() {
    let inventory = load_inventories(&[
        fixture("settings-page-paste-filled.tsv"),
        fixture("owners.csv"),
    ])
    .unwrap();
    assert_eq!(inventory.files.len(), 2);
    assert_eq!(inventory.files[0].format, "tsv");
    assert_eq!(inventory.files[1].format, "csv");
    assert_eq!(
        inventory.keys.len(),
        7,
        "every owners.csv row matched a pasted key"
    );
    let halo = &inventory.keys[0];
    assert_eq!(halo.fingerprint.as_ref().unwrap().as_str(), HALO);
    assert_eq!(halo.password_access, Some(true));
    assert_eq!(halo.owner.as_deref(), Some("J. Smith"));
    assert_eq!(
        halo.created_at,
        Some(Utc.with_ymd_and_hms(2023, 1, 15, 0, 0, 0).unwrap())
    );
    assert_eq!(inventory.keys[2].last_used, LastUse::Never);
    assert_eq!(halo.sources.len(), 2);
    assert_eq!(halo.sources[0].row, Some(2));
    assert!(
        halo.sources[0]
            .file
            .ends_with("settings-page-paste-filled.tsv")
    );
    assert!(halo.sources[1].file.ends_with("owners.csv"));
}

#[test]
fn merge_by_fingerprint_fills_missing_fields() {
    let a = parse(
        "paste.tsv",
        &format!(
            "Name\tKey\tPassword Access\nHaloPSA Integration\t{HALO}.*****\t<input type=\"checkbox\" checked>\n"
        ),
    );
    let b = parse(
        "export.csv",
        &format!("Key,Name,Owner,Status,Last Used\n{HALO},,J. Smith,paused,2024-05-01\n"),
    );
    let inventory = merge_inventories(vec![a, b]).unwrap();
    assert_eq!(inventory.keys.len(), 1);
    let key = &inventory.keys[0];
    assert_eq!(key.name, "HaloPSA Integration");
    assert_eq!(key.password_access, Some(true));
    assert_eq!(key.owner.as_deref(), Some("J. Smith"));
    assert_eq!(key.state, KeyState::Paused);
    assert_eq!(
        key.last_used,
        LastUse::At(Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap())
    );
    assert_eq!(
        key.sources,
        [
            SourceLocation::row("paste.tsv", 2),
            SourceLocation::row("export.csv", 2)
        ]
    );
}

#[test]
fn name_match_gives_the_fingerprint_and_respects_accounts() {
    let a = parse(
        "a.csv",
        "Name,Account,Owner\nHudu migration,acme,J. Smith\nHudu migration,,A. Jones\n",
    );
    let b = parse(
        "b.csv",
        &format!("Name,Account,Key\nHudu migration,acme,{HALO}\n"),
    );
    let inventory = merge_inventories(vec![a, b]).unwrap();
    assert_eq!(inventory.keys.len(), 2);
    assert_eq!(
        inventory.keys[0].fingerprint.as_ref().unwrap().as_str(),
        HALO
    );
    assert_eq!(inventory.keys[0].owner.as_deref(), Some("J. Smith"));
    assert_eq!(inventory.keys[1].fingerprint, None);
}

#[test]
fn names_that_differ_in_case_or_spacing_are_one_key() {
    let a = parse(
        "a.csv",
        "Name,Account,Owner\nHaloPSA  Sync,acme,J. Smith\nStraße,,\n",
    );
    let b = parse(
        "b.csv",
        &format!("Name,Account,Key,Owner\n halopsa sync ,acme,{HALO},\nSTRASSE,,,A. Jones\n"),
    );
    let inventory = merge_inventories(vec![a, b]).unwrap();
    assert_eq!(inventory.keys.len(), 2, "{:?}", inventory.keys);
    let halo = &inventory.keys[0];
    assert_eq!(halo.name, "HaloPSA  Sync", "the first spelling is kept");
    assert_eq!(halo.fingerprint.as_ref().unwrap().as_str(), HALO);
    assert_eq!(halo.owner.as_deref(), Some("J. Smith"));
    assert_eq!(inventory.keys[1].name, "Straße");
    assert_eq!(inventory.keys[1].owner.as_deref(), Some("A. Jones"));

    // Keys merged by fingerprint whose names differ only in case agree.
    let a = parse("a.csv", &format!("Name,Key\nHaloPSA Integration,{HALO}\n"));
    let b = parse("b.csv", &format!("Name,Key\nHALOPSA INTEGRATION,{HALO}\n"));
    let inventory = merge_inventories(vec![a, b]).unwrap();
    assert_eq!(inventory.keys.len(), 1);
    assert_eq!(inventory.keys[0].name, "HaloPSA Integration");
}

#[test]
fn keys_with_different_fingerprints_never_merge_by_name() {
    let a = parse(
        "a.csv",
        "Name,Key\nAPI,ITG.11111111111111111111111111111111\n",
    );
    let b = parse(
        "b.csv",
        "Name,Key\nAPI,ITG.22222222222222222222222222222222\n",
    );
    assert_eq!(merge_inventories(vec![a, b]).unwrap().keys.len(), 2);
}

#[test]
fn same_file_names_do_not_merge() {
    let a = parse("a.csv", "Name\nAPI\nAPI\n");
    let inventory = merge_inventories(vec![a]).unwrap();
    assert_eq!(inventory.keys.len(), 2);
}

#[test]
fn conflicting_values_name_both_places() {
    let a = parse(
        "paste.tsv",
        &format!("Name\tKey\tPassword Access\nHaloPSA Integration\t{HALO}.*****\tyes\n"),
    );
    let b = parse(
        "export.csv",
        &format!("Name,Key,Password Access\nHaloPSA Integration,{HALO},no\n"),
    );
    let err = merge_inventories(vec![a, b]).unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::MergeConflict {
                field: "password access",
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    for part in [
        "export.csv:2",
        "paste.tsv:2",
        "password access",
        "`true`",
        "`false`",
    ] {
        assert!(message.contains(part), "`{part}` missing from: {message}");
    }

    let a = parse("a.csv", "Name,Owner\nDatto RMM sync,J. Smith\n");
    let b = parse("b.csv", "Name,Owner\nDatto RMM sync,A. Jones\n");
    let message = merge_inventories(vec![a, b]).unwrap_err().to_string();
    assert_eq!(
        message,
        "b.csv:2: found owner `A. Jones`, but a.csv:2 gives `J. Smith` for the same key; expected the same owner in both files"
    );

    let a = parse("a.csv", &format!("Name,Key\nHaloPSA Integration,{HALO}\n"));
    let b = parse("b.csv", &format!("Name,Key\nHalo,{HALO}\n"));
    let message = merge_inventories(vec![a, b]).unwrap_err().to_string();
    assert!(
        message.contains("name `Halo`") && message.contains("`HaloPSA Integration`"),
        "{message}"
    );
}

#[test]
fn ambiguous_name_is_an_error() {
    let a = parse(
        "a.csv",
        "Name,Key\nAPI,ITG.11111111111111111111111111111111\nAPI,\n",
    );
    let b = parse("b.csv", "Name,Owner\nAPI,J. Smith\n");
    let err = merge_inventories(vec![a, b]).unwrap_err();
    let message = err.to_string();
    for part in ["b.csv:2", "`API`", "2 keys", "a.csv:2", "a.csv:3"] {
        assert!(message.contains(part), "`{part}` missing from: {message}");
    }
}

#[test]
fn exposures_diagnostics_and_files_are_concatenated() {
    let a = parse("a.csv", &format!("Name,Notes\nX,{HALO}.S3cr3tV4lu3XyZq9\n"));
    let b = parse("b.csv", "Name,Created,Last Used\nY,2024-02-01,2024-01-01\n");
    let inventory = merge_inventories(vec![a, b]).unwrap();
    assert_eq!(
        inventory
            .files
            .iter()
            .map(|f| f.path.as_str())
            .collect::<Vec<_>>(),
        ["a.csv", "b.csv"]
    );
    assert_eq!(inventory.exposures.len(), 1);
    assert_eq!(inventory.diagnostics.len(), 1);
}

#[test]
fn dates_from_two_files_are_checked_together() {
    let a = parse("a.csv", "Name,Created\nX,2024-02-01\n");
    let b = parse("b.csv", "Name,Last Used\nX,2024-01-01\n");
    let inventory = merge_inventories(vec![a, b]).unwrap();
    assert_eq!(inventory.diagnostics.len(), 1);
    assert_eq!(
        inventory.diagnostics[0].location,
        Some(SourceLocation::row("b.csv", 2))
    );
}

#[test]
fn unreadable_file_is_named() {
    let err = load_inventories(&["no/such/inventory.csv"]).unwrap_err();
    assert!(matches!(err, IngestError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with("no/such/inventory.csv: cannot read the file"),
        "{err}"
    );
}

/// One inventory file of generated keys, each with its row as source.
fn generated(file: &str, keys: impl Iterator<Item = ApiKey>) -> ParsedInventory {
    let keys: Vec<ApiKey> = keys
        .enumerate()
        .map(|(i, mut key)| {
            key.sources = vec![SourceLocation::row(file, i + 2)];
            key
        })
        .collect();
    ParsedInventory {
        file: InventoryFile {
            path: file.to_string(),
            format: "csv".to_string(),
            keys: keys.len(),
            digest: None,
        },
        keys,
        exposures: Vec::new(),
        diagnostics: Vec::new(),
    }
}

fn fingerprint(n: usize) -> KeyFingerprint {
    KeyFingerprint::parse(&format!("ITG.{n:032x}")).unwrap()
}

/// Merging is linear in the number of rows, whatever their names: 150,000
/// rows in shapes that make a pairwise comparison quadratic (names matched
/// across files, one name shared by every key of a file, with and without
/// fingerprints) merge in seconds even in a debug build. Comparing every
/// row with every earlier key took minutes.
#[test]
fn merging_many_keys_takes_linear_time() {
    const N: usize = 25_000;
    let owned = |i: usize| ApiKey {
        owner: Some(format!("owner {i}")),
        ..ApiKey::named(format!("Sync {i}"))
    };
    let with_fp = |i: usize| ApiKey {
        fingerprint: Some(fingerprint(i)),
        ..ApiKey::named("Shared")
    };
    let started = Instant::now();

    // File 2 names every key of file 1 (in another order) and adds its owner.
    let inventory = merge_inventories(vec![
        generated("a.csv", (0..N).map(|i| ApiKey::named(format!("Sync {i}")))),
        generated("b.csv", (0..N).rev().map(owned)),
    ])
    .unwrap();
    assert_eq!(inventory.keys.len(), N);
    assert_eq!(inventory.keys[7].owner.as_deref(), Some("owner 7"));

    // One name for every key: no merge within a file, nor between keys with
    // different fingerprints.
    let inventory = merge_inventories(vec![
        generated("a.csv", (0..N).map(|_| ApiKey::named("Shared"))),
        generated("b.csv", (0..N).map(with_fp)),
        generated("c.csv", (N..2 * N).map(with_fp)),
    ]);
    let err = inventory.unwrap_err();
    assert!(matches!(err, IngestError::AmbiguousMerge { .. }), "{err}");
    let inventory = merge_inventories(vec![
        generated("a.csv", (0..N).map(with_fp)),
        generated("b.csv", (N..2 * N).map(with_fp)),
    ])
    .unwrap();
    assert_eq!(inventory.keys.len(), 2 * N);

    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(20),
        "merging took {elapsed:?}"
    );
}

/// The merge rule, written the plain way: each row compared with every
/// earlier key. Returns, per merged key, its name, fingerprint, account and
/// sources; `None` where the merge must fail (a conflict or an ambiguous
/// name).
#[allow(clippy::type_complexity)]
fn merged_by_comparison(
    files: &[Vec<ApiKey>],
) -> Option<
    Vec<(
        String,
        Option<KeyFingerprint>,
        Option<String>,
        Vec<SourceLocation>,
    )>,
> {
    struct Key {
        name: String,
        fingerprint: Option<KeyFingerprint>,
        account: Option<String>,
        files: Vec<usize>,
        sources: Vec<SourceLocation>,
    }
    let mut merged: Vec<Key> = Vec::new();
    for (file, keys) in files.iter().enumerate() {
        for key in keys {
            let by_fingerprint = key.fingerprint.as_ref().and_then(|fp| {
                merged
                    .iter()
                    .position(|m| m.fingerprint.as_ref() == Some(fp))
            });
            let found = match by_fingerprint {
                Some(i) => Some(i),
                None if key.name.trim().is_empty() => None,
                None => {
                    let candidates: Vec<usize> = (0..merged.len())
                        .filter(|&i| {
                            let m = &merged[i];
                            !m.files.contains(&file)
                                && (key.fingerprint.is_none() || m.fingerprint.is_none())
                                && KeyName::new(&m.name) == KeyName::new(&key.name)
                                && m.account == key.account
                        })
                        .collect();
                    match candidates[..] {
                        [] => None,
                        [one] => Some(one),
                        _ => return None,
                    }
                }
            };
            let Some(i) = found else {
                merged.push(Key {
                    name: key.name.clone(),
                    fingerprint: key.fingerprint.clone(),
                    account: key.account.clone(),
                    files: vec![file],
                    sources: key.sources.clone(),
                });
                continue;
            };
            let m = &mut merged[i];
            if !key.name.trim().is_empty() {
                if m.name.trim().is_empty() {
                    m.name = key.name.clone();
                } else if KeyName::new(&m.name) != KeyName::new(&key.name) {
                    return None;
                }
            }
            match (&m.account, &key.account) {
                (None, Some(_)) => m.account = key.account.clone(),
                (Some(a), Some(b)) if a != b => return None,
                _ => {}
            }
            if m.fingerprint.is_none() {
                m.fingerprint = key.fingerprint.clone();
            }
            m.files.push(file);
            m.sources.extend(key.sources.iter().cloned());
        }
    }
    Some(
        merged
            .into_iter()
            .map(|m| (m.name, m.fingerprint, m.account, m.sources))
            .collect(),
    )
}

fn small_key() -> impl Strategy<Value = ApiKey> {
    (
        prop::sample::select(vec!["", "A", "B", " A", "a", "Straße", "STRASSE"]),
        prop::option::of(0..3usize),
        prop::option::of(Just("acme")),
    )
        .prop_map(|(name, fp, account)| ApiKey {
            fingerprint: fp.map(fingerprint),
            account: account.map(str::to_string),
            ..ApiKey::named(name)
        })
}

proptest! {
    /// The indexed merge merges exactly the keys that comparing each row
    /// with every earlier key merges, and fails exactly where it fails.
    #[test]
    fn indexed_merge_agrees_with_pairwise_comparison(
        files in prop::collection::vec(prop::collection::vec(small_key(), 0..6), 1..4)
    ) {
        let parts: Vec<ParsedInventory> = files
            .iter()
            .enumerate()
            .map(|(n, keys)| generated(&format!("{n}.csv"), keys.iter().cloned()))
            .collect();
        let files: Vec<Vec<ApiKey>> = parts.iter().map(|p| p.keys.clone()).collect();
        let got = merge_inventories(parts).ok().map(|inventory| {
            inventory
                .keys
                .into_iter()
                .map(|k| (k.name, k.fingerprint, k.account, k.sources))
                .collect::<Vec<_>>()
        });
        prop_assert_eq!(got, merged_by_comparison(&files));
    }
}
