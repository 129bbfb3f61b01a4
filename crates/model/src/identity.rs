//! Key identity: when two mentions of a key are the same key.
//!
//! Every crate asks this question through the two types here: inventory
//! merge, stable ids, `diff`, the policy's allowances, bindings and mutes,
//! and `duplicate-name`.

use std::fmt;

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

use crate::KeyFingerprint;

/// A key name in the form names are compared in: surrounding whitespace
/// trimmed, every inner run of whitespace one space, Unicode full case
/// folding, and canonically equivalent spellings made one (NFC).
///
/// `"  HaloPSA   Sync "`, `"halopsa sync"` and `"HALOPSA\tSYNC"` are one
/// name; so are `"Straße"` and `"STRASSE"`, `"ﬁle"` and `"FILE"`, and an
/// `é` typed as one character or as `e` plus a combining accent. Whitespace
/// is Unicode's (no-break and ideographic spaces included). A blank name
/// normalises to the empty string.
///
/// ```
/// use keyaudit_model::KeyName;
///
/// assert_eq!(KeyName::new("  HaloPSA \u{a0} Sync"), KeyName::new("halopsa sync"));
/// assert_eq!(KeyName::new("Straße").as_str(), "strasse");
/// assert!(KeyName::new(" \t").is_blank());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyName(String);

impl KeyName {
    /// The normalised form of `name`.
    pub fn new(name: &str) -> Self {
        let mut out = String::with_capacity(name.len());
        for word in name.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            if word.is_ascii() {
                // ASCII folds to lower case and is already in NFC.
                out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
            } else {
                // Canonical caseless matching (Unicode §3.13, D145) compares
                // NFD(fold(NFD(x))); NFC of that is the same test, shorter.
                out.extend(word.chars().nfd().default_case_fold().nfc());
            }
        }
        Self(out)
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a name that was empty or whitespace only.
    pub fn is_blank(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyName({:?})", self.0)
    }
}

/// What makes two mentions of a key the same key: its fingerprint when known,
/// else its account and its [`KeyName`].
///
/// Accounts compare as written (no account is the same as an empty one).
/// [`KeyIdentity::by_name`] gives the second form for any key, for the
/// questions asked of names alone (merging a row that has no fingerprint,
/// duplicate names).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyIdentity {
    /// A key known by its fingerprint.
    Fingerprint(KeyFingerprint),
    /// A key known by its account and name.
    Name {
        /// The account, empty when none is known.
        account: String,
        /// The normalised name.
        name: KeyName,
    },
}

impl KeyIdentity {
    /// The identity of a key with these fields: the fingerprint when there
    /// is one, else account and name.
    pub fn new(fingerprint: Option<&KeyFingerprint>, account: Option<&str>, name: &str) -> Self {
        match fingerprint {
            Some(fingerprint) => Self::Fingerprint(fingerprint.clone()),
            None => Self::by_name(account, name),
        }
    }

    /// The identity of a key by account and name alone, whether or not its
    /// fingerprint is known.
    pub fn by_name(account: Option<&str>, name: &str) -> Self {
        Self::Name {
            account: account.unwrap_or_default().to_string(),
            name: KeyName::new(name),
        }
    }

    /// True for an identity by a blank name: it names no key in particular.
    pub fn is_blank(&self) -> bool {
        matches!(self, Self::Name { name, .. } if name.is_blank())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise() {
        for (name, want) in [
            ("HaloPSA Sync", "halopsa sync"),
            ("  HaloPSA\t\n Sync  ", "halopsa sync"),
            ("Halo\u{a0}PSA\u{3000}Sync", "halo psa sync"),
            ("Straße", "strasse"),
            ("ﬁle sync", "file sync"),
            ("ΣΊΣΥΦΟΣ", "σίσυφοσ"),
            ("Café", "café"),
            ("Cafe\u{301}", "café"),
            ("KELVIN \u{212a}", "kelvin k"),
            ("", ""),
            (" \u{2003}\t", ""),
        ] {
            assert_eq!(KeyName::new(name).as_str(), want, "{name:?}");
        }
    }

    #[test]
    fn ascii_takes_the_same_path_as_any_text() {
        for c in (0u8..128).map(char::from).filter(|c| !c.is_whitespace()) {
            let folded: String = [c].into_iter().nfd().default_case_fold().nfc().collect();
            assert_eq!(KeyName::new(&c.to_string()).as_str(), folded, "{c:?}");
        }
    }

    #[test]
    fn different_names_stay_different() {
        for (a, b) in [
            ("backup-sync", "backup sync"),
            ("backup sync", "backupsync"),
            ("Sync 1", "Sync 2"),
            ("café", "cafe"),
        ] {
            assert_ne!(KeyName::new(a), KeyName::new(b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn fingerprint_wins_over_name() {
        let fp = KeyFingerprint::parse("ITG.45df64a0dd9df8a7a79dc4382927a045").unwrap();
        assert_eq!(
            KeyIdentity::new(Some(&fp), Some("acme"), "A"),
            KeyIdentity::new(Some(&fp), None, "B")
        );
        assert_eq!(
            KeyIdentity::new(None, Some("acme"), " HaloPSA"),
            KeyIdentity::new(None, Some("acme"), "halopsa ")
        );
        assert_ne!(
            KeyIdentity::new(None, Some("acme"), "HaloPSA"),
            KeyIdentity::new(None, Some("ACME"), "HaloPSA")
        );
        assert_eq!(
            KeyIdentity::new(None, None, "x"),
            KeyIdentity::new(None, Some(""), "X")
        );
        assert!(KeyIdentity::by_name(Some("acme"), " ").is_blank());
        assert!(!KeyIdentity::new(Some(&fp), None, "").is_blank());
    }
}
