//! The audit policy (`keyaudit.toml`): thresholds, naming rules, Password
//! Access allowances, bindings of activity-log events to keys, mutes and
//! severity overrides.
//!
//! Parsing has two passes, as cargo-deny's configuration does (`cfg.rs`,
//! then `validate()` into a `ValidConfig`): the text is parsed into a
//! span-preserving TOML tree and read into the raw tables of [`schema`],
//! where each table, its keys and their types are declared once; then
//! [`validate`] turns the raw tables into a [`ValidPolicy`]. Both passes
//! report every error (with its line and column) to one list, and the parse
//! fails only at the end, with all of them.
//!
//! Defaults are declared once, in `policy/default.toml`: the commented
//! policy that `keyaudit init` writes ([`DEFAULT_POLICY_TOML`]). It is
//! parsed like any policy (once, on first use) and [`ValidPolicy::default()`]
//! is the result; a policy file that leaves a setting out gets the value
//! written there. The code holds no default value of its own, so the file
//! `init` writes and the values in force without a policy cannot disagree.
//! When the defaults themselves are read, nothing lies beneath them: every
//! setting that is not a list or optional must be written, or the defaults
//! do not parse (a unit test parses them).

mod bind;
mod schema;
mod validate;
mod walker;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::LazyLock;

use chrono::NaiveDate;
use keyaudit_model::key_shape;
use keyaudit_model::{
    ApiKey, ContentDigest, Exposure, Finding, KeyFingerprint, KeyName, KeyRef, PolicyInfo,
    RuleCode, Severity, SourceLocation, Thresholds,
};
use regex::Regex;
use toml::de::DeTable;

use crate::error::{PolicyErrorKind, PolicyErrors};
use crate::rules;
use schema::RawPolicy;
use walker::Walker;

pub use bind::{Binding, IpPattern};
pub(crate) use bind::{canonical_ip, mask_v4, mask_v6};

/// The commented policy that `keyaudit init` writes: every setting at its
/// default, each explained. It is where the defaults are declared:
/// [`ValidPolicy::default()`] is what it parses to.
pub const DEFAULT_POLICY_TOML: &str = include_str!("policy/default.toml");

/// The defaults: [`DEFAULT_POLICY_TOML`], parsed once.
static DEFAULTS: LazyLock<ValidPolicy> = LazyLock::new(|| {
    match parse("keyaudit.toml", DEFAULT_POLICY_TOML, None) {
        Ok(policy) => ValidPolicy {
            source: None,
            content: None,
            ..policy
        },
        // A unit test parses the built-in file; it holds no input.
        Err(errors) => panic!("the built-in default policy does not parse:\n{errors}"),
    }
});

/// A policy that parsed and validated. [`ValidPolicy::default()`] is the
/// policy used when no policy file is given.
///
/// Equality compares the settings only, not the file they came from.
#[derive(Debug, Clone)]
pub struct ValidPolicy {
    source: Option<String>,
    /// The digest of the policy text; `None` for the defaults.
    content: Option<ContentDigest>,
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
        match &self.content {
            Some(content) => content.sha256.clone(),
            None => "default".to_string(),
        }
    }

    /// The digest and length of the policy file's bytes; `None` for the
    /// built-in defaults.
    pub fn content_digest(&self) -> Option<&ContentDigest> {
        self.content.as_ref()
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

impl Default for ValidPolicy {
    /// The settings of [`DEFAULT_POLICY_TOML`], with no source.
    fn default() -> Self {
        DEFAULTS.clone()
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
    /// The `[idle]` of [`DEFAULT_POLICY_TOML`].
    fn default() -> Self {
        DEFAULTS.idle.clone()
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
    /// The `[naming]` of [`DEFAULT_POLICY_TOML`].
    fn default() -> Self {
        DEFAULTS.naming.clone()
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
    /// The `[rotation]` of [`DEFAULT_POLICY_TOML`].
    fn default() -> Self {
        DEFAULTS.rotation.clone()
    }
}

/// The line of an entry (an allowance, a binding, a mute) in the policy
/// file; none for an entry made in code.
///
/// It says where an entry is written, not what it says: any two lines are
/// equal, so that entries compare by their settings alone.
///
/// ```
/// use keyaudit_engine::PolicyLine;
///
/// assert_eq!(PolicyLine::at(3).get(), Some(3));
/// assert_eq!(PolicyLine::default().get(), None);
/// assert_eq!(PolicyLine::at(3), PolicyLine::at(7));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicyLine(Option<usize>);

impl PolicyLine {
    /// The 1-based line `line`.
    pub fn at(line: usize) -> Self {
        Self(Some(line))
    }

    /// The 1-based line, when the entry came from a file.
    pub fn get(self) -> Option<usize> {
        self.0
    }
}

impl PartialEq for PolicyLine {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for PolicyLine {}

/// `[password_access]`: the allow-list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasswordAccessPolicy {
    /// `[[password_access.allow]]` entries, in file order.
    pub allow: Vec<PasswordAllowance>,
}

/// One `[[password_access.allow]]` entry: a key that may hold Password Access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordAllowance {
    /// The key's name (compared ignoring case and surrounding spaces) or its
    /// fingerprint (`ITG.` + 32 hex digits, optionally with `.*****`).
    pub key: String,
    /// Why the key needs Password Access.
    pub reason: String,
    /// The day the allowance stops applying: on and after it, it is expired.
    pub expires: Option<NaiveDate>,
    /// The line of the entry in the policy file, when it came from one.
    pub line: PolicyLine,
}

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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub line: PolicyLine,
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
    let by_fingerprint = match (fingerprint, KeyFingerprint::parse_bare_or_masked(wanted)) {
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
                names.insert(
                    i,
                    wanted,
                    KeyFingerprint::parse_bare_or_masked(wanted.trim()),
                );
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
        self.find(
            wanted,
            KeyFingerprint::parse_bare_or_masked(wanted).as_ref(),
        )
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
    parse(source, text, Some(&DEFAULTS))
}

/// Parses and validates a policy over `defaults` (none when reading the
/// defaults themselves).
fn parse(
    source: &str,
    text: &str,
    defaults: Option<&ValidPolicy>,
) -> Result<ValidPolicy, PolicyErrors> {
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

    let raw = RawPolicy::read(&mut walker, &document);
    let policy = raw.validate(&mut walker, defaults);
    let errors = walker.into_errors();
    match policy {
        Some(policy) if errors.is_empty() => Ok(ValidPolicy {
            source: Some(source.to_string()),
            content: Some(ContentDigest::of(original.as_bytes())),
            exposures,
            ..policy
        }),
        _ => Err(PolicyErrors { errors }),
    }
}

/// `text` with every full API key replaced by its masked form (see
/// [`key_shape`]), and the keys found (fingerprint and line). Columns after
/// a key on its line shift by the length of the secret removed; lines keep
/// their numbers.
fn redact_full_keys<'t>(source: &str, text: &'t str) -> (Cow<'t, str>, Vec<Exposure>) {
    let (redacted, found) = key_shape::redact_secrets_keeping_lines(text);
    let exposures = found
        .into_iter()
        .map(|secret| Exposure {
            location: SourceLocation::row(
                source,
                text[..secret.range.start].matches('\n').count() + 1,
            ),
            fingerprint: secret.fingerprint,
        })
        .collect();
    (redacted, exposures)
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
        assert_eq!(ValidPolicy::default().digest(), "default");
    }

    #[test]
    fn defaults_are_the_values_of_the_default_policy_text() {
        let defaults = |text: &str| parse("defaults.toml", text, None);
        let edited = defaults(
            &DEFAULT_POLICY_TOML
                .replace("warn_after_days = 45", "warn_after_days = 44")
                .replace("max_age_days = 365", "max_age_days = 400"),
        )
        .unwrap();
        let policy = parse("p.toml", "[idle]\nhigh_after_days = 85\n", Some(&edited)).unwrap();
        assert_eq!(policy.idle.warn_after_days, 44);
        assert_eq!(policy.idle.high_after_days, 85);
        assert_eq!(policy.rotation.max_age_days, 400);
        assert_eq!(IdlePolicy::default().warn_after_days, 45);

        // Nothing lies beneath the defaults: each setting must be written.
        let errors = defaults(&DEFAULT_POLICY_TOML.replace("max_age_days = 365", "")).unwrap_err();
        assert_eq!(
            errors.to_string(),
            "defaults.toml:50:1: `max_age_days` is required in [rotation]"
        );
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
