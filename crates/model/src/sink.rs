//! The seam between reading usage evidence and counting it.

use crate::UsageEvent;

/// What a usage reader hands its events to (ripgrep's `Sink` idea): the
/// reader sees only this trait, never how events are counted, and a
/// consumer never sees how a file is buffered, cut or spread over threads.
///
/// A reader gives each part of its input (a byte range of a file, or the
/// whole input) a [`tally`](EventSink::tally) of its own, hands it that
/// part's events in file order with [`observe`](EventSink::observe), and
/// merges the tallies in file order with [`merge`](EventSink::merge). A
/// sink is shared by the threads that read (`Sync`), its tallies move
/// between them (`Send`).
///
/// ```
/// use keyaudit_model::{EventSink, UsageEvent};
///
/// /// Counts events.
/// struct Count;
///
/// impl EventSink for Count {
///     type Tally = u64;
///     fn tally(&self) -> u64 {
///         0
///     }
///     fn observe(&self, tally: &mut u64, _event: &UsageEvent<'_>) {
///         *tally += 1;
///     }
///     fn merge(&self, total: &mut u64, later: u64) {
///         *total += later;
///     }
/// }
///
/// let event = UsageEvent::at(chrono::DateTime::UNIX_EPOCH);
/// let (mut first, mut second) = (Count.tally(), Count.tally());
/// Count.observe(&mut first, &event);
/// Count.observe(&mut second, &event);
/// Count.merge(&mut first, second);
/// assert_eq!(first, 2);
/// ```
pub trait EventSink: Sync {
    /// What the events of one part are counted into.
    type Tally: Send;

    /// A new, empty tally.
    fn tally(&self) -> Self::Tally;

    /// Counts one event into `tally`.
    fn observe(&self, tally: &mut Self::Tally, event: &UsageEvent<'_>);

    /// Adds `later`, the tally of the part right after those counted in
    /// `total`, to `total`.
    fn merge(&self, total: &mut Self::Tally, later: Self::Tally);
}
