//! The rule catalogue (`keyaudit rules`): every rule with its metadata. The
//! engine builds it from its rule registry (`keyaudit_engine::rules::catalogue`);
//! the renderers draw it. Its JSON is an array of [`RuleEntry`].

use serde::{Deserialize, Serialize};

use crate::{ComplianceRef, KeyState, RuleCode, Severity};

/// Every rule, sorted by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Catalogue {
    /// The rules, sorted by code.
    pub rules: Vec<RuleEntry>,
}

/// One rule's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleEntry {
    /// The rule's code (`idle-key`, …).
    pub code: RuleCode,
    /// A short title.
    pub title: String,
    /// The base severity of its findings, unless the policy's `[severity]`
    /// table overrides it.
    pub default_severity: Severity,
    /// The severity some findings are raised to on top of the base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_severity: Option<Severity>,
    /// When a finding is raised to [`RuleEntry::escalated_severity`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<String>,
    /// Why the rule matters.
    pub rationale: String,
    /// Concrete steps in IT Glue that resolve a finding.
    pub remediation: String,
    /// The compliance controls its findings evidence.
    pub compliance: Vec<ComplianceRef>,
    /// The policy keys that tune it (`idle.warn_after_days`, …).
    pub policy_keys: Vec<String>,
    /// The keys it looks at.
    pub scope: Scope,
}

/// Which keys a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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
