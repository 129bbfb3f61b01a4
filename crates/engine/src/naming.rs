//! How key names are compared: one place for every rule and the policy.

use keyaudit_model::{ApiKey, KeyName};

use crate::policy::ValidPolicy;

/// Names that say nothing of the integration or the owner, in normalised form
/// (see [`normalise_generic`]). The policy's `naming.generic_names` adds to them.
pub const BUILTIN_GENERIC_NAMES: &[&str] = &[
    "api",
    "api key",
    "apikey",
    "key",
    "test",
    "testing",
    "temp",
    "tmp",
    "new",
    "new key",
    "default",
    "integration",
    "my integration key",
    "itglue",
    "it glue",
    "admin",
    "demo",
    "sample",
    "untitled",
    "unnamed",
];

/// True when a name is empty or whitespace only.
pub(crate) fn is_blank(name: &str) -> bool {
    name.trim().is_empty()
}

/// The form in which names are compared against the generic-name list: the
/// [`KeyName`] (case-folded, whitespace collapsed) with trailing digits and
/// punctuation removed.
///
/// `"Test 2"` → `"test"`, `"API Key!"` → `"api key"`, `"  KEY_01 "` → `"key"`.
pub(crate) fn normalise_generic(name: &str) -> String {
    KeyName::new(name)
        .as_str()
        .trim_end_matches(|c: char| !c.is_alphabetic())
        .to_string()
}

/// The built-in and the policy's generic names, normalised, sorted and
/// deduplicated.
pub(crate) fn generic_names(policy: &ValidPolicy) -> Vec<String> {
    let mut names: Vec<String> = BUILTIN_GENERIC_NAMES
        .iter()
        .map(|s| s.to_string())
        .chain(
            policy
                .naming
                .generic_names
                .iter()
                .map(|s| normalise_generic(s)),
        )
        .collect();
    names.sort();
    names.dedup();
    names
}

/// What makes a key's non-blank name generic (for the evidence) and how to
/// say it; `None` for a name that is not generic. `generic_names` is the
/// list [`generic_names`] gives.
pub(crate) fn generic_match(
    key: &ApiKey,
    generic_names: &[String],
    min_length: usize,
) -> Option<(String, String)> {
    let name = key.name.trim();
    if let Some(fingerprint) = &key.fingerprint {
        if name.eq_ignore_ascii_case(fingerprint.as_str()) {
            let what = "the key's fingerprint";
            return Some((what.to_string(), format!("is {what}")));
        }
        if name.eq_ignore_ascii_case(&fingerprint.masked()) {
            let what = "the key's masked key";
            return Some((what.to_string(), format!("is {what}")));
        }
    }
    let normalised = normalise_generic(name);
    if generic_names.contains(&normalised) {
        let why = format!("is generic (\"{normalised}\")");
        return Some((normalised, why));
    }
    if normalised.chars().count() < min_length {
        let what = format!("shorter than {min_length} characters");
        let why = format!("is {what}");
        return Some((what, why));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_generic_names() {
        for (name, want) in [
            ("Test 2", "test"),
            ("API Key!", "api key"),
            ("API-Key!", "api-key"),
            ("KEY", "key"),
            ("  new   key 3.", "new key"),
            ("key_01", "key"),
            ("v2 sync", "v2 sync"),
            ("1234", ""),
            ("Backup (J. Smith)", "backup (j. smith"),
        ] {
            assert_eq!(normalise_generic(name), want, "{name}");
        }
    }

    #[test]
    fn builtins_are_normalised() {
        for name in BUILTIN_GENERIC_NAMES {
            assert_eq!(&normalise_generic(name), name);
        }
    }
}
