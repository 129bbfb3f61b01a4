//! `unnamed-key`: a key with an empty or blank name.

use keyaudit_model::{Evidence, RuleCode, Severity};

use super::{Context, Draft, KeyContext, NAMING_CONTROLS, Rule, Scope};
use crate::naming;

pub(super) const RULE: Rule = Rule {
    code: RuleCode::UnnamedKey,
    title: "Unnamed key",
    default_severity: Severity::High,
    escalated_severity: None,
    escalation: None,
    rationale: "A key without a name cannot be tied to an integration or an owner, so no one can \
        say whether it is still needed, and it cannot be revoked with confidence after an \
        incident.",
    remediation: "In IT Glue, go to Admin → Settings → API Keys and find out which integration \
        uses this key (match its masked key against the integrations' settings). Generate a new \
        key named after the integration and its owner (e.g. \"Backup sync - J. Smith\"), switch \
        the integration to it, then revoke this key.",
    compliance: NAMING_CONTROLS,
    policy_keys: &[],
    scope: Scope::LiveKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    if naming::is_blank(&key.key.name) {
        out.push(ctx.draft(
            &RULE,
            "This key has no name, so no one can tell which integration or owner it belongs to."
                .to_string(),
            Evidence::default(),
        ));
    }
}
