//! `unused-password-access`: a key holds Password Access, the activity logs
//! show it at work over a long enough window, and none of its events
//! touched passwords: the privilege looks unused.

use keyaudit_model::{Evidence, RuleCode, Severity};

use super::{Context, Draft, KeyContext, NIST, PCI, Rule, SOC2, Scope, control, days};

/// The usage window must cover at least this many whole days: IT Glue keeps
/// activity logs for 30 days, so one full fetch is enough.
pub(crate) const MIN_WINDOW_DAYS: i64 = 30;

pub(super) const RULE: Rule = Rule {
    code: RuleCode::UnusedPasswordAccess,
    title: "Password Access unused",
    default_severity: Severity::Medium,
    escalated_severity: None,
    escalation: None,
    rationale: "Password Access lets a key read every password in the IT Glue account. When \
        the activity logs show the key's integration at work for 30 days or more without ever \
        touching a password, the privilege is not needed for what the integration does, and \
        least privilege asks for it to be removed.",
    remediation: "In IT Glue, go to Admin → Settings → API Keys and untick Password Access for \
        this key. If the integration reads passwords only rarely (less often than the activity \
        logs cover), give longer usage evidence, or mute this finding with the reason.",
    compliance: &[
        control(NIST, "AC-6(7)"),
        control(PCI, "7.2.5.1"),
        control(SOC2, "CC6.3"),
    ],
    policy_keys: &["bind"],
    scope: Scope::LiveKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    if key.key.password_access != Some(true) {
        return;
    }
    let (Some(activity), Some(window)) = (key.usage.activity, key.usage.window) else {
        return;
    };
    if activity.events == 0
        || activity.password_events > 0
        || window.covered_days(ctx.as_of) < MIN_WINDOW_DAYS
    {
        return;
    }
    let events = if activity.events == 1 {
        "the 1 activity-log event".to_string()
    } else {
        format!("the {} activity-log events", activity.events)
    };
    let mut message = format!(
        "This key has Password Access, but none of {events} attributed to it over {} ({}) \
         touched passwords: the privilege looks unused; untick Password Access for this key.",
        days(window.covered_days(ctx.as_of)),
        window.span(),
    );
    if !window.complete {
        message.push_str(
            " The activity logs are incomplete, so a password event may have been missed.",
        );
    }
    let evidence = Evidence {
        password_access: Some(true),
        events_attributed: Some(activity.events),
        password_events: Some(0),
        window_start: Some(window.start),
        window_end: Some(window.end),
        threshold_days: Some(MIN_WINDOW_DAYS),
        ..Evidence::default()
    };
    out.push(ctx.draft(&RULE, message, evidence));
}
