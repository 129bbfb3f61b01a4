//! An in-process fake IT Glue server for tests (feature `fake-server`).
//!
//! It serves `GET /logs` from an in-memory list of events as IT Glue
//! documents it: `filter[created_at]=START,END` (UTC, inclusive, whole
//! seconds; `*` for an open end), `sort=created_at|-created_at`,
//! `page[size]` ≤ 1000, `page[number]` 1–5 (page 6 is refused with 422, as
//! are ranges longer than 7 days), the `meta` block (`current-page`,
//! `next-page`, `prev-page`, `total-pages`, `total-count`), JSON:API errors,
//! the `x-api-key` check (401 otherwise) and 30 days of retention. It can
//! enforce a rate limit, inject faults, and counts what it saw.
//!
//! It runs on its own thread and runtime, so it works from synchronous tests
//! (e.g. the CLI's, which run the binary) as well as async ones. It stops when
//! dropped.
//!
//! ```
//! use keyaudit_itglue::fake::{Fault, FakeConfig, FakeEvent, FakeItGlue};
//!
//! let now = chrono::Utc::now();
//! let events = vec![FakeEvent::new("1", now - chrono::TimeDelta::hours(1))];
//! let server = FakeItGlue::start(FakeConfig::new("ITG.test-key", events));
//! server.push_faults([Fault::TooManyRequests { retry_after: None }, Fault::Status(503)]);
//! let base_url = server.base_url(); // e.g. http://127.0.0.1:41234
//! # let _ = base_url;
//! assert_eq!(server.requests(), 0);
//! ```

mod handler;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

/// One event the fake server serves.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeEvent {
    id: String,
    created_at: DateTime<Utc>,
    attributes: Map<String, Value>,
}

impl FakeEvent {
    /// An event with plausible values for every documented attribute.
    pub fn new(id: impl Into<String>, created_at: DateTime<Utc>) -> Self {
        let id = id.into();
        let attributes = json!({
            "created-at": created_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            "level": "info",
            "account-id": 7001,
            "user-id": 4242,
            "organization-id": 1200,
            "action": "show",
            "resource-type": "Password",
            "resource-name": format!("Resource {id}"),
            "ip-address": "203.0.113.10",
            "ip-city": "Denver",
            "ip-region": "Colorado",
            "ip-country": "United States",
            "user-agent": "backup-sync/2.1 (integration)",
        });
        let Value::Object(attributes) = attributes else {
            unreachable!("json! of an object is an object")
        };
        Self {
            id,
            created_at,
            attributes,
        }
    }

    /// Sets attribute `name` (e.g. `user-agent`) to `value`.
    pub fn attribute(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.attributes.insert(name.to_owned(), value.into());
        self
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When it happened.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    fn to_json(&self) -> String {
        json!({"id": self.id, "type": "logs", "attributes": self.attributes}).to_string()
    }
}

/// `count` events with ids `first_id`, `first_id + 1`, … spread evenly (whole
/// seconds) from `start` to `end`, both included.
pub fn spread_events(
    first_id: u64,
    count: u64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<FakeEvent> {
    let span = (end.timestamp() - start.timestamp()).max(0);
    (0..count)
        .map(|i| {
            let offset = if count > 1 {
                (i128::from(span) * i128::from(i) / i128::from(count - 1)) as i64
            } else {
                0
            };
            FakeEvent::new(
                (first_id + i).to_string(),
                start + TimeDelta::seconds(offset),
            )
        })
        .collect()
}

/// A rate limit the fake server enforces (with 429) and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// At most this many requests…
    pub max: u64,
    /// …in any span this long.
    pub window: Duration,
}

/// How the fake server behaves.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// The key it accepts in `x-api-key`.
    pub api_key: String,
    /// What it serves.
    pub events: Vec<FakeEvent>,
    /// Its clock for retention (30 days) and open-ended filters.
    pub now: DateTime<Utc>,
    /// Answered to a missing or wrong key (401, or 403).
    pub reject_status: u16,
    /// Enforced with 429 when set, and always measured over its window
    /// (default: none; measured over 300 s).
    pub rate_limit: Option<RateLimit>,
    /// The longest `filter[created_at]` range accepted (7 days).
    pub max_window: Duration,
    /// The largest `page[size]` accepted (1000).
    pub max_page_size: u32,
    /// The highest `page[number]` accepted (5).
    pub max_pages: u32,
    /// Leave `total-count` (and `total-pages`) out of `meta`.
    pub omit_total_count: bool,
    /// Serve page 1's events on every page, always with a next page (and
    /// no `total-count`): a server that never runs out of pages.
    pub endless_pages: bool,
}

impl FakeConfig {
    /// Serves `events` to `api_key`, with IT Glue's documented limits and the
    /// current time as its clock.
    pub fn new(api_key: impl Into<String>, events: Vec<FakeEvent>) -> Self {
        Self {
            api_key: api_key.into(),
            events,
            now: Utc::now(),
            reject_status: 401,
            rate_limit: None,
            max_window: Duration::from_secs(7 * 86_400),
            max_page_size: 1000,
            max_pages: 5,
            omit_total_count: false,
            endless_pages: false,
        }
    }
}

/// A fault injected into one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429, with `Retry-After: <value>` when given (e.g. `"1"`).
    TooManyRequests {
        /// The `Retry-After` header's value.
        retry_after: Option<String>,
    },
    /// This HTTP status (e.g. 500, 502, 503) with a JSON:API error body.
    Status(u16),
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// HTTP 200 with the first half of the normal body.
    Truncated,
    /// HTTP 200 with an HTML page.
    NotJson,
    /// HTTP 200 with a text body that repeats the `x-api-key` received.
    EchoKey,
    /// This answer, as given: status, `Content-Type` and body.
    Reply {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header's value.
        content_type: String,
        /// The body.
        body: String,
    },
    /// HTTP 200 with a body that never ends (streamed until the client
    /// goes away).
    EndlessBody,
}

/// One request as the fake server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Path and decoded query, e.g.
    /// `/logs?filter[created_at]=2026-11-01T00:00:00Z,2026-11-08T00:00:00Z&…`.
    pub path_and_query: String,
    /// The status answered; 0 while the answer is not complete, or when the
    /// client went away before it was (e.g. it timed out on a slow answer).
    pub status: u16,
    /// The fault injected, if any.
    pub fault: Option<Fault>,
}

/// The state shared by the server's handlers and the test.
#[derive(Debug)]
struct Shared {
    config: FakeConfig,
    /// Pre-serialized events, sorted by time (stable: ties keep their order).
    events: Vec<(i64, String)>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    faults: VecDeque<Fault>,
    periodic: Option<(u64, Vec<Fault>, usize)>,
    requests: u64,
    arrivals: VecDeque<tokio::time::Instant>,
    max_in_window: u64,
    log: Vec<RecordedRequest>,
    events_served: u64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running fake IT Glue server on `127.0.0.1`. Stops when dropped.
#[derive(Debug)]
pub struct FakeItGlue {
    base_url: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeItGlue {
    /// Starts the server on a free port of 127.0.0.1, on its own thread.
    ///
    /// # Panics
    ///
    /// When no thread, runtime or port can be had (a test setup failure).
    pub fn start(config: FakeConfig) -> Self {
        let mut events: Vec<(i64, String)> = config
            .events
            .iter()
            .map(|e| (e.created_at.timestamp(), e.to_json()))
            .collect();
        events.sort_by_key(|(t, _)| *t);
        let shared = Arc::new(Shared {
            config,
            events,
            state: Mutex::new(State::default()),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, address) = std::sync::mpsc::channel();
        let app = handler::router(Arc::clone(&shared));
        let thread = std::thread::Builder::new()
            .name("fake-itglue".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("fake IT Glue: tokio runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("fake IT Glue: bind 127.0.0.1:0");
                    let local = listener.local_addr().expect("fake IT Glue: local address");
                    let _ = ready.send(local);
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        _ = stopped => {}
                    }
                });
                runtime.shutdown_background();
            })
            .expect("fake IT Glue: thread");
        let address = address.recv().expect("fake IT Glue: server did not start");
        Self {
            base_url: format!("http://{address}"),
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (`/logs` is under it).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The next requests get these faults, one each, in order.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.lock().faults.extend(faults);
    }

    /// Every `every`-th request (counting all requests) gets the next fault of
    /// `cycle`, round and round; after the queued faults of
    /// [`FakeItGlue::push_faults`]. An empty cycle stops it.
    pub fn set_periodic_faults(&self, every: u64, cycle: Vec<Fault>) {
        self.shared.lock().periodic = (every > 0 && !cycle.is_empty()).then_some((every, cycle, 0));
    }

    /// Requests received.
    pub fn requests(&self) -> u64 {
        self.shared.lock().requests
    }

    /// The most requests received in any span of the rate limit's window
    /// (300 s when no limit is set).
    pub fn max_requests_in_window(&self) -> u64 {
        self.shared.lock().max_in_window
    }

    /// Events served in answers with HTTP 200 (duplicates included).
    pub fn events_served(&self) -> u64 {
        self.shared.lock().events_served
    }

    /// Every request so far.
    pub fn request_log(&self) -> Vec<RecordedRequest> {
        self.shared.lock().log.clone()
    }

    /// # Panics
    ///
    /// When a rate limit is set and some span of its window received more
    /// requests than it allows.
    pub fn assert_rate_limit_respected(&self) {
        if let Some(limit) = self.shared.config.rate_limit {
            let seen = self.max_requests_in_window();
            assert!(
                seen <= limit.max,
                "rate limit exceeded: {seen} requests within {:?} (limit {})",
                limit.window,
                limit.max
            );
        }
    }
}

impl Drop for FakeItGlue {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
