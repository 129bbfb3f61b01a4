//! The policy's schema, declared once: every table of `keyaudit.toml`, its
//! keys in the order messages list them, the TOML type of each key (and
//! whether it is required), and a doc line.
//!
//! Reading is the first of the policy's two passes (cargo-deny's
//! `cfg.rs` → `validate()` → `ValidConfig`): the span-preserving TOML tree
//! is read into the raw structs below, reporting unknown keys, values of the
//! wrong type and missing required keys, each at its place. Every value
//! keeps its span ([`Field`]) so that [`validate`](super::validate) can
//! point at it. A value that did not read is kept as a [`Field`] without a
//! value: it was reported, and validation skips the checks that would only
//! repeat the mistake.
//!
//! Defaults are not declared here: they are the values of
//! [`DEFAULT_POLICY_TOML`](super::DEFAULT_POLICY_TOML), the file
//! `keyaudit init` writes, parsed like any policy (see the `policy` module).
//!
//! To add a setting: add a field to its table below (its type says how it
//! reads), its rule in [`validate`](super::validate), its field in the
//! [`ValidPolicy`](super::ValidPolicy) type, and its default and comment in
//! `default.toml`.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::ops::Range;

use chrono::NaiveDate;
use keyaudit_model::{RuleCode, Severity};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::walker::{Item, Walker};
use crate::error::PolicyErrorKind;
use crate::rules;

/// One setting as written: where its key and its value are, and the value
/// when it read as its declared type (`None`: the mistake was reported).
#[derive(Debug, Clone)]
pub(crate) struct Field<T> {
    /// The key's place.
    pub(crate) key: Range<usize>,
    /// The value's place.
    pub(crate) at: Range<usize>,
    /// The value, when it has the declared type.
    pub(crate) value: Option<T>,
}

/// A TOML type of the schema: how a value reads, and what a message says
/// was expected.
pub(crate) trait Kind {
    /// What the value reads as.
    type Value;
    /// A missing key is an error.
    const REQUIRED: bool = false;
    /// Reads `item`, the value of the key `name`, reporting a mistake.
    fn read(w: &mut Walker<'_>, item: &Item<'_>, name: &str) -> Option<Self::Value>;
    /// The dotted paths of the settings inside a value of this kind.
    #[cfg(test)]
    fn paths(_prefix: &str, _out: &mut Vec<String>) {}
}

/// A table of the schema: its keys, and how its fields read.
pub(crate) trait Table: Sized {
    /// The table as written in the file: `[idle]`, `[[mute]]`.
    const LABEL: &'static str;
    /// What a value in its place must be, for messages.
    const EXPECTED: &'static str;
    /// Its keys, in the order messages list them.
    const KEYS: &'static [&'static str];
    /// Reads the declared fields of `table`; `span` is the table's place
    /// (where a missing key is reported).
    fn read_fields(w: &mut Walker<'_>, table: &DeTable<'_>, span: &Range<usize>) -> Self;
    /// The dotted path of every setting of the table and of its tables.
    #[cfg(test)]
    fn paths(prefix: &str, out: &mut Vec<String>);
}

/// Declares a table of the schema: a raw struct of [`Field`]s, one per key
/// (named as the key), with its label, what a value in its place must be,
/// and the type each key reads as.
macro_rules! table {
    (
        $(#[doc = $doc:literal])*
        $name:ident $label:literal, $expected:literal {
            $( $(#[doc = $field_doc:literal])+ $field:ident : $kind:ty, )+
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default)]
        pub(crate) struct $name {
            $( $(#[doc = $field_doc])+ pub(crate) $field: Option<Field<<$kind as Kind>::Value>>, )+
        }

        impl Table for $name {
            const LABEL: &'static str = $label;
            const EXPECTED: &'static str = $expected;
            const KEYS: &'static [&'static str] = &[$(stringify!($field)),+];

            fn read_fields(w: &mut Walker<'_>, table: &DeTable<'_>, span: &Range<usize>) -> Self {
                Self { $( $field: take::<$kind>(w, table, stringify!($field), $label, span), )+ }
            }

            #[cfg(test)]
            fn paths(prefix: &str, out: &mut Vec<String>) {
                $(
                    let path = [prefix, stringify!($field)].join(".");
                    let path = path.trim_start_matches('.');
                    out.push(path.to_string());
                    <$kind as Kind>::paths(path, out);
                )+
            }
        }
    };
}

table! {
    /// The whole policy file: its top-level tables.
    RawPolicy "the top level", "a table" {
        /// `[idle]`: when a key counts as idle.
        idle: Of<RawIdle>,
        /// `[naming]`: which names say nothing, and the naming convention.
        naming: Of<RawNaming>,
        /// `[rotation]`: how old a key may get.
        rotation: Of<RawRotation>,
        /// `[password_access]`: keys allowed to hold Password Access.
        password_access: Of<RawPasswordAccess>,
        /// `[[bind]]`: which activity-log events belong to which key.
        bind: Entries<RawBinding>,
        /// `[[mute]]`: accepted findings.
        mute: Entries<RawMute>,
        /// `[severity]`: base severities that replace the rules' defaults.
        severity: Severities,
    }
}

table! {
    /// `[idle]`: thresholds in days.
    RawIdle "[idle]", "a table" {
        /// Days without use from which a key is idle (medium).
        warn_after_days: Positive,
        /// Days without use from which an idle key is high.
        high_after_days: Positive,
        /// Days without use after which IT Glue revokes a key.
        revoke_after_days: Positive,
        /// Days a never-used key may exist before it is reported.
        never_used_grace_days: NonNegative,
    }
}

table! {
    /// `[naming]`: generic names and the naming convention.
    RawNaming "[naming]", "a table" {
        /// Generic names added to the built-in list.
        generic_names: Names,
        /// Names shorter than this (once normalised) are generic.
        min_length: Positive,
        /// The regular expression every whole name must match.
        pattern: Text,
    }
}

table! {
    /// `[rotation]`: how old a key may get.
    RawRotation "[rotation]", "a table" {
        /// Keys this many days old or more are due for rotation.
        max_age_days: Positive,
    }
}

table! {
    /// `[password_access]`: the allow-list.
    RawPasswordAccess "[password_access]", "a table" {
        /// The keys that may hold Password Access.
        allow: Entries<RawAllowance>,
    }
}

table! {
    /// One `[[password_access.allow]]` entry.
    RawAllowance "[[password_access.allow]]", "a table with key, reason and expires" {
        /// The key's name or fingerprint.
        key: Required<Text>,
        /// Why the key needs Password Access.
        reason: Required<Text>,
        /// The day the allowance stops applying.
        expires: Date,
    }
}

table! {
    /// One `[[bind]]` entry: `key` and its conditions.
    RawBinding "[[bind]]", "a table with key and at least one of user_agent, ip, user_id, actor" {
        /// The key's name or fingerprint.
        key: Required<Text>,
        /// User-agent globs.
        user_agent: Strings<Globs>,
        /// Source addresses and networks.
        ip: Strings<Networks>,
        /// IT Glue user ids.
        user_id: Strings<Values>,
        /// Actor names.
        actor: Strings<Values>,
    }
}

table! {
    /// One `[[mute]]` entry.
    RawMute "[[mute]]", "a table with rule, key or finding, reason and expires" {
        /// The rule whose finding is muted.
        rule: Required<Text>,
        /// The key's name or fingerprint (or `finding`).
        key: Text,
        /// The finding's id (or `key`).
        finding: Text,
        /// Why the finding is accepted.
        reason: Required<Text>,
        /// The day the mute stops applying.
        expires: Date,
    }
}

impl RawPolicy {
    /// Reads a whole policy document; a key that names no table is reported
    /// with the list of tables.
    pub(crate) fn read(w: &mut Walker<'_>, document: &Spanned<DeTable<'_>>) -> Self {
        for (key, value) in document.get_ref().iter() {
            let name = key.get_ref().as_ref();
            if Self::KEYS.contains(&name) {
                continue;
            }
            let what = if value.get_ref().is_table() {
                format!("unknown table `[{name}]`")
            } else {
                format!("unknown key `{name}` at the top level")
            };
            w.error(
                key.span(),
                PolicyErrorKind::UnknownKey,
                format!("{what}; valid tables: {}", Self::KEYS.join(", ")),
            );
        }
        Self::read_fields(w, document.get_ref(), &document.span())
    }
}

/// The key `name` of `table` as a [`Field`] of kind `K`; a missing required
/// key is reported at `span`, the table's place.
fn take<K: Kind>(
    w: &mut Walker<'_>,
    table: &DeTable<'_>,
    name: &str,
    label: &str,
    span: &Range<usize>,
) -> Option<Field<K::Value>> {
    let Some((key, item)) = table.iter().find(|(key, _)| key.get_ref().as_ref() == name) else {
        if K::REQUIRED {
            w.missing(span.clone(), name, label);
        }
        return None;
    };
    Some(Field {
        key: key.span(),
        at: item.span(),
        value: K::read(w, item, name),
    })
}

/// A table of type `T`, its unknown keys reported.
#[derive(Debug)]
pub(crate) struct Of<T>(PhantomData<T>);

impl<T: Table> Kind for Of<T> {
    type Value = T;

    fn read(w: &mut Walker<'_>, item: &Item<'_>, name: &str) -> Option<T> {
        let table = w.as_table(item, name, T::EXPECTED)?;
        w.check_keys(table, T::LABEL, T::KEYS);
        Some(T::read_fields(w, table, &item.span()))
    }

    #[cfg(test)]
    fn paths(prefix: &str, out: &mut Vec<String>) {
        T::paths(prefix, out);
    }
}

/// An array of tables of type `T` (`[[mute]]`), each with its place.
#[derive(Debug)]
pub(crate) struct Entries<T>(PhantomData<T>);

impl<T: Table> Kind for Entries<T> {
    type Value = Vec<Spanned<T>>;

    fn read(w: &mut Walker<'_>, item: &Item<'_>, name: &str) -> Option<Self::Value> {
        let entries = w.as_array(item, name, &format!("an array of tables ({})", T::LABEL))?;
        let path = T::LABEL.trim_matches(['[', ']']);
        let mut read = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let Some(table) = w.as_table(entry, &format!("{path}[{index}]"), T::EXPECTED) else {
                continue;
            };
            w.check_keys(table, T::LABEL, T::KEYS);
            let span = entry.span();
            let fields = T::read_fields(w, table, &span);
            read.push(Spanned::new(span, fields));
        }
        Some(read)
    }

    #[cfg(test)]
    fn paths(prefix: &str, out: &mut Vec<String>) {
        T::paths(prefix, out);
    }
}

/// A key that must be present.
#[derive(Debug)]
pub(crate) struct Required<K>(PhantomData<K>);

impl<K: Kind> Kind for Required<K> {
    type Value = K::Value;
    const REQUIRED: bool = true;

    fn read(w: &mut Walker<'_>, item: &Item<'_>, name: &str) -> Option<K::Value> {
        K::read(w, item, name)
    }

    #[cfg(test)]
    fn paths(prefix: &str, out: &mut Vec<String>) {
        K::paths(prefix, out);
    }
}

/// An integer of at least 1.
#[derive(Debug)]
pub(crate) struct Positive;

impl Kind for Positive {
    type Value = i64;

    fn read(w: &mut Walker<'_>, item: &Item<'_>, name: &str) -> Option<i64> {
        w.integer(item, name, 1, "a positive integer")
            .map(Spanned::into_inner)
    }
}

/// An integer of at least 0.
#[derive(Debug)]
pub(crate) struct NonNegative;

impl Kind for NonNegative {
    type Value = i64;

    fn read(w: &mut Walker<'_>, item: &Item<'_>, name: &str) -> Option<i64> {
        w.integer(item, name, 0, "a non-negative integer")
            .map(Spanned::into_inner)
    }
}

/// A non-empty string.
#[derive(Debug)]
pub(crate) struct Text;

impl Kind for Text {
    type Value = String;

    fn read(w: &mut Walker<'_>, item: &Item<'_>, name: &str) -> Option<String> {
        w.string(item, name, true).map(Spanned::into_inner)
    }
}

/// An array of non-empty strings: the entries that are, each with its
/// place (the others are reported).
#[derive(Debug)]
pub(crate) struct Names;

impl Kind for Names {
    type Value = Vec<Spanned<String>>;

    fn read(w: &mut Walker<'_>, item: &Item<'_>, name: &str) -> Option<Self::Value> {
        let entries = w.as_array(item, name, "an array of strings")?;
        Some(
            entries
                .iter()
                .filter_map(|entry| w.string(entry, name, true))
                .collect(),
        )
    }
}

/// What one entry of a [`Strings`] list is, for messages.
pub(crate) trait Entry {
    /// "a glob", "a value", …
    const ONE: &'static str;
}

/// User-agent globs.
#[derive(Debug)]
pub(crate) struct Globs;

impl Entry for Globs {
    const ONE: &'static str = "a glob";
}

/// Addresses and networks.
#[derive(Debug)]
pub(crate) struct Networks;

impl Entry for Networks {
    const ONE: &'static str = "an address or network";
}

/// Plain values.
#[derive(Debug)]
pub(crate) struct Values;

impl Entry for Values {
    const ONE: &'static str = "a value";
}

/// One or more non-empty strings, written as a string or an array; `None`
/// when any entry is not one.
#[derive(Debug)]
pub(crate) struct Strings<E>(PhantomData<E>);

impl<E: Entry> Kind for Strings<E> {
    type Value = Vec<Spanned<String>>;

    fn read(w: &mut Walker<'_>, item: &Item<'_>, name: &str) -> Option<Self::Value> {
        w.strings(item, name, E::ONE)
    }
}

/// A calendar date.
#[derive(Debug)]
pub(crate) struct Date;

impl Kind for Date {
    type Value = NaiveDate;

    fn read(w: &mut Walker<'_>, item: &Item<'_>, name: &str) -> Option<NaiveDate> {
        w.date(item, name).map(Spanned::into_inner)
    }
}

/// `[severity]`: a table whose keys are rule codes and whose values are
/// severities. Keys that are not rules are reported as unknown keys.
#[derive(Debug)]
pub(crate) struct Severities;

/// The severities, for messages.
const SEVERITIES: &str = "info, low, medium, high, critical";

impl Kind for Severities {
    type Value = BTreeMap<RuleCode, Severity>;

    fn read(w: &mut Walker<'_>, item: &Item<'_>, name: &str) -> Option<Self::Value> {
        let table = w.as_table(item, name, "a table")?;
        let mut severities = BTreeMap::new();
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            let Some(code) = known_rule(name) else {
                w.error(
                    key.span(),
                    PolicyErrorKind::UnknownKey,
                    format!(
                        "unknown rule `{name}` in [severity]; valid rules: {}",
                        valid_rules()
                    ),
                );
                continue;
            };
            let DeValue::String(text) = value.get_ref() else {
                w.wrong_type(
                    value.span(),
                    name,
                    &format!("a severity ({SEVERITIES})"),
                    value.get_ref(),
                );
                continue;
            };
            match text.parse::<Severity>() {
                Ok(severity) => {
                    severities.insert(code, severity);
                }
                Err(_) => w.error(
                    value.span(),
                    PolicyErrorKind::InvalidValue,
                    format!(
                        "unknown severity `{text}` for `{name}` in [severity]; valid severities: {SEVERITIES}"
                    ),
                ),
            }
        }
        Some(severities)
    }
}

/// The catalogue rule with this code.
pub(crate) fn known_rule(code: &str) -> Option<RuleCode> {
    rules::all()
        .iter()
        .map(|rule| rule.code)
        .find(|c| c.as_str() == code)
}

/// The codes of the catalogue's rules, sorted, for messages.
pub(crate) fn valid_rules() -> String {
    rules::catalogue()
        .rules
        .iter()
        .map(|rule| rule.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every setting of the schema by its dotted path (`idle.warn_after_days`,
/// `password_access.allow.key`, `bind`, `severity`), as rules name them in
/// their `policy_keys`.
#[cfg(test)]
pub(crate) fn paths() -> Vec<String> {
    let mut paths = Vec::new();
    RawPolicy::paths("", &mut paths);
    paths
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::DEFAULT_POLICY_TOML;

    #[test]
    fn paths_name_every_table_and_key() {
        let paths = paths();
        for path in [
            "idle",
            "idle.warn_after_days",
            "naming.pattern",
            "password_access.allow",
            "password_access.allow.expires",
            "bind.user_agent",
            "mute.finding",
            "severity",
        ] {
            assert!(paths.iter().any(|p| p == path), "{path} in {paths:?}");
        }
        assert!(!paths.iter().any(|p| p.starts_with('.')), "{paths:?}");
    }

    #[test]
    fn every_rule_setting_is_in_the_schema() {
        let paths = paths();
        for rule in rules::all() {
            for key in rule.policy_keys {
                assert!(
                    paths.iter().any(|p| p == key),
                    "{}: `{key}` is not a setting of the policy schema",
                    rule.code.as_str()
                );
            }
        }
    }

    /// The policy `keyaudit init` writes with its commented examples
    /// (`# key = value`, `# [[bind]]`) written in.
    fn default_policy_with_examples() -> String {
        let example = |line: &str| {
            let bare = line.trim_start_matches(['#', ' ']);
            let is_setting = bare.split_once(" = ").is_some_and(|(key, _)| {
                key.trim_matches('"')
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
            if bare.starts_with('[') || is_setting {
                bare.to_string()
            } else {
                line.to_string()
            }
        };
        DEFAULT_POLICY_TOML
            .lines()
            .map(|line| example(line) + "\n")
            .collect()
    }

    fn parse(text: &str) -> Spanned<DeTable<'_>> {
        DeTable::parse(text)
            .unwrap_or_else(|error| panic!("the default policy's examples are not TOML: {error}"))
    }

    /// The value at a dotted path, taking the first entry of an array of tables.
    fn lookup<'a, 'i>(table: &'a DeTable<'i>, path: &str) -> Option<&'a DeValue<'i>> {
        let mut table = table;
        let mut found = None;
        for part in path.split('.') {
            let value = table
                .iter()
                .find(|(key, _)| key.get_ref() == part)?
                .1
                .get_ref();
            let value = match value {
                DeValue::Array(entries) => entries.first().map_or(value, |e| e.get_ref()),
                _ => value,
            };
            if let DeValue::Table(inner) = value {
                table = inner;
            }
            found = Some(value);
        }
        found
    }

    #[test]
    fn every_setting_is_in_the_policy_init_writes() {
        let text = default_policy_with_examples();
        let document = parse(&text);
        for path in paths() {
            assert!(
                lookup(document.get_ref(), &path).is_some(),
                "`{path}` is neither set nor shown as an example in policy/default.toml"
            );
        }
        // Severity overrides are keyed by rule: an example shows one.
        let Some(DeValue::Table(severity)) = lookup(document.get_ref(), "severity") else {
            panic!("no [severity] in policy/default.toml");
        };
        assert!(
            severity
                .iter()
                .any(|(key, _)| known_rule(key.get_ref()).is_some())
        );
    }

    #[test]
    fn every_rule_setting_is_in_the_policy_init_writes() {
        let text = default_policy_with_examples();
        let document = parse(&text);
        for rule in rules::all() {
            for key in rule.policy_keys {
                assert!(
                    lookup(document.get_ref(), key).is_some(),
                    "{}: `{key}` is not in policy/default.toml",
                    rule.code.as_str()
                );
            }
        }
    }
}
