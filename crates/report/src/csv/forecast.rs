//! The forecast view of the CSV: one row per active or paused key, soonest
//! revocation first.

use std::borrow::Cow;
use std::io::{self, Write};

use keyaudit_model::AuditReport;

use super::{CsvOut, number, optional};
use crate::text;

/// Header of the forecast view, in column order.
pub const FORECAST_HEADER: [&str; 10] = [
    "key_name",
    "key_fingerprint",
    "account",
    "owner",
    "state",
    "last_used_at",
    "basis",
    "warning_on",
    "revoked_on",
    "days_left",
];

/// Writes one row per forecast entry (in report order) under
/// [`FORECAST_HEADER`]: `basis` is `last-use`, `window-start` or `unknown`;
/// the days are `YYYY-MM-DD`, empty for a key without usage evidence;
/// `days_left` counts from the as-of date (negative once past).
pub fn render(report: &AuditReport, out: impl Write) -> io::Result<()> {
    let mut csv = CsvOut::new(out);
    csv.row(FORECAST_HEADER)?;
    for entry in &report.forecast {
        csv.row([
            Cow::from(entry.key.name.as_str()),
            optional(entry.key.fingerprint.as_ref().map(|fp| fp.as_str())),
            optional(entry.key.account.as_deref()),
            optional(entry.owner.as_deref()),
            entry.state.as_str().into(),
            entry
                .last_used_at
                .map(text::rfc3339)
                .unwrap_or_default()
                .into(),
            entry.basis.as_str().into(),
            entry.warning_on.map(text::date).unwrap_or_default().into(),
            entry.revoked_on.map(text::date).unwrap_or_default().into(),
            number(entry.days_left),
        ])?;
    }
    csv.finish()
}
