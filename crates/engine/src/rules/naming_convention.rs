//! `naming-convention`: a name that does not match the policy's naming
//! pattern. Fires only when `naming.pattern` is set.

use keyaudit_model::{Evidence, RuleCode, Severity};

use super::{CIS, Context, Draft, KeyContext, Rule, Scope, control};
use crate::naming;

pub(super) const RULE: Rule = Rule {
    code: RuleCode::NamingConvention,
    title: "Name breaks the naming convention",
    default_severity: Severity::Low,
    escalated_severity: None,
    escalation: None,
    rationale: "A naming convention (vendor, purpose, owner) makes every key attributable at a \
        glance and lets reviews and scripts group keys by integration or owner. A name outside \
        the convention has to be looked up by hand at every review.",
    remediation: "In IT Glue, go to Admin → Settings → API Keys and generate a new key whose name \
        follows the convention in the policy's naming.pattern, switch the integration to it, \
        then revoke this key (IT Glue cannot rename a key).",
    compliance: &[control(CIS, "5.5")],
    policy_keys: &["naming.pattern"],
    scope: Scope::LiveKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    let Some(pattern) = &ctx.policy.naming.pattern else {
        return;
    };
    let name = &key.key.name;
    if naming::is_blank(name) || pattern.is_match(name) {
        return; // blank names are unnamed-key's
    }
    let message = format!(
        "The name \"{}\" does not match the policy's naming pattern `{}`.",
        name.trim(),
        pattern.as_str()
    );
    let evidence = Evidence {
        pattern: Some(pattern.as_str().to_string()),
        ..Evidence::default()
    };
    out.push(ctx.draft(&RULE, message, evidence));
}
