//! The shape of an IT Glue API key, in one place: the fingerprint, the
//! masked form, the full-key detector (with its pre-checks) and the masker.
//!
//! A key is `ITG.` + 32 hex digits (the *fingerprint*, public: IT Glue shows
//! it to every administrator) + `.` + the secret. The settings page shows a
//! key *masked*: `ITG.<32 hex>.*****`.
//!
//! A *full key* is a fingerprint, a dot and a secret: the longest run of
//! `[A-Za-z0-9_\-+/=]` after the second dot; a run of 8 or more such
//! characters makes a full key. A masked key is not a full key: `*` is not a
//! secret character.
//!
//! A key broken by an invisible character (a soft hyphen, a zero-width
//! space, joiner or non-joiner, a word joiner, a byte-order mark) or a line
//! break, as a word processor or a wrapped e-mail leaves it, is still a
//! full key: such characters are skipped when looking for one, and masked
//! with it.
//!
//! ```
//! use keyaudit_model::key_shape::{KeyFingerprint, redact_secrets};
//!
//! let fp = KeyFingerprint::parse_masked("ITG.45DF64A0DD9DF8A7A79DC4382927A045.*****").unwrap();
//! assert_eq!(fp.masked(), "ITG.45df64a0dd9df8a7a79dc4382927a045.*****");
//! let (clean, found) = redact_secrets("key ITG.45df64a0dd9df8a7a79dc4382927a045.S3cr3tS3cr3t");
//! assert_eq!(clean, "key ITG.45df64a0dd9df8a7a79dc4382927a045.*****");
//! assert_eq!(found[0].fingerprint, fp);
//! ```

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What starts every key: `ITG.` (any case when read).
const PREFIX: &str = "ITG.";

/// The hex digits of a fingerprint.
const HEX_DIGITS: usize = 32;

/// The distance from a key's first dot to its second.
const DOTS_APART: usize = HEX_DIGITS + 1;

/// What replaces the secret in a masked key.
const MASK: &str = ".*****";

/// How a fingerprint is written, for messages.
pub const FINGERPRINT_FORM: &str = "ITG.<32 hex digits>";

/// How a masked key is written, for messages.
pub const MASKED_FORM: &str = "ITG.<32 hex digits>.*****";

/// Length of a masked key, `ITG.<32 hex>.*****`.
pub const MASKED_LEN: usize = KeyFingerprint::LEN + MASK.len();

/// Matches a full key; group 1 is the fingerprint (`ITG.<hex>`).
static FULL_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?i:ITG)\.[0-9A-Fa-f]{32})\.[A-Za-z0-9_\-+/=]{8,}")
        .expect("the full-key pattern is valid")
});

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
    pub const LEN: usize = PREFIX.len() + HEX_DIGITS;

    /// Parses a bare fingerprint (`ITG.` + 32 hex digits, any case).
    /// Returns `None` for anything else, including a masked or full key.
    pub fn parse(s: &str) -> Option<Self> {
        let bytes = s.as_bytes();
        if bytes.len() != Self::LEN
            || !bytes[..PREFIX.len()].eq_ignore_ascii_case(PREFIX.as_bytes())
        {
            return None;
        }
        if !bytes[PREFIX.len()..].iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        Some(Self(format!(
            "{PREFIX}{}",
            s[PREFIX.len()..].to_ascii_lowercase()
        )))
    }

    /// Parses a fingerprint, bare or masked as [`masked`](Self::masked)
    /// writes it (`ITG.<hex>.*****`).
    pub fn parse_bare_or_masked(s: &str) -> Option<Self> {
        Self::parse(s.strip_suffix(MASK).unwrap_or(s))
    }

    /// Parses a key as the settings page shows it: the fingerprint, a dot and
    /// one or more `*` or `…` (a copy may shorten the stars to an ellipsis).
    pub fn parse_masked(s: &str) -> Option<Self> {
        static MASKED: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^((?i:ITG)\.[0-9A-Fa-f]{32})\.[*…]+$")
                .expect("the masked-key pattern is valid")
        });
        MASKED
            .captures(s)
            .and_then(|caps| caps.get(1))
            .and_then(|m| Self::parse(m.as_str()))
    }

    /// The fingerprint that ends `MASKED_LEN` bytes before `end` in `text`,
    /// when a masked key `ITG.<hex>.*****` written there ends at `end`.
    pub fn masked_before(text: &str, end: usize) -> Option<Self> {
        end.checked_sub(MASKED_LEN)
            .and_then(|start| text.get(start..start + Self::LEN))
            .and_then(Self::parse)
    }

    /// The fingerprint as text: `ITG.<32 lower-case hex digits>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The fingerprint whose 32 hex digits are those of `n` (for generated
    /// inventories and tests).
    ///
    /// ```
    /// use keyaudit_model::KeyFingerprint;
    ///
    /// let fp = KeyFingerprint::from_u128(0x45df64a0dd9df8a7a79dc4382927a045);
    /// assert_eq!(fp.as_str(), "ITG.45df64a0dd9df8a7a79dc4382927a045");
    /// ```
    pub fn from_u128(n: u128) -> Self {
        Self(format!("{PREFIX}{n:032x}"))
    }

    /// The key as IT Glue's settings page shows it: `ITG.<hex>.*****`.
    pub fn masked(&self) -> String {
        format!("{}{MASK}", self.0)
    }

    /// `ITG.` and the first 8 hex digits, then `…`: enough to tell keys
    /// apart against IT Glue's settings page.
    pub fn short(&self) -> String {
        // A fingerprint is ASCII, so this is a char boundary.
        let s = self.as_str();
        format!("{}…", s.get(..PREFIX.len() + 8).unwrap_or(s))
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

/// Splits a key of the shape `ITG.<32 hex>.<secret>` (any case) into its
/// fingerprint's text and its secret (everything after the second dot, not
/// empty); `None` for any other text.
pub fn split_key(key: &str) -> Option<(&str, &str)> {
    let fingerprint = key.get(..KeyFingerprint::LEN)?;
    let secret = key.get(KeyFingerprint::LEN..)?.strip_prefix('.')?;
    (KeyFingerprint::parse(fingerprint).is_some() && !secret.is_empty())
        .then_some((fingerprint, secret))
}

/// A full key found in a text: its fingerprint and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundSecret {
    /// Fingerprint of the key (safe to keep).
    pub fingerprint: KeyFingerprint,
    /// Byte range of the whole key (fingerprint, dot and secret) in the text
    /// given to [`redact_secrets`].
    pub range: Range<usize>,
}

/// Replaces every full key in `text` by its masked form `ITG.<hex>.*****`
/// and returns the fingerprints found with their byte ranges in `text`.
///
/// Borrows `text` when there is nothing to redact.
///
/// ```
/// let (clean, found) = keyaudit_model::key_shape::redact_secrets(
///     "old key ITG.0123456789abcdef0123456789ABCDEF.s3cr3tS3cr3t-value, revoke it",
/// );
/// assert_eq!(clean, "old key ITG.0123456789abcdef0123456789abcdef.*****, revoke it");
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].range, 8..63);
/// ```
pub fn redact_secrets(text: &str) -> (Cow<'_, str>, Vec<FoundSecret>) {
    redact(text, false)
}

/// [`redact_secrets`] for a text whose positions are reported by line (a
/// policy file): a key broken over lines keeps its line breaks, after its
/// masked form, so that every later line keeps its number.
///
/// ```
/// let (clean, found) = keyaudit_model::key_shape::redact_secrets_keeping_lines(
///     "a = \"ITG.0123456789abcdef0123456789abcdef.s3cr3t\nS3cr3t\"\nb = 1",
/// );
/// assert_eq!(clean, "a = \"ITG.0123456789abcdef0123456789abcdef.*****\n\"\nb = 1");
/// assert_eq!(found.len(), 1);
/// ```
pub fn redact_secrets_keeping_lines(text: &str) -> (Cow<'_, str>, Vec<FoundSecret>) {
    redact(text, true)
}

/// [`redact_secrets`], keeping the line feeds inside each key when asked.
fn redact(text: &str, keep_lines: bool) -> (Cow<'_, str>, Vec<FoundSecret>) {
    let found = find_secrets(text);
    if found.is_empty() {
        return (Cow::Borrowed(text), found);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for secret in &found {
        out.push_str(&text[last..secret.range.start]);
        out.push_str(&secret.fingerprint.masked());
        if keep_lines {
            out.extend(text[secret.range.clone()].matches('\n'));
        }
        last = secret.range.end;
    }
    out.push_str(&text[last..]);
    (Cow::Owned(out), found)
}

/// [`redact_secrets`] after the [`may_contain_full_key`] pre-check, with
/// the fingerprints alone: the masking `keyaudit_itglue::write_usage_jsonl`
/// applies to fetched records.
pub fn mask_full_keys(text: &str) -> (Cow<'_, str>, Vec<KeyFingerprint>) {
    if !may_contain_full_key(text.as_bytes()) {
        return (Cow::Borrowed(text), Vec::new());
    }
    let (text, found) = redact_secrets(text);
    let fingerprints = found.into_iter().map(|secret| secret.fingerprint).collect();
    (text, fingerprints)
}

/// True for the characters a secret is made of: `[A-Za-z0-9_\-+/=]`.
pub fn is_secret_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '/' | '=')
}

/// A cheap pre-check for the hot paths: false when `bytes` certainly holds
/// no full key, so that the regex of [`find_secrets`] runs only on the rare
/// texts that may. A full key has `ITG` (any case), a dot, 32 hex digits and
/// another dot: the check looks at each dot for `ITG` before it and a dot 33
/// bytes after it. A text holding one of the characters a key may be broken
/// by ([`filler_len`]) is checked again without them.
#[inline]
pub fn may_contain_full_key(bytes: &[u8]) -> bool {
    key_shaped(bytes) || (has_filler(bytes) && key_shaped(&strip_fillers(bytes).0))
}

/// The dot test of [`may_contain_full_key`], on text without fillers.
#[inline]
fn key_shaped(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'.', bytes).any(|dot| {
        dot >= 3
            && bytes
                .get(dot - 3..dot)
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"itg"))
            && bytes.get(dot + DOTS_APART) == Some(&b'.')
    })
}

/// The length of the character at `bytes[at..]` when it is one a key may be
/// broken by: CR, LF, U+00AD (soft hyphen), U+200B–U+200D (zero-width
/// space, non-joiner, joiner), U+2060 (word joiner), U+FEFF (byte-order
/// mark); else 0.
#[inline]
fn filler_len(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at..).unwrap_or_default() {
        [b'\r' | b'\n', ..] => 1,
        [0xC2, 0xAD, ..] => 2,
        [0xE2, 0x80, 0x8B..=0x8D, ..] | [0xE2, 0x81, 0xA0, ..] | [0xEF, 0xBB, 0xBF, ..] => 3,
        _ => 0,
    }
}

/// True when `bytes` holds a character a key may be broken by: `memchr`
/// scans for their first bytes (vectorised), so that ordinary text passes
/// quickly; only a text holding one is looked at closely.
#[inline]
pub fn has_filler(bytes: &[u8]) -> bool {
    memchr::memchr2(b'\n', b'\r', bytes).is_some()
        || memchr::memchr3_iter(0xC2, 0xE2, 0xEF, bytes).any(|at| filler_len(bytes, at) > 0)
}

/// `bytes` without the characters a key may be broken by, and for each byte
/// kept its offset in `bytes`.
fn strip_fillers(bytes: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let mut kept = Vec::with_capacity(bytes.len());
    let mut offsets = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match filler_len(bytes, at) {
            0 => {
                kept.push(bytes[at]);
                offsets.push(at);
                at += 1;
            }
            n => at += n,
        }
    }
    (kept, offsets)
}

/// Finds every full key in `text` without changing it, also when
/// characters a key may be broken by ([`filler_len`]) lie inside it: the
/// range found then spans them.
///
/// Two keys written back to back (`ITG.<hex>.<secret>ITG.<hex>.<secret>`)
/// are two keys: a secret stops before the `ITG` of a following
/// `ITG.<32 hex>`, which the pattern alone would swallow, leaving the second
/// secret unredacted.
pub fn find_secrets(text: &str) -> Vec<FoundSecret> {
    if !has_filler(text.as_bytes()) {
        return find_plain_secrets(text);
    }
    let (kept, offsets) = strip_fillers(text.as_bytes());
    // Only whole characters were removed: the rest is still UTF-8.
    let Ok(stripped) = String::from_utf8(kept) else {
        return find_plain_secrets(text);
    };
    let mut found = find_plain_secrets(&stripped);
    for secret in &mut found {
        // A key starts and ends with ASCII: its last byte ends a character.
        let start = offsets[secret.range.start];
        let end = offsets[secret.range.end - 1] + 1;
        secret.range = start..end;
    }
    found
}

/// [`find_secrets`] in text without fillers.
fn find_plain_secrets(text: &str) -> Vec<FoundSecret> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(caps) = FULL_KEY.captures_at(text, at) {
        let (Some(whole), Some(fp)) = (caps.get(0), caps.get(1)) else {
            break;
        };
        let mut end = whole.end();
        if followed_by_fingerprint(text, end) {
            end -= 3;
        }
        at = end;
        // The fingerprint, a dot and at least 8 secret characters.
        if end - fp.end() > 8 {
            if let Some(fingerprint) = KeyFingerprint::parse(fp.as_str()) {
                found.push(FoundSecret {
                    fingerprint,
                    range: whole.start()..end,
                });
            }
        }
    }
    found
}

/// True when `text[..end]` ends with `ITG` (any case) and `text[end..]`
/// starts with `.` and 32 hex digits: a key starts 3 bytes before `end`.
fn followed_by_fingerprint(text: &str, end: usize) -> bool {
    let bytes = text.as_bytes();
    end >= 3
        && bytes[end - 3..end].eq_ignore_ascii_case(b"itg")
        && bytes.get(end) == Some(&b'.')
        && bytes
            .get(end + 1..end + 33)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
}

/// True when `text` may hold a secret that [`redact_secrets`] does not
/// recognise as a full key: a long token, or anything after `ITG.<hex>.`.
/// Such values are never echoed in messages.
pub fn may_hold_secret(text: &str) -> bool {
    if has_filler(text.as_bytes()) {
        let (kept, _) = strip_fillers(text.as_bytes());
        return may_hold_secret(&String::from_utf8_lossy(&kept));
    }
    static AFTER_FINGERPRINT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i:ITG)\.[0-9A-Fa-f]*\.[^*…\s]").expect("the pattern is valid")
    });
    static KEY_SHAPE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i:ITG)\.[0-9A-Fa-f]{32}(?:\.[*…]+)?").expect("the pattern is valid")
    });
    static LONG_TOKEN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[A-Za-z0-9_\-+/=]{20,}").expect("the pattern is valid"));
    AFTER_FINGERPRINT.is_match(text) || LONG_TOKEN.is_match(&KEY_SHAPE.replace_all(text, " "))
}

/// True when `bytes` may hold a full API key: the quick test of
/// [`may_contain_full_key`], after a quicker one that any key passes (a
/// key's two dots, after `ITG` and after the 32 hex digits, are 33 bytes
/// apart), written so that the compiler checks 64 positions at a time.
/// The pre-check of the CSV and JSONL usage readers' hot paths.
#[inline]
pub fn may_hold_key(bytes: &[u8]) -> bool {
    let Some(pairs) = bytes.len().checked_sub(DOTS_APART) else {
        return false;
    };
    // Blocks of 64 positions; the last one overlaps the one before it.
    let mut paired = false;
    let mut at = 0;
    while at < pairs && !paired {
        let from = at.min(pairs.saturating_sub(64));
        paired = match (
            bytes.get(from..).and_then(<[u8]>::first_chunk::<64>),
            bytes
                .get(from + DOTS_APART..)
                .and_then(<[u8]>::first_chunk::<64>),
        ) {
            (Some(a), Some(b)) => dots_apart(a, b),
            _ => dots_apart(&bytes[from..pairs], &bytes[from + DOTS_APART..]),
        };
        at = from + 64;
    }
    // Unpaired dots may still be a key broken by an invisible character or
    // a line break: the full check looks for those.
    (paired || has_filler(bytes)) && may_contain_full_key(bytes)
}

/// True when `a[i]` and `b[i]` are both `.` for some `i`.
#[inline(always)]
fn dots_apart(a: &[u8], b: &[u8]) -> bool {
    a.iter().zip(b).fold(0u8, |hit, (x, y)| {
        hit | (u8::from(*x == b'.') & u8::from(*y == b'.'))
    }) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn masked_and_bare_keys_are_not_secrets() {
        for text in [
            format!("ITG.{HEX}.*****"),
            format!("ITG.{HEX}"),
            format!("ITG.{HEX}.…"),
            format!("ITG.{HEX}.short"),
            format!("ITG.{HEX}.1234567"),
        ] {
            let (clean, found) = redact_secrets(&text);
            assert!(found.is_empty(), "{text}");
            assert!(matches!(clean, Cow::Borrowed(_)));
        }
    }

    #[test]
    fn redacts_every_full_key_and_keeps_the_rest() {
        let text = format!(
            "a itg.{}.AbC+/=_-12 b ITG.{HEX}.zzzzzzzzzzzzzzzz.tail",
            HEX.to_uppercase()
        );
        let (clean, found) = redact_secrets(&text);
        assert_eq!(clean, format!("a ITG.{HEX}.***** b ITG.{HEX}.*****.tail"));
        assert_eq!(found.len(), 2);
        assert_eq!(
            &text[found[0].range.clone()],
            format!("itg.{}.AbC+/=_-12", HEX.to_uppercase())
        );
        assert!(
            found
                .iter()
                .all(|f| f.fingerprint.as_str() == format!("ITG.{HEX}"))
        );
    }

    #[test]
    fn keys_back_to_back_are_two_keys() {
        let other = "fedcba9876543210fedcba9876543210";
        let text = format!(
            "ITG.{HEX}.abcdefghITG.{other}.S3cr3tS3cr3t and ITG.{HEX}.abcdeITG.{other}.zzzzzzzz"
        );
        let (clean, found) = redact_secrets(&text);
        assert_eq!(
            clean,
            format!("ITG.{HEX}.*****ITG.{other}.***** and ITG.{HEX}.abcdeITG.{other}.*****")
        );
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn eight_secret_characters_make_a_full_key() {
        let (_, found) = redact_secrets(&format!("ITG.{HEX}.12345678"));
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn pre_check_never_misses_a_full_key() {
        for text in [
            format!("ITG.{HEX}.12345678"),
            format!("ua itg.{}.AbC+/=_-12 x", HEX.to_uppercase()),
            format!("iTg.{HEX}.zzzzzzzz"),
        ] {
            assert!(may_contain_full_key(text.as_bytes()), "{text}");
            assert!(!find_secrets(&text).is_empty(), "{text}");
        }
        for text in [
            "",
            "ITG.",
            "python-requests/2.31.0",
            "10.0.0.1",
            "ITG.abc.def",
        ] {
            assert!(!may_contain_full_key(text.as_bytes()), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn pre_check_agrees_with_the_regex(prefix in ".{0,20}", hex in "[0-9a-fA-F]{32}", secret in "[A-Za-z0-9_+/=-]{0,12}", suffix in ".{0,20}") {
            let text = format!("{prefix}ITG.{hex}.{secret}{suffix}");
            if !find_secrets(&text).is_empty() {
                proptest::prop_assert!(may_contain_full_key(text.as_bytes()));
            }
        }
    }

    #[test]
    fn keys_broken_by_invisible_characters_or_line_breaks_are_found() {
        let secret = "S3cr3tS3cr3tV4lue";
        for filler in [
            "\u{AD}", "\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{FEFF}", "\n", "\r\n",
        ] {
            for at in [1, 3, 4, 20, 37, 42] {
                let key = format!("ITG.{HEX}.{secret}");
                let broken = format!("{}{filler}{}", &key[..at], &key[at..]);
                let text = format!("note: {broken} (old)");
                assert!(may_contain_full_key(text.as_bytes()), "{text:?}");
                let (clean, found) = redact_secrets(&text);
                assert_eq!(found.len(), 1, "{text:?}");
                assert_eq!(found[0].fingerprint.as_str(), format!("ITG.{HEX}"));
                assert_eq!(&text[found[0].range.clone()], broken, "{text:?}");
                assert_eq!(clean, format!("note: ITG.{HEX}.***** (old)"), "{text:?}");
                assert!(may_hold_secret(&broken), "{broken:?}");
            }
        }
        // Fillers in ordinary text change nothing.
        for text in [
            "a\u{AD}b\nc",
            "caf\u{E9} \u{2019}quoted\u{2019}",
            "ITG.\u{200B}abc.def",
        ] {
            assert!(!may_contain_full_key(text.as_bytes()), "{text:?}");
            assert!(matches!(redact_secrets(text).0, Cow::Borrowed(_)));
        }
    }

    #[test]
    fn long_tokens_may_be_secrets() {
        assert!(may_hold_secret("abcdefghijklmnopqrstuvwxyz"));
        assert!(may_hold_secret(&format!("ITG.{HEX}.abc")));
        assert!(may_hold_secret("ITG.123.secret"));
        assert!(!may_hold_secret(&format!("ITG.{HEX}.*****")));
        assert!(!may_hold_secret("not a key"));
        assert!(!may_hold_secret(&format!("ITG.{HEX}.***** (old)")));
    }

    #[test]
    fn parses_and_normalises() {
        let fp = KeyFingerprint::parse("itg.45DF64A0DD9DF8A7A79DC4382927A045").unwrap();
        assert_eq!(fp.as_str(), "ITG.45df64a0dd9df8a7a79dc4382927a045");
        assert_eq!(fp.short(), "ITG.45df64a0…");
        assert_eq!(fp.masked().len(), MASKED_LEN);
        assert_eq!(
            KeyFingerprint::parse_bare_or_masked(&fp.masked()),
            Some(fp.clone())
        );
        assert_eq!(
            KeyFingerprint::parse_masked(&format!("{fp}.…")),
            Some(fp.clone())
        );
        let text = format!("x {}", fp.masked());
        assert_eq!(KeyFingerprint::masked_before(&text, text.len()), Some(fp));
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
        for s in [
            "ITG.45df64a0dd9df8a7a79dc4382927a045.",
            "ITG.45df64a0dd9df8a7a79dc4382927a045.abc",
            "ITG.45df64a0dd9df8a7a79dc4382927a045.** ",
        ] {
            assert!(KeyFingerprint::parse_masked(s).is_none(), "{s}");
            assert!(KeyFingerprint::parse_bare_or_masked(s).is_none(), "{s}");
        }
    }

    #[test]
    fn splits_a_key_into_fingerprint_and_secret() {
        assert_eq!(
            split_key(&format!("itg.{HEX}.s3cr.et")),
            Some((format!("itg.{HEX}").as_str(), "s3cr.et"))
        );
        for key in [
            format!("ITG.{HEX}."),
            format!("ITG.{HEX}"),
            "ITG.abc.def".to_string(),
            format!("XYZ.{HEX}.secret"),
            format!("ITG.{}g.secret", &HEX[1..]),
        ] {
            assert_eq!(split_key(&key), None, "{key}");
        }
    }

    #[test]
    fn the_quick_key_test_agrees_with_the_full_one() {
        let key = "ITG.0a1b2c3d4e5f60718293a4b5c6d7e8f9.secret";
        for text in [
            key.to_string(),
            format!("agent {key} and more"),
            format!("{}{key}", "x.".repeat(40)),
            "itg.0123456789abcdef0123456789abcdef.s".to_string(),
            "a.b.c".to_string(),
            format!("ITG.{}.x", "0".repeat(31)),
            ".".repeat(100),
            String::new(),
        ] {
            assert_eq!(
                may_hold_key(text.as_bytes()),
                may_contain_full_key(text.as_bytes()),
                "{text}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn the_quick_key_test_agrees_on_any_text(text in "[.itgITG0a]{0,300}") {
            proptest::prop_assert_eq!(
                may_hold_key(text.as_bytes()),
                may_contain_full_key(text.as_bytes())
            );
        }
    }
}
