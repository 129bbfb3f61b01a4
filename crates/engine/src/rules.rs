//! The rule registry: one module per rule, each with its metadata and one
//! `check` function of the same signature.
//!
//! Rules run in registry order on each key. `password-access` runs last: it
//! reads the findings the other rules made on the same key to escalate.

mod duplicate_name;
mod exposed_secret;
mod generic_name;
mod idle_key;
mod never_used;
mod no_usage_evidence;
mod password_access;
mod unnamed_key;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use keyaudit_model::{
    ApiKey, ComplianceRef, Diagnostic, Evidence, Finding, FindingStatus, KeyFingerprint, KeyRef,
    KeyState, RuleCode, Severity, SourceLocation,
};

use crate::naming;
use crate::policy::ValidPolicy;
use crate::usage::UsageView;

/// Every implemented rule, in the order they run.
static RULES: [Rule; 8] = [
    idle_key::RULE,
    never_used::RULE,
    no_usage_evidence::RULE,
    unnamed_key::RULE,
    generic_name::RULE,
    duplicate_name::RULE,
    exposed_secret::RULE,
    password_access::RULE,
];

/// Every implemented rule, in the order they run.
pub fn all() -> &'static [Rule] {
    &RULES
}

/// The rule with this code, if it is implemented.
pub fn get(code: RuleCode) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.code == code)
}

/// A rule's metadata and its check.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The rule's code (`idle-key`, …).
    pub code: RuleCode,
    /// A short title.
    pub title: &'static str,
    /// The severity of its findings before escalation.
    pub default_severity: Severity,
    /// Why the rule matters.
    pub rationale: &'static str,
    /// Concrete steps in IT Glue that resolve a finding.
    pub remediation: &'static str,
    /// The compliance controls its findings evidence.
    pub compliance: &'static [Control],
    /// The policy keys that tune it (`idle.warn_after_days`, …).
    pub policy_keys: &'static [&'static str],
    /// The keys it looks at.
    pub scope: Scope,
    check: CheckFn,
}

/// The signature every rule's `check` shares. `out` already holds the drafts
/// the rules that ran earlier made on the same key.
type CheckFn = fn(&Context<'_>, &KeyContext<'_>, &mut Vec<Draft>);

impl Rule {
    /// The compliance controls as model values.
    pub fn compliance_refs(&self) -> Vec<ComplianceRef> {
        self.compliance.iter().map(Control::to_ref).collect()
    }
}

/// Which keys a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Active keys only (paused and revoked keys are not used, so idleness
    /// says nothing about them).
    ActiveKeys,
    /// Active and paused keys.
    LiveKeys,
    /// Every key, revoked ones too, and fingerprints that appear only in an
    /// exposure (no inventory row).
    AllKeys,
}

impl Scope {
    /// True when a key in `state` is in scope; `None` is a fingerprint found
    /// only in an exposure.
    pub fn covers(self, state: Option<KeyState>) -> bool {
        match self {
            Scope::AllKeys => true,
            Scope::LiveKeys => matches!(state, Some(KeyState::Active | KeyState::Paused)),
            Scope::ActiveKeys => state == Some(KeyState::Active),
        }
    }
}

/// A compliance control, as rule metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Control {
    /// The framework, e.g. [`CIS`].
    pub framework: &'static str,
    /// The control within it, e.g. `5.3`.
    pub control: &'static str,
}

impl Control {
    /// The control as a model value.
    pub fn to_ref(&self) -> ComplianceRef {
        ComplianceRef {
            framework: self.framework.to_string(),
            control: self.control.to_string(),
        }
    }
}

/// CIS Critical Security Controls, version 8.
pub const CIS: &str = "CIS Controls v8";
/// NIST Special Publication 800-53, revision 5.
pub const NIST: &str = "NIST SP 800-53 r5";
/// PCI Data Security Standard 4.0.
pub const PCI: &str = "PCI DSS 4.0";
/// ISO/IEC 27001:2022, Annex A.
pub const ISO: &str = "ISO/IEC 27001:2022";
/// AICPA SOC 2 trust services criteria.
pub const SOC2: &str = "SOC 2";

const fn control(framework: &'static str, control: &'static str) -> Control {
    Control { framework, control }
}

/// Controls of the naming rules (`unnamed-key`, `generic-name`).
const NAMING_CONTROLS: &[Control] = &[
    control(CIS, "5.1"),
    control(CIS, "5.5"),
    control(NIST, "AC-2"),
    control(NIST, "IA-4"),
    control(PCI, "8.6.1"),
    control(ISO, "A.5.16"),
    control(SOC2, "CC6.2"),
];

/// What every rule sees: the policy, the time, and facts across keys.
pub(crate) struct Context<'a> {
    pub(crate) policy: &'a ValidPolicy,
    pub(crate) as_of: DateTime<Utc>,
    /// Built-in and policy generic names, normalised.
    pub(crate) generic_names: Vec<String>,
    /// Where each exposed fingerprint was found (sorted, deduplicated).
    pub(crate) exposures: BTreeMap<KeyFingerprint, Vec<SourceLocation>>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        policy: &'a ValidPolicy,
        as_of: DateTime<Utc>,
        exposures: &[keyaudit_model::Exposure],
    ) -> Self {
        let mut generic_names: Vec<String> = naming::BUILTIN_GENERIC_NAMES
            .iter()
            .map(|s| s.to_string())
            .chain(
                policy
                    .naming
                    .generic_names
                    .iter()
                    .map(|s| naming::normalise_generic(s)),
            )
            .collect();
        generic_names.sort();
        generic_names.dedup();
        let mut by_fingerprint: BTreeMap<KeyFingerprint, Vec<SourceLocation>> = BTreeMap::new();
        for exposure in exposures {
            by_fingerprint
                .entry(exposure.fingerprint.clone())
                .or_default()
                .push(exposure.location.clone());
        }
        for locations in by_fingerprint.values_mut() {
            locations.sort();
            locations.dedup();
        }
        Self {
            policy,
            as_of,
            generic_names,
            exposures: by_fingerprint,
        }
    }
}

/// One key as the rules see it.
pub(crate) struct KeyContext<'a> {
    /// The key (for a fingerprint found only in an exposure: a key with an
    /// empty name and that fingerprint).
    pub(crate) key: &'a ApiKey,
    /// The key as findings name it.
    pub(crate) key_ref: KeyRef,
    /// False for a fingerprint found only in an exposure.
    pub(crate) listed: bool,
    /// What is known of the key's use.
    pub(crate) usage: UsageView,
    /// Other active or paused keys of the same account with the same name.
    pub(crate) same_name: Vec<KeyRef>,
}

impl KeyContext<'_> {
    /// The key's state; `None` for a fingerprint found only in an exposure.
    pub(crate) fn state(&self) -> Option<KeyState> {
        self.listed.then_some(self.key.state)
    }
}

/// A finding as a rule makes it; the registry adds id, key, remediation and
/// compliance.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub(crate) rule: &'static Rule,
    pub(crate) severity: Severity,
    pub(crate) base_severity: Severity,
    pub(crate) message: String,
    pub(crate) evidence: Evidence,
}

impl Draft {
    /// A draft at `severity`, not escalated.
    pub(crate) fn new(
        rule: &'static Rule,
        severity: Severity,
        message: String,
        evidence: Evidence,
    ) -> Self {
        Self {
            rule,
            severity,
            base_severity: severity,
            message,
            evidence,
        }
    }
}

/// Runs every rule in scope on one key.
pub(crate) fn check_key(ctx: &Context<'_>, key: &KeyContext<'_>) -> Vec<Finding> {
    let mut drafts = Vec::new();
    for rule in all() {
        if rule.scope.covers(key.state()) {
            (rule.check)(ctx, key, &mut drafts);
        }
    }
    drafts
        .into_iter()
        .map(|draft| Finding {
            id: format!("{}:{}", draft.rule.code, key.key_ref.id),
            rule: draft.rule.code,
            severity: draft.severity,
            base_severity: draft.base_severity,
            status: FindingStatus::Open,
            key: key.key_ref.clone(),
            message: draft.message,
            evidence: draft.evidence,
            remediation: draft.rule.remediation.to_string(),
            compliance: draft.rule.compliance_refs(),
            mute: None,
            delta: None,
        })
        .collect()
}

/// Warnings about the policy against this inventory (allowances that match
/// no key).
pub(crate) fn policy_diagnostics(policy: &ValidPolicy, keys: &[ApiKey]) -> Vec<Diagnostic> {
    password_access::unmatched_allowances(policy, keys)
}

/// `"1 day"`, `"2 days"`.
fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_password_access_runs_last() {
        let codes: Vec<RuleCode> = all().iter().map(|r| r.code).collect();
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
        assert_eq!(codes.last(), Some(&RuleCode::PasswordAccess));
    }
}
