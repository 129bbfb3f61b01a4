use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    ContentDigest, Diagnostic, Exposure, Finding, ForecastEntry, KeyFingerprint, KeyIdentity,
    KeyRef, KeyState, RuleCode, Severity, SourceLocation,
};

/// The value of [`AuditReport::schema`] for this version of the contract.
pub const REPORT_SCHEMA: &str = "keyaudit.report/v1";

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Always `keyaudit`.
    pub name: String,
    /// The keyaudit version.
    pub version: String,
}

/// What an input file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    /// A key inventory.
    Inventory,
    /// Usage evidence (activity logs).
    Usage,
    /// The policy file.
    Policy,
    /// The earlier report findings were compared with (`--baseline`).
    Baseline,
}

impl InputKind {
    /// Its name, as in JSON (`inventory`, `usage`, `policy`, `baseline`).
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Inventory => "inventory",
            InputKind::Usage => "usage",
            InputKind::Policy => "policy",
            InputKind::Baseline => "baseline",
        }
    }
}

/// Where an input's bytes came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputOrigin {
    /// A file, at [`InputFile::path`] relative to the folder the audit ran in.
    #[default]
    File,
    /// Bytes embedded in keyaudit: the bundled demo account.
    Embedded,
    /// Activity logs fetched from the IT Glue API during the audit and not
    /// kept: the digest is of the logs as written, but nobody can re-read them.
    Fetched,
}

/// One input of the audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// Inventory, usage, policy or baseline.
    pub kind: InputKind,
    /// The path as the user named it (`demo:` paths for the bundled demo).
    pub path: String,
    /// The detected format (`csv`, `tsv`, `semicolon`, `json`, `toml`, …).
    pub format: String,
    /// Records read from it (keys, events), when that applies.
    #[serde(default)]
    pub records: Option<usize>,
    /// File, embedded (the demo) or fetched (`--fetch-usage`).
    #[serde(default)]
    pub origin: InputOrigin,
    /// `sha256:<hex>` of the exact bytes read; `null` only in reports of
    /// keyaudit versions that did not record it.
    #[serde(default)]
    pub sha256: Option<String>,
    /// The number of bytes read (`null` as for `sha256`).
    #[serde(default)]
    pub bytes: Option<u64>,
}

impl InputFile {
    /// An input read from a file, with the digest of the bytes read.
    pub fn new(
        kind: InputKind,
        path: impl Into<String>,
        format: impl Into<String>,
        records: Option<usize>,
        digest: Option<&ContentDigest>,
    ) -> Self {
        Self {
            kind,
            path: path.into(),
            format: format.into(),
            records,
            origin: InputOrigin::File,
            sha256: digest.map(|d| d.sha256.clone()),
            bytes: digest.map(|d| d.bytes),
        }
    }
}

/// A period of time: a start and an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
}

/// The options of a run that change the JSON report besides its inputs and
/// its `as_of`: with them, `keyaudit verify` re-makes the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditOptions {
    /// The time zone of times without an offset in usage files (`--timezone`).
    pub timezone: String,
    /// The window the usage files were said to cover (`--usage-window`).
    pub usage_window: Option<TimeRange>,
    /// Whether a usage file whose fetch was incomplete was accepted
    /// (`--allow-partial`).
    pub allow_partial: bool,
}

impl Default for AuditOptions {
    /// UTC, no window given, partial usage refused: the command's defaults.
    fn default() -> Self {
        Self {
            timezone: "UTC".to_string(),
            usage_window: None,
            allow_partial: false,
        }
    }
}

/// The period a usage source covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageWindow {
    /// Start of the window.
    pub start: DateTime<Utc>,
    /// End of the window.
    pub end: DateTime<Utc>,
    /// True when the window was inferred from the earliest and latest event.
    pub inferred: bool,
    /// False when the source says it is incomplete.
    pub complete: bool,
}

/// How much usage evidence the audit had.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// The usage window, when any usage source was given.
    pub usage_window: Option<UsageWindow>,
    /// Usage events read.
    pub events_seen: u64,
    /// Events attributed to exactly one or more keys.
    pub attributed: u64,
    /// Events attributed to no key.
    pub unattributed: u64,
    /// Events attributed to more than one key.
    pub ambiguous: u64,
    /// Keys whose last use came from the inventory's last-used column.
    pub keys_with_inventory_last_use: usize,
    /// Keys with at least one attributed activity-log event.
    #[serde(default)]
    pub keys_with_activity: usize,
    /// The most frequent user agents among unattributed events (at most ten),
    /// the guide to writing bindings.
    #[serde(default)]
    pub top_unattributed_user_agents: Vec<ValueCount>,
    /// The most frequent source IPs among unattributed events (at most ten).
    #[serde(default)]
    pub top_unattributed_ips: Vec<ValueCount>,
}

/// A value and how often it occurred.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ValueCount {
    /// The value (a user agent, an IP address).
    pub value: String,
    /// How many events carried it.
    pub count: u64,
}

/// Where a key's last use came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LastUsedSource {
    /// The inventory's last-used column.
    Inventory,
    /// An activity-log event attributed to the key.
    ActivityLog,
}

impl LastUsedSource {
    /// The kebab-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            LastUsedSource::Inventory => "inventory",
            LastUsedSource::ActivityLog => "activity-log",
        }
    }
}

/// One key as audited: the "credential report" row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// Stable id: derived from the fingerprint, else from account and name.
    pub id: String,
    /// The key's name (may be empty).
    pub name: String,
    /// The key's fingerprint, when known.
    pub fingerprint: Option<KeyFingerprint>,
    /// The key's account, when known.
    pub account: Option<String>,
    /// Password Access; `null` when the inventory does not say.
    pub password_access: Option<bool>,
    /// Active, paused or revoked.
    pub state: KeyState,
    /// Creation time, when known.
    pub created_at: Option<DateTime<Utc>>,
    /// Last use, when known.
    pub last_used_at: Option<DateTime<Utc>>,
    /// True when the inventory says the key was never used.
    pub never_used: bool,
    /// Where the last use came from.
    pub last_used_source: Option<LastUsedSource>,
    /// Whole days from last use to the as-of time.
    pub days_idle: Option<i64>,
    /// The day IT Glue revokes (or revoked) the key for inactivity.
    pub revocation_date: Option<NaiveDate>,
    /// Owner, when the inventory says.
    pub owner: Option<String>,
    /// Purpose, when the inventory says.
    pub purpose: Option<String>,
    /// Open findings on this key, by rule.
    pub findings: Vec<RuleCode>,
    /// The highest severity among the key's open findings.
    pub max_severity: Option<Severity>,
    /// The inventory rows this key was read from.
    pub sources: Vec<SourceLocation>,
    /// Activity-log events attributed to this key, when usage evidence was given.
    #[serde(default)]
    pub activity: Option<KeyActivity>,
    /// Named capture groups of the policy's naming pattern (vendor, owner, …).
    #[serde(default)]
    pub name_parts: BTreeMap<String, String>,
}

impl KeyRecord {
    /// Which key this is: its fingerprint, else its account and name.
    pub fn identity(&self) -> KeyIdentity {
        KeyIdentity::new(
            self.fingerprint.as_ref(),
            self.account.as_deref(),
            &self.name,
        )
    }
}

/// What the activity logs say about one key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyActivity {
    /// Events attributed to the key.
    pub events: u64,
    /// Of those, events on passwords (`resource-type` matching /password/i).
    pub password_events: u64,
    /// The latest attributed event.
    pub last_event_at: Option<DateTime<Utc>>,
}

/// The policy an audit ran with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInfo {
    /// The policy file as the user named it; `None` for the built-in defaults.
    pub source: Option<String>,
    /// `sha256:<hex>` of the policy file's bytes, or `default`.
    pub digest: String,
    /// The thresholds in force.
    pub thresholds: Thresholds,
    /// Severity overrides in force (`[severity]`), by rule.
    #[serde(default)]
    pub severity_overrides: BTreeMap<RuleCode, Severity>,
    /// Number of Password Access allowances.
    pub allowances: usize,
    /// Number of mutes.
    pub mutes: usize,
    /// Number of bindings that attribute events to keys.
    pub bindings: usize,
}

/// The thresholds of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// `idle.warn_after_days`.
    pub idle_warn_after_days: i64,
    /// `idle.high_after_days`.
    pub idle_high_after_days: i64,
    /// `idle.revoke_after_days`.
    pub idle_revoke_after_days: i64,
    /// `idle.never_used_grace_days`.
    pub never_used_grace_days: i64,
    /// `naming.min_length`.
    pub naming_min_length: usize,
    /// `naming.pattern`, when set.
    #[serde(default)]
    pub naming_pattern: Option<String>,
    /// `rotation.max_age_days`.
    pub rotation_max_age_days: i64,
}

/// Whether a compliance control passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ControlResult {
    /// No open finding references the control.
    Pass,
    /// At least one open finding references the control.
    Fail,
}

/// One row of the compliance view: a framework control referenced by any rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlStatus {
    /// Framework, e.g. `CIS Controls v8`.
    pub framework: String,
    /// Control, e.g. `5.3`.
    pub control: String,
    /// `pass` when no open finding references the control, else `fail`.
    pub status: ControlResult,
    /// The rules that evidence this control.
    pub rules: Vec<RuleCode>,
    /// Open findings referencing it.
    pub open: usize,
    /// Muted findings referencing it.
    pub muted: usize,
    /// The keys of those findings.
    pub keys: Vec<KeyRef>,
}

/// Counts over the findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Keys audited.
    pub keys: usize,
    /// All findings, open and muted.
    pub findings: usize,
    /// Open findings.
    pub open: usize,
    /// Muted findings.
    pub muted: usize,
    /// Open findings by severity (every severity present, zero included).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Open findings by rule (only rules that fired).
    pub by_rule: BTreeMap<RuleCode, usize>,
}

impl Summary {
    /// Counts the given findings for a report of `keys` keys.
    pub fn count(keys: usize, findings: &[Finding]) -> Self {
        let mut by_severity: BTreeMap<Severity, usize> =
            Severity::ALL_DESC.iter().map(|s| (*s, 0)).collect();
        let mut by_rule = BTreeMap::new();
        let mut open = 0;
        for f in findings.iter().filter(|f| f.is_open()) {
            open += 1;
            *by_severity.entry(f.severity).or_default() += 1;
            *by_rule.entry(f.rule).or_default() += 1;
        }
        Self {
            keys,
            findings: findings.len(),
            open,
            muted: findings.len() - open,
            by_severity,
            by_rule,
        }
    }

    /// The highest severity among open findings.
    pub fn max_open_severity(&self) -> Option<Severity> {
        Severity::ALL_DESC
            .into_iter()
            .find(|s| self.by_severity.get(s).copied().unwrap_or(0) > 0)
    }
}

/// The result of an audit: keyaudit's JSON contract (`keyaudit.report/v1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Always [`REPORT_SCHEMA`].
    pub schema: String,
    /// The tool that wrote the report.
    pub tool: ToolInfo,
    /// The time the audit judged against.
    pub as_of: DateTime<Utc>,
    /// The files read, each with the digest of its bytes.
    pub inputs: Vec<InputFile>,
    /// The options that shaped the report besides its inputs and `as_of`.
    #[serde(default)]
    pub options: AuditOptions,
    /// How much usage evidence there was.
    pub coverage: Coverage,
    /// Every key, sorted by name, then account, then id.
    pub keys: Vec<KeyRecord>,
    /// Every finding, sorted by severity (critical first), rule, key name, key id.
    pub findings: Vec<Finding>,
    /// Full keys found in the inputs (fingerprint and place only).
    pub exposures: Vec<Exposure>,
    /// Counts over the findings.
    pub summary: Summary,
    /// Warnings about inputs and policy.
    pub diagnostics: Vec<Diagnostic>,
    /// When IT Glue warns about and revokes each active or paused key if it
    /// stays unused: dated keys soonest first, then keys without usage
    /// evidence. Always written (empty when there is no live key); read as
    /// empty from reports written before it existed.
    #[serde(default)]
    pub forecast: Vec<ForecastEntry>,
    /// The policy in force, with its digest.
    #[serde(default)]
    pub policy: Option<PolicyInfo>,
    /// The compliance view: every control referenced by any rule, pass or fail.
    #[serde(default)]
    pub compliance: Vec<ControlStatus>,
    /// The baseline report findings were compared with (`--baseline`).
    #[serde(default)]
    pub baseline: Option<BaselineInfo>,
}

impl AuditReport {
    /// The accounts named among the keys, sorted and without repeats (blank
    /// names left out).
    pub fn accounts(&self) -> Vec<&str> {
        let mut accounts: Vec<&str> = self
            .keys
            .iter()
            .filter_map(|k| k.account.as_deref())
            .filter(|a| !a.trim().is_empty())
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        accounts
    }
}

/// The baseline a report was compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineInfo {
    /// The baseline file as the user named it.
    pub path: String,
    /// The baseline's as-of time.
    pub as_of: DateTime<Utc>,
}
