//! Comparisons of reports: pure functions of [`AuditReport`]s, like the audit
//! itself, that never read a file or the clock.
//!
//! - [`diff`]: what changed between two audits of the same account
//!   (`keyaudit diff`, the `keyaudit.diff/v1` document).
//! - [`annotate`]: each finding of a fresh report marked with how it compares
//!   with a baseline report (`keyaudit audit --baseline`).
//! - [`history`]: the trend over many audits (`keyaudit history`, the
//!   `keyaudit.history/v1` document).
//! - [`changed_inputs`] and [`field_differences`]: what differs between a
//!   report and the report re-made from its inputs (`keyaudit verify`).
//!
//! Keys are matched by their [`KeyIdentity`](keyaudit_model::KeyIdentity)
//! (fingerprint, else account and name ignoring case and spacing); findings
//! by their stable id (`<rule>:<key id>`), which derives from the same
//! identity.
//!
//! [`AuditReport`]: keyaudit_model::AuditReport

mod annotate;
mod diff;
mod history;
mod verify;

pub use annotate::annotate;
pub use diff::diff;
pub use history::history;
pub use verify::{FieldDifference, InputChange, changed_inputs, field_differences};

use keyaudit_model::{Delta, Finding, FindingState, FindingStatus, Severity};

/// A finding's severity and status.
fn state(finding: &Finding) -> FindingState {
    FindingState {
        severity: finding.severity,
        status: finding.status,
    }
}

/// How a finding present in both reports moved: a muted finding weighs less
/// than any open one, then severity decides.
fn delta(old: FindingState, new: FindingState) -> Delta {
    fn weight(state: FindingState) -> (bool, Severity) {
        (state.status == FindingStatus::Open, state.severity)
    }
    use std::cmp::Ordering;
    match weight(new).cmp(&weight(old)) {
        Ordering::Greater => Delta::Worsened,
        Ordering::Less => Delta::Improved,
        Ordering::Equal => Delta::Unchanged,
    }
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
