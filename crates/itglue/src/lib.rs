//! An async client for IT Glue's activity-log API (`GET /logs`), used by
//! `keyaudit fetch-usage` to write keyaudit's usage JSONL.
//!
//! What it does, in the order a fetch happens:
//!
//! - The window (at most [`RETENTION_DAYS`] back: the API keeps no more) is cut
//!   into windows of at most 7 days, fetched concurrently
//!   ([`FetchConfig::concurrency`]) with `filter[created_at]=START,END`
//!   (inclusive, whole UTC seconds), `sort=created_at`, `page[size]=1000` and
//!   pages 1–5.
//! - A window holding more than 5 pages of events is split at its midpoint
//!   second and the halves fetched, recursively; a single second holding more
//!   than that cannot be split: the fetch then stops at once and is
//!   *incomplete* ([`FetchReport::complete`]). Only a `meta.next-page` greater
//!   than the page asked for means more pages. Adjacent windows share their
//!   boundary second, and events are de-duplicated by log id over the whole
//!   fetch; events dated outside their window are dropped.
//! - Requests never exceed [`FetchConfig::max_requests_per_5min`] (IT Glue
//!   allows 3000 per 5 minutes). HTTP 429 waits for `Retry-After` (at least
//!   the backoff; beyond [`FetchConfig::retry_after_max`] the fetch stops) or
//!   backs off; 429s, 5xx, timeouts and connection errors are retried
//!   ([`FetchConfig::retries`]); 401/403 stops at once ([`FetchError::Auth`]);
//!   a body that is not the expected JSON is retried once; a body larger than
//!   [`FetchConfig::max_body_bytes`] stops the fetch. The whole fetch lasts at
//!   most [`FetchConfig::max_time`].
//! - The API key ([`ApiKey`]) is sent only as the `x-api-key` header (marked
//!   sensitive) and appears in no `Debug` output, error message or log line;
//!   nor does any 12-character run of its secret: what the server answers is
//!   never quoted verbatim, and its error titles are withheld when they hold
//!   part of the key.
//!
//! [`write_usage_jsonl`] writes the result atomically (temporary file, then
//! rename): a header line, then one log resource per line, as the API returned
//! it with any full API key masked (`keyaudit_model::key_shape::mask_full_keys`) and listed in the
//! header, and any text still holding part of the key used withheld.
//! [`fetch_logs`] hands the events to a callback instead.
//!
//! With the `fake-server` feature, [`fake`] is an in-process fake IT Glue
//! server for tests.
//!
//! ```no_run
//! use keyaudit_itglue::{ApiKey, FetchConfig, NoProgress, Region, TimeRange, write_usage_jsonl};
//!
//! # async fn run() -> Result<(), keyaudit_itglue::FetchError> {
//! let key = ApiKey::from_env("ITGLUE_API_KEY")?;
//! let window = TimeRange::last_days(30, chrono::Utc::now())?;
//! let config = FetchConfig::new(Region::Eu.base_url(), window)?;
//! let (report, _exposures) =
//!     write_usage_jsonl(&key, &config, &NoProgress, "usage.jsonl".as_ref()).await?;
//! if !report.complete {
//!     eprintln!("incomplete: {:?}", report.incomplete_windows);
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod client;
mod config;
mod error;
mod fetch;
mod jsonl;
mod key;
mod limiter;
mod scrub;

#[cfg(feature = "fake-server")]
pub mod fake;

pub use config::{
    FetchConfig, MAX_PAGE_SIZE, MAX_PAGES, MAX_WINDOW_DAYS, RETENTION_DAYS, Region, TimeRange,
};
pub use error::FetchError;
pub use fetch::{
    FetchReport, LogBatch, NoProgress, Progress, ProgressSnapshot, RawLog, fetch_logs,
};
pub use jsonl::write_usage_jsonl;
pub use key::{ApiKey, MAX_KEY_FILE_LINE};
pub use keyaudit_model::{HeaderExposure, HeaderWindow, USAGE_SCHEMA, UsageHeader};
