//! `no-usage-evidence`: nothing says when the key was last used.

use keyaudit_model::{Evidence, RuleCode, Severity};

use super::{CIS, Context, Draft, KeyContext, Rule, Scope, control};

pub(super) const RULE: Rule = Rule {
    code: RuleCode::NoUsageEvidence,
    title: "No usage evidence",
    default_severity: Severity::Info,
    escalated_severity: None,
    escalation: None,
    rationale: "Without a last-used date or activity-log evidence, keyaudit cannot tell an idle \
        key from a busy one, so idle and never-used keys go unnoticed.",
    remediation: "IT Glue's API Keys page shows no last use: record it in the inventory you \
        keep (a Last Used column, from the integration's own logs), or give activity-log \
        evidence with --usage, so that keyaudit can judge whether the key is idle.",
    compliance: &[control(CIS, "5.1")],
    policy_keys: &[],
    scope: Scope::ActiveKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    if key.usage.is_unknown() {
        out.push(
            ctx.draft(
                &RULE,
                "No last use is known for this key, so whether it is idle cannot be judged."
                    .to_string(),
                Evidence::default(),
            ),
        );
    }
}
