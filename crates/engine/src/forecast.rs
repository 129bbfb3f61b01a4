//! The auto-revocation forecast: for every active or paused key, the day IT
//! Glue warns about it and the day it revokes it if nothing uses it in the
//! meantime.
//!
//! The dates are the ones `idle-key` reports (one computation, in
//! [`UsageView`]): the last use plus `idle.revoke_after_days`, or, for a key
//! silent since the usage window's start, that start plus the same (the day
//! it is revoked at the latest). The warning is
//! [`REVOCATION_NOTICE_DAYS`] before. Keys with neither are listed last,
//! without dates. Revoked keys are not listed.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use keyaudit_model::{
    ApiKey, ForecastBasis, ForecastEntry, KeyRef, KeyState, REVOCATION_NOTICE_DAYS,
};

use crate::usage::UsageView;

/// The forecast of `keys` (with their refs and usage views, in the same
/// order): dated entries soonest first, then the undated; ties by name (any
/// case), then id.
pub(crate) fn forecast(
    keys: &[ApiKey],
    refs: &[KeyRef],
    usage: &[UsageView],
    revoke_after_days: i64,
    as_of: DateTime<Utc>,
) -> Vec<ForecastEntry> {
    let mut entries: Vec<ForecastEntry> = keys
        .iter()
        .zip(refs)
        .zip(usage)
        .filter(|((key, _), _)| key.state != KeyState::Revoked)
        .map(|((key, key_ref), view)| entry(key, key_ref, view, revoke_after_days, as_of))
        .collect();
    entries.sort_by(|a, b| order(a).cmp(&order(b)));
    entries
}

fn entry(
    key: &ApiKey,
    key_ref: &KeyRef,
    view: &UsageView,
    revoke_after_days: i64,
    as_of: DateTime<Utc>,
) -> ForecastEntry {
    let (basis, revoked_on) = match (
        view.revocation_date(revoke_after_days),
        view.latest_revocation_date(revoke_after_days),
    ) {
        (Some(day), _) => (ForecastBasis::LastUse, Some(day)),
        (None, Some(day)) => (ForecastBasis::WindowStart, Some(day)),
        (None, None) => (ForecastBasis::Unknown, None),
    };
    let notice = TimeDelta::try_days(REVOCATION_NOTICE_DAYS);
    ForecastEntry {
        key: key_ref.clone(),
        state: key.state,
        owner: key.owner.clone(),
        last_used_at: view.last_used,
        basis,
        warning_on: revoked_on
            .zip(notice)
            .and_then(|(day, notice)| day.checked_sub_signed(notice)),
        revoked_on,
        days_left: revoked_on.map(|day| days_between(as_of.date_naive(), day)),
    }
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    to.signed_duration_since(from).num_days()
}

/// Dated entries first, soonest first; then name (any case) and id.
fn order(entry: &ForecastEntry) -> impl Ord + '_ {
    (
        entry.revoked_on.is_none(),
        entry.revoked_on,
        entry.key.name.to_lowercase(),
        &entry.key.id,
    )
}
