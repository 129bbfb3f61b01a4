//! The data model of keyaudit: the API keys read from an IT Glue inventory,
//! and the [`AuditReport`] the engine produces from them.
//!
//! The serde form of [`AuditReport`] *is* keyaudit's JSON contract
//! (`"schema": "keyaudit.report/v1"`): field names are pinned with serde
//! attributes and every renderer is a view of this one structure. The other
//! documents keyaudit writes are typed here too: the diff of two reports
//! ([`ReportDiff`], `keyaudit.diff/v1`), the history of many ([`History`],
//! `keyaudit.history/v1`) and the rule catalogue ([`Catalogue`]); the engine
//! computes them and the report crate renders them.
//!
//! ```
//! use keyaudit_model::{KeyFingerprint, Severity};
//!
//! let fp = KeyFingerprint::parse("ITG.45DF64A0DD9DF8A7A79DC4382927A045").unwrap();
//! assert_eq!(fp.as_str(), "ITG.45df64a0dd9df8a7a79dc4382927a045");
//! assert_eq!(fp.masked(), "ITG.45df64a0dd9df8a7a79dc4382927a045.*****");
//! assert!(Severity::Critical > Severity::High);
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod catalogue;
mod diff;
mod digest;
mod display;
mod finding;
mod forecast;
mod history;
mod identity;
mod inventory;
pub mod key_shape;
mod report;
mod setting;
mod severity;
mod sink;
mod suggest;
mod usage;
mod usage_header;

pub use catalogue::{Catalogue, RuleEntry, Scope};
pub use diff::{Change, DIFF_SCHEMA, DiffSide, DiffSummary, FindingDiff, FindingState, ReportDiff};
pub use digest::{ContentDigest, ContentHasher};
pub use display::{
    as_of_text, display_safe, is_bidi_control, is_noncharacter, needs_escape, push_display_safe,
};
pub use finding::{
    Allowance, ComplianceRef, Delta, Evidence, Finding, FindingStatus, KeyRef, Mute, RuleCode,
};
pub use forecast::{ForecastBasis, ForecastEntry, REVOCATION_NOTICE_DAYS};
pub use history::{HISTORY_SCHEMA, History, HistoryNote, HistoryRun};
pub use identity::{KeyIdentity, KeyName};
pub use inventory::{
    ApiKey, Diagnostic, DiagnosticCode, DiagnosticLevel, Exposure, Inventory, InventoryFile,
    KeyState, LastUse, SourceLocation,
};
pub use key_shape::KeyFingerprint;
pub use report::{
    AuditOptions, AuditReport, BaselineInfo, ControlResult, ControlStatus, Coverage, InputFile,
    InputKind, InputOrigin, KeyActivity, KeyRecord, LastUsedSource, PolicyInfo, REPORT_SCHEMA,
    Summary, Thresholds, TimeRange, ToolInfo, UsageWindow, ValueCount,
};
pub use setting::Setting;
pub use severity::{Severity, UnknownSeverity};
pub use sink::EventSink;
pub use suggest::{BindingSuggestion, BindingSuggestions, SuggestedKey};
pub use usage::{UsageEvent, UsageSource, WindowOrigin};
pub use usage_header::{
    HeaderExposure, HeaderWindow, USAGE_SCHEMA, USAGE_SOURCE_ITGLUE_API, UsageHeader,
};
