//! The audit policy (`keyaudit.toml`): idle thresholds, generic names and
//! Password Access allowances.
//!
//! Parsing has two steps, as cargo-deny's configuration does: the text is
//! parsed into a raw TOML tree that keeps every value's place, then a small
//! schema walks that tree into a [`ValidPolicy`], collecting every error
//! (with its line and column) before failing.

mod walker;

use chrono::NaiveDate;
use keyaudit_model::{ApiKey, KeyFingerprint};
use toml::de::DeTable;

use crate::error::{PolicyErrorKind, PolicyErrors};
use crate::naming;
use walker::{Item, Walker};

/// The commented policy that `keyaudit init` writes: every setting at its
/// default, each explained. It parses to [`ValidPolicy::default()`].
pub const DEFAULT_POLICY_TOML: &str = include_str!("policy/default.toml");

/// A policy that parsed and validated. [`ValidPolicy::default()`] is the
/// policy used when no policy file is given.
///
/// Equality compares the settings only, not the file they came from.
#[derive(Debug, Clone, Default)]
pub struct ValidPolicy {
    source: Option<String>,
    /// `[idle]`: when a key counts as idle.
    pub idle: IdlePolicy,
    /// `[naming]`: which names say nothing.
    pub naming: NamingPolicy,
    /// `[password_access]`: keys allowed to hold Password Access.
    pub password_access: PasswordAccessPolicy,
}

impl ValidPolicy {
    /// The policy file as the user named it; `None` for the built-in defaults.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }
}

impl PartialEq for ValidPolicy {
    fn eq(&self, other: &Self) -> bool {
        self.idle == other.idle
            && self.naming == other.naming
            && self.password_access == other.password_access
    }
}

impl Eq for ValidPolicy {}

/// `[idle]`: thresholds in days. Always `warn ≤ high ≤ revoke`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdlePolicy {
    /// Days without use from which a key is idle (medium). Default 45 (CIS Controls v8 5.3).
    pub warn_after_days: i64,
    /// Days without use from which an idle key is high. Default 80, inside
    /// IT Glue's 10-day notice before revocation.
    pub high_after_days: i64,
    /// Days without use after which IT Glue revokes a key. Default 90.
    pub revoke_after_days: i64,
    /// Days a never-used key may exist before it is reported. Default 7.
    pub never_used_grace_days: i64,
}

impl Default for IdlePolicy {
    fn default() -> Self {
        Self {
            warn_after_days: 45,
            high_after_days: 80,
            revoke_after_days: 90,
            never_used_grace_days: 7,
        }
    }
}

/// `[naming]`: what counts as a generic name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingPolicy {
    /// Generic names added to the built-in list, as written in the policy.
    pub generic_names: Vec<String>,
    /// Names shorter than this (once normalised) are generic. Default 4.
    pub min_length: usize,
}

impl Default for NamingPolicy {
    fn default() -> Self {
        Self {
            generic_names: Vec::new(),
            min_length: 4,
        }
    }
}

/// `[password_access]`: the allow-list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasswordAccessPolicy {
    /// `[[password_access.allow]]` entries, in file order.
    pub allow: Vec<PasswordAllowance>,
}

/// One `[[password_access.allow]]` entry: a key that may hold Password Access.
///
/// Equality ignores [`PasswordAllowance::line`].
#[derive(Debug, Clone)]
pub struct PasswordAllowance {
    /// The key's name (compared ignoring case and surrounding spaces) or its
    /// fingerprint (`ITG.` + 32 hex digits, optionally with `.*****`).
    pub key: String,
    /// Why the key needs Password Access.
    pub reason: String,
    /// The day the allowance stops applying: on and after it, it is expired.
    pub expires: Option<NaiveDate>,
    /// The line of the entry in the policy file, when it came from one.
    pub line: Option<usize>,
}

impl PartialEq for PasswordAllowance {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.reason == other.reason && self.expires == other.expires
    }
}

impl Eq for PasswordAllowance {}

impl PasswordAllowance {
    /// True when the allowance names this key, by name or by fingerprint.
    pub fn matches(&self, key: &ApiKey) -> bool {
        let wanted = self.key.trim();
        let by_fingerprint = match (&key.fingerprint, parse_fingerprint(wanted)) {
            (Some(have), Some(want)) => *have == want,
            _ => false,
        };
        by_fingerprint || (!naming::is_blank(&key.name) && naming::same_name(&key.name, wanted))
    }

    /// True when the allowance no longer applies on `date` (it expires on its
    /// `expires` day).
    pub fn is_expired_on(&self, date: NaiveDate) -> bool {
        self.expires.is_some_and(|expires| date >= expires)
    }
}

/// A fingerprint, bare or masked (`ITG.<hex>.*****`).
fn parse_fingerprint(s: &str) -> Option<KeyFingerprint> {
    KeyFingerprint::parse(s.strip_suffix(".*****").unwrap_or(s))
}

/// Parses and validates a policy. `source` names the file in messages.
///
/// Empty text gives the defaults. On failure every error found is returned,
/// each with its 1-based line and column.
///
/// ```
/// let err = keyaudit_engine::parse_policy("keyaudit.toml", "[idle]\nwarn_days = 30\n").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "keyaudit.toml:2:1: unknown key `warn_days` in [idle]; valid keys: \
///      warn_after_days, high_after_days, revoke_after_days, never_used_grace_days"
/// );
/// ```
pub fn parse_policy(source: &str, text: &str) -> Result<ValidPolicy, PolicyErrors> {
    let mut walker = Walker::new(source, text);
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        for error in syntax_errors {
            walker.error(
                error.span().unwrap_or(0..0),
                PolicyErrorKind::Syntax,
                format!("invalid TOML: {}", error.message()),
            );
        }
        return Err(PolicyErrors {
            errors: walker.into_errors(),
        });
    }

    let mut policy = ValidPolicy {
        source: Some(source.to_string()),
        ..ValidPolicy::default()
    };
    for (key, value) in document.get_ref().iter() {
        let name = key.get_ref().as_ref();
        match SECTIONS.iter().find(|section| section.name == name) {
            Some(section) => (section.read)(&mut walker, value, &mut policy),
            None => {
                let valid = SECTIONS
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ");
                let what = if value.get_ref().is_table() {
                    format!("unknown table `[{name}]`")
                } else {
                    format!("unknown key `{name}` at the top level")
                };
                walker.error(
                    key.span(),
                    PolicyErrorKind::UnknownKey,
                    format!("{what}; valid tables: {valid}"),
                );
            }
        }
    }

    let errors = walker.into_errors();
    if errors.is_empty() {
        Ok(policy)
    } else {
        Err(PolicyErrors { errors })
    }
}

/// One top-level table of the policy and the function that reads it.
struct Section {
    name: &'static str,
    read: fn(&mut Walker<'_>, &Item<'_>, &mut ValidPolicy),
}

/// The policy's schema: every top-level table. Add new tables here.
const SECTIONS: &[Section] = &[
    Section {
        name: "idle",
        read: read_idle,
    },
    Section {
        name: "naming",
        read: read_naming,
    },
    Section {
        name: "password_access",
        read: read_password_access,
    },
];

const POSITIVE: &str = "a positive integer";
const NON_NEGATIVE: &str = "a non-negative integer";

/// The value of `name` in `table`, if present.
fn field<'a, 'i>(table: &'a DeTable<'i>, name: &str) -> Option<&'a Item<'i>> {
    table
        .iter()
        .find(|(key, _)| key.get_ref().as_ref() == name)
        .map(|(_, value)| value)
}

fn read_idle(w: &mut Walker<'_>, item: &Item<'_>, policy: &mut ValidPolicy) {
    const KEYS: &[&str] = &[
        "warn_after_days",
        "high_after_days",
        "revoke_after_days",
        "never_used_grace_days",
    ];
    let Some(table) = w.as_table(item, "idle", "a table") else {
        return;
    };
    w.check_keys(table, "[idle]", KEYS);
    let mut read = |name: &str, min: i64, expected: &str| {
        field(table, name).and_then(|value| w.integer(value, name, min, expected))
    };
    let warn = read("warn_after_days", 1, POSITIVE);
    let high = read("high_after_days", 1, POSITIVE);
    let revoke = read("revoke_after_days", 1, POSITIVE);
    let grace = read("never_used_grace_days", 0, NON_NEGATIVE);

    let idle = &mut policy.idle;
    let thresholds = [
        ("warn_after_days", &warn, &mut idle.warn_after_days),
        ("high_after_days", &high, &mut idle.high_after_days),
        ("revoke_after_days", &revoke, &mut idle.revoke_after_days),
    ];
    // (name, the value as written if valid, the value in effect, usable)
    let mut effective = Vec::with_capacity(thresholds.len());
    for (name, value, slot) in thresholds {
        if let Some(value) = value {
            *slot = *value.get_ref();
        }
        // A value present but invalid was reported already: skip its order checks.
        let usable = value.is_some() || field(table, name).is_none();
        effective.push((name, value.as_ref(), *slot, usable));
    }
    if let Some(grace) = grace {
        idle.never_used_grace_days = grace.into_inner();
    }
    for pair in effective.windows(2) {
        let (low_name, low_value, low, low_usable) = pair[0];
        let (high_name, high_value, high, high_usable) = pair[1];
        if low <= high || !low_usable || !high_usable {
            continue;
        }
        let Some(span) = high_value.or(low_value).map(|v| v.span()) else {
            continue;
        };
        let tag = |set: Option<_>| if set.is_some() { "" } else { ", the default" };
        w.error(
            span,
            PolicyErrorKind::InvalidValue,
            format!(
                "`{low_name}` ({low}{}) must not be greater than `{high_name}` ({high}{}); \
                 [idle] needs warn_after_days <= high_after_days <= revoke_after_days",
                tag(low_value),
                tag(high_value),
            ),
        );
    }
}

fn read_naming(w: &mut Walker<'_>, item: &Item<'_>, policy: &mut ValidPolicy) {
    const KEYS: &[&str] = &["generic_names", "min_length"];
    let Some(table) = w.as_table(item, "naming", "a table") else {
        return;
    };
    w.check_keys(table, "[naming]", KEYS);
    if let Some(value) = field(table, "generic_names") {
        if let Some(entries) = w.as_array(value, "generic_names", "an array of strings") {
            let mut names = Vec::with_capacity(entries.len());
            for entry in entries {
                let Some(name) = w.string(entry, "generic_names", true) else {
                    continue;
                };
                if naming::normalise_generic(name.get_ref()).is_empty() {
                    w.error(
                        name.span(),
                        PolicyErrorKind::InvalidValue,
                        format!(
                            "`generic_names` entry {:?} is empty once digits and punctuation are removed",
                            name.get_ref()
                        ),
                    );
                    continue;
                }
                names.push(name.into_inner());
            }
            policy.naming.generic_names = names;
        }
    }
    if let Some(value) = field(table, "min_length") {
        if let Some(n) = w.integer(value, "min_length", 1, POSITIVE) {
            policy.naming.min_length = usize::try_from(n.into_inner()).unwrap_or(usize::MAX);
        }
    }
}

fn read_password_access(w: &mut Walker<'_>, item: &Item<'_>, policy: &mut ValidPolicy) {
    const KEYS: &[&str] = &["allow"];
    const ALLOW_KEYS: &[&str] = &["key", "reason", "expires"];
    const LABEL: &str = "[[password_access.allow]]";
    let Some(table) = w.as_table(item, "password_access", "a table") else {
        return;
    };
    w.check_keys(table, "[password_access]", KEYS);
    let Some(value) = field(table, "allow") else {
        return;
    };
    let Some(entries) = w.as_array(
        value,
        "allow",
        "an array of tables ([[password_access.allow]])",
    ) else {
        return;
    };
    for (index, entry) in entries.iter().enumerate() {
        let name = format!("password_access.allow[{index}]");
        let Some(table) = w.as_table(entry, &name, "a table with key, reason and expires") else {
            continue;
        };
        w.check_keys(table, LABEL, ALLOW_KEYS);
        let required = |w: &mut Walker<'_>, key: &str| match field(table, key) {
            Some(value) => w.string(value, key, true),
            None => {
                w.missing(entry.span(), key, LABEL);
                None
            }
        };
        let key = required(w, "key");
        let reason = required(w, "reason");
        let expires = field(table, "expires").map(|value| w.date(value, "expires"));
        let (Some(key), Some(reason)) = (key, reason) else {
            continue;
        };
        let expires = match expires {
            Some(Some(date)) => Some(date.into_inner()),
            Some(None) => continue,
            None => None,
        };
        policy.password_access.allow.push(PasswordAllowance {
            key: key.into_inner().trim().to_string(),
            reason: reason.into_inner().trim().to_string(),
            expires,
            line: Some(walker::line_column(w.text(), entry.span().start).0),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_parses_to_defaults() {
        let policy = parse_policy("keyaudit.toml", DEFAULT_POLICY_TOML).unwrap();
        assert_eq!(policy, ValidPolicy::default());
        assert_eq!(policy.source(), Some("keyaudit.toml"));
        assert_eq!(ValidPolicy::default().source(), None);
    }
}
