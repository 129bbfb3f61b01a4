//! The auto-revocation forecast: when IT Glue warns about and revokes each
//! live key if nothing uses it in the meantime.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{KeyRef, KeyState};

/// What a forecast entry's dates are counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForecastBasis {
    /// The key's last use (the inventory's, or the latest attributed event).
    LastUse,
    /// No use seen since the usage window's start: the key is revoked on the
    /// given day at the latest (earlier if its real last use was earlier).
    WindowStart,
    /// Nothing says when the key was last used: no dates.
    Unknown,
}

impl ForecastBasis {
    /// The kebab-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            ForecastBasis::LastUse => "last-use",
            ForecastBasis::WindowStart => "window-start",
            ForecastBasis::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ForecastBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One live (active or paused) key in the forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastEntry {
    /// The key.
    pub key: KeyRef,
    /// Active or paused.
    pub state: KeyState,
    /// The key's owner, when the inventory says.
    pub owner: Option<String>,
    /// The key's last use, when known.
    pub last_used_at: Option<DateTime<Utc>>,
    /// What the dates are counted from.
    pub basis: ForecastBasis,
    /// The day IT Glue sends its warning: [`ForecastEntry::revoked_on`]
    /// minus [`REVOCATION_NOTICE_DAYS`].
    pub warning_on: Option<NaiveDate>,
    /// The day IT Glue revokes the key if it stays unused: the basis plus
    /// `idle.revoke_after_days`.
    pub revoked_on: Option<NaiveDate>,
    /// Days from the as-of date to `revoked_on` (negative when past).
    pub days_left: Option<i64>,
}

/// Days between IT Glue's warning e-mail and the revocation.
pub const REVOCATION_NOTICE_DAYS: i64 = 10;
