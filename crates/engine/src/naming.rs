//! How key names are compared: one place for every rule and the policy.

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

/// The form in which names are compared against the generic-name list:
/// lower-cased, whitespace collapsed, and trailing digits and punctuation
/// removed.
///
/// `"Test 2"` → `"test"`, `"API Key!"` → `"api key"`, `"  KEY_01 "` → `"key"`.
pub(crate) fn normalise_generic(name: &str) -> String {
    collapse_whitespace(&name.to_lowercase())
        .trim_end_matches(|c: char| !c.is_alphabetic())
        .to_string()
}

/// The form in which names are compared for duplicates: lower-cased,
/// whitespace collapsed and trimmed.
pub(crate) fn duplicate_key(name: &str) -> String {
    collapse_whitespace(&name.to_lowercase())
}

/// True when two names are the same ignoring case and surrounding whitespace
/// (how a Password Access allowance names a key).
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
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

    #[test]
    fn duplicate_keys_ignore_case_and_spacing() {
        assert_eq!(
            duplicate_key("  Backup   Sync "),
            duplicate_key("backup sync")
        );
        assert_ne!(duplicate_key("backup-sync"), duplicate_key("backup sync"));
    }
}
