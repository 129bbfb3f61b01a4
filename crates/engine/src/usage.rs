//! The per-key usage view: what the audit knows about each key's use, from
//! the inventory's last-used column, the activity-log events attributed to
//! the key, and the window the activity logs cover.
//!
//! Rules read only this view, never the inventory's raw last-used cell nor
//! the tally, so that every rule judges the same facts. [`UsageState`]
//! says which of `idle-key`, `never-used` and `no-usage-evidence` describes
//! a key: exactly one state per key, so at most one of them fires.
//!
//! The last use is the later of the inventory's and the latest attributed
//! event (the inventory wins a tie). An event after the as-of time is never
//! a last use (the tally keeps the latest event up to the as-of when the
//! attribution knows it, [`crate::Attribution::as_of`]; a later one is
//! ignored here in any case). Events attributed to a key the inventory says
//! was never used prove it was used.
//!
//! The coverage window comes from the usage sources' windows (sources
//! without one are left out): windows that overlap or touch are joined, and
//! when gaps remain, the coverage window is the joined span that reaches the
//! latest end. An older span separated by a gap shows use in its time but
//! proves nothing about idleness up to now, so it is not part of the window
//! (its events still count as use; a note names it). The window is
//! inferred when any of its sources' windows was inferred from the events,
//! and complete when all of them are complete. "The window covers N days"
//! counts whole days from its start to its end, or to the as-of time when
//! that is earlier.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use keyaudit_model::{
    ApiKey, Coverage, Diagnostic, DiagnosticCode, LastUse, LastUsedSource, SourceLocation,
    UsageSource, UsageWindow, WindowOrigin,
};

use crate::AuditInput;

/// How many values the report lists among unattributed events.
const TOP_VALUES: usize = 10;

/// The period the activity logs cover, merged from the sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) inferred: bool,
    pub(crate) complete: bool,
}

impl Window {
    /// Whole days the window covers up to `as_of`.
    pub(crate) fn covered_days(&self, as_of: DateTime<Utc>) -> i64 {
        whole_days(self.start, self.end.min(as_of))
    }

    /// `2026-08-01 to 2026-10-31`.
    pub(crate) fn span(&self) -> String {
        format!("{} to {}", self.start.date_naive(), self.end.date_naive())
    }

    fn to_model(self) -> UsageWindow {
        UsageWindow {
            start: self.start,
            end: self.end,
            inferred: self.inferred,
            complete: self.complete,
        }
    }
}

/// What the activity logs say about one key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Activity {
    pub(crate) events: u64,
    pub(crate) password_events: u64,
    pub(crate) last_event_at: Option<DateTime<Utc>>,
}

/// Which usage rule describes a key. Exactly one per key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum UsageState {
    /// Nothing is known: no last use, no "never", no usage window
    /// (`no-usage-evidence`).
    #[default]
    Unknown,
    /// A last use is known, from the inventory or the logs (`idle-key`
    /// judges how long ago).
    LastUsed,
    /// The inventory says the key was never used and no event says
    /// otherwise (`never-used`, after the grace period).
    NeverUsed,
    /// The key was created inside the usage window and no event is
    /// attributed to it (`never-used`, after the grace period).
    NeverUsedInWindow,
    /// No event is attributed to the key, it existed when the window
    /// started (or its creation is unknown), and the window covers at least
    /// `idle.warn_after_days` (`idle-key`, idle at least since the start).
    IdleSinceWindow,
    /// As `IdleSinceWindow`, but the window is too short to judge
    /// (`no-usage-evidence`).
    WindowTooShort,
    /// The key was created after the window ended, and nothing else is
    /// known (`no-usage-evidence`).
    CreatedAfterWindow,
}

/// What is known about one key's use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct UsageView {
    /// The latest known use: the inventory's or the latest attributed event.
    pub(crate) last_used: Option<DateTime<Utc>>,
    /// True when the inventory says the key was never used and no event is
    /// attributed to it.
    pub(crate) never_used: bool,
    /// Where `last_used` came from.
    pub(crate) source: Option<LastUsedSource>,
    /// The attributed events, when usage evidence was given.
    pub(crate) activity: Option<Activity>,
    /// The coverage window, when usage evidence with a window was given.
    pub(crate) window: Option<Window>,
    /// Which usage rule describes the key.
    pub(crate) state: UsageState,
}

impl UsageView {
    /// The view of one inventory key, from the inventory alone.
    fn from_inventory(key: &ApiKey) -> Self {
        match key.last_used {
            LastUse::At(at) => Self {
                last_used: Some(at),
                source: Some(LastUsedSource::Inventory),
                ..Self::default()
            },
            LastUse::Never => Self {
                never_used: true,
                ..Self::default()
            },
            LastUse::Unknown => Self::default(),
        }
    }

    /// Adds the attributed events: the later of the two last uses wins; an
    /// event after `as_of` is not a last use.
    fn with_activity(mut self, activity: Activity, as_of: DateTime<Utc>) -> Self {
        if let Some(at) = activity.last_event_at.filter(|at| *at <= as_of) {
            if self.last_used.is_none_or(|inventory| at > inventory) {
                self.last_used = Some(at);
                self.source = Some(LastUsedSource::ActivityLog);
            }
            self.never_used = false;
        }
        self.activity = Some(activity);
        self
    }

    /// Decides which usage rule describes the key.
    fn judge(&self, key: &ApiKey, warn_after_days: i64, as_of: DateTime<Utc>) -> UsageState {
        if self.last_used.is_some() {
            return UsageState::LastUsed;
        }
        if self.never_used {
            return UsageState::NeverUsed;
        }
        let Some(window) = self.window else {
            return UsageState::Unknown;
        };
        match key.created_at {
            Some(created) if created > window.end => UsageState::CreatedAfterWindow,
            Some(created) if created > window.start => UsageState::NeverUsedInWindow,
            _ if window.covered_days(as_of) >= warn_after_days => UsageState::IdleSinceWindow,
            _ => UsageState::WindowTooShort,
        }
    }

    /// Whole days from the last use to `as_of` (0 when the use is later).
    pub(crate) fn days_idle(&self, as_of: DateTime<Utc>) -> Option<i64> {
        self.last_used.map(|at| whole_days(at, as_of))
    }

    /// The day IT Glue revokes the key for inactivity: the last use plus
    /// `revoke_after_days`, as a UTC date.
    pub(crate) fn revocation_date(&self, revoke_after_days: i64) -> Option<NaiveDate> {
        let at = self.last_used?;
        add_days(at, revoke_after_days)
    }

    /// For a key with no use seen in the usage window (and none known
    /// before it), the day IT Glue revokes it at the latest: the window's
    /// start plus `revoke_after_days`.
    pub(crate) fn latest_revocation_date(&self, revoke_after_days: i64) -> Option<NaiveDate> {
        match self.state {
            UsageState::IdleSinceWindow | UsageState::WindowTooShort => {
                add_days(self.window?.start, revoke_after_days)
            }
            _ => None,
        }
    }
}

/// `at` plus `days`, as a UTC date; `None` on overflow.
pub(crate) fn add_days(at: DateTime<Utc>, days: i64) -> Option<NaiveDate> {
    let delta = TimeDelta::try_days(days)?;
    at.checked_add_signed(delta).map(|t| t.date_naive())
}

/// The coverage window of the usage sources, and the sources with a window
/// left out of it (before a gap), in source order.
pub(crate) fn coverage_window(sources: &[UsageSource]) -> (Option<Window>, Vec<usize>) {
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>, usize)> = sources
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match (s.start, s.end) {
            (Some(start), Some(end)) if start <= end => Some((start, end, i)),
            _ => None,
        })
        .collect();
    spans.sort();
    // Sorted by start, the joined spans are disjoint and in order: the last
    // one reaches the latest end.
    let mut members: Vec<usize> = Vec::new();
    let mut left_out: Vec<usize> = Vec::new();
    let mut current: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (start, end, i) in spans {
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            _ => {
                left_out.append(&mut members);
                Some((start, end))
            }
        };
        members.push(i);
    }
    left_out.sort();
    let window = current.map(|(start, end)| Window {
        start,
        end,
        inferred: members
            .iter()
            .any(|&i| sources[i].origin == WindowOrigin::Inferred),
        complete: members.iter().all(|&i| sources[i].complete),
    });
    (window, left_out)
}

/// Notes on usage sources left out of the coverage window.
pub(crate) fn window_notes(
    sources: &[UsageSource],
    window: Option<Window>,
    left_out: &[usize],
) -> Vec<Diagnostic> {
    let Some(window) = window else {
        return Vec::new();
    };
    left_out
        .iter()
        .filter_map(|&i| {
            let source = &sources[i];
            let (start, end) = (source.start?, source.end?);
            Some(Diagnostic::note(
                DiagnosticCode::UsageWindowGap,
                format!(
                    "This usage file covers {} to {}, separated by a gap from the later \
                     evidence ({}): its events count as use, but idleness is judged over {} only",
                    start.date_naive(),
                    end.date_naive(),
                    window.span(),
                    window.span(),
                ),
                Some(SourceLocation::file(source.path.clone())),
            ))
        })
        .collect()
}

/// A warning when usage events are dated after the as-of time: they count
/// as events, never as a key's last use.
pub(crate) fn late_events(input: &AuditInput<'_>, as_of: DateTime<Utc>) -> Option<Diagnostic> {
    let late = input.usage?.tally.after_as_of();
    (late > 0).then(|| {
        Diagnostic::warning(
            DiagnosticCode::UsageAfterAsOf,
            format!(
                "{late} usage event(s) are dated after the audit's as-of time {}: they count as \
                 events, but none is taken as a key's last use",
                as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            None,
        )
    })
}

/// One usage view per inventory key, in inventory order.
pub(crate) fn views(
    input: &AuditInput<'_>,
    window: Option<Window>,
    warn_after_days: i64,
    as_of: DateTime<Utc>,
) -> Vec<UsageView> {
    input
        .inventory
        .keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let mut view = UsageView::from_inventory(key);
            if let Some(usage) = input.usage {
                let activity = usage.tally.key_activity(i);
                view = view.with_activity(
                    Activity {
                        events: activity.events,
                        password_events: activity.password_events,
                        last_event_at: activity.last_event_at,
                    },
                    as_of,
                );
                view.window = window;
            }
            view.state = view.judge(key, warn_after_days, as_of);
            view
        })
        .collect()
}

/// The report's coverage: the window, the attribution counts and the most
/// frequent user agents and addresses among unattributed events.
pub(crate) fn coverage(
    input: &AuditInput<'_>,
    window: Option<Window>,
    views: &[UsageView],
) -> Coverage {
    let mut coverage = Coverage {
        keys_with_inventory_last_use: views
            .iter()
            .filter(|u| u.source == Some(LastUsedSource::Inventory))
            .count(),
        ..Coverage::default()
    };
    if let Some(usage) = input.usage {
        let tally = &usage.tally;
        coverage.usage_window = window.map(Window::to_model);
        coverage.events_seen = usage.sources.iter().map(|s| s.events).sum();
        coverage.attributed = tally.attributed();
        coverage.ambiguous = tally.ambiguous();
        coverage.unattributed = tally.unattributed();
        coverage.keys_with_activity = views
            .iter()
            .filter(|u| u.activity.is_some_and(|a| a.events > 0))
            .count();
        coverage.top_unattributed_user_agents = tally.top_unattributed_user_agents(TOP_VALUES);
        coverage.top_unattributed_ips = tally.top_unattributed_ips(TOP_VALUES);
    }
    coverage
}

/// Whole days from `from` to `to`, rounded down; 0 when `to` is earlier.
pub(crate) fn whole_days(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    to.signed_duration_since(from).num_days().max(0)
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, TimeZone};

    use super::*;

    #[test]
    fn whole_days_round_down_and_clamp() {
        let t = |d, h| Utc.with_ymd_and_hms(2026, 1, d, h, 0, 0).unwrap();
        assert_eq!(whole_days(t(1, 12), t(3, 11)), 1);
        assert_eq!(whole_days(t(1, 12), t(3, 12)), 2);
        assert_eq!(whole_days(t(3, 12), t(1, 12)), 0);
    }

    fn source(start: u32, end: u32, origin: WindowOrigin, complete: bool) -> UsageSource {
        let t = |d| Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap();
        UsageSource {
            path: format!("{start}-{end}.jsonl"),
            format: "jsonl".into(),
            start: Some(t(start)),
            end: Some(t(end)),
            origin,
            complete,
            events: 1,
            digest: None,
        }
    }

    #[test]
    fn touching_windows_join_and_gaps_keep_the_latest_span() {
        use WindowOrigin::*;
        let sources = [
            source(20, 25, Declared, true),
            source(1, 5, Inferred, false),
            source(10, 20, Declared, true),
            source(12, 14, Given, true),
        ];
        let (window, left_out) = coverage_window(&sources);
        let w = window.unwrap();
        assert_eq!((w.start.day(), w.end.day()), (10, 25));
        assert!(
            !w.inferred && w.complete,
            "the left-out source does not count"
        );
        assert_eq!(left_out, [1]);
        let (window, left_out) = coverage_window(&sources[1..2]);
        assert!(window.unwrap().inferred);
        assert!(!window.unwrap().complete);
        assert!(left_out.is_empty());
        assert_eq!(coverage_window(&[]), (None, vec![]));
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
