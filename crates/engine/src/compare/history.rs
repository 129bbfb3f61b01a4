//! `keyaudit history DIR`: the trend over many audits of the same account.

use std::collections::BTreeSet;

use keyaudit_model::{AuditReport, HISTORY_SCHEMA, History, HistoryNote, HistoryRun, Summary};

/// Builds the history of `reports` (each with the path it was read from).
///
/// Runs are sorted by `as_of`, then path. Counts are taken from each report's
/// findings (not its stored summary). `new` and `resolved` compare the ids of
/// the *open* findings of a run with those of the run just before it: `new`
/// counts the ids open now and not open before, `resolved` the ids open
/// before and not open now; a finding muted in between counts as resolved,
/// and as new when the mute lapses. The first run has neither. A note is
/// added for runs sharing an as-of time and for a run covering other
/// accounts than the run before.
///
/// ```
/// use keyaudit_engine::compare::history;
/// use keyaudit_model::HISTORY_SCHEMA;
///
/// let history = history(Vec::new());
/// assert_eq!(history.schema, HISTORY_SCHEMA);
/// assert!(history.runs.is_empty());
/// ```
pub fn history(reports: Vec<(String, AuditReport)>) -> History {
    let mut reports = reports;
    reports.sort_by(|(a_path, a), (b_path, b)| a.as_of.cmp(&b.as_of).then(a_path.cmp(b_path)));

    let mut runs = Vec::with_capacity(reports.len());
    let mut notes = Vec::new();
    let mut open_sets = Vec::with_capacity(reports.len());
    for (path, report) in &reports {
        let summary = Summary::count(report.keys.len(), &report.findings);
        let open_ids: BTreeSet<&str> = report
            .findings
            .iter()
            .filter(|f| f.is_open())
            .map(|f| f.id.as_str())
            .collect();
        open_sets.push(open_ids);
        runs.push(HistoryRun {
            path: path.clone(),
            as_of: report.as_of,
            accounts: report.accounts().into_iter().map(str::to_owned).collect(),
            keys: summary.keys,
            open: summary.open,
            by_severity: summary.by_severity,
            muted: summary.muted,
            new: None,
            resolved: None,
        });
    }
    for i in 1..runs.len() {
        let (before, now) = (&open_sets[i - 1], &open_sets[i]);
        runs[i].new = Some(now.difference(before).count());
        runs[i].resolved = Some(before.difference(now).count());
        let (prev, run) = (&runs[i - 1], &runs[i]);
        if prev.as_of == run.as_of {
            notes.push(HistoryNote::SameAsOf {
                before: prev.path.clone(),
                path: run.path.clone(),
                as_of: run.as_of,
            });
        }
        if prev.accounts != run.accounts {
            notes.push(HistoryNote::OtherAccounts {
                path: run.path.clone(),
                accounts: run.accounts.clone(),
                before: prev.path.clone(),
                before_accounts: prev.accounts.clone(),
            });
        }
    }
    History {
        schema: HISTORY_SCHEMA.to_owned(),
        runs,
        notes,
    }
}
