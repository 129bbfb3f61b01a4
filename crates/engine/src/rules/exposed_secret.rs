//! `exposed-secret`: a full, unmasked key appears in an input.

use keyaudit_model::{Evidence, RuleCode, Severity};

use super::{Context, Draft, ISO, KeyContext, NIST, PCI, Rule, SOC2, Scope, control};

pub(super) const RULE: Rule = Rule {
    code: RuleCode::ExposedSecret,
    title: "Exposed secret",
    default_severity: Severity::Critical,
    escalated_severity: None,
    escalation: None,
    rationale: "IT Glue shows a key's secret only once, at creation. A full key in an inventory, \
        a spreadsheet or a log can be copied by anyone who reads the file and gives access to \
        the whole account: it must be treated as compromised.",
    remediation: "Revoke this key in IT Glue now (Admin → Settings → API Keys → Revoke) and \
        generate a new one for the integration, then remove the secret from the file and from \
        wherever else it was copied, keeping only the masked key (ITG.….*****) in inventories.",
    compliance: &[
        control(NIST, "IA-5(7)"),
        control(PCI, "8.3.2"),
        control(PCI, "8.6.2"),
        control(ISO, "A.5.17"),
        control(SOC2, "CC6.1"),
    ],
    policy_keys: &[],
    scope: Scope::AllKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    let Some(locations) = key
        .key
        .fingerprint
        .as_ref()
        .and_then(|fingerprint| ctx.exposures.get(fingerprint))
    else {
        return;
    };
    let places = locations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let message = format!(
        "A full, unmasked copy of this key appears in the input ({places}), so the key must be \
         treated as compromised."
    );
    let evidence = Evidence {
        locations: locations.clone(),
        ..Evidence::default()
    };
    out.push(ctx.draft(&RULE, message, evidence));
}
