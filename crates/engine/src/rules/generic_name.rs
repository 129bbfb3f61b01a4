//! `generic-name`: a name that says nothing of the integration or owner.

use keyaudit_model::{Evidence, RuleCode, Severity};

use super::{Context, Draft, KeyContext, NAMING_CONTROLS, Rule, Scope};
use crate::naming;

pub(super) const RULE: Rule = Rule {
    code: RuleCode::GenericName,
    title: "Generic key name",
    default_severity: Severity::Medium,
    escalated_severity: None,
    escalation: None,
    rationale: "A name such as \"API\", \"test\" or \"new key\" does not identify an integration \
        or an owner, so reviewers cannot tell whether the key is still needed or who to ask.",
    remediation: "In IT Glue, go to Admin → Settings → API Keys and generate a new key whose name \
        states the integration and its owner (e.g. \"Backup sync - J. Smith\"), switch the \
        integration to it, then revoke this key.",
    compliance: NAMING_CONTROLS,
    policy_keys: &["naming.generic_names", "naming.min_length"],
    scope: Scope::LiveKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    let name = &key.key.name;
    if naming::is_blank(name) {
        return; // unnamed-key
    }
    let Some((matched, why)) = generic_match(ctx, key) else {
        return;
    };
    let message = format!(
        "The name \"{}\" {why}, so it does not say which integration or owner the key belongs to.",
        name.trim()
    );
    let evidence = Evidence {
        generic_match: Some(matched),
        ..Evidence::default()
    };
    out.push(ctx.draft(&RULE, message, evidence));
}

/// What makes the name generic (for the evidence) and how to say it.
fn generic_match(ctx: &Context<'_>, key: &KeyContext<'_>) -> Option<(String, String)> {
    naming::generic_match(key.key, &ctx.generic_names, ctx.policy.naming.min_length)
}
