//! The per-key usage view: what the audit knows about each key's last use.
//!
//! Rules read only this view, never the inventory's raw last-used cell, so
//! that later sources of usage evidence (activity logs) change this module
//! and not the rules.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use keyaudit_model::{ApiKey, LastUse, LastUsedSource};

use crate::AuditInput;

/// What is known about one key's use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct UsageView {
    /// The latest known use.
    pub(crate) last_used: Option<DateTime<Utc>>,
    /// True when the evidence says the key was never used.
    pub(crate) never_used: bool,
    /// Where `last_used` came from.
    pub(crate) source: Option<LastUsedSource>,
}

impl UsageView {
    /// The view of one inventory key, from the inventory alone.
    fn from_inventory(key: &ApiKey) -> Self {
        match key.last_used {
            LastUse::At(at) => Self {
                last_used: Some(at),
                never_used: false,
                source: Some(LastUsedSource::Inventory),
            },
            LastUse::Never => Self {
                last_used: None,
                never_used: true,
                source: None,
            },
            LastUse::Unknown => Self {
                last_used: None,
                never_used: false,
                source: None,
            },
        }
    }

    /// True when nothing is known: no last use and no "never used".
    pub(crate) fn is_unknown(&self) -> bool {
        self.last_used.is_none() && !self.never_used
    }

    /// Whole days from the last use to `as_of` (0 when the use is later).
    pub(crate) fn days_idle(&self, as_of: DateTime<Utc>) -> Option<i64> {
        self.last_used.map(|at| whole_days(at, as_of))
    }

    /// The day IT Glue revokes the key for inactivity: the last use plus
    /// `revoke_after_days`, as a UTC date.
    pub(crate) fn revocation_date(&self, revoke_after_days: i64) -> Option<NaiveDate> {
        let at = self.last_used?;
        let delta = TimeDelta::try_days(revoke_after_days)?;
        at.checked_add_signed(delta).map(|t| t.date_naive())
    }
}

/// One usage view per inventory key, in inventory order.
pub(crate) fn views(input: &AuditInput<'_>) -> Vec<UsageView> {
    input
        .inventory
        .keys
        .iter()
        .map(UsageView::from_inventory)
        .collect()
}

/// Whole days from `from` to `to`, rounded down; 0 when `to` is earlier.
pub(crate) fn whole_days(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    to.signed_duration_since(from).num_days().max(0)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn whole_days_round_down_and_clamp() {
        let t = |d, h| Utc.with_ymd_and_hms(2026, 1, d, h, 0, 0).unwrap();
        assert_eq!(whole_days(t(1, 12), t(3, 11)), 1);
        assert_eq!(whole_days(t(1, 12), t(3, 12)), 2);
        assert_eq!(whole_days(t(3, 12), t(1, 12)), 0);
    }

    #[test]
    fn revocation_date_survives_huge_thresholds() {
        let mut key = ApiKey::named("x");
        key.last_used = LastUse::At(Utc.with_ymd_and_hms(2026, 1, 1, 23, 0, 0).unwrap());
        let view = UsageView::from_inventory(&key);
        assert_eq!(
            view.revocation_date(90),
            NaiveDate::from_ymd_opt(2026, 4, 1)
        );
        assert_eq!(view.revocation_date(i64::MAX), None);
    }
}
