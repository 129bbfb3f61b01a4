//! `keyaudit audit --baseline OLD.json`: each finding of a fresh report
//! marked with how it compares with the same finding in the baseline.

use std::collections::BTreeMap;

use keyaudit_model::{AuditReport, BaselineInfo, Delta, FindingState};

use super::{delta, state};

/// Marks every finding of `report` with its [`Delta`] against `baseline`
/// and records the baseline (named `baseline_path`) in the report.
pub fn annotate(report: &mut AuditReport, baseline: &AuditReport, baseline_path: &str) {
    let before: BTreeMap<&str, FindingState> = baseline
        .findings
        .iter()
        .map(|f| (f.id.as_str(), state(f)))
        .collect();
    for finding in &mut report.findings {
        let now = state(finding);
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
