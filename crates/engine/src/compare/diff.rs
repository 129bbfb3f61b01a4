//! `keyaudit diff`: what changed between two audits of the same account.

use std::collections::{BTreeMap, BTreeSet};

use keyaudit_model::{
    AuditReport, Change, DIFF_SCHEMA, Delta, DiffSide, DiffSummary, Finding, FindingDiff,
    KeyIdentity, KeyRecord, KeyRef, ReportDiff,
};

use super::{delta, state};

/// Compares two reports of the same account: keys added and removed (by
/// [`KeyIdentity`]), findings new, resolved, persisting and changed (by id).
pub fn diff(old: &AuditReport, new: &AuditReport) -> ReportDiff {
    let keys_added = keys_missing_from(new, old);
    let keys_removed = keys_missing_from(old, new);

    let old_findings: BTreeMap<&str, &Finding> =
        old.findings.iter().map(|f| (f.id.as_str(), f)).collect();
    let new_findings: BTreeMap<&str, &Finding> =
        new.findings.iter().map(|f| (f.id.as_str(), f)).collect();

    let mut findings = Vec::new();
    for (id, finding) in &new_findings {
        let now = state(finding);
        let (change, delta, before) = match old_findings.get(id) {
            None => (Change::New, Delta::New, None),
            Some(previous) => {
                let before = state(previous);
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
                old: Some(state(finding)),
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
        old: side(old),
        new: side(new),
        keys_added,
        keys_removed,
        findings,
        summary,
    }
}

fn side(report: &AuditReport) -> DiffSide {
    DiffSide {
        as_of: report.as_of,
        keys: report.summary.keys,
        open: report.summary.open,
        muted: report.summary.muted,
    }
}

/// The keys of `report` whose [`KeyIdentity`] is not in `other`, sorted by
/// name, then account, then id.
fn keys_missing_from(report: &AuditReport, other: &AuditReport) -> Vec<KeyRef> {
    let known: BTreeSet<KeyIdentity> = other.keys.iter().map(KeyRecord::identity).collect();
    let mut refs: Vec<KeyRef> = report
        .keys
        .iter()
        .filter(|k| !known.contains(&k.identity()))
        .map(|key| KeyRef {
            id: key.id.clone(),
            name: key.name.clone(),
            fingerprint: key.fingerprint.clone(),
            account: key.account.clone(),
        })
        .collect();
    refs.sort_by_cached_key(|k| (k.name.to_lowercase(), k.account.clone(), k.id.clone()));
    refs
}
