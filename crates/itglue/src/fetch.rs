//! Fetching a window: cutting it into windows of at most 7 days, splitting
//! the dense ones, fetching concurrently, de-duplicating.

use std::cmp::{Ordering, Reverse};
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use crate::client::Client;
use crate::config::{FetchConfig, MAX_PAGES, TimeRange};
use crate::error::FetchError;
use crate::key::ApiKey;

/// One activity-log resource as the API returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLog {
    id: String,
    created_at: DateTime<Utc>,
    json: Box<str>,
}

impl RawLog {
    pub(crate) fn new(id: String, created_at: DateTime<Utc>, json: Box<str>) -> Self {
        Self {
            id,
            created_at,
            json,
        }
    }

    /// The log's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its `created-at` attribute, in UTC.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// The resource (`{"id","type","attributes":{…}}`) as the API sent it,
    /// on one line: only whitespace between tokens is removed.
    pub fn json(&self) -> &str {
        &self.json
    }
}

/// The events of one fetched window.
///
/// Batches arrive in the order their windows finish, not in time order. The
/// windows of two batches share at most one boundary second; sort batches by
/// window to get every event in time order. Within a batch, logs are sorted by
/// `created-at`, then id (numeric ids numerically), and no log id is repeated
/// across batches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogBatch {
    /// The window the logs were fetched for.
    pub window: TimeRange,
    /// The logs, sorted.
    pub logs: Vec<RawLog>,
}

/// Where a fetch stands, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressSnapshot {
    /// Windows finished (fetched, or split into two).
    pub windows_done: u64,
    /// Windows known so far (grows as dense windows are split).
    pub windows_total: u64,
    /// Events received (after de-duplication).
    pub events: u64,
    /// HTTP requests sent.
    pub requests: u64,
    /// Requests repeated after a 429, 5xx, timeout, connection error or bad body.
    pub retries: u64,
    /// While IT Glue's HTTP 429 holds every request back: how much longer.
    pub waiting: Option<std::time::Duration>,
}

/// Receives progress during a fetch (e.g. a progress bar). Any
/// `Fn(&ProgressSnapshot)` closure is one.
pub trait Progress: Send + Sync {
    /// Called after every request and every finished window.
    fn update(&self, snapshot: &ProgressSnapshot);
}

impl<F: Fn(&ProgressSnapshot) + Send + Sync> Progress for F {
    fn update(&self, snapshot: &ProgressSnapshot) {
        self(snapshot);
    }
}

/// No progress display.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _snapshot: &ProgressSnapshot) {}
}

/// What a fetch did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FetchReport {
    /// Events delivered (each log id once).
    pub events: u64,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Requests repeated after a 429, 5xx, timeout, connection error or bad body.
    pub retries: u64,
    /// Answers with HTTP 429.
    pub rate_limited: u64,
    /// Windows split in two because they held more than 5 pages of events.
    pub splits: u64,
    /// Events received twice (at a boundary second shared by two windows,
    /// or on two pages) and delivered once.
    pub duplicates: u64,
    /// Of [`FetchReport::duplicates`], those whose content differed from
    /// the first one received (which is the one delivered).
    pub conflicting: u64,
    /// Events dropped because their `created-at` lies outside the window
    /// they were asked for (a server bug: a year-9999 event, say).
    pub outside_window: u64,
    /// Events in which some text held part of the API key used for the
    /// fetch: [`write_usage_jsonl`](crate::write_usage_jsonl) withholds
    /// that text from the file (always 0 from [`fetch_logs`], which hands
    /// records over as received).
    pub withheld: u64,
    /// False when a window that cannot be split (one second) held more
    /// than 5 pages of events: the fetch stopped there, at once, and lacks
    /// that window's other events and those of every window not yet
    /// fetched. The window is in [`FetchReport::incomplete_windows`].
    pub complete: bool,
    /// The window that stopped an incomplete fetch.
    pub incomplete_windows: Vec<TimeRange>,
}

/// What fetching one window came to.
enum Outcome {
    /// Every event of the window (or, when `complete` is false, the first 5
    /// pages of a window that cannot be split).
    Logs { logs: Vec<RawLog>, complete: bool },
    /// Too many events: fetch these two halves instead.
    Split([TimeRange; 2]),
}

/// Fetches every activity log of `config.window` and hands them to `sink`,
/// one [`LogBatch`] per window, each log id once.
///
/// Fails at the first error that retries could not overcome (the windows in
/// flight are abandoned), at the first error of `sink`, or when the fetch
/// would outlast [`FetchConfig::max_time`]. An incomplete fetch (a second
/// holding more than 5 pages of events) stops at once but is not an error:
/// see [`FetchReport::complete`].
///
/// Events outside the window they were asked for are dropped and counted
/// ([`FetchReport::outside_window`]); a log id received again is delivered
/// once, the first content received winning
/// ([`FetchReport::conflicting`]). Records are otherwise handed over as
/// received (whitespace and needless escapes removed): they may hold
/// anything the server sent, the API key included.
pub async fn fetch_logs<F>(
    key: &ApiKey,
    config: &FetchConfig,
    progress: &dyn Progress,
    mut sink: F,
) -> Result<FetchReport, FetchError>
where
    F: FnMut(LogBatch) -> std::io::Result<()>,
{
    let client = Client::new(key, config)?;
    let mut queue: BinaryHeap<Reverse<TimeRange>> =
        top_windows(&config.window, config.max_window.as_secs())
            .into_iter()
            .map(Reverse)
            .collect();
    let mut report = FetchReport::default();
    let mut incomplete = BTreeSet::new();
    let mut seen: HashMap<Box<str>, u64> = HashMap::new();
    let tracker = Tracker {
        client: &client,
        progress,
        page_size: u64::from(config.page_size),
        windows_done: AtomicU64::new(0),
        windows_total: AtomicU64::new(queue.len() as u64),
        events: AtomicU64::new(0),
        outside_window: AtomicU64::new(0),
    };
    let mut in_flight = FuturesUnordered::new();
    loop {
        while in_flight.len() < config.concurrency {
            let Some(Reverse(window)) = queue.pop() else {
                break;
            };
            in_flight.push(fetch_window(&tracker, window));
        }
        let next = tokio::time::timeout_at(client.deadline, in_flight.next())
            .await
            .map_err(|_| client.out_of_time(String::new()))?;
        let Some(done) = next else {
            break;
        };
        let (window, outcome) = done?;
        match outcome {
            Outcome::Split(halves) => {
                tracing::debug!(window = %window, "more than {MAX_PAGES} pages: splitting the window");
                report.splits += 1;
                tracker.windows_total.fetch_add(2, AtomicOrdering::Relaxed);
                queue.extend(halves.map(Reverse));
            }
            Outcome::Logs { mut logs, complete } => {
                let (duplicates, conflicting) = dedupe(&mut logs, &mut seen);
                report.duplicates += duplicates;
                report.conflicting += conflicting;
                report.events += logs.len() as u64;
                tracker.events.store(report.events, AtomicOrdering::Relaxed);
                sink(LogBatch { window, logs }).map_err(FetchError::Sink)?;
                if !complete {
                    tracing::debug!(window = %window, "more than {MAX_PAGES} pages of events in one second: the fetch stops");
                    incomplete.insert(window);
                    tracker.windows_done.fetch_add(1, AtomicOrdering::Relaxed);
                    tracker.report();
                    break;
                }
            }
        }
        tracker.windows_done.fetch_add(1, AtomicOrdering::Relaxed);
        tracker.report();
    }
    drop(in_flight);
    let stats = &client.stats;
    report.requests = stats.requests.load(AtomicOrdering::Relaxed);
    report.retries = stats.retries.load(AtomicOrdering::Relaxed);
    report.rate_limited = stats.rate_limited.load(AtomicOrdering::Relaxed);
    report.outside_window = tracker.outside_window.load(AtomicOrdering::Relaxed);
    report.complete = incomplete.is_empty();
    report.incomplete_windows = incomplete.into_iter().collect();
    tracing::debug!(
        events = report.events,
        requests = report.requests,
        retries = report.retries,
        splits = report.splits,
        complete = report.complete,
        "fetch done"
    );
    Ok(report)
}

/// The client, the progress counters and where to report them, shared by the
/// window futures.
struct Tracker<'a> {
    client: &'a Client,
    progress: &'a dyn Progress,
    page_size: u64,
    windows_done: AtomicU64,
    windows_total: AtomicU64,
    events: AtomicU64,
    outside_window: AtomicU64,
}

impl Tracker<'_> {
    fn report(&self) {
        let load = |a: &AtomicU64| a.load(AtomicOrdering::Relaxed);
        self.progress.update(&ProgressSnapshot {
            windows_done: load(&self.windows_done),
            windows_total: load(&self.windows_total),
            events: load(&self.events),
            requests: load(&self.client.stats.requests),
            retries: load(&self.client.stats.retries),
            waiting: self.client.paused_for(),
        });
    }
}

/// Fetches up to 5 pages of `window`; says to split it when it holds more.
async fn fetch_window(
    tracker: &Tracker<'_>,
    window: TimeRange,
) -> Result<(TimeRange, Outcome), FetchError> {
    let halves = split(&window);
    let mut logs = Vec::new();
    let (first, last) = (window.start.timestamp(), window.end.timestamp());
    for number in 1..=MAX_PAGES {
        let page = tracker
            .client
            .get_page(&window, number, &|_| tracker.report())
            .await?;
        tracker.report();
        let received = page.logs.len() as u64;
        for log in page.logs {
            if !(first..=last).contains(&log.created_at.timestamp()) {
                tracker.outside_window.fetch_add(1, AtomicOrdering::Relaxed);
                continue;
            }
            logs.push(log);
        }
        // Without `meta`, a full page is taken to mean there may be more.
        let more = page.next_page.unwrap_or(received >= tracker.page_size);
        // `total-count` tells on page 1 whether 5 pages (of the size the
        // server actually serves) can hold the window.
        if let (1, Some(total), Some(halves)) = (number, page.total_count, halves) {
            if more && received > 0 && total > u64::from(MAX_PAGES) * received {
                return Ok((window, Outcome::Split(halves)));
            }
        }
        if !more || received == 0 {
            return Ok((
                window,
                Outcome::Logs {
                    logs,
                    complete: true,
                },
            ));
        }
    }
    // Page 5 was full and had a next page.
    Ok(match halves {
        Some(halves) => (window, Outcome::Split(halves)),
        None => (
            window,
            Outcome::Logs {
                logs,
                complete: false,
            },
        ),
    })
}

/// `window` cut into windows of at most `max_seconds`, adjacent ones sharing
/// their boundary second.
fn top_windows(window: &TimeRange, max_seconds: u64) -> Vec<TimeRange> {
    let step = TimeDelta::seconds(i64::try_from(max_seconds.max(1)).unwrap_or(i64::MAX / 2));
    let mut windows = Vec::new();
    let mut start = window.start;
    loop {
        let end = start
            .checked_add_signed(step)
            .map_or(window.end, |e| e.min(window.end));
        windows.push(TimeRange { start, end });
        if end >= window.end {
            return windows;
        }
        start = end;
    }
}

/// The two halves of `window`, sharing the midpoint second; a window of two
/// adjacent seconds splits into its two seconds; a single second cannot be
/// split.
fn split(window: &TimeRange) -> Option<[TimeRange; 2]> {
    let span = window.span_seconds();
    match span {
        ..=0 => None,
        1 => Some([
            TimeRange {
                start: window.start,
                end: window.start,
            },
            TimeRange {
                start: window.end,
                end: window.end,
            },
        ]),
        _ => {
            let mid = window.start + TimeDelta::seconds(span / 2);
            Some([
                TimeRange {
                    start: window.start,
                    end: mid,
                },
                TimeRange {
                    start: mid,
                    end: window.end,
                },
            ])
        }
    }
}

/// Drops the logs whose id was already received (in this window or
/// another: adjacent windows share a boundary second, and a page boundary
/// may move), keeping the first received, then sorts the rest by
/// `created-at`, then id. Returns how many were dropped, and how many of
/// those differed from the one kept.
///
/// Every id received is remembered (with a hash of its content), so that
/// an id served again at another time is caught too.
fn dedupe(logs: &mut Vec<RawLog>, seen: &mut HashMap<Box<str>, u64>) -> (u64, u64) {
    let before = logs.len();
    let mut conflicting = 0;
    logs.retain(|log| {
        let content = content_hash(&log.json);
        match seen.entry(log.id.as_str().into()) {
            Entry::Vacant(entry) => {
                entry.insert(content);
                true
            }
            Entry::Occupied(entry) => {
                conflicting += u64::from(*entry.get() != content);
                false
            }
        }
    });
    logs.sort_unstable_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then_with(|| compare_ids(&a.id, &b.id))
    });
    ((before - logs.len()) as u64, conflicting)
}

/// A hash of a log's text (the same on every run).
fn content_hash(json: &str) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    json.hash(&mut hasher);
    hasher.finish()
}

/// Numeric ids (IT Glue's) in numeric order, before any other id in text
/// order: a total order.
fn compare_ids(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match (numeric(a), numeric(b)) {
        (true, true) => {
            let (ta, tb) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
            ta.len()
                .cmp(&tb.len())
                .then_with(|| ta.cmp(tb))
                .then_with(|| a.cmp(b))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn range(a: &str, b: &str) -> TimeRange {
        TimeRange {
            start: t(a),
            end: t(b),
        }
    }

    #[test]
    fn top_windows_share_boundaries() {
        let w = range("2026-11-01T00:00:00Z", "2026-11-20T12:00:00Z");
        let windows = top_windows(&w, 7 * 86_400);
        assert_eq!(
            windows,
            vec![
                range("2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z"),
                range("2026-11-08T00:00:00Z", "2026-11-15T00:00:00Z"),
                range("2026-11-15T00:00:00Z", "2026-11-20T12:00:00Z"),
            ]
        );
        let point = range("2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z");
        assert_eq!(top_windows(&point, 60), vec![point]);
    }

    #[test]
    fn split_always_makes_progress() {
        let w = range("2026-11-01T00:00:00Z", "2026-11-01T00:00:05Z");
        let [a, b] = split(&w).unwrap();
        assert_eq!(a, range("2026-11-01T00:00:00Z", "2026-11-01T00:00:02Z"));
        assert_eq!(b, range("2026-11-01T00:00:02Z", "2026-11-01T00:00:05Z"));
        let [a, b] = split(&range("2026-11-01T00:00:00Z", "2026-11-01T00:00:01Z")).unwrap();
        assert_eq!((a.span_seconds(), b.span_seconds()), (0, 0));
        assert_ne!(a, b);
        assert!(split(&a).is_none());
    }

    #[test]
    fn ids_sort_numerically_then_textually() {
        let mut ids = vec!["10", "9", "a", "010", "B", "100"];
        ids.sort_by(|a, b| compare_ids(a, b));
        assert_eq!(ids, vec!["9", "010", "10", "100", "B", "a"]);
    }

    #[test]
    fn dedupe_keeps_the_first_of_each_id() {
        let log = |id: &str, at: &str, json: &str| RawLog::new(id.into(), t(at), json.into());
        let mut seen = HashMap::new();
        let mut a = vec![
            log("3", "2026-11-01T00:00:10Z", "{3}"),
            log("1", "2026-11-01T00:00:05Z", "{1}"),
            log("2", "2026-11-01T00:00:10Z", "{2}"),
            log("1", "2026-11-01T00:00:05Z", "{1}"),
            // The same id at another time, with other content.
            log("2", "2026-11-01T00:00:01Z", "{2 again}"),
        ];
        assert_eq!(dedupe(&mut a, &mut seen), (2, 1));
        assert_eq!(
            a.iter().map(RawLog::id).collect::<Vec<_>>(),
            ["1", "2", "3"]
        );
        let mut b = vec![
            log("2", "2026-11-01T00:00:10Z", "{2}"),
            log("3", "2026-11-01T00:00:10Z", "{3 changed}"),
            log("4", "2026-11-01T00:00:15Z", "{4}"),
        ];
        assert_eq!(dedupe(&mut b, &mut seen), (2, 1));
        assert_eq!(b.iter().map(RawLog::id).collect::<Vec<_>>(), ["4"]);
        assert_eq!(b[0].json(), "{4}");
    }
}
