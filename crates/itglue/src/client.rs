//! One `/logs` page over HTTP, with the rate limit, retries and backoff.

mod wire;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use tokio::time::Instant;

use crate::config::{FetchConfig, TimeRange};
use crate::error::FetchError;
use crate::key::ApiKey;
use crate::limiter::{RateLimiter, backoff};
use crate::scrub::KeyFragments;

pub(crate) use wire::Page;

/// Counters shared by every request of one fetch.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) requests: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) rate_limited: AtomicU64,
}

/// The HTTP side of one fetch. Its `Debug` shows no key.
pub(crate) struct Client {
    http: reqwest::Client,
    key: ApiKey,
    key_header: HeaderValue,
    /// Runs of the key, looked for in everything the server says.
    fragments: KeyFragments,
    logs_url: Url,
    limiter: RateLimiter,
    config: FetchConfig,
    /// When the fetch must be over ([`FetchConfig::max_time`]).
    pub(crate) deadline: Instant,
    pub(crate) stats: Stats,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("key", &self.key)
            .field("logs_url", &self.logs_url.as_str())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What one attempt came to.
enum Attempt {
    Page(Page),
    /// Retry after a 5xx, a timeout or a connection error.
    Transient(FetchError),
    /// Retry once: the body is not the expected JSON.
    BadBody(FetchError),
    /// HTTP 429, with the `Retry-After` delay when given.
    RateLimited(Option<Duration>),
    /// Not to be retried (401/403, other 4xx, a body too large).
    Fatal(FetchError),
}

/// An answer as read: status, headers of interest, the body (capped).
struct Answer {
    status: StatusCode,
    retry_after: Option<Duration>,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Client {
    pub(crate) fn new(key: &ApiKey, config: &FetchConfig) -> Result<Self, FetchError> {
        config.validate()?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("keyaudit/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| FetchError::InvalidConfig {
                what: "HTTP client".into(),
                reason: innermost(&e),
            })?;
        Ok(Self {
            http,
            key: key.clone(),
            key_header: key.header_value()?,
            fragments: KeyFragments::new(key.expose()),
            logs_url: config.logs_url()?,
            limiter: RateLimiter::new(config.max_requests_per_5min, config.rate_window),
            config: config.clone(),
            deadline: Instant::now() + config.max_time,
            stats: Stats::default(),
        })
    }

    /// How long every request is held back after a 429, when it is.
    pub(crate) fn paused_for(&self) -> Option<Duration> {
        self.limiter.paused_for()
    }

    /// The error for a fetch past its time limit; `detail` says what was
    /// going on.
    pub(crate) fn out_of_time(&self, detail: String) -> FetchError {
        FetchError::OutOfTime {
            limit: human_duration(self.config.max_time),
            detail,
        }
    }

    /// `GET /logs` for `range`, page `page`, retried as the config says.
    /// `on_wait` is told of every wait a 429 imposes, as it starts.
    pub(crate) async fn get_page(
        &self,
        range: &TimeRange,
        page: u32,
        on_wait: &(dyn Fn(Duration) + Sync),
    ) -> Result<Page, FetchError> {
        let url = self.page_url(range, page);
        let shown = display_url(&url);
        let mut attempts = 0u32;
        // Retries after a 429, a 5xx, a timeout or a connection error.
        let mut retried = 0u32;
        // Consecutive bad bodies: one is retried, two fail.
        let mut bad_bodies = 0u32;
        loop {
            attempts += 1;
            match self.attempt(&url, &shown, page, attempts).await {
                Attempt::Page(page) => return Ok(page),
                Attempt::Fatal(error) => return Err(error),
                Attempt::Transient(error) => {
                    bad_bodies = 0;
                    retried += 1;
                    if retried > self.config.retries {
                        return Err(error);
                    }
                    let delay = backoff(retried, self.config.backoff_base, self.config.backoff_max);
                    tracing::debug!(
                        retry = retried,
                        delay_ms = delay.as_millis() as u64,
                        "retrying after: {error}"
                    );
                    self.sleep(delay, "a retry after an error").await?;
                }
                Attempt::BadBody(error) => {
                    bad_bodies += 1;
                    if bad_bodies > 1 {
                        return Err(error);
                    }
                    tracing::debug!("retrying once after: {error}");
                    let delay = backoff(1, self.config.backoff_base, self.config.backoff_max);
                    self.sleep(delay, "a retry after a bad answer").await?;
                }
                Attempt::RateLimited(retry_after) => {
                    bad_bodies = 0;
                    self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                    if let Some(wait) = retry_after.filter(|w| *w > self.config.retry_after_max) {
                        return Err(FetchError::RetryAfterTooLong {
                            url: shown,
                            wait: human_duration(wait),
                            limit: format!(
                                "the rate-limit window of {}",
                                human_duration(self.config.retry_after_max)
                            ),
                        });
                    }
                    retried += 1;
                    if retried > self.config.retries {
                        return Err(FetchError::RateLimited {
                            url: shown,
                            attempts,
                        });
                    }
                    // `Retry-After: 0` (or a short one) still backs off.
                    let delay = backoff(retried, self.config.backoff_base, self.config.backoff_max)
                        .max(retry_after.unwrap_or_default());
                    if Instant::now() + delay > self.deadline {
                        return Err(self.out_of_time(format!(
                            "; IT Glue answered HTTP 429 and asked to wait {} more",
                            human_duration(delay)
                        )));
                    }
                    tracing::debug!(url = %path_and_query(&shown), delay_ms = delay.as_millis() as u64, "HTTP 429: holding every request back");
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    // Every window waits: the quota is the account's.
                    self.limiter.pause_for(delay);
                    on_wait(delay);
                }
            }
        }
    }

    /// Sleeps `delay` before a retry, unless that ends past the deadline.
    async fn sleep(&self, delay: Duration, what: &str) -> Result<(), FetchError> {
        if Instant::now() + delay > self.deadline {
            return Err(self.out_of_time(format!(" (before {what})")));
        }
        self.stats.retries.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(delay).await;
        Ok(())
    }

    async fn attempt(&self, url: &Url, shown: &str, page: u32, attempts: u32) -> Attempt {
        let permit = self.limiter.acquire().await;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let result = self.fetch(url).await;
        drop(permit);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let path = path_and_query(shown);
        let answer = match result {
            Ok(Ok(answer)) => answer,
            Ok(Err(status)) => {
                tracing::debug!(method = "GET", url = %path, status = status.as_u16(), elapsed_ms, "answer too large");
                return Attempt::Fatal(FetchError::BodyTooLarge {
                    url: shown.to_owned(),
                    status: status.as_u16(),
                    limit: human_bytes(self.config.max_body_bytes),
                });
            }
            Err(e) => {
                let reason = self.network_reason(&e);
                tracing::debug!(method = "GET", url = %path, elapsed_ms, error = %reason, "request failed");
                return Attempt::Transient(FetchError::Network {
                    url: shown.to_owned(),
                    attempts,
                    reason,
                });
            }
        };
        let status = answer.status;
        tracing::debug!(method = "GET", url = %path, status = status.as_u16(), elapsed_ms, "request");
        match status {
            s if s.is_success() => match wire::parse_page(&answer.body, page) {
                Ok(page) => Attempt::Page(page),
                Err(reason) => Attempt::BadBody(FetchError::BadBody {
                    url: shown.to_owned(),
                    attempts,
                    reason: self.fragments.scrub(&reason).into_owned(),
                    summary: self.summary(&answer),
                }),
            },
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Attempt::Fatal(FetchError::Auth {
                status: status.as_u16(),
            }),
            StatusCode::TOO_MANY_REQUESTS => Attempt::RateLimited(answer.retry_after),
            s => {
                let error = FetchError::Http {
                    status: s.as_u16(),
                    url: shown.to_owned(),
                    attempts,
                    detail: self.error_detail(&answer),
                };
                if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT {
                    Attempt::Transient(error)
                } else {
                    Attempt::Fatal(error)
                }
            }
        }
    }

    /// Sends the request and reads the answer, at most
    /// [`FetchConfig::max_body_bytes`] of its body: `Ok(Err(status))` when
    /// the body is larger (reading stops there).
    async fn fetch(&self, url: &Url) -> Result<Result<Answer, StatusCode>, reqwest::Error> {
        let mut response = self
            .http
            .get(url.clone())
            .header("x-api-key", self.key_header.clone())
            .header("accept", "application/vnd.api+json, application/json")
            .send()
            .await?;
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        let retry_after = header(RETRY_AFTER).and_then(|v| parse_retry_after(v, Utc::now()));
        let content_type = header(CONTENT_TYPE).map(str::to_owned);
        let limit = self.config.max_body_bytes;
        if response.content_length().is_some_and(|n| n > limit) {
            return Ok(Err(status));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Ok(Err(status));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Ok(Answer {
            status,
            retry_after,
            content_type,
            body,
        }))
    }

    fn page_url(&self, range: &TimeRange, page: u32) -> Url {
        let mut url = self.logs_url.clone();
        // Brackets percent-encoded as RFC 3986 wants; `:` and `,` are legal.
        url.set_query(Some(&format!(
            "filter%5Bcreated_at%5D={}&sort=created_at&page%5Bsize%5D={}&page%5Bnumber%5D={}",
            range.filter_value(),
            self.config.page_size,
            page
        )));
        url
    }

    fn network_reason(&self, e: &reqwest::Error) -> String {
        let detail = self.fragments.scrub(&innermost(e)).into_owned();
        if e.is_timeout() {
            format!(
                "no complete answer within {} s ({detail})",
                self.config.timeout.as_secs_f64()
            )
        } else if e.is_connect() {
            format!("cannot connect ({detail})")
        } else if e.is_body() || e.is_decode() {
            format!("the answer was cut off ({detail})")
        } else {
            detail
        }
    }

    /// What an answer was, without its body: `HTTP 200, 1234 bytes,
    /// content type "text/html"`.
    fn summary(&self, answer: &Answer) -> String {
        let content_type = match &answer.content_type {
            Some(value) => {
                let value: String = self.fragments.scrub(value).chars().take(80).collect();
                format!("content type {value:?}")
            }
            None => "no content type".to_string(),
        };
        format!(
            "HTTP {}, {} bytes, {content_type}",
            answer.status.as_u16(),
            answer.body.len()
        )
    }

    /// `: title — detail` from a JSON:API error body (each withheld when it
    /// holds part of the key), or a summary of the answer.
    fn error_detail(&self, answer: &Answer) -> String {
        #[derive(serde::Deserialize)]
        struct Errors {
            errors: Vec<ErrorObject>,
        }
        #[derive(serde::Deserialize)]
        struct ErrorObject {
            title: Option<String>,
            detail: Option<String>,
        }
        if answer.body.is_empty() {
            return String::new();
        }
        if let Ok(parsed) = serde_json::from_slice::<Errors>(&answer.body) {
            let scrub = |t: &String| self.fragments.scrub(t).into_owned();
            let text: Vec<String> = parsed
                .errors
                .iter()
                .map(
                    |e| match (e.title.as_ref().map(scrub), e.detail.as_ref().map(scrub)) {
                        (Some(t), Some(d)) => format!("{t} — {d}"),
                        (Some(t), None) => t,
                        (None, Some(d)) => d,
                        (None, None) => String::new(),
                    },
                )
                .filter(|t| !t.is_empty())
                .collect();
            if !text.is_empty() {
                let joined = text.join("; ");
                let short: String = self.fragments.scrub(&joined).chars().take(300).collect();
                return format!(": {}", short.escape_debug());
            }
        }
        format!(" (the answer: {})", self.summary(answer))
    }
}

/// `90 s`, `5 min`, `27 h`: a duration for messages.
pub(crate) fn human_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 1.0 {
        format!("{} ms", d.as_millis())
    } else if secs < 120.0 {
        format!("{} s", secs.round())
    } else if secs < 2.0 * 3600.0 {
        format!("{} min", (secs / 60.0).round())
    } else {
        format!("{} h", (secs / 3600.0).round())
    }
}

/// `8 MiB`, `512 KiB`, `100 bytes`.
fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n % (1 << 10) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// The deepest cause's message (reqwest's own message names the URL again).
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// The URL with brackets shown as brackets, for messages.
fn display_url(url: &Url) -> String {
    url.as_str().replace("%5B", "[").replace("%5D", "]")
}

/// Path and query of a shown URL, for `-v` logging.
fn path_and_query(shown: &str) -> &str {
    shown
        .find("://")
        .and_then(|i| shown[i + 3..].find('/').map(|j| &shown[i + 3 + j..]))
        .unwrap_or(shown)
}

/// `Retry-After` as seconds (whole or decimal) or an HTTP date.
fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e6)));
    }
    let date = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((date - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now: DateTime<Utc> = "2015-10-21T07:27:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("5", now), Some(Duration::from_secs(5)));
        assert_eq!(
            parse_retry_after(" 0.25 ", now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn human_units() {
        assert_eq!(human_duration(Duration::from_secs(27 * 3600)), "27 h");
        assert_eq!(human_duration(Duration::from_secs(300)), "5 min");
        assert_eq!(human_duration(Duration::from_secs(45)), "45 s");
        assert_eq!(human_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(human_bytes(8 << 20), "8 MiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
    }

    #[test]
    fn shown_urls() {
        let url = Url::parse(
            "https://api.itglue.com/logs?filter%5Bcreated_at%5D=2026-11-01T00:00:00Z,2026-11-08T00:00:00Z&page%5Bnumber%5D=1",
        )
        .unwrap();
        let shown = display_url(&url);
        assert_eq!(
            path_and_query(&shown),
            "/logs?filter[created_at]=2026-11-01T00:00:00Z,2026-11-08T00:00:00Z&page[number]=1"
        );
    }
}
