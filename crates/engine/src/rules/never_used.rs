//! `never-used`: a key created a while ago and never used: the inventory
//! says so, or the key was created inside the usage window and no
//! activity-log event is attributed to it.

use keyaudit_model::{Evidence, RuleCode, Severity};

use super::{CIS, Context, Draft, ISO, KeyContext, NIST, Rule, SOC2, Scope, control, days};
use crate::usage::{UsageState, whole_days};

pub(super) const RULE: Rule = Rule {
    code: RuleCode::NeverUsed,
    title: "Key never used",
    default_severity: Severity::Medium,
    escalated_severity: None,
    escalation: None,
    rationale: "A key that was never used is a credential with no purpose: the integration it \
        was made for was never set up, or uses another key. It can read the whole account, and \
        IT Glue's inactivity revocation does not reliably catch it.",
    remediation: "Ask the key's owner whether the integration it was made for was ever set up. \
        If not, revoke the key in IT Glue (Admin → Settings → API Keys → Revoke), and generate \
        keys only when the integration is ready to use them.",
    compliance: &[
        control(CIS, "5.1"),
        control(CIS, "5.3"),
        control(NIST, "AC-2"),
        control(ISO, "A.5.16"),
        control(SOC2, "CC6.2"),
    ],
    policy_keys: &["idle.never_used_grace_days"],
    scope: Scope::ActiveKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    let window = match key.usage.state {
        UsageState::NeverUsed => None,
        UsageState::NeverUsedInWindow => key.usage.window,
        _ => return,
    };
    let grace = ctx.policy.idle.never_used_grace_days;
    let (message, evidence) = match (key.key.created_at, window) {
        (Some(created_at), window) => {
            let age = whole_days(created_at, ctx.as_of);
            if age < grace {
                return;
            }
            let mut evidence = Evidence {
                created_at: Some(created_at),
                age_days: Some(age),
                threshold_days: Some(grace),
                ..Evidence::default()
            };
            let message = match window {
                None => format!(
                    "This key has never been used, and it was created on {}, {} ago.",
                    created_at.date_naive(),
                    days(age)
                ),
                Some(window) => {
                    evidence.events_attributed = Some(0);
                    evidence.window_start = Some(window.start);
                    evidence.window_end = Some(window.end);
                    let mut message = format!(
                        "No use of this key was seen in the activity logs ({}) since it was \
                         created on {}, {} ago: it looks never used.",
                        window.span(),
                        created_at.date_naive(),
                        days(age)
                    );
                    if !window.complete {
                        message.push_str(
                            " The activity logs are incomplete, so a use may have been missed.",
                        );
                    }
                    message
                }
            };
            (message, evidence)
        }
        (None, None) => (
            "This key has never been used, and its creation date is unknown.".to_string(),
            Evidence::default(),
        ),
        // A key created inside the window has a creation date.
        (None, Some(_)) => return,
    };
    out.push(ctx.draft(&RULE, message, evidence));
}
