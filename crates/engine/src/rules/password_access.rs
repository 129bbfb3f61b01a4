//! `password-access`: a key holding Password Access that the policy does not
//! allow. Runs after the other rules: a key that is also unnamed, generic,
//! never used or idle past the high threshold is critical.

use keyaudit_model::{
    Allowance, ApiKey, Diagnostic, DiagnosticCode, Evidence, RuleCode, Severity, SourceLocation,
};

use super::{
    CIS, Context, Control, Draft, ISO, KeyContext, NIST, PCI, Rule, SOC2, Scope, control, days,
};
use crate::policy::{KeyNames, PasswordAllowance, ValidPolicy};

/// Controls of the Password Access rules (`password-access`,
/// `password-access-unknown`): least privilege over stored passwords.
pub(super) const PASSWORD_ACCESS_CONTROLS: &[Control] = &[
    control(CIS, "3.3"),
    control(CIS, "6.8"),
    control(NIST, "AC-6"),
    control(NIST, "AC-6(7)"),
    control(PCI, "7.2.5"),
    control(PCI, "7.2.5.1"),
    control(ISO, "A.5.15"),
    control(ISO, "A.8.2"),
    control(SOC2, "CC6.3"),
];

pub(super) const RULE: Rule = Rule {
    code: RuleCode::PasswordAccess,
    title: "Password Access not allowed by policy",
    default_severity: Severity::High,
    escalated_severity: Some(Severity::Critical),
    escalation: Some(
        "the key also has an unnamed-key, generic-name or never-used finding, or is idle for \
         idle.high_after_days (80) days or more",
    ),
    rationale: "Password Access lets a key read every password stored in the IT Glue account; it \
        is the only per-key privilege IT Glue has. Least privilege asks that only keys whose \
        integration needs it hold it, each with a recorded reason.",
    remediation: "In IT Glue, go to Admin → Settings → API Keys, untick Password Access for this \
        key, or revoke it and generate a new one without it. If the integration must read \
        passwords, record why in the policy under [[password_access.allow]] (key, reason, \
        expires).",
    compliance: PASSWORD_ACCESS_CONTROLS,
    policy_keys: &["password_access.allow"],
    scope: Scope::LiveKeys,
    check,
};

fn check(ctx: &Context<'_>, key: &KeyContext<'_>, out: &mut Vec<Draft>) {
    if key.key.password_access != Some(true) {
        return;
    }
    let Allowed::No { expired } = allowed(ctx, key.key) else {
        return;
    };

    let mut escalating: Vec<&Draft> = out.iter().filter(|draft| escalates(ctx, draft)).collect();
    escalating.sort_by_key(|draft| draft.rule.code);
    escalating.dedup_by_key(|draft| draft.rule.code);
    let escalated_by: Vec<RuleCode> = escalating.iter().map(|draft| draft.rule.code).collect();

    let mut message =
        String::from("This key has Password Access, so it can read every password in the account");
    match (expired, expired.and_then(|a| a.expires)) {
        (Some(allowance), Some(expires)) => message.push_str(&format!(
            ", and its allowance (\"{}\") expired on {expires}",
            allowance.reason
        )),
        _ => message.push_str(", and no allowance in the policy covers it"),
    }
    let escalate = !escalated_by.is_empty();
    if escalate {
        let reasons: Vec<String> = escalating
            .iter()
            .map(|draft| escalation_reason(draft))
            .collect();
        message.push_str(&format!(
            "; it is critical because the key is also {}",
            join_and(&reasons)
        ));
    }
    message.push('.');

    let evidence = Evidence {
        password_access: Some(true),
        allowance: expired.map(|a| Allowance {
            reason: a.reason.clone(),
            expires: a.expires,
            expired: true,
        }),
        escalated_by,
        ..Evidence::default()
    };
    let mut draft = ctx.draft(&RULE, message, evidence);
    if escalate {
        draft.escalate(Severity::Critical);
    }
    out.push(draft);
}

/// What the policy says of a key holding Password Access.
pub(super) enum Allowed<'p> {
    /// An allowance in force covers the key.
    Yes,
    /// None does; `expired` is the matching allowance that expired last.
    No {
        expired: Option<&'p PasswordAllowance>,
    },
}

/// Whether the policy allows `key` to hold Password Access on the as-of day.
pub(super) fn allowed<'p>(ctx: &Context<'p>, key: &ApiKey) -> Allowed<'p> {
    let today = ctx.as_of.date_naive();
    let allow = &ctx.policy.password_access.allow;
    let matching: Vec<&'p PasswordAllowance> = ctx
        .allowances
        .naming(&key.name, key.fingerprint.as_ref())
        .into_iter()
        .map(|i| &allow[i as usize])
        .collect();
    if matching.iter().any(|a| !a.is_expired_on(today)) {
        return Allowed::Yes;
    }
    Allowed::No {
        expired: matching.into_iter().max_by_key(|a| a.expires),
    }
}

/// True when an earlier finding on the key makes Password Access critical.
/// Judged on the facts, not on severities, so that `[severity]` overrides
/// do not change which keys escalate.
fn escalates(ctx: &Context<'_>, draft: &Draft) -> bool {
    match draft.rule.code {
        RuleCode::UnnamedKey | RuleCode::GenericName | RuleCode::NeverUsed => true,
        RuleCode::IdleKey => draft
            .evidence
            .days_idle
            .is_some_and(|days| days >= ctx.policy.idle.high_after_days),
        _ => false,
    }
}

fn escalation_reason(draft: &Draft) -> String {
    match draft.rule.code {
        RuleCode::UnnamedKey => "unnamed".to_string(),
        RuleCode::GenericName => "generically named".to_string(),
        RuleCode::NeverUsed => "never used".to_string(),
        RuleCode::IdleKey => match (draft.evidence.days_idle, draft.evidence.last_used_at) {
            (Some(n), Some(_)) => format!("idle for {}", days(n)),
            // Idle since the start of the usage window: at least that long.
            (Some(n), None) => format!("idle for at least {}", days(n)),
            (None, _) => "idle".to_string(),
        },
        other => other.as_str().to_string(),
    }
}

/// `"a"`, `"a and b"`, `"a, b and c"`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// One warning per allowance that names no key in the inventory.
pub(super) fn unmatched_allowances(policy: &ValidPolicy, keys: &[ApiKey]) -> Vec<Diagnostic> {
    let allow = &policy.password_access.allow;
    if allow.is_empty() {
        return Vec::new();
    }
    let names = KeyNames::new(keys);
    allow
        .iter()
        .filter(|allowance| names.lookup(&allowance.key).is_empty())
        .map(|allowance| {
            let location = policy.source().map(|file| SourceLocation {
                file: file.to_string(),
                row: allowance.line.get(),
                column: None,
            });
            Diagnostic::warning(
                DiagnosticCode::AllowanceMatchesNothing,
                format!(
                    "Password Access allowance for \"{}\" matches no key in the inventory",
                    allowance.key
                ),
                location,
            )
        })
        .collect()
}
