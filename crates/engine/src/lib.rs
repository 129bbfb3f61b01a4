//! The engine of keyaudit: the audit policy, the rules, and [`audit`], which
//! turns an IT Glue key inventory into an [`AuditReport`](keyaudit_model::AuditReport).
//!
//! The engine does no I/O and never reads the clock: the caller reads the
//! files, parses the policy with [`parse_policy`] (or uses
//! [`ValidPolicy::default()`]) and passes the audit's `as_of` time.
//!
//! Activity logs are optional usage evidence. No log record names the API
//! key, so the policy's `[[bind]]` entries say which events are whose:
//! compile an [`Attribution`] once from the inventory and the policy, feed
//! every event to [`Attribution::observe`] (one [`UsageTally`] per thread,
//! [merged](UsageTally::merge) at the end), and pass the tally with the
//! usage sources read as [`UsageEvidence`] in [`AuditInput::usage`]. The
//! rules then judge each key from its last use (the inventory's or the
//! latest attributed event) and the window the logs cover.
//!
//! The report applies the policy's mutes (muted findings stay in the report,
//! with their reason and expiry, but do not count as open), records the
//! policy's digest and thresholds, and carries the compliance view: one row
//! per control that any rule of the catalogue ([`rules::catalogue`])
//! references, failing exactly when an open finding references it; and the
//! auto-revocation forecast: for every active or paused key, the day IT Glue
//! warns about it and the day it revokes it if nothing uses it meanwhile.
//!
//! Reports are compared by [`compare`], pure functions of reports like the
//! audit: the diff of two ([`compare::diff`]), a fresh report marked
//! against a baseline ([`compare::annotate`]) and the history of many
//! ([`compare::history`]). The rule catalogue ([`rules::catalogue`]) is the
//! model's [`Catalogue`](keyaudit_model::Catalogue), built from the rule
//! registry.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use keyaudit_engine::{AuditInput, audit, parse_policy};
//! use keyaudit_model::{ApiKey, Inventory, LastUse, RuleCode, Severity};
//!
//! let mut key = ApiKey::named("Test");
//! key.password_access = Some(true);
//! key.last_used = LastUse::At(Utc.with_ymd_and_hms(2026, 1, 10, 9, 0, 0).unwrap());
//! let inventory = Inventory { keys: vec![key], ..Inventory::default() };
//!
//! let policy = parse_policy("keyaudit.toml", "[idle]\nwarn_after_days = 30\n").unwrap();
//! let as_of = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
//! let report = audit(&AuditInput { inventory: &inventory, usage: None }, &policy, as_of);
//!
//! let rules: Vec<RuleCode> = report.findings.iter().map(|f| f.rule).collect();
//! assert_eq!(
//!     rules,
//!     [RuleCode::PasswordAccess, RuleCode::GenericName, RuleCode::IdleKey]
//! );
//! // "Test" is generic, so Password Access on it is critical.
//! assert_eq!(report.findings[0].severity, Severity::Critical);
//! assert_eq!(report.keys[0].days_idle, Some(49));
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod attribution;
mod audit;
pub mod compare;
mod compliance;
mod error;
mod forecast;
mod keyid;
mod mutes;
mod naming;
mod policy;
pub mod rules;
mod suggest;
mod usage;

pub use attribution::{
    Attribution, BindingRules, MAX_DISTINCT_VALUES, UsageEvidence, UsageTally, binding_matches,
};
pub use audit::{AuditInput, audit};
pub use error::{PolicyError, PolicyErrorKind, PolicyErrors};
pub use naming::BUILTIN_GENERIC_NAMES;
pub use policy::{
    Binding, DEFAULT_POLICY_TOML, IdlePolicy, IpPattern, MuteTarget, NamingPattern, NamingPolicy,
    PasswordAccessPolicy, PasswordAllowance, PolicyLine, PolicyMute, RotationPolicy, ValidPolicy,
    parse_policy,
};
pub use suggest::{BindingSuggester, MAX_CLUSTERS, SuggestTally};
