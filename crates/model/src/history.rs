//! The trend over many audits of the same account (`keyaudit.history/v1`):
//! one run per report with its keys, open findings by severity, muted
//! findings, and what is new and resolved since the run before. The engine
//! computes it (`keyaudit_engine::compare::history`); the renderers draw it.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use crate::{Severity, as_of_text};

/// The value of [`History::schema`].
pub const HISTORY_SCHEMA: &str = "keyaudit.history/v1";

/// The runs of a folder of reports, oldest first: the `keyaudit.history/v1`
/// document. It is written, never read back (its notes serialize as their
/// sentences).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct History {
    /// Always [`HISTORY_SCHEMA`].
    pub schema: String,
    /// One entry per report, sorted by `as_of`, then path.
    pub runs: Vec<HistoryRun>,
    /// Notes for the reader: files skipped, runs sharing an as-of time, runs
    /// covering other accounts than the run before. Every renderer prints
    /// them.
    pub notes: Vec<HistoryNote>,
}

/// One audit run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryRun {
    /// The report's path, as the caller named it.
    pub path: String,
    /// The report's as-of time.
    pub as_of: DateTime<Utc>,
    /// The accounts named among the report's keys, sorted.
    pub accounts: Vec<String>,
    /// Keys audited.
    pub keys: usize,
    /// Open findings.
    pub open: usize,
    /// Open findings by severity (every severity present, zero included).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Muted findings.
    pub muted: usize,
    /// Open findings whose id was not open in the run before (new, or muted
    /// before and open now); `null` for the first run.
    pub new: Option<usize>,
    /// Findings open in the run before whose id is not open in this run
    /// (fixed, muted since, or their key is gone); `null` for the first run.
    pub resolved: Option<usize>,
}

impl HistoryRun {
    /// Open findings of one severity.
    pub fn open_of(&self, severity: Severity) -> usize {
        self.by_severity.get(&severity).copied().unwrap_or(0)
    }
}

/// Something the reader of a history should know. Its [`Display`](fmt::Display)
/// is the sentence every format prints, and its JSON form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryNote {
    /// A file of the folder that is not a keyaudit report.
    Skipped {
        /// The file, as the caller named it.
        path: String,
        /// Why it was skipped.
        reason: String,
    },
    /// Two runs have the same as-of time: they are ordered by path.
    SameAsOf {
        /// The earlier run (by path).
        before: String,
        /// The later run.
        path: String,
        /// The time they share.
        as_of: DateTime<Utc>,
    },
    /// A run covers other accounts than the run before: its new and
    /// resolved counts compare different sets of keys.
    OtherAccounts {
        /// The run.
        path: String,
        /// Its accounts, sorted.
        accounts: Vec<String>,
        /// The run before.
        before: String,
        /// The accounts of the run before, sorted.
        before_accounts: Vec<String>,
    },
}

impl fmt::Display for HistoryNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryNote::Skipped { path, reason } => write!(f, "ignored {path}: {reason}"),
            HistoryNote::SameAsOf {
                before,
                path,
                as_of,
            } => write!(
                f,
                "{before} and {path} have the same as-of time ({}); they are ordered by path.",
                as_of_text(*as_of)
            ),
            HistoryNote::OtherAccounts {
                path,
                accounts,
                before,
                before_accounts,
            } => write!(
                f,
                "{path} covers accounts {}, the run before ({before}) {}: its new and resolved counts compare different sets of keys.",
                AccountList(accounts),
                AccountList(before_accounts),
            ),
        }
    }
}

impl Serialize for HistoryNote {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `acme, northwind`, or `(none named)`.
struct AccountList<'a>(&'a [String]);

impl fmt::Display for AccountList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(none named)")
        } else {
            f.write_str(&self.0.join(", "))
        }
    }
}
