//! `password-access-unknown`: the inventory does not say whether a key has
//! Password Access (its cell is empty, or no inventory file has the column).
//! Fail closed: unknown is never read as "no", so the privilege that
//! `password-access` and `unused-password-access` cannot judge is reported.

use keyaudit_model::{Evidence, RuleCode, Severity};

use super::password_access::{Allowed, PASSWORD_ACCESS_CONTROLS, allowed};
use super::{Context, Draft, KeyContext, Rule, Scope};

pub(super) const RULE: Rule = Rule {
    code: RuleCode::PasswordAccessUnknown,
    title: "Password Access unknown",
    default_severity: Severity::Medium,
    escalated_severity: None,
    escalation: None,
    rationale: "Password Access lets a key read every password stored in the IT Glue account. \
        When the inventory does not say whether a key holds it (an empty Password Access cell, or \
        no such column), the privilege cannot be verified and the Password Access rules cannot \
        judge the key. A browser's text copy of the settings page leaves every checkbox cell \
        empty, ticked or not, so an empty cell is never taken to mean \"no\".",
    remediation: "Capture the live Password Access state: run `keyaudit capture-snippet`, run the \
        snippet in the browser console on Admin → Settings → API Keys and audit the inventory it \
        copies; or fill in the key's Password Access cell with yes or no as the settings page \
        shows it. If the key may hold Password Access either way, record why in the policy under \
        [[password_access.allow]].",
    compliance: PASSWORD_ACCESS_CONTROLS,
    policy_keys: &["password_access.allow"],
    scope: Scope::LiveKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    if key.key.password_access.is_some() || matches!(allowed(ctx, key.key), Allowed::Yes) {
        return;
    }
    out.push(ctx.draft(
        &RULE,
        "The inventory does not say whether this key has Password Access (its cell is empty, or \
         no inventory file has the column), so whether it can read every password in the account \
         cannot be verified."
            .to_string(),
        Evidence::default(),
    ));
}
