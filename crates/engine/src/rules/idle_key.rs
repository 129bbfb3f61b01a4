//! `idle-key`: a key not used for a long time, heading for IT Glue's
//! automatic revocation. Judged from the last use (the inventory's or the
//! latest attributed activity-log event), or, for a key with neither, from
//! the start of a usage window long enough to judge.

use keyaudit_model::{Evidence, LastUsedSource, RuleCode, Severity};

use super::{CIS, Context, Draft, ISO, KeyContext, NIST, PCI, Rule, SOC2, Scope, control, days};
use crate::usage::{UsageState, whole_days};

pub(super) const RULE: Rule = Rule {
    code: RuleCode::IdleKey,
    title: "Idle key",
    default_severity: Severity::Medium,
    escalated_severity: Some(Severity::High),
    escalation: Some("idle for idle.high_after_days (80) days or more"),
    rationale: "An unused API key is still a working credential to the whole IT Glue account. \
        CIS Controls v8 5.3 asks for dormant credentials to be disabled after 45 days. IT Glue \
        revokes a key after 90 days without use (with a notice 10 days before), which silently \
        breaks an integration that runs rarely.",
    remediation: "Ask the key's owner whether the integration still runs. If it does not, revoke \
        the key in IT Glue (Admin → Settings → API Keys → Revoke). If it does, find out why it \
        has not called the API before IT Glue revokes the key for inactivity.",
    compliance: &[
        control(CIS, "5.3"),
        control(NIST, "AC-2(3)"),
        control(PCI, "8.2.6"),
        control(ISO, "A.5.18"),
        control(SOC2, "CC6.2"),
    ],
    policy_keys: &[
        "idle.warn_after_days",
        "idle.high_after_days",
        "idle.revoke_after_days",
    ],
    scope: Scope::ActiveKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    match key.usage.state {
        UsageState::LastUsed => check_last_use(ctx, key, out),
        UsageState::IdleSinceWindow => check_window(ctx, key, out),
        _ => {}
    }
}

/// The tier a key idle for `days_idle` falls in: (high, threshold), or
/// `None` below `warn_after_days`.
fn tier(ctx: &Context<'_>, days_idle: i64) -> Option<(bool, i64)> {
    let idle = &ctx.policy.idle;
    if days_idle >= idle.high_after_days {
        Some((true, idle.high_after_days))
    } else if days_idle >= idle.warn_after_days {
        Some((false, idle.warn_after_days))
    } else {
        None
    }
}

/// Idle since a known last use (inventory or activity logs).
fn check_last_use(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    let (Some(last_used), Some(days_idle)) = (key.usage.last_used, key.usage.days_idle(ctx.as_of))
    else {
        return;
    };
    let Some((high, threshold)) = tier(ctx, days_idle) else {
        return;
    };
    let idle = &ctx.policy.idle;
    let revocation_date = key.usage.revocation_date(idle.revoke_after_days);
    let on = revocation_date
        .map(|d| format!(" (on {d})"))
        .unwrap_or_default();
    let from_logs = if key.usage.source == Some(LastUsedSource::ActivityLog) {
        " (activity logs)"
    } else {
        ""
    };
    let head = format!(
        "Last used {}{from_logs}, {} ago; IT Glue revokes keys idle for {}",
        last_used.date_naive(),
        days(days_idle),
        days(idle.revoke_after_days),
    );
    let message = if days_idle >= idle.revoke_after_days {
        format!(
            "{head}, so it should already have revoked this key{on}: check that the inventory \
             is current and the key's state in IT Glue."
        )
    } else {
        format!("{head}{on}.")
    };
    let evidence = Evidence {
        last_used_at: Some(last_used),
        last_used_source: key.usage.source,
        days_idle: Some(days_idle),
        revocation_date,
        threshold_days: Some(threshold),
        events_attributed: key.usage.activity.map(|a| a.events),
        ..Evidence::default()
    };
    let mut draft = ctx.draft(&RULE, message, evidence);
    if high {
        draft.escalate(Severity::High);
    }
    out.push(draft);
}

/// No attributed event in a window long enough to judge: idle at least
/// since the window's start.
fn check_window(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    let Some(window) = key.usage.window else {
        return;
    };
    let days_idle = whole_days(window.start, ctx.as_of);
    let Some((high, threshold)) = tier(ctx, days_idle) else {
        return;
    };
    let idle = &ctx.policy.idle;
    let head = format!(
        "No use of this key was seen in the activity logs since {} (at least {}); IT Glue \
         revokes keys idle for {}",
        window.start.date_naive(),
        days(days_idle),
        days(idle.revoke_after_days),
    );
    let mut message = if days_idle >= idle.revoke_after_days {
        format!(
            "{head}, so it should already have revoked this key: check that the inventory is \
             current and the key's state in IT Glue."
        )
    } else {
        match key.usage.latest_revocation_date(idle.revoke_after_days) {
            Some(by) => format!("{head}, so it revokes this one by {by} at the latest."),
            None => format!("{head}."),
        }
    };
    if !window.complete {
        message.push_str(" The activity logs are incomplete, so a use may have been missed.");
    }
    let evidence = Evidence {
        days_idle: Some(days_idle),
        threshold_days: Some(threshold),
        events_attributed: Some(0),
        window_start: Some(window.start),
        window_end: Some(window.end),
        ..Evidence::default()
    };
    let mut draft = ctx.draft(&RULE, message, evidence);
    if high {
        draft.escalate(Severity::High);
    }
    out.push(draft);
}
