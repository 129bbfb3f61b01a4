//! `no-usage-evidence`: nothing says when the key was last used, or the
//! activity logs cannot say whether it is idle (their window is too short,
//! or ends before the key was created).

use keyaudit_model::{Evidence, RuleCode, Severity};

use super::{CIS, Context, Draft, KeyContext, Rule, Scope, control, days};
use crate::usage::UsageState;

pub(super) const RULE: Rule = Rule {
    code: RuleCode::NoUsageEvidence,
    title: "No usage evidence",
    default_severity: Severity::Info,
    escalated_severity: None,
    escalation: None,
    rationale: "Without a last-used date or activity-log evidence that covers long enough, \
        keyaudit cannot tell an idle key from a busy one, so idle and never-used keys go \
        unnoticed.",
    remediation: "IT Glue's API Keys page shows no last use: record it in the inventory you \
        keep (a Last Used column, from the integration's own logs), or give activity-log \
        evidence (usage files) covering at least idle.warn_after_days (a longer export, or \
        several fetches over time), and bind the key's events in the policy ([[bind]]), so that \
        keyaudit can judge whether the key is idle.",
    compliance: &[control(CIS, "5.1")],
    policy_keys: &["idle.warn_after_days"],
    scope: Scope::ActiveKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    let window = key.usage.window;
    let (message, evidence) = match (key.usage.state, window) {
        (UsageState::Unknown, _) => (
            "No last use is known for this key, so whether it is idle cannot be judged."
                .to_string(),
            Evidence::default(),
        ),
        (UsageState::WindowTooShort, Some(window)) => {
            let warn = ctx.policy.idle.warn_after_days;
            let covered = window.covered_days(ctx.as_of);
            (
                format!(
                    "No use of this key was seen in the activity logs, but they cover only {} \
                     ({}), too short to judge idleness against idle.warn_after_days ({}): \
                     whether it is idle cannot be judged.",
                    days(covered),
                    window.span(),
                    days(warn),
                ),
                Evidence {
                    events_attributed: Some(0),
                    window_start: Some(window.start),
                    window_end: Some(window.end),
                    threshold_days: Some(warn),
                    ..Evidence::default()
                },
            )
        }
        (UsageState::CreatedAfterWindow, Some(window)) => {
            let created_at = key.key.created_at;
            (
                format!(
                    "This key was created{} after the activity logs end ({}), and no last use \
                     is known, so whether it is idle cannot be judged.",
                    created_at
                        .map(|c| format!(" on {}", c.date_naive()))
                        .unwrap_or_default(),
                    window.end.date_naive(),
                ),
                Evidence {
                    created_at,
                    window_start: Some(window.start),
                    window_end: Some(window.end),
                    ..Evidence::default()
                },
            )
        }
        _ => return,
    };
    out.push(ctx.draft(&RULE, message, evidence));
}
