//! The rule catalogue: one module per rule, each with its metadata (code,
//! title, default severity, rationale, remediation, compliance references,
//! the policy keys that tune it) and one `check` function of the same
//! signature.
//!
//! Rules run in registry order ([`all`]) on each key. `password-access` runs
//! last: it reads the findings the other rules made on the same key to
//! escalate. [`catalogue`] lists the same rules sorted by code as the
//! model's [`Catalogue`], the document `keyaudit rules` renders:
//!
//! ```
//! let catalogue = keyaudit_engine::rules::catalogue();
//! assert_eq!(catalogue.rules[0].code.as_str(), "duplicate-name");
//! let json = serde_json::to_value(&catalogue).unwrap();
//! assert_eq!(json[0]["default_severity"], "medium");
//! assert_eq!(json[0]["compliance"][0]["framework"], "NIST SP 800-53 r5");
//! ```

mod duplicate_name;
mod exposed_secret;
mod generic_name;
mod idle_key;
mod naming_convention;
mod never_used;
mod no_usage_evidence;
mod password_access;
mod password_access_unknown;
mod rotation_due;
mod unnamed_key;
mod unused_password_access;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
pub use keyaudit_model::Scope;
use keyaudit_model::{
    ApiKey, Catalogue, ComplianceRef, Diagnostic, Evidence, Finding, FindingStatus, KeyFingerprint,
    KeyRef, KeyState, RuleCode, RuleEntry, Severity, SourceLocation,
};

use crate::naming;
use crate::policy::{KeyNames, ValidPolicy};
use crate::usage::UsageView;

/// Every implemented rule, in the order they run.
static RULES: [Rule; 12] = [
    idle_key::RULE,
    never_used::RULE,
    no_usage_evidence::RULE,
    rotation_due::RULE,
    unnamed_key::RULE,
    generic_name::RULE,
    naming_convention::RULE,
    duplicate_name::RULE,
    exposed_secret::RULE,
    unused_password_access::RULE,
    password_access_unknown::RULE,
    password_access::RULE,
];

/// Every implemented rule, in the order they run.
pub fn all() -> &'static [Rule] {
    &RULES
}

/// Every implemented rule, sorted by code: the rule catalogue as
/// `keyaudit rules` lists it.
pub fn catalogue() -> Catalogue {
    let mut rules: Vec<RuleEntry> = RULES.iter().map(Rule::entry).collect();
    rules.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    Catalogue { rules }
}

/// The rule with this code, if it is implemented.
pub fn get(code: RuleCode) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.code == code)
}

/// A rule's metadata and its check; [`Rule::entry`] is its metadata as the
/// catalogue shows it.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The rule's code (`idle-key`, …).
    pub code: RuleCode,
    /// A short title.
    pub title: &'static str,
    /// The base severity of its findings, unless the policy's `[severity]`
    /// table overrides it.
    pub default_severity: Severity,
    /// The severity some findings are raised to on top of the base (high for
    /// an `idle-key` past `idle.high_after_days`, critical for a
    /// `password-access` on a key that is also unnamed, generic, never used
    /// or idle-high).
    pub escalated_severity: Option<Severity>,
    /// When a finding is raised to [`Rule::escalated_severity`].
    pub escalation: Option<&'static str>,
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

    /// The rule's metadata as an entry of the [`Catalogue`].
    pub fn entry(&self) -> RuleEntry {
        RuleEntry {
            code: self.code,
            title: self.title.to_owned(),
            default_severity: self.default_severity,
            escalated_severity: self.escalated_severity,
            escalation: self.escalation.map(str::to_owned),
            rationale: self.rationale.to_owned(),
            remediation: self.remediation.to_owned(),
            compliance: self.compliance_refs(),
            policy_keys: self.policy_keys.iter().map(|k| (*k).to_owned()).collect(),
            scope: self.scope,
        }
    }

    /// The rule's documentation page, relative to the repository root
    /// (`docs/rules/<code>.md`).
    pub fn doc_path(&self) -> String {
        format!("docs/rules/{}.md", self.code)
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
    /// The policy's Password Access allowances by the key each names.
    pub(crate) allowances: KeyNames,
}

impl Context<'_> {
    /// A finding of `rule` at its base severity (the policy's override, else
    /// the default).
    pub(crate) fn draft(&self, rule: &'static Rule, message: String, evidence: Evidence) -> Draft {
        let base = self.policy.base_severity(rule);
        Draft {
            rule,
            severity: base,
            base_severity: base,
            message,
            evidence,
        }
    }
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        policy: &'a ValidPolicy,
        as_of: DateTime<Utc>,
        exposures: &[keyaudit_model::Exposure],
    ) -> Self {
        let generic_names = naming::generic_names(policy);
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
        let allowances = KeyNames::of_entries(
            policy
                .password_access
                .allow
                .iter()
                .map(|a| Some(a.key.as_str())),
        );
        Self {
            policy,
            as_of,
            generic_names,
            exposures: by_fingerprint,
            allowances,
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
    /// Raises the final severity to at least `to` (never lowers it below the
    /// base severity).
    pub(crate) fn escalate(&mut self, to: Severity) {
        self.severity = self.severity.max(to);
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

/// Warnings about the policy against this inventory (allowances and
/// bindings that match no key).
pub(crate) fn policy_diagnostics(policy: &ValidPolicy, keys: &[ApiKey]) -> Vec<Diagnostic> {
    let mut diagnostics = password_access::unmatched_allowances(policy, keys);
    diagnostics.extend(crate::attribution::unmatched_bindings(policy, keys));
    diagnostics
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
