//! Usage evidence: IT Glue activity-log events and the window they cover.
//!
//! [`read_usage`] reads one usage file from any [`BufRead`], streaming: each
//! event is handed to a callback as a [`UsageEvent`] that borrows from the
//! reader's buffers, and nothing is kept per event, so memory does not grow
//! with the size of the file. [`read_usage_file`] does the same from a path.
//!
//! # Formats
//!
//! The format is detected from the content, never from the file name. A
//! UTF-8 byte-order mark and leading blank lines are skipped; the first
//! non-whitespace byte decides:
//!
//! * **`{` — a keyaudit usage JSONL** (`format = "jsonl"`) when that first
//!   object has a `schema` field. This is what `keyaudit fetch-usage` writes:
//!   line 1 is a header, then one log resource per line:
//!
//!   ```text
//!   {"schema":"keyaudit.usage/v1","source":"itglue-api","base_url":"https://api.itglue.com","window":{"start":"2024-03-01T00:00:00Z","end":"2024-03-31T00:00:00Z"},"complete":true,"events":2}
//!   {"id":"9001","type":"logs","attributes":{"created-at":"2024-03-04T10:22:31.000Z","user-agent":"HaloPSA/2.1 (+https://halopsa.com)"}}
//!   {"id":"9002","type":"logs","attributes":{"created-at":"2024-03-04T10:23:02.000Z","user-agent":"Rewst/1.0"}}
//!   ```
//!
//!   The schema must be `keyaudit.usage/v1`; `window.start` and
//!   `window.end` are RFC 3339 times (start before end); `complete` says
//!   whether every page of every window query was fetched; `events` is the
//!   number of resource lines. A header with `"complete": false`, or a file
//!   holding another number of events than `events`, is refused unless
//!   [`UsageOptions::allow_partial`] is set; then [`UsageSource::complete`]
//!   is false and the report says the evidence is partial. A last line
//!   without a newline that is not valid JSON means the file was cut short
//!   ([`IngestError::Truncated`]); with `allow_partial` that line is
//!   dropped and the source is marked incomplete. Blank lines are skipped.
//!   Lines are numbered from 1 (the header) in every message.
//!
//! * **`{` — a JSON:API document** (`format = "jsonapi"`): one saved
//!   `GET /logs` response, `{"data": [...], "meta": {...}, "links": {...}}`.
//!   The `data` array is streamed resource by resource (the document is
//!   never held whole). Messages name the resource by its 1-based position
//!   in `data` (`logs-page.json:3, column "attributes.created-at"`), or the
//!   line and column of a JSON syntax error.
//!
//! * **`[` — an array of log resources** (`format = "jsonapi"`), streamed
//!   the same way.
//!
//! * **Anything else — an Activity Logs CSV export** (`format = "csv"`),
//!   comma-, tab- or semicolon-separated (detected on the first line as for
//!   inventories). The first non-blank row is the header; columns are
//!   matched by name, ignoring case, spaces, `-` and `_`:
//!
//!   | field | accepted headers |
//!   |---|---|
//!   | time (required) | `Date`, `Date/Time`, `Date Time`, `Created At`, `Created`, `Timestamp`, `Event Time`, `Occurred At` |
//!   | actor | `User`, `Member`, `User Name`, `Actor`, `Performed By` |
//!   | user id | `User ID` |
//!   | action | `Action`, `Activity`, `Event` |
//!   | resource type | `Resource Type`, `Item Type`, `Type` |
//!   | resource name | `Resource`, `Resource Name`, `Item`, `Item Name` |
//!   | organization | `Organization`, `Organisation`, `Organization Name`, `Organization ID` |
//!   | IP address | `IP Address`, `IP`, `Source IP` |
//!   | user agent | `User Agent` |
//!   | id | `ID`, `Log ID`, `Event ID` |
//!
//!   Other columns are ignored; two columns giving one field are an error.
//!   Rows are numbered as a spreadsheet does, the header being row 1; blank
//!   rows are skipped. Empty cells read as absent.
//!
//! # Log resources
//!
//! A resource is `{"id": "123", "type": "logs", "attributes": {...}}` with
//! IT Glue's kebab-case attributes. Read: `created-at` (required),
//! `user-id`, `action`, `resource-type`, `resource-name`, `organization-id`,
//! `ip-address`, `user-agent`; every other attribute (`level`,
//! `account-id`, `ip-city`, `ip-region`, `ip-country`, …) is ignored, and a
//! missing or null optional attribute is `None`. Strings, numbers and
//! booleans are all read as text (IT Glue sends some ids as numbers).
//! A `type` other than `logs` is refused.
//!
//! # Times
//!
//! JSON `created-at` values and CSV cells accept the same forms:
//! `MM/DD/YYYY hh:mm AM/PM`, `MM/DD/YYYY hh:mm:ss AM/PM`, `MM/DD/YYYY HH:MM[:SS]`
//! (24-hour), `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM:SS[.fff]`, a date
//! alone (midnight), and any of the ISO forms with an offset (`Z`,
//! `+01:00`, `+0100`). A time with an offset is taken as given. A naive time
//! is read in [`UsageOptions::timezone`] (`--timezone`, an IANA name,
//! default UTC): a time that does not exist (the spring-forward gap) is read
//! with the offset in force before the gap — 02:30 in New York on
//! 2024-03-10 is 07:30 UTC, the instant also called 03:30 EDT, as java.time
//! and Python's `zoneinfo` read it —, and a time that happens twice (the
//! fall-back overlap) is the earlier instant.
//!
//! # The window
//!
//! Every source covers a window; "not seen in the window" is evidence of
//! at-least-that-long idleness, never more. The window is, in order:
//! the JSONL header's (`WindowOrigin::Declared`); else
//! [`UsageOptions::window`] (`--usage-window`, `WindowOrigin::Given`); else
//! the earliest to the latest event (`WindowOrigin::Inferred`; both ends
//! `None` when there is no event). Events outside a declared or given
//! window are still passed to the callback; [`UsageRead::outside_window`]
//! counts them.
//!
//! # Reading a file on several threads
//!
//! [`read_usage_file_parallel`] reads a JSONL or CSV file in byte ranges on
//! several threads (a JSON:API document is read whole), handing the events
//! to an [`EventSink`](keyaudit_model::EventSink): each range into a tally
//! of its own, tallies merged in file order. Its result — source, window,
//! event count, exposures and their places, errors — is the sequential
//! read's; see the [`parallel`] module for how.
//!
//! # Secrets
//!
//! A full API key (`ITG.<32 hex>.<secret>`) may appear in a user agent or a
//! resource name. Every JSONL line and CSV record is checked before it is
//! parsed (a `memchr` pre-check keeps the hot path fast; the redaction regex
//! runs only where a key may be), and every string that JSON escapes
//! changed (and every string of a JSON:API document) after it is parsed.
//! The callback only ever sees the masked form `ITG.<hex>.*****`; each key
//! is reported as an [`Exposure`] once per file and field, at the first row
//! (or line, or resource) where it appears.
//!
//! # Errors
//!
//! Every [`IngestError`] is one line naming the file, the line (JSONL), row
//! (CSV) or resource (JSON:API), the column or field, the value found
//! (redacted) and what would be valid. Non-UTF-8 input is refused. When a
//! file turns out to be bad after some events were handed to the callback
//! (a bad row, a count mismatch found at the end), the error still comes
//! back and the caller must discard what it gathered.
//!
//! ```
//! use keyaudit_ingest::{UsageOptions, read_usage};
//! use keyaudit_model::WindowOrigin;
//!
//! let export = "Date,User,Action,Resource Type,User Agent\n\
//!     03/04/2024 10:22 AM,HaloPSA Sync,show,Password,HaloPSA/2.1 (+https://halopsa.com)\n\
//!     03/04/2024 02:05 PM,Rewst Bot,update,Configuration,Rewst/1.0\n";
//! let options = UsageOptions {
//!     timezone: keyaudit_ingest::parse_timezone("America/New_York")?,
//!     ..UsageOptions::default()
//! };
//! let mut agents = Vec::new();
//! let read = read_usage("activity.csv", export.as_bytes(), &options, |event| {
//!     agents.push(event.user_agent.as_deref().unwrap_or("").to_string());
//! })?;
//! assert_eq!(read.source.format, "csv");
//! assert_eq!(read.source.events, 2);
//! assert_eq!(read.source.origin, WindowOrigin::Inferred);
//! assert_eq!(read.source.start.unwrap().to_rfc3339(), "2024-03-04T15:22:00+00:00");
//! assert_eq!(agents[1], "Rewst/1.0");
//! # Ok::<(), keyaudit_ingest::IngestError>(())
//! ```

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use keyaudit_model::{
    Exposure, KeyFingerprint, Setting, SourceLocation, UsageEvent, UsageSource, WindowOrigin,
};

use crate::IngestError;
use crate::error::{SHOW_MAX, show};
use keyaudit_model::key_shape::{may_contain_full_key, redact_secrets};

mod csv_export;
mod detect;
mod hashing;
mod jsonapi;
mod jsonl;
pub mod parallel;
mod rows;
mod scan;
pub(crate) mod time;

pub use chrono_tz::Tz;
pub use parallel::{ParallelOptions, read_usage_file_parallel};

use detect::Kind;
use hashing::Hashing;
use time::Zone;

/// How usage files are read (the CLI's `--timezone`, `--usage-window` and
/// `--allow-partial`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageOptions {
    /// The time zone naive times (CSV exports) are read in; UTC by default.
    pub timezone: Tz,
    /// The window the sources cover, when the user says so
    /// (`--usage-window`); a JSONL header's own window wins over it.
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Accept a `fetch-usage` file that says it is incomplete, holds fewer
    /// events than it declares or is cut short; the source is then marked
    /// incomplete.
    pub allow_partial: bool,
}

impl Default for UsageOptions {
    fn default() -> Self {
        Self {
            timezone: Tz::UTC,
            window: None,
            allow_partial: false,
        }
    }
}

/// One usage file as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRead {
    /// The file, its format, its window and the number of events.
    pub source: UsageSource,
    /// Full keys found (and redacted) in the file: one per key and field,
    /// at the first place it appears.
    pub exposures: Vec<Exposure>,
    /// Events outside the declared or given window (still passed to the
    /// callback); always 0 for an inferred window.
    pub outside_window: u64,
}

/// What `--timezone` accepts.
const TIMEZONE_EXPECTED: &str =
    "an IANA time-zone name such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\"";

/// What `--usage-window` accepts.
const WINDOW_EXPECTED: &str = "START..END with START before END, each a date such as 2024-03-01 \
     (UTC; a date as END includes that whole day) or an RFC 3339 time such as \
     2024-03-01T00:00:00Z, e.g. 2024-03-01..2024-03-31";

/// Parses an IANA time-zone name (`--timezone`), ignoring case.
///
/// ```
/// let tz = keyaudit_ingest::parse_timezone("europe/berlin")?;
/// assert_eq!(tz.name(), "Europe/Berlin");
/// assert!(keyaudit_ingest::parse_timezone("CEST").is_err());
/// # Ok::<(), keyaudit_ingest::IngestError>(())
/// ```
pub fn parse_timezone(name: &str) -> Result<Tz, IngestError> {
    let wanted = name.trim();
    wanted
        .parse::<Tz>()
        .ok()
        .or_else(|| {
            chrono_tz::TZ_VARIANTS
                .iter()
                .copied()
                .find(|tz| tz.name().eq_ignore_ascii_case(wanted))
        })
        .ok_or_else(|| IngestError::InvalidOption {
            option: Setting::Timezone,
            value: show(name, SHOW_MAX),
            expected: TIMEZONE_EXPECTED.to_string(),
        })
}

/// Parses a usage window (`--usage-window START..END`).
///
/// Each end is an RFC 3339 time or a date (`YYYY-MM-DD`, UTC). A date as
/// START is the start of that day; a date as END includes that whole day
/// (the window ends at the next midnight), so `2024-03-01..2024-03-31` is
/// all of March. START must be before END.
///
/// ```
/// let (start, end) = keyaudit_ingest::parse_usage_window("2024-03-01..2024-03-31")?;
/// assert_eq!(start.to_rfc3339(), "2024-03-01T00:00:00+00:00");
/// assert_eq!(end.to_rfc3339(), "2024-04-01T00:00:00+00:00");
/// # Ok::<(), keyaudit_ingest::IngestError>(())
/// ```
pub fn parse_usage_window(text: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), IngestError> {
    let invalid = |expected: String| IngestError::InvalidOption {
        option: Setting::UsageWindow,
        value: show(text, SHOW_MAX),
        expected,
    };
    let (start, end) = text
        .split_once("..")
        .ok_or_else(|| invalid(WINDOW_EXPECTED.to_string()))?;
    let end_of = |part: &str, is_end: bool| -> Option<DateTime<Utc>> {
        let part = part.trim();
        if let Ok(date) = NaiveDate::parse_from_str(part, "%Y-%m-%d") {
            let day = if is_end {
                date.checked_add_signed(TimeDelta::days(1))?
            } else {
                date
            };
            return Some(day.and_time(chrono::NaiveTime::MIN).and_utc());
        }
        time::parse_rfc3339(part)
    };
    let start_at = end_of(start, false).ok_or_else(|| {
        invalid(format!(
            "a valid START (`{}`): {WINDOW_EXPECTED}",
            show(start, SHOW_MAX)
        ))
    })?;
    let end_at = end_of(end, true).ok_or_else(|| {
        invalid(format!(
            "a valid END (`{}`): {WINDOW_EXPECTED}",
            show(end, SHOW_MAX)
        ))
    })?;
    if start_at >= end_at {
        return Err(invalid(format!("START before END: {WINDOW_EXPECTED}")));
    }
    Ok((start_at, end_at))
}

/// Reads one usage file, handing each event to `on_event` as it is read.
///
/// `source` is the file name as the user gave it; every message, location
/// and the returned [`UsageSource::path`] use it. The reader is read to its
/// end, and [`UsageSource::digest`] is the digest of every byte read from
/// it (what the parser left unread after the last event included). See the [module
/// documentation](self) for the formats, the window rules and the errors.
pub fn read_usage<R: BufRead>(
    source: &str,
    reader: R,
    options: &UsageOptions,
    on_event: impl FnMut(&UsageEvent<'_>),
) -> Result<UsageRead, IngestError> {
    let mut reader = Hashing::new(reader);
    let mut read = parse_usage(source, &mut reader, options, on_event)?;
    let digest = reader.finish().map_err(|err| IngestError::Io {
        file: source.to_string(),
        source: err,
    })?;
    read.source.digest = Some(digest);
    Ok(read)
}

/// Reads the events of one usage file (see [`read_usage`]).
fn parse_usage<R: BufRead>(
    source: &str,
    mut reader: R,
    options: &UsageOptions,
    on_event: impl FnMut(&UsageEvent<'_>),
) -> Result<UsageRead, IngestError> {
    let start = detect::start(source, &mut reader)?;
    let mut counter = Counter::new(source, options, on_event);
    match start.kind {
        Kind::Empty => Err(IngestError::Syntax {
            location: SourceLocation::file(source),
            problem: "the file is empty".to_string(),
            expected: "a saved IT Glue /logs response (JSON:API), a keyaudit usage JSONL \
                       (from fetch-usage) or an Activity Logs CSV export"
                .to_string(),
        }),
        Kind::Text => {
            csv_export::read(&mut reader, start, &mut counter)?;
            Ok(counter.finish("csv", WindowRule::given_or_inferred(options), true))
        }
        Kind::Object | Kind::Array => match jsonapi::read(&mut reader, start, &mut counter)? {
            jsonapi::Top::Document => {
                Ok(counter.finish("jsonapi", WindowRule::given_or_inferred(options), true))
            }
            jsonapi::Top::Header(raw) => {
                let header = jsonl_header(source, &raw, options, &mut counter)?;
                counter.bounds = Some(header.window);
                let end = jsonl::read_events(&mut reader, raw.end_line, raw.offset, &mut counter)?;
                finish_jsonl(counter, &header, end.truncated, options)
            }
        },
    }
}

/// The JSONL source once every line is read: the number of events must be
/// the header's (unless `--allow-partial`).
fn finish_jsonl<F: FnMut(&UsageEvent<'_>)>(
    counter: Counter<'_, F>,
    header: &jsonl::Header,
    truncated: bool,
    options: &UsageOptions,
) -> Result<UsageRead, IngestError> {
    let mut complete = header.complete && !truncated;
    if counter.counts.events != header.events {
        if !options.allow_partial {
            return Err(IngestError::EventCountMismatch {
                file: counter.source.to_string(),
                declared: header.events,
                found: counter.counts.events,
            });
        }
        complete = false;
    }
    Ok(counter.finish("jsonl", WindowRule::Declared(header.window), complete))
}

/// Checks a JSONL header for the read: a header saying the fetch was
/// incomplete is refused unless `--allow-partial`. The full keys it lists
/// go to `counter`.
fn jsonl_header<F: FnMut(&UsageEvent<'_>)>(
    source: &str,
    raw: &jsonapi::RawHeader,
    options: &UsageOptions,
    counter: &mut Counter<'_, F>,
) -> Result<jsonl::Header, IngestError> {
    let header = jsonl::header(source, raw)?;
    for (fingerprint, location) in jsonl::header_exposures(source, raw)? {
        counter.exposure(fingerprint, location);
    }
    if !header.complete && !options.allow_partial {
        return Err(IngestError::IncompleteFetch {
            location: SourceLocation::row(source, raw.line).with_column("complete"),
        });
    }
    Ok(header)
}

/// Opens and reads one usage file (see [`read_usage`]); the file name in
/// messages is the path as given.
pub fn read_usage_file(
    path: &Path,
    options: &UsageOptions,
    on_event: impl FnMut(&UsageEvent<'_>),
) -> Result<UsageRead, IngestError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| IngestError::Io {
        file: name.clone(),
        source,
    })?;
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    read_usage(&name, reader, options, on_event)
}

/// Which window a source reports.
#[derive(Debug, Clone, Copy)]
enum WindowRule {
    Declared((DateTime<Utc>, DateTime<Utc>)),
    Given((DateTime<Utc>, DateTime<Utc>)),
    Inferred,
}

impl WindowRule {
    fn given_or_inferred(options: &UsageOptions) -> Self {
        options
            .window
            .map_or(WindowRule::Inferred, WindowRule::Given)
    }
}

/// What a counter counted: events, their span, events outside the window,
/// and exposures (each key and column once, at its first place).
#[derive(Debug, Default)]
pub(crate) struct Counts {
    events: u64,
    earliest: Option<DateTime<Utc>>,
    latest: Option<DateTime<Utc>>,
    outside: u64,
    exposures: Vec<Exposure>,
}

/// Receives the events of one file (or of one range of it): counts them,
/// tracks their span, records exposures and passes each event on (to the
/// reader's [`EventSink`](keyaudit_model::EventSink), or a callback).
pub(crate) struct Counter<'s, F> {
    /// The file as the user named it.
    pub(crate) source: &'s str,
    /// The zone naive times are read in.
    pub(crate) zone: Zone,
    /// Whether `--allow-partial` was given.
    pub(crate) allow_partial: bool,
    on_event: F,
    counts: Counts,
    /// The declared or given window, for counting events outside it.
    bounds: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// (fingerprint, column) pairs already reported.
    exposed: BTreeSet<(KeyFingerprint, Option<String>)>,
    /// Set when a parallel read gives up: the readers stop early.
    stop: Option<&'s AtomicBool>,
    /// The last date read.
    dates: time::Dates,
}

impl<'s, F: FnMut(&UsageEvent<'_>)> Counter<'s, F> {
    fn new(source: &'s str, options: &UsageOptions, on_event: F) -> Self {
        Self {
            source,
            zone: Zone::new(options.timezone),
            allow_partial: options.allow_partial,
            on_event,
            counts: Counts::default(),
            bounds: options.window,
            exposed: BTreeSet::new(),
            stop: None,
            dates: time::Dates::default(),
        }
    }

    /// An event time (see [`time::parse_time_with`]) in the read's zone.
    #[inline]
    pub(crate) fn parse_time(&mut self, text: &str) -> Option<DateTime<Utc>> {
        time::parse_time_with(text, self.zone, &mut self.dates)
    }

    /// Counts an event and passes it to the callback.
    #[inline]
    pub(crate) fn emit(&mut self, event: &UsageEvent<'_>) {
        let at = event.created_at;
        let counts = &mut self.counts;
        counts.events += 1;
        counts.earliest = Some(counts.earliest.map_or(at, |e| e.min(at)));
        counts.latest = Some(counts.latest.map_or(at, |l| l.max(at)));
        if let Some((start, end)) = self.bounds {
            if at < start || at > end {
                counts.outside += 1;
            }
        }
        (self.on_event)(event);
    }

    /// True when a parallel read has given up.
    #[inline]
    pub(crate) fn stopped(&self) -> bool {
        self.stop.is_some_and(|stop| stop.load(Ordering::Relaxed))
    }

    /// What was counted (the callback is dropped).
    fn into_counts(self) -> Counts {
        self.counts
    }

    /// Adds the counts of a range read after everything this counter counted;
    /// the range's rows are numbered from `row_base + 1`.
    fn absorb(&mut self, counts: Counts, row_base: usize) {
        let mine = &mut self.counts;
        mine.events += counts.events;
        mine.earliest = match (mine.earliest, counts.earliest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        mine.latest = mine.latest.max(counts.latest);
        mine.outside += counts.outside;
        for mut exposure in counts.exposures {
            exposure.location.row = exposure.location.row.map(|row| row + row_base);
            self.exposure(exposure.fingerprint, exposure.location);
        }
    }

    /// Records a full key found at a place, once per key and column.
    pub(crate) fn exposure(&mut self, fingerprint: KeyFingerprint, location: SourceLocation) {
        if self
            .exposed
            .insert((fingerprint.clone(), location.column.clone()))
        {
            self.counts.exposures.push(Exposure {
                fingerprint,
                location,
            });
        }
    }

    /// `value` with every full key masked; records the keys found at the
    /// place `location` gives. Borrows when there is nothing to mask.
    pub(crate) fn clean<'v>(
        &mut self,
        value: &'v str,
        location: impl FnOnce() -> SourceLocation,
    ) -> Cow<'v, str> {
        if !may_contain_full_key(value.as_bytes()) {
            return Cow::Borrowed(value);
        }
        let (clean, found) = redact_secrets(value);
        if !found.is_empty() {
            let location = location();
            for secret in found {
                self.exposure(secret.fingerprint, location.clone());
            }
        }
        clean
    }

    fn finish(self, format: &str, window: WindowRule, complete: bool) -> UsageRead {
        let (start, end, origin) = match window {
            WindowRule::Declared((s, e)) => (Some(s), Some(e), WindowOrigin::Declared),
            WindowRule::Given((s, e)) => (Some(s), Some(e), WindowOrigin::Given),
            WindowRule::Inferred => (
                self.counts.earliest,
                self.counts.latest,
                WindowOrigin::Inferred,
            ),
        };
        UsageRead {
            source: UsageSource {
                path: self.source.to_string(),
                format: format.to_string(),
                start,
                end,
                origin,
                complete,
                events: self.counts.events,
                digest: None,
            },
            exposures: self.counts.exposures,
            outside_window: if matches!(window, WindowRule::Inferred) {
                0
            } else {
                self.counts.outside
            },
        }
    }
}

/// The error for bytes that are not UTF-8.
pub(crate) fn not_utf8(source: &str, line: usize, offset: usize, byte: Option<&u8>) -> IngestError {
    IngestError::NotUtf8 {
        file: source.to_string(),
        line,
        offset,
        found: byte.map_or_else(
            || "a truncated character".to_string(),
            |b| format!("byte 0x{b:02X}"),
        ),
    }
}

/// A serde_json message without its " at line L column C" tail.
pub(crate) fn json_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rsplit_once(" at line ") {
        Some((head, _)) => head.to_string(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_by_name() {
        assert_eq!(parse_timezone("Europe/Berlin").unwrap(), Tz::Europe__Berlin);
        assert_eq!(
            parse_timezone(" america/new_york ").unwrap(),
            Tz::America__New_York
        );
        assert_eq!(parse_timezone("UTC").unwrap(), Tz::UTC);
        let err = parse_timezone("Mars/Olympus").unwrap_err();
        let expected = ": found `Mars/Olympus`; expected an IANA time-zone name such as \
             \"Europe/Berlin\", \"America/New_York\" or \"UTC\"";
        assert_eq!(err.to_string(), format!("time-zone option{expected}"));
        let name = |setting| match setting {
            Setting::Timezone => "ZONE",
            _ => "OTHER",
        };
        assert_eq!(err.message(name), format!("ZONE{expected}"));
    }

    #[test]
    fn usage_windows() {
        let (s, e) = parse_usage_window("2024-03-01T00:00:00Z..2024-03-08T12:00:00+02:00").unwrap();
        assert_eq!(s.to_rfc3339(), "2024-03-01T00:00:00+00:00");
        assert_eq!(e.to_rfc3339(), "2024-03-08T10:00:00+00:00");
        let (s, e) = parse_usage_window("2024-03-01..2024-03-01").unwrap();
        assert_eq!(e - s, TimeDelta::days(1));
        for bad in [
            "2024-03-01",
            "2024-03-31..2024-03-01",
            "2024-03-01T00:00:00Z..2024-03-01T00:00:00Z",
            "yesterday..today",
            "2024-03-01..",
            "..2024-03-01",
        ] {
            let err = parse_usage_window(bad).unwrap_err().to_string();
            assert!(err.starts_with("usage-window option: found `"), "{err}");
            assert!(err.contains("START..END"), "{err}");
        }
    }
}
