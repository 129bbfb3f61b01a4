//! `duplicate-name`: two or more keys of one account share a name.

use keyaudit_model::{Evidence, KeyRef, RuleCode, Severity};

use super::{Context, Draft, ISO, KeyContext, NIST, PCI, Rule, Scope, control};

pub(super) const RULE: Rule = Rule {
    code: RuleCode::DuplicateName,
    title: "Duplicate key name",
    default_severity: Severity::Medium,
    escalated_severity: None,
    escalation: None,
    rationale: "Keys that share a name cannot be told apart: a review, a revocation or an \
        incident response can hit the wrong one.",
    remediation: "Give every key a distinct name that states its integration and owner: in IT \
        Glue (Admin → Settings → API Keys) generate a new, distinctly named key for one of the \
        integrations, switch the integration to it, and revoke the old key.",
    compliance: &[
        control(NIST, "IA-4"),
        control(PCI, "8.2.2"),
        control(ISO, "A.5.16"),
    ],
    policy_keys: &[],
    scope: Scope::LiveKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    let others = &key.same_name;
    if others.is_empty() {
        return;
    }
    let place = match &key.key.account {
        Some(account) => format!("in account \"{account}\""),
        None => "with no account".to_string(),
    };
    let list = others.iter().map(describe).collect::<Vec<_>>().join(", ");
    let message = if others.len() == 1 {
        format!("Another key {place} has the same name: {list}.")
    } else {
        format!(
            "{} other keys {place} have the same name: {list}.",
            others.len()
        )
    };
    let evidence = Evidence {
        duplicates: others.clone(),
        ..Evidence::default()
    };
    out.push(ctx.draft(&RULE, message, evidence));
}

/// `"backup" (ITG.….*****)` or `"backup" (key id 0123456789ab)`.
fn describe(key: &KeyRef) -> String {
    match &key.fingerprint {
        Some(fingerprint) => format!("\"{}\" ({})", key.name, fingerprint.masked()),
        None => format!("\"{}\" (key id {})", key.name, key.id),
    }
}
