//! Stable key ids: the same key gets the same id across runs and input orders.

use std::collections::BTreeMap;

use keyaudit_model::{ApiKey, KeyFingerprint, KeyIdentity, LastUse};
use sha2::{Digest, Sha256};

/// The id of a key known by its fingerprint: the first 12 hex digits of
/// SHA-256 over `fp:<fingerprint>`.
pub(crate) fn fingerprint_id(fingerprint: &KeyFingerprint) -> String {
    hash12(&fingerprint_seed(fingerprint))
}

/// One id per key, in the order given.
///
/// A key is identified by its [`KeyIdentity`]: its fingerprint, hashed from
/// `fp:<fingerprint>`; else `name:<account>\0<name>` with the name
/// normalised ([`KeyName`](keyaudit_model::KeyName)), so that renaming a key
/// in case or spacing only keeps its id. Keys whose seeds collide get their creation time
/// appended, then (still colliding) a 1-based occurrence number taken in an
/// order of the keys' other fields, so ids do not depend on input order
/// unless the keys are indistinguishable.
pub(crate) fn key_ids(keys: &[ApiKey]) -> Vec<String> {
    let seeds: Vec<String> = keys.iter().map(seed).collect();
    let seeds = disambiguate(seeds, |i| {
        keys[i]
            .created_at
            .map(|t| t.to_rfc3339())
            .unwrap_or_default()
    });
    let seeds = disambiguate_by_occurrence(seeds, keys);
    seeds.iter().map(|s| hash12(s)).collect()
}

fn fingerprint_seed(fingerprint: &KeyFingerprint) -> String {
    format!("fp:{}", fingerprint.as_str())
}

fn seed(key: &ApiKey) -> String {
    match key.identity() {
        KeyIdentity::Fingerprint(fingerprint) => fingerprint_seed(&fingerprint),
        KeyIdentity::Name { account, name } => format!("name:{account}\0{name}"),
    }
}

/// Positions of seeds shared by more than one key.
fn collisions(seeds: &[String]) -> Vec<Vec<usize>> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in seeds.iter().enumerate() {
        groups.entry(s).or_default().push(i);
    }
    groups.into_values().filter(|g| g.len() > 1).collect()
}

fn disambiguate(mut seeds: Vec<String>, extra: impl Fn(usize) -> String) -> Vec<String> {
    for group in collisions(&seeds) {
        for i in group {
            let more = extra(i);
            seeds[i] = format!("{}\0{more}", seeds[i]);
        }
    }
    seeds
}

fn disambiguate_by_occurrence(mut seeds: Vec<String>, keys: &[ApiKey]) -> Vec<String> {
    for mut group in collisions(&seeds) {
        group.sort_by_cached_key(|&i| order_key(&keys[i]));
        for (n, i) in group.into_iter().enumerate() {
            seeds[i] = format!("{}\0{}", seeds[i], n + 1);
        }
    }
    seeds
}

/// A sort key over the fields not already in the seed.
fn order_key(key: &ApiKey) -> impl Ord + use<> {
    let last_used = match key.last_used {
        LastUse::Unknown => (0, None),
        LastUse::Never => (1, None),
        LastUse::At(t) => (2, Some(t)),
    };
    (
        key.state,
        key.password_access,
        last_used,
        key.owner.clone(),
        key.purpose.clone(),
        key.sources.clone(),
    )
}

fn hash12(seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ids_are_sha256_prefixes() {
        let fp = KeyFingerprint::parse("ITG.45df64a0dd9df8a7a79dc4382927a045").unwrap();
        let id = fingerprint_id(&fp);
        assert_eq!(id.len(), 12);
        let key = ApiKey {
            fingerprint: Some(fp),
            ..ApiKey::named("Backup")
        };
        assert_eq!(key_ids(&[key]), vec![id]);
    }

    #[test]
    fn renaming_in_case_or_spacing_keeps_the_id() {
        let id = |name: &str, account: Option<&str>| {
            let key = ApiKey {
                account: account.map(str::to_string),
                ..ApiKey::named(name)
            };
            key_ids(&[key]).remove(0)
        };
        assert_eq!(id("HaloPSA Sync", None), id("  halopsa\tSYNC ", None));
        assert_eq!(id("HaloPSA Sync", None), id("halopsa sync", Some("")));
        assert_ne!(id("HaloPSA Sync", None), id("HaloPSA Sync", Some("acme")));
        assert_ne!(id("HaloPSA Sync", None), id("HaloPSA-Sync", None));
    }

    #[test]
    fn colliding_names_get_distinct_order_independent_ids() {
        let mut a = ApiKey::named("Sync");
        a.owner = Some("ann".into());
        let mut b = ApiKey::named("Sync");
        b.owner = Some("bob".into());
        let ab = key_ids(&[a.clone(), b.clone()]);
        let ba = key_ids(&[b, a]);
        assert_ne!(ab[0], ab[1]);
        assert_eq!(ab[0], ba[1]);
        assert_eq!(ab[1], ba[0]);
    }
}
