//! What changed between two audits of the same account: keys added and
//! removed, findings new, resolved, persisting and changed.
//!
//! Keys are matched by their [`KeyIdentity`] (fingerprint, else account and
//! name ignoring case and spacing); findings by their stable id
//! (`<rule>:<key id>`), which derives from the same identity. [`annotate`] applies the same
//! comparison to a fresh report (`keyaudit audit --baseline OLD.json`).

mod render;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use keyaudit_model::{
    AuditReport, BaselineInfo, Delta, Finding, FindingStatus, KeyIdentity, KeyRecord, KeyRef,
    RuleCode, Severity,
};
use serde::{Deserialize, Serialize};

pub use render::{render_json, render_markdown, render_table};

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

impl DiffSide {
    fn of(report: &AuditReport) -> Self {
        Self {
            as_of: report.as_of,
            keys: report.summary.keys,
            open: report.summary.open,
            muted: report.summary.muted,
        }
    }
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

impl FindingState {
    fn of(finding: &Finding) -> Self {
        Self {
            severity: finding.severity,
            status: finding.status,
        }
    }

    /// How much the finding weighs: a muted finding weighs less than any open one.
    fn weight(self) -> (bool, Severity) {
        (self.status == FindingStatus::Open, self.severity)
    }
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

/// The comparison of two reports.
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

/// The keys of `report` whose [`KeyIdentity`] is not in `other`.
fn keys_missing_from(report: &AuditReport, other: &AuditReport) -> Vec<KeyRef> {
    let known: BTreeSet<KeyIdentity> = other.keys.iter().map(KeyRecord::identity).collect();
    let mut refs: Vec<KeyRef> = report
        .keys
        .iter()
        .filter(|k| !known.contains(&k.identity()))
        .map(key_ref)
        .collect();
    sort_refs(&mut refs);
    refs
}

fn key_ref(key: &KeyRecord) -> KeyRef {
    KeyRef {
        id: key.id.clone(),
        name: key.name.clone(),
        fingerprint: key.fingerprint.clone(),
        account: key.account.clone(),
    }
}

/// The delta of a finding present in both reports.
fn delta(old: FindingState, new: FindingState) -> Delta {
    use std::cmp::Ordering;
    match new.weight().cmp(&old.weight()) {
        Ordering::Greater => Delta::Worsened,
        Ordering::Less => Delta::Improved,
        Ordering::Equal => Delta::Unchanged,
    }
}

fn sort_refs(refs: &mut [KeyRef]) {
    refs.sort_by_cached_key(|k| (k.name.to_lowercase(), k.account.clone(), k.id.clone()));
}

/// Compares two reports of the same account.
pub fn diff(old: &AuditReport, new: &AuditReport) -> ReportDiff {
    let keys_added = keys_missing_from(new, old);
    let keys_removed = keys_missing_from(old, new);

    let old_findings: BTreeMap<&str, &Finding> =
        old.findings.iter().map(|f| (f.id.as_str(), f)).collect();
    let new_findings: BTreeMap<&str, &Finding> =
        new.findings.iter().map(|f| (f.id.as_str(), f)).collect();

    let mut findings = Vec::new();
    for (id, finding) in &new_findings {
        let now = FindingState::of(finding);
        let (change, delta, before) = match old_findings.get(id) {
            None => (Change::New, Delta::New, None),
            Some(previous) => {
                let before = FindingState::of(previous);
                let change = if before == now {
                    Change::Persisting
                } else {
                    Change::Changed
                };
                (change, delta(before, now), Some(before))
            }
        };
        findings.push(FindingDiff {
            change,
            delta: Some(delta),
            id: (*id).to_string(),
            rule: finding.rule,
            key: finding.key.clone(),
            old: before,
            new: Some(now),
            message: finding.message.clone(),
        });
    }
    for (id, finding) in &old_findings {
        if !new_findings.contains_key(id) {
            findings.push(FindingDiff {
                change: Change::Resolved,
                delta: None,
                id: (*id).to_string(),
                rule: finding.rule,
                key: finding.key.clone(),
                old: Some(FindingState::of(finding)),
                new: None,
                message: finding.message.clone(),
            });
        }
    }
    findings.sort_by_cached_key(|f| {
        let group = match f.change {
            Change::New | Change::Changed => 0,
            Change::Resolved => 1,
            Change::Persisting => 2,
        };
        (
            group,
            std::cmp::Reverse(f.severity()),
            f.rule,
            f.key.name.to_lowercase(),
            f.id.clone(),
        )
    });

    let count = |c: Change| findings.iter().filter(|f| f.change == c).count();
    let count_delta = |d: Delta| {
        findings
            .iter()
            .filter(|f| f.change == Change::Changed && f.delta == Some(d))
            .count()
    };
    let summary = DiffSummary {
        keys_added: keys_added.len(),
        keys_removed: keys_removed.len(),
        new: count(Change::New),
        resolved: count(Change::Resolved),
        persisting: count(Change::Persisting),
        changed: count(Change::Changed),
        worsened: count_delta(Delta::Worsened),
        improved: count_delta(Delta::Improved),
    };
    ReportDiff {
        schema: DIFF_SCHEMA.to_string(),
        old: DiffSide::of(old),
        new: DiffSide::of(new),
        keys_added,
        keys_removed,
        findings,
        summary,
    }
}

/// Marks every finding of `report` with its [`Delta`] against `baseline`
/// and records the baseline in the report.
pub fn annotate(report: &mut AuditReport, baseline: &AuditReport, baseline_path: &str) {
    let before: BTreeMap<&str, FindingState> = baseline
        .findings
        .iter()
        .map(|f| (f.id.as_str(), FindingState::of(f)))
        .collect();
    for finding in &mut report.findings {
        let now = FindingState::of(finding);
        finding.delta = Some(match before.get(finding.id.as_str()) {
            None => Delta::New,
            Some(old) => delta(*old, now),
        });
    }
    report.baseline = Some(BaselineInfo {
        path: baseline_path.to_string(),
        as_of: baseline.as_of,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(severity: Severity, status: FindingStatus) -> FindingState {
        FindingState { severity, status }
    }

    #[test]
    fn muted_weighs_less_than_any_open_finding() {
        use FindingStatus::{Muted, Open};
        assert_eq!(
            delta(state(Severity::High, Open), state(Severity::Critical, Open)),
            Delta::Worsened
        );
        assert_eq!(
            delta(state(Severity::Critical, Open), state(Severity::High, Open)),
            Delta::Improved
        );
        assert_eq!(
            delta(
                state(Severity::Info, Open),
                state(Severity::Critical, Muted)
            ),
            Delta::Improved
        );
        assert_eq!(
            delta(state(Severity::High, Muted), state(Severity::Low, Open)),
            Delta::Worsened
        );
        assert_eq!(
            delta(state(Severity::Low, Open), state(Severity::Low, Open)),
            Delta::Unchanged
        );
    }
}
