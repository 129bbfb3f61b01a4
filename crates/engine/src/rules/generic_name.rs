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
    let name = key.key.name.trim();
    if let Some(fingerprint) = &key.key.fingerprint {
        if name.eq_ignore_ascii_case(fingerprint.as_str()) {
            let what = "the key's fingerprint";
            return Some((what.to_string(), format!("is {what}")));
        }
        if name.eq_ignore_ascii_case(&fingerprint.masked()) {
            let what = "the key's masked key";
            return Some((what.to_string(), format!("is {what}")));
        }
    }
    let normalised = naming::normalise_generic(name);
    if ctx.generic_names.contains(&normalised) {
        let why = format!("is generic (\"{normalised}\")");
        return Some((normalised, why));
    }
    let min = ctx.policy.naming.min_length;
    if normalised.chars().count() < min {
        let what = format!("shorter than {min} characters");
        let why = format!("is {what}");
        return Some((what, why));
    }
    None
}
