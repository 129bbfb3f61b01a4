use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    Diagnostic, Exposure, Finding, KeyFingerprint, KeyState, RuleCode, Severity, SourceLocation,
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
}

/// One input of the audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// Inventory, usage or policy.
    pub kind: InputKind,
    /// The path as the user named it (`demo:` paths for the bundled demo).
    pub path: String,
    /// The detected format (`csv`, `tsv`, `semicolon`, `json`, `toml`, …).
    pub format: String,
    /// Records read from it (keys, events), when that applies.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub records: Option<usize>,
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
    /// The files read.
    pub inputs: Vec<InputFile>,
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
}
