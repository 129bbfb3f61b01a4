//! `rotation-due`: a key older than the policy's rotation period.

use keyaudit_model::{Evidence, RuleCode, Severity};

use super::{Context, Draft, ISO, KeyContext, NIST, PCI, Rule, Scope, control, days};
use crate::usage::whole_days;

pub(super) const RULE: Rule = Rule {
    code: RuleCode::RotationDue,
    title: "Key due for rotation",
    default_severity: Severity::Low,
    escalated_severity: None,
    escalation: None,
    rationale: "IT Glue keys never expire. The longer a key lives, the more copies of it sit in \
        integration settings, scripts and former staff's notes, and the longer a leaked copy \
        keeps working. Rotating keys on a fixed period bounds that exposure.",
    remediation: "In IT Glue, go to Admin → Settings → API Keys and generate a new key for the \
        integration (named after the integration and its owner), switch the integration to it, \
        confirm it works, then revoke the old key. Record the rotation date in your inventory.",
    compliance: &[
        control(NIST, "IA-5(f)"),
        control(PCI, "8.6.3"),
        control(ISO, "A.5.17"),
    ],
    policy_keys: &["rotation.max_age_days"],
    scope: Scope::LiveKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    let Some(created_at) = key.key.created_at else {
        return;
    };
    let max_age = ctx.policy.rotation.max_age_days;
    let age = whole_days(created_at, ctx.as_of);
    if age < max_age {
        return;
    }
    let message = format!(
        "This key was created on {}, {} ago; the policy asks for keys to be rotated every {}.",
        created_at.date_naive(),
        days(age),
        days(max_age)
    );
    let evidence = Evidence {
        created_at: Some(created_at),
        age_days: Some(age),
        threshold_days: Some(max_age),
        ..Evidence::default()
    };
    out.push(ctx.draft(&RULE, message, evidence));
}
