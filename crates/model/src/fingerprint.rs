use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The public part of an IT Glue API key: `ITG.` followed by 32 hexadecimal
/// digits, normalised to lower case.
///
/// IT Glue's settings page shows a key as `ITG.<32 hex>.*****`; the part after
/// the second dot is the secret. A fingerprint never holds the secret, so it is
/// safe to print, log and store.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyFingerprint(String);

impl KeyFingerprint {
    /// Length of `ITG.` plus 32 hex digits.
    pub const LEN: usize = 36;

    /// Parses a bare fingerprint (`ITG.` + 32 hex digits, any case).
    /// Returns `None` for anything else, including a masked or full key.
    pub fn parse(s: &str) -> Option<Self> {
        let bytes = s.as_bytes();
        if bytes.len() != Self::LEN || !bytes[..4].eq_ignore_ascii_case(b"ITG.") {
            return None;
        }
        if !bytes[4..].iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        Some(Self(format!("ITG.{}", s[4..].to_ascii_lowercase())))
    }

    /// The fingerprint as text: `ITG.<32 lower-case hex digits>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as IT Glue's settings page shows it: `ITG.<hex>.*****`.
    pub fn masked(&self) -> String {
        format!("{}.*****", self.0)
    }
}

impl fmt::Display for KeyFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyFingerprint({})", self.0)
    }
}

impl Serialize for KeyFingerprint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for KeyFingerprint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{s}` is not a key fingerprint (expected ITG. followed by 32 hex digits)"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let fp = KeyFingerprint::parse("itg.45DF64A0DD9DF8A7A79DC4382927A045").unwrap();
        assert_eq!(fp.as_str(), "ITG.45df64a0dd9df8a7a79dc4382927a045");
    }

    #[test]
    fn rejects_other_shapes() {
        for s in [
            "",
            "ITG.",
            "ITG.45df64a0dd9df8a7a79dc4382927a04",
            "ITG.45df64a0dd9df8a7a79dc4382927a045.*****",
            "ITG.45df64a0dd9df8a7a79dc4382927a04g",
            "XYZ.45df64a0dd9df8a7a79dc4382927a045",
            "ITG.45df64a0dd9df8a7a79dc4382927a0é",
        ] {
            assert!(KeyFingerprint::parse(s).is_none(), "{s}");
        }
    }
}
