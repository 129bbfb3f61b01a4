use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{KeyFingerprint, KeyIdentity, LastUsedSource, Severity, SourceLocation};

macro_rules! rule_codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)+) => {
        /// The code of a rule, as written in reports, policies and docs
        /// (`idle-key`, `password-access`, …).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum RuleCode {
            $($(#[$doc])* #[serde(rename = $code)] $variant,)+
        }

        impl RuleCode {
            /// Every rule code, in alphabetical order of the code.
            pub const ALL: &'static [RuleCode] = &[$(RuleCode::$variant,)+];

            /// The code as text (`idle-key`, …).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuleCode::$variant => $code,)+
                }
            }
        }
    };
}

rule_codes! {
    /// Two or more keys of one account share a name.
    DuplicateName => "duplicate-name",
    /// A full, unmasked key appears in an input.
    ExposedSecret => "exposed-secret",
    /// A key named so that no one can tell what it is for.
    GenericName => "generic-name",
    /// A key not used for a long time.
    IdleKey => "idle-key",
    /// A name that does not follow the policy's naming pattern.
    NamingConvention => "naming-convention",
    /// A key created a while ago and never used.
    NeverUsed => "never-used",
    /// Idleness cannot be judged: no last use and no usage window.
    NoUsageEvidence => "no-usage-evidence",
    /// A key with Password Access that is not allow-listed.
    PasswordAccess => "password-access",
    /// The inventory does not say whether a key has Password Access.
    PasswordAccessUnknown => "password-access-unknown",
    /// A key older than the rotation period.
    RotationDue => "rotation-due",
    /// A key with an empty or blank name.
    UnnamedKey => "unnamed-key",
    /// Password Access that the key's activity never uses.
    UnusedPasswordAccess => "unused-password-access",
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RuleCode {
    type Err = String;

    /// Parses a rule code; the error lists the valid codes.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RuleCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| {
                let valid: Vec<&str> = RuleCode::ALL.iter().map(|c| c.as_str()).collect();
                format!("unknown rule `{s}` (valid rules: {})", valid.join(", "))
            })
    }
}

/// Whether a finding counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingStatus {
    /// The finding stands and counts toward `--fail-on`.
    Open,
    /// A policy mute with a reason applies; the finding is kept for the record.
    Muted,
}

impl FindingStatus {
    /// The lower-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Open => "open",
            FindingStatus::Muted => "muted",
        }
    }
}

/// The key a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KeyRef {
    /// The key's stable id (see [`crate::KeyRecord::id`]).
    pub id: String,
    /// The key's name (may be empty).
    pub name: String,
    /// The key's fingerprint, when known.
    pub fingerprint: Option<KeyFingerprint>,
    /// The key's account, when known.
    pub account: Option<String>,
}

impl KeyRef {
    /// Which key this is: its fingerprint, else its account and name.
    pub fn identity(&self) -> KeyIdentity {
        KeyIdentity::new(
            self.fingerprint.as_ref(),
            self.account.as_deref(),
            &self.name,
        )
    }
}

/// One reference to a compliance control.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ComplianceRef {
    /// Framework, e.g. `CIS Controls v8`, `NIST SP 800-53 r5`, `PCI DSS 4.0`,
    /// `ISO/IEC 27001:2022`, `SOC 2`.
    pub framework: String,
    /// Control within the framework, e.g. `5.3`, `AC-2(3)`, `A.5.18`, `CC6.2`.
    pub control: String,
}

impl fmt::Display for ComplianceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.framework, self.control)
    }
}

/// A Password Access allowance from the policy, as it applied to a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowance {
    /// Why the key may hold Password Access.
    pub reason: String,
    /// The day the allowance stops applying, if it has one.
    #[serde(default)]
    pub expires: Option<NaiveDate>,
    /// True when the allowance had expired on the audit's as-of date.
    pub expired: bool,
}

/// The mute applied to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mute {
    /// Why the finding is accepted.
    pub reason: String,
    /// The day the mute stops applying, if it has one.
    #[serde(default)]
    pub expires: Option<NaiveDate>,
}

/// The facts behind a finding. Each rule fills the fields it relies on; the
/// others are `null` (or `[]`) in the JSON, where every field is always present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The key's last use.
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
    /// Where the last use came from.
    #[serde(default)]
    pub last_used_source: Option<LastUsedSource>,
    /// Whole days from last use to the audit's as-of time.
    #[serde(default)]
    pub days_idle: Option<i64>,
    /// The day IT Glue revokes (or revoked) the key for inactivity.
    #[serde(default)]
    pub revocation_date: Option<NaiveDate>,
    /// When the key was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// Whole days from creation to the as-of time.
    #[serde(default)]
    pub age_days: Option<i64>,
    /// The policy threshold (in days) that the key crossed.
    #[serde(default)]
    pub threshold_days: Option<i64>,
    /// The normalised name that matched the generic-name list, or why it is generic.
    #[serde(default)]
    pub generic_match: Option<String>,
    /// Other keys sharing this key's name.
    #[serde(default)]
    pub duplicates: Vec<KeyRef>,
    /// Whether the key holds Password Access.
    #[serde(default)]
    pub password_access: Option<bool>,
    /// The Password Access allowance that applied (or expired).
    #[serde(default)]
    pub allowance: Option<Allowance>,
    /// Rules whose findings on the same key raised this finding's severity.
    #[serde(default)]
    pub escalated_by: Vec<RuleCode>,
    /// Where a full key was found (never the key itself).
    #[serde(default)]
    pub locations: Vec<SourceLocation>,
    /// Activity-log events attributed to the key.
    #[serde(default)]
    pub events_attributed: Option<u64>,
    /// Of those, events on passwords.
    #[serde(default)]
    pub password_events: Option<u64>,
    /// Start of the usage window that was searched for the key's activity.
    #[serde(default)]
    pub window_start: Option<DateTime<Utc>>,
    /// End of that usage window.
    #[serde(default)]
    pub window_end: Option<DateTime<Utc>>,
    /// The naming pattern the name failed to match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// A mute that matched this finding but had expired on the as-of date.
    #[serde(default)]
    pub expired_mute: Option<Mute>,
}

/// One finding: a rule that fired on a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id: the same key and rule give the same id across runs and
    /// input orders (`<rule>:<12 hex digits>`).
    pub id: String,
    /// The rule that fired.
    pub rule: RuleCode,
    /// Final severity, after escalation.
    pub severity: Severity,
    /// The rule's severity before escalation (the policy's override, else the default).
    pub base_severity: Severity,
    /// Open or muted.
    pub status: FindingStatus,
    /// The key concerned.
    pub key: KeyRef,
    /// One sentence a reviewer understands.
    pub message: String,
    /// The facts behind the finding.
    pub evidence: Evidence,
    /// Concrete steps in IT Glue that resolve the finding.
    pub remediation: String,
    /// The compliance controls this finding evidences.
    pub compliance: Vec<ComplianceRef>,
    /// The mute that applies, when the finding is muted.
    #[serde(default)]
    pub mute: Option<Mute>,
    /// How the finding compares with the baseline report (`--baseline`).
    #[serde(default)]
    pub delta: Option<Delta>,
}

/// How a finding compares with the same finding (same id) in a baseline report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delta {
    /// Not in the baseline.
    New,
    /// Same severity and status as in the baseline.
    Unchanged,
    /// More severe, or open where the baseline had it muted.
    Worsened,
    /// Less severe, or muted where the baseline had it open.
    Improved,
}

impl Delta {
    /// The lower-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Delta::New => "new",
            Delta::Unchanged => "unchanged",
            Delta::Worsened => "worsened",
            Delta::Improved => "improved",
        }
    }
}

impl Finding {
    /// True when the finding counts (it is not muted).
    pub fn is_open(&self) -> bool {
        self.status == FindingStatus::Open
    }
}
