//! The comparison of two audits of the same account (`keyaudit.diff/v1`):
//! keys added and removed, findings new, resolved, persisting and changed.
//! The engine computes it (`keyaudit_engine::compare::diff`); the renderers
//! draw it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Delta, FindingStatus, KeyRef, RuleCode, Severity};

/// The value of [`ReportDiff::schema`].
pub const DIFF_SCHEMA: &str = "keyaudit.diff/v1";

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffSide {
    /// The report's as-of time.
    pub as_of: DateTime<Utc>,
    /// Keys audited.
    pub keys: usize,
    /// Open findings.
    pub open: usize,
    /// Muted findings.
    pub muted: usize,
}

/// How a finding changed between the two reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Only in the new report.
    New,
    /// Only in the old report: fixed, or its key is gone.
    Resolved,
    /// In both, with the same severity and status.
    Persisting,
    /// In both, with another severity or status.
    Changed,
}

impl Change {
    /// The lower-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Resolved => "resolved",
            Change::Persisting => "persisting",
            Change::Changed => "changed",
        }
    }
}

/// A finding's severity and status on one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingState {
    /// Severity.
    pub severity: Severity,
    /// Open or muted.
    pub status: FindingStatus,
}

/// One finding in the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingDiff {
    /// New, resolved, persisting or changed.
    pub change: Change,
    /// For findings in both reports: worsened, improved or unchanged; for new
    /// findings: new.
    #[serde(default)]
    pub delta: Option<Delta>,
    /// The finding's stable id.
    pub id: String,
    /// The rule.
    pub rule: RuleCode,
    /// The key (from the new report when the finding is in it).
    pub key: KeyRef,
    /// Severity and status in the old report.
    pub old: Option<FindingState>,
    /// Severity and status in the new report.
    pub new: Option<FindingState>,
    /// The finding's message (from the new report when the finding is in it).
    pub message: String,
}

impl FindingDiff {
    /// True for an open finding that is new or got worse: what a CI gate fails on.
    pub fn is_new_or_worsened_open(&self) -> bool {
        let open = self.new.is_some_and(|s| s.status == FindingStatus::Open);
        open && matches!(self.delta, Some(Delta::New | Delta::Worsened))
    }

    /// The severity that counts for `--fail-on`: the new one.
    pub fn severity(&self) -> Severity {
        self.new.or(self.old).map_or(Severity::Info, |s| s.severity)
    }
}

/// Counts over a comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffSummary {
    /// Keys only in the new report.
    pub keys_added: usize,
    /// Keys only in the old report.
    pub keys_removed: usize,
    /// Findings only in the new report.
    pub new: usize,
    /// Findings only in the old report.
    pub resolved: usize,
    /// Findings in both, unchanged.
    pub persisting: usize,
    /// Findings in both whose severity or status changed.
    pub changed: usize,
    /// Changed findings that got worse.
    pub worsened: usize,
    /// Changed findings that got better.
    pub improved: usize,
}

/// The comparison of two reports: the `keyaudit.diff/v1` document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDiff {
    /// Always [`DIFF_SCHEMA`].
    pub schema: String,
    /// The old report.
    pub old: DiffSide,
    /// The new report.
    pub new: DiffSide,
    /// Keys only in the new report, sorted by name.
    pub keys_added: Vec<KeyRef>,
    /// Keys only in the old report, sorted by name.
    pub keys_removed: Vec<KeyRef>,
    /// Every finding of either report: new and changed first, then resolved,
    /// then persisting; within each, by severity (critical first), rule, key name.
    pub findings: Vec<FindingDiff>,
    /// Counts.
    pub summary: DiffSummary,
}

impl ReportDiff {
    /// Open findings that are new or worse than in the old report.
    pub fn new_or_worsened(&self) -> impl Iterator<Item = &FindingDiff> {
        self.findings.iter().filter(|f| f.is_new_or_worsened_open())
    }
}
