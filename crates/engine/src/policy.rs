//! The audit policy (`keyaudit.toml`): thresholds, naming rules, Password
//! Access allowances, bindings of activity-log events to keys, mutes and
//! severity overrides.
//!
//! Parsing has two steps, as cargo-deny's configuration does: the text is
//! parsed into a raw TOML tree that keeps every value's place, then a small
//! schema walks that tree into a [`ValidPolicy`], collecting every error
//! (with its line and column) before failing.

mod bind;
mod walker;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::LazyLock;

use chrono::NaiveDate;
use keyaudit_model::{
    ApiKey, Exposure, Finding, KeyFingerprint, KeyName, KeyRef, PolicyInfo, RuleCode, Severity,
    SourceLocation, Thresholds,
};
use regex::Regex;
use sha2::{Digest, Sha256};
use toml::de::{DeTable, DeValue};

use crate::error::{PolicyErrorKind, PolicyErrors};
use crate::naming;
use crate::rules;
use walker::{Item, Walker};

pub use bind::{Binding, IpPattern};
pub(crate) use bind::{canonical_ip, mask_v4, mask_v6};

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
    /// Lower-case hex SHA-256 of the policy text; `None` for the defaults.
    sha256: Option<String>,
    /// `[idle]`: when a key counts as idle.
    pub idle: IdlePolicy,
    /// `[naming]`: which names say nothing, and the naming convention.
    pub naming: NamingPolicy,
    /// `[rotation]`: how old a key may get.
    pub rotation: RotationPolicy,
    /// `[password_access]`: keys allowed to hold Password Access.
    pub password_access: PasswordAccessPolicy,
    /// `[[mute]]`: accepted findings, in file order.
    pub mutes: Vec<PolicyMute>,
    /// `[severity]`: base severities that replace the rules' defaults.
    pub severity: BTreeMap<RuleCode, Severity>,
    /// `[[bind]]`: which activity-log events belong to which key, in file order.
    pub bindings: Vec<Binding>,
    /// Full API keys found in the policy text (redacted before parsing).
    exposures: Vec<Exposure>,
}

impl ValidPolicy {
    /// Full API keys (`ITG.<hex>.<secret>`) found in the policy file, each
    /// with its line. The policy was parsed with each of them replaced by
    /// its masked form (`ITG.<hex>.*****`, which names the same key), so no
    /// value, warning or error holds the secret; the audit raises each as
    /// `exposed-secret`.
    pub fn exposures(&self) -> &[Exposure] {
        &self.exposures
    }

    /// The policy file as the user named it; `None` for the built-in defaults.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// `sha256:<64 hex digits>` of the policy file's bytes, or `default` for
    /// the built-in defaults.
    pub fn digest(&self) -> String {
        match &self.sha256 {
            Some(hex) => format!("sha256:{hex}"),
            None => "default".to_string(),
        }
    }

    /// The base severity of a rule's findings: the `[severity]` override, else
    /// the rule's default. Escalations apply on top of it.
    pub fn base_severity(&self, rule: &rules::Rule) -> Severity {
        self.severity
            .get(&rule.code)
            .copied()
            .unwrap_or(rule.default_severity)
    }

    /// What the report records of this policy: its source, digest and the
    /// settings in force.
    pub fn info(&self) -> PolicyInfo {
        PolicyInfo {
            source: self.source.clone(),
            digest: self.digest(),
            thresholds: Thresholds {
                idle_warn_after_days: self.idle.warn_after_days,
                idle_high_after_days: self.idle.high_after_days,
                idle_revoke_after_days: self.idle.revoke_after_days,
                never_used_grace_days: self.idle.never_used_grace_days,
                naming_min_length: self.naming.min_length,
                naming_pattern: self.naming.pattern.as_ref().map(|p| p.as_str().to_string()),
                rotation_max_age_days: self.rotation.max_age_days,
            },
            severity_overrides: self.severity.clone(),
            allowances: self.password_access.allow.len(),
            mutes: self.mutes.len(),
            bindings: self.bindings.len(),
        }
    }
}

impl PartialEq for ValidPolicy {
    fn eq(&self, other: &Self) -> bool {
        self.idle == other.idle
            && self.naming == other.naming
            && self.rotation == other.rotation
            && self.password_access == other.password_access
            && self.mutes == other.mutes
            && self.severity == other.severity
            && self.bindings == other.bindings
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

/// `[naming]`: what counts as a generic name, and the naming convention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingPolicy {
    /// Generic names added to the built-in list, as written in the policy.
    pub generic_names: Vec<String>,
    /// Names shorter than this (once normalised) are generic. Default 4.
    pub min_length: usize,
    /// The pattern every name must match (`naming-convention`); none by default.
    pub pattern: Option<NamingPattern>,
}

impl Default for NamingPolicy {
    fn default() -> Self {
        Self {
            generic_names: Vec::new(),
            min_length: 4,
            pattern: None,
        }
    }
}

/// `naming.pattern`: a regular expression (Rust `regex` syntax) that the
/// whole trimmed name must match, as if written `^(?:pattern)$`.
///
/// Equality compares the pattern as written.
#[derive(Debug, Clone)]
pub struct NamingPattern {
    pattern: String,
    regex: Regex,
}

impl NamingPattern {
    /// Compiles a pattern, anchored at both ends.
    ///
    /// ```
    /// use keyaudit_engine::NamingPattern;
    ///
    /// let p = NamingPattern::new(r"(?P<vendor>\w+) - (?P<owner>.+)").unwrap();
    /// assert!(p.is_match("  Datto - NOC "));
    /// assert!(!p.is_match("Datto"));
    /// assert_eq!(p.name_parts("Datto - NOC").unwrap()["owner"], "NOC");
    /// ```
    pub fn new(pattern: &str) -> Result<Self, regex::Error> {
        // Alone first, so that errors point into the pattern as written and
        // a pattern such as `a)|(b` cannot escape the anchors.
        Regex::new(pattern)?;
        let regex = Regex::new(&format!("^(?:{pattern})$"))?;
        Ok(Self {
            pattern: pattern.to_string(),
            regex,
        })
    }

    /// The pattern as written in the policy (without the added anchors).
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// True when the whole name, trimmed, matches.
    pub fn is_match(&self, name: &str) -> bool {
        self.regex.is_match(name.trim())
    }

    /// The named groups that took part in the match, when the trimmed name
    /// matches; `None` when it does not.
    pub fn name_parts(&self, name: &str) -> Option<BTreeMap<String, String>> {
        let captures = self.regex.captures(name.trim())?;
        Some(
            self.regex
                .capture_names()
                .flatten()
                .filter_map(|group| {
                    captures
                        .name(group)
                        .map(|m| (group.to_string(), m.as_str().to_string()))
                })
                .collect(),
        )
    }
}

impl PartialEq for NamingPattern {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern
    }
}

impl Eq for NamingPattern {}

/// `[rotation]`: how old a key may get before it is due for rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationPolicy {
    /// Keys created this many whole days ago or more are reported
    /// (`rotation-due`). Default 365.
    pub max_age_days: i64,
}

impl Default for RotationPolicy {
    fn default() -> Self {
        Self { max_age_days: 365 }
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
        names_key(&self.key, &key.name, key.fingerprint.as_ref())
    }

    /// True when the allowance no longer applies on `date` (it expires on its
    /// `expires` day).
    pub fn is_expired_on(&self, date: NaiveDate) -> bool {
        self.expires.is_some_and(|expires| date >= expires)
    }
}

/// One `[[mute]]` entry: a finding accepted for a reason, until an expiry.
///
/// Equality ignores [`PolicyMute::line`].
#[derive(Debug, Clone)]
pub struct PolicyMute {
    /// The rule whose finding is muted.
    pub rule: RuleCode,
    /// Which finding of that rule: by key or by finding id.
    pub target: MuteTarget,
    /// Why the finding is accepted; shown in every report.
    pub reason: String,
    /// The day the mute stops applying: on and after it, the finding is open again.
    pub expires: Option<NaiveDate>,
    /// The line of the entry in the policy file, when it came from one.
    pub line: Option<usize>,
}

/// What a [`PolicyMute`] names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MuteTarget {
    /// `key = "…"`: the key's name (any case, surrounding spaces ignored),
    /// fingerprint or masked key.
    Key(String),
    /// `finding = "…"`: a finding id (`<rule>:<12 hex digits>`).
    Finding(String),
}

impl fmt::Display for MuteTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MuteTarget::Key(key) => write!(f, "key \"{key}\""),
            MuteTarget::Finding(id) => write!(f, "finding {id}"),
        }
    }
}

impl PartialEq for PolicyMute {
    fn eq(&self, other: &Self) -> bool {
        self.rule == other.rule
            && self.target == other.target
            && self.reason == other.reason
            && self.expires == other.expires
    }
}

impl Eq for PolicyMute {}

impl PolicyMute {
    /// True when the mute names this finding: same rule, and the key (by
    /// name, fingerprint or masked key) or the finding id matches.
    pub fn matches(&self, finding: &Finding) -> bool {
        self.rule == finding.rule && self.names(&finding.key, &finding.id)
    }

    fn names(&self, key: &KeyRef, finding_id: &str) -> bool {
        match &self.target {
            MuteTarget::Key(wanted) => names_key(wanted, &key.name, key.fingerprint.as_ref()),
            MuteTarget::Finding(id) => id.trim().eq_ignore_ascii_case(finding_id),
        }
    }

    /// True when the mute no longer applies on `date` (it expires on its
    /// `expires` day).
    pub fn is_expired_on(&self, date: NaiveDate) -> bool {
        self.expires.is_some_and(|expires| date >= expires)
    }
}

/// True when `wanted` (from the policy) names a key: its fingerprint, bare
/// or masked, or its non-blank name as a [`KeyName`] (case, spacing and
/// Unicode spelling ignored), in any account.
fn names_key(wanted: &str, name: &str, fingerprint: Option<&KeyFingerprint>) -> bool {
    let wanted = wanted.trim();
    let by_fingerprint = match (fingerprint, parse_fingerprint(wanted)) {
        (Some(have), Some(want)) => *have == want,
        _ => false,
    };
    by_fingerprint || {
        let name = KeyName::new(name);
        !name.is_blank() && name == KeyName::new(wanted)
    }
}

/// Keys, or the policy entries that name keys, by name and fingerprint, so
/// that many entries and keys resolve without comparing each with every
/// other. Finds exactly the pairs [`names_key`] accepts: built from an
/// inventory's keys ([`KeyNames::new`]) it answers which keys an entry names;
/// built from entries ([`KeyNames::of_entries`]), which entries name a key.
#[derive(Default)]
pub(crate) struct KeyNames {
    by_name: HashMap<KeyName, Vec<u32>>,
    by_fingerprint: HashMap<KeyFingerprint, Vec<u32>>,
}

impl KeyNames {
    /// The keys of an inventory, by their index.
    pub(crate) fn new(keys: &[ApiKey]) -> Self {
        let mut names = Self::default();
        for (i, key) in keys.iter().enumerate() {
            names.insert(i, &key.name, key.fingerprint.clone());
        }
        names
    }

    /// Policy entries, by their index, from what each says (`key = "…"`);
    /// `None` for an entry that names no key.
    pub(crate) fn of_entries<'w>(wanted: impl IntoIterator<Item = Option<&'w str>>) -> Self {
        let mut names = Self::default();
        for (i, wanted) in wanted.into_iter().enumerate() {
            if let Some(wanted) = wanted {
                names.insert(i, wanted, parse_fingerprint(wanted.trim()));
            }
        }
        names
    }

    fn insert(&mut self, i: usize, name: &str, fingerprint: Option<KeyFingerprint>) {
        let name = KeyName::new(name);
        if !name.is_blank() {
            self.by_name.entry(name).or_default().push(i as u32);
        }
        if let Some(fingerprint) = fingerprint {
            self.by_fingerprint
                .entry(fingerprint)
                .or_default()
                .push(i as u32);
        }
    }

    /// Of an index of keys: the keys `wanted` names, ascending, each once.
    pub(crate) fn lookup(&self, wanted: &str) -> Vec<u32> {
        let wanted = wanted.trim();
        self.find(wanted, parse_fingerprint(wanted).as_ref())
    }

    /// Of an index of entries: the entries that name this key, ascending,
    /// each once.
    pub(crate) fn naming(&self, name: &str, fingerprint: Option<&KeyFingerprint>) -> Vec<u32> {
        self.find(name, fingerprint)
    }

    fn find(&self, name: &str, fingerprint: Option<&KeyFingerprint>) -> Vec<u32> {
        let name = KeyName::new(name);
        let by_name = (!name.is_blank())
            .then(|| self.by_name.get(&name))
            .flatten();
        let mut found: Vec<u32> = fingerprint
            .and_then(|fp| self.by_fingerprint.get(fp))
            .into_iter()
            .chain(by_name)
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        found
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
    let original = text;
    let (redacted, exposures) = redact_full_keys(source, text);
    let text = redacted.as_ref();
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

    let digest = Sha256::digest(original.as_bytes());
    let mut policy = ValidPolicy {
        source: Some(source.to_string()),
        sha256: Some(digest.iter().map(|b| format!("{b:02x}")).collect()),
        exposures,
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

/// A full API key: `ITG.` + 32 hex digits + `.` + a secret of 8 or more
/// characters of `[A-Za-z0-9_\-+/=]` (as ingest detects them); group 1 is
/// the fingerprint. A masked key (`.*****`) is not one.
static FULL_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?i:ITG)\.[0-9A-Fa-f]{32})\.[A-Za-z0-9_\-+/=]{8,}")
        .expect("the full-key pattern is valid")
});

/// `text` with every full API key replaced by its masked form, and the keys
/// found (fingerprint and line). Columns after a key on its line shift by
/// the length of the secret removed.
fn redact_full_keys<'t>(source: &str, text: &'t str) -> (Cow<'t, str>, Vec<Exposure>) {
    let mut exposures = Vec::new();
    let redacted = FULL_KEY.replace_all(text, |caps: &regex::Captures<'_>| {
        let whole = caps.get(0).map_or(0..0, |m| m.range());
        let line = text[..whole.start].matches('\n').count() + 1;
        match KeyFingerprint::parse(&caps[1]) {
            Some(fingerprint) => {
                let masked = fingerprint.masked();
                exposures.push(Exposure {
                    fingerprint,
                    location: SourceLocation::row(source, line),
                });
                masked
            }
            None => caps[0].to_string(),
        }
    });
    (redacted, exposures)
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
        name: "rotation",
        read: read_rotation,
    },
    Section {
        name: "password_access",
        read: read_password_access,
    },
    Section {
        name: "bind",
        read: bind::read_bindings,
    },
    Section {
        name: "mute",
        read: read_mutes,
    },
    Section {
        name: "severity",
        read: read_severity,
    },
];

const POSITIVE: &str = "a positive integer";
const NON_NEGATIVE: &str = "a non-negative integer";

/// The place of the key `name` in `table`, if present.
fn key_span(table: &DeTable<'_>, name: &str) -> Option<std::ops::Range<usize>> {
    table
        .iter()
        .find(|(key, _)| key.get_ref().as_ref() == name)
        .map(|(key, _)| key.span())
}

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
    const KEYS: &[&str] = &["generic_names", "min_length", "pattern"];
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
    if let Some(value) = field(table, "pattern") {
        if let Some(pattern) = w.string(value, "pattern", true) {
            match NamingPattern::new(pattern.get_ref()) {
                Ok(compiled) => policy.naming.pattern = Some(compiled),
                Err(error) => w.error(
                    pattern.span(),
                    PolicyErrorKind::InvalidValue,
                    format!(
                        "`pattern` is not a valid regular expression: {}",
                        regex_error(&error, pattern.get_ref())
                    ),
                ),
            }
        }
    }
}

/// A regex error on one line: the `regex` crate's message, and where in the
/// pattern it is when the crate points at a place of a one-line pattern.
fn regex_error(error: &regex::Error, pattern: &str) -> String {
    let regex::Error::Syntax(text) = error else {
        return error.to_string().trim_end_matches('.').to_string();
    };
    let lines: Vec<&str> = text.lines().collect();
    let message = lines
        .iter()
        .rev()
        .find_map(|line| line.strip_prefix("error: "))
        .unwrap_or(text.as_str())
        .trim();
    // `regex parse error:`, the pattern indented by 4, a caret line (in
    // characters), the message.
    let position = match lines.as_slice() {
        [_, _, carets, _] if !pattern.contains('\n') => carets
            .find('^')
            .and_then(|at| at.checked_sub(4))
            .filter(|&at| at < pattern.chars().count())
            .map(|at| at + 1),
        _ => None,
    };
    match position {
        Some(at) => format!("{message} (at character {at} of the pattern)"),
        None => message.to_string(),
    }
}

fn read_rotation(w: &mut Walker<'_>, item: &Item<'_>, policy: &mut ValidPolicy) {
    const KEYS: &[&str] = &["max_age_days"];
    let Some(table) = w.as_table(item, "rotation", "a table") else {
        return;
    };
    w.check_keys(table, "[rotation]", KEYS);
    if let Some(value) = field(table, "max_age_days") {
        if let Some(n) = w.integer(value, "max_age_days", 1, POSITIVE) {
            policy.rotation.max_age_days = n.into_inner();
        }
    }
}

/// The codes of the catalogue's rules, sorted, for messages.
fn valid_rules() -> String {
    rules::catalogue()
        .iter()
        .map(|rule| rule.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The catalogue rule with this code.
fn known_rule(code: &str) -> Option<RuleCode> {
    rules::all()
        .iter()
        .map(|rule| rule.code)
        .find(|c| c.as_str() == code)
}

const SEVERITIES: &str = "info, low, medium, high, critical";

fn read_mutes(w: &mut Walker<'_>, item: &Item<'_>, policy: &mut ValidPolicy) {
    const KEYS: &[&str] = &["rule", "key", "finding", "reason", "expires"];
    const LABEL: &str = "[[mute]]";
    let Some(entries) = w.as_array(item, "mute", "an array of tables ([[mute]])") else {
        return;
    };
    for (index, entry) in entries.iter().enumerate() {
        let name = format!("mute[{index}]");
        let Some(table) = w.as_table(
            entry,
            &name,
            "a table with rule, key or finding, reason and expires",
        ) else {
            continue;
        };
        w.check_keys(table, LABEL, KEYS);
        let required = |w: &mut Walker<'_>, key: &str| match field(table, key) {
            Some(value) => w.string(value, key, true),
            None => {
                w.missing(entry.span(), key, LABEL);
                None
            }
        };
        let rule = required(w, "rule").and_then(|rule| {
            let code = known_rule(rule.get_ref().trim());
            if code.is_none() {
                w.error(
                    rule.span(),
                    PolicyErrorKind::InvalidValue,
                    format!(
                        "unknown rule `{}` in {LABEL}; valid rules: {}",
                        rule.get_ref(),
                        valid_rules()
                    ),
                );
            }
            code
        });
        let key = field(table, "key").map(|value| w.string(value, "key", true));
        let finding = field(table, "finding").map(|value| w.string(value, "finding", true));
        let target = match (key, finding) {
            (Some(key), None) => key.map(|k| MuteTarget::Key(k.into_inner().trim().into())),
            (None, Some(id)) => {
                id.map(|id| MuteTarget::Finding(id.into_inner().trim().to_ascii_lowercase()))
            }
            (Some(_), Some(_)) => {
                // Point at whichever of the two comes later in the file.
                let span = ["key", "finding"]
                    .into_iter()
                    .filter_map(|name| key_span(table, name))
                    .max_by_key(|span| span.start)
                    .unwrap_or_else(|| entry.span());
                w.error(
                    span,
                    PolicyErrorKind::InvalidValue,
                    format!("{LABEL} takes `key` or `finding`, not both"),
                );
                None
            }
            (None, None) => {
                w.error(
                    entry.span(),
                    PolicyErrorKind::MissingKey,
                    format!("`key` or `finding` is required in {LABEL}"),
                );
                None
            }
        };
        let reason = required(w, "reason");
        let expires = field(table, "expires").map(|value| w.date(value, "expires"));
        let (Some(rule), Some(target), Some(reason)) = (rule, target, reason) else {
            continue;
        };
        let expires = match expires {
            Some(Some(date)) => Some(date.into_inner()),
            Some(None) => continue,
            None => None,
        };
        policy.mutes.push(PolicyMute {
            rule,
            target,
            reason: reason.into_inner().trim().to_string(),
            expires,
            line: Some(w.line_column(entry.span().start).0),
        });
    }
}

fn read_severity(w: &mut Walker<'_>, item: &Item<'_>, policy: &mut ValidPolicy) {
    let Some(table) = w.as_table(item, "severity", "a table") else {
        return;
    };
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
                policy.severity.insert(code, severity);
            }
            Err(_) => w.error(
                value.span(),
                PolicyErrorKind::InvalidValue,
                format!("unknown severity `{text}` for `{name}` in [severity]; valid severities: {SEVERITIES}"),
            ),
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
            line: Some(w.line_column(entry.span().start).0),
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

#[cfg(test)]
mod key_names_tests {
    use super::*;

    #[test]
    fn key_names_find_what_names_key_accepts() {
        let fp = |n: u32| KeyFingerprint::parse(&format!("ITG.{n:032x}")).unwrap();
        let mut keys = vec![
            ApiKey::named(" HaloPSA "),
            ApiKey::named("halopsa"),
            ApiKey::named("  "),
            ApiKey::named("Rewst"),
            ApiKey::named("STRASSE  sync"),
            ApiKey::named("ITG.00000000000000000000000000000009"),
        ];
        keys[2].fingerprint = Some(fp(7));
        keys[3].fingerprint = Some(fp(8));
        let wanted = [
            "HALOPSA",
            " halopsa ",
            "ITG.00000000000000000000000000000007",
            "itg.00000000000000000000000000000008.*****",
            "ITG.00000000000000000000000000000009",
            "",
            "Rewst ",
            "straße\u{a0}Sync",
            "nothing",
        ];
        let names = KeyNames::new(&keys);
        for wanted in wanted {
            let expected: Vec<u32> = (0..keys.len() as u32)
                .filter(|&i| {
                    let key = &keys[i as usize];
                    names_key(wanted, &key.name, key.fingerprint.as_ref())
                })
                .collect();
            assert_eq!(names.lookup(wanted), expected, "{wanted:?}");
        }
        let entries = KeyNames::of_entries(wanted.iter().map(|w| Some(*w)).chain([None]));
        for key in &keys {
            let expected: Vec<u32> = (0..wanted.len() as u32)
                .filter(|&i| names_key(wanted[i as usize], &key.name, key.fingerprint.as_ref()))
                .collect();
            assert_eq!(
                entries.naming(&key.name, key.fingerprint.as_ref()),
                expected,
                "{key:?}"
            );
        }
    }
}
