//! One `/logs` page over HTTP, with the rate limit, retries and backoff.

mod wire;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use tokio::time::Instant;

use crate::config::{FetchConfig, TimeRange};
use crate::error::FetchError;
use crate::key::ApiKey;
use crate::limiter::{RateLimiter, backoff};

pub(crate) use wire::Page;

/// How many characters of an unexpected body an error quotes.
const FIRST_BYTES: usize = 120;

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
    logs_url: Url,
    limiter: RateLimiter,
    config: FetchConfig,
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
    /// Not to be retried (401/403, other 4xx).
    Fatal(FetchError),
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
            logs_url: config.logs_url()?,
            limiter: RateLimiter::new(config.max_requests_per_5min, config.rate_window),
            config: config.clone(),
            stats: Stats::default(),
        })
    }

    /// `GET /logs` for `range`, page `page`, retried as the config says.
    pub(crate) async fn get_page(&self, range: &TimeRange, page: u32) -> Result<Page, FetchError> {
        let url = self.page_url(range, page);
        let shown = display_url(&url);
        let mut attempts = 0u32;
        let mut transient = 0u32;
        let mut rate_limited = 0u32;
        // Consecutive bad bodies: one is retried, two fail.
        let mut bad_bodies = 0u32;
        loop {
            attempts += 1;
            match self.attempt(&url, &shown, attempts).await {
                Attempt::Page(page) => return Ok(page),
                Attempt::Fatal(error) => return Err(error),
                Attempt::Transient(error) => {
                    bad_bodies = 0;
                    transient += 1;
                    if transient > self.config.retries {
                        return Err(error);
                    }
                    let delay =
                        backoff(transient, self.config.backoff_base, self.config.backoff_max);
                    tracing::debug!(
                        retry = transient,
                        delay_ms = delay.as_millis() as u64,
                        "retrying after: {error}"
                    );
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(delay).await;
                }
                Attempt::BadBody(error) => {
                    bad_bodies += 1;
                    if bad_bodies > 1 {
                        return Err(error);
                    }
                    tracing::debug!("retrying once after: {error}");
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(backoff(
                        1,
                        self.config.backoff_base,
                        self.config.backoff_max,
                    ))
                    .await;
                }
                Attempt::RateLimited(retry_after) => {
                    bad_bodies = 0;
                    rate_limited += 1;
                    self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                    if rate_limited > self.config.rate_limit_retries {
                        return Err(FetchError::RateLimited {
                            url: shown,
                            attempts,
                        });
                    }
                    let delay = retry_after.unwrap_or_else(|| {
                        backoff(
                            rate_limited,
                            self.config.backoff_base,
                            self.config.backoff_max,
                        )
                    });
                    tracing::debug!(url = %path_and_query(&shown), delay_ms = delay.as_millis() as u64, "HTTP 429: holding every request back");
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    // Every window waits: the quota is the account's.
                    self.limiter.pause_for(delay);
                }
            }
        }
    }

    async fn attempt(&self, url: &Url, shown: &str, attempts: u32) -> Attempt {
        let permit = self.limiter.acquire().await;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let sent = self
            .http
            .get(url.clone())
            .header("x-api-key", self.key_header.clone())
            .header("accept", "application/vnd.api+json, application/json")
            .send()
            .await;
        let result = match sent {
            Ok(response) => {
                let status = response.status();
                let retry_after = response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, Utc::now()));
                response
                    .bytes()
                    .await
                    .map(|body| (status, retry_after, body))
            }
            Err(e) => Err(e),
        };
        drop(permit);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let path = path_and_query(shown);
        let (status, retry_after, body) = match result {
            Ok(answer) => answer,
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
        tracing::debug!(method = "GET", url = %path, status = status.as_u16(), elapsed_ms, "request");
        match status {
            s if s.is_success() => match wire::parse_page(&body) {
                Ok(page) => Attempt::Page(page),
                Err(reason) => Attempt::BadBody(FetchError::BadBody {
                    url: shown.to_owned(),
                    attempts,
                    status: s.as_u16(),
                    reason: self.redact(&reason),
                    first_bytes: self.first_bytes(&body),
                }),
            },
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Attempt::Fatal(FetchError::Auth {
                status: status.as_u16(),
            }),
            StatusCode::TOO_MANY_REQUESTS => {
                Attempt::RateLimited(retry_after.map(|d| d.min(self.config.retry_after_max)))
            }
            s => {
                let error = FetchError::Http {
                    status: s.as_u16(),
                    url: shown.to_owned(),
                    attempts,
                    detail: self.error_detail(&body),
                };
                if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT {
                    Attempt::Transient(error)
                } else {
                    Attempt::Fatal(error)
                }
            }
        }
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
        let detail = self.redact(&innermost(e));
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

    /// The start of `body`, quoted, with the key hidden should the server
    /// echo it.
    fn first_bytes(&self, body: &[u8]) -> String {
        // Redacted before it is cut, so that no part of the key can remain.
        let text = self.redact(&String::from_utf8_lossy(body));
        let shown: String = text.chars().take(FIRST_BYTES).collect();
        let more = if shown.len() < text.len() { "…" } else { "" };
        format!("{shown:?}{more} ({} bytes in all)", body.len())
    }

    /// `: title — detail` from a JSON:API error body, or its first bytes.
    fn error_detail(&self, body: &[u8]) -> String {
        #[derive(serde::Deserialize)]
        struct Errors {
            errors: Vec<ErrorObject>,
        }
        #[derive(serde::Deserialize)]
        struct ErrorObject {
            title: Option<String>,
            detail: Option<String>,
        }
        if body.is_empty() {
            return String::new();
        }
        if let Ok(parsed) = serde_json::from_slice::<Errors>(body) {
            let text: Vec<String> = parsed
                .errors
                .iter()
                .map(|e| match (&e.title, &e.detail) {
                    (Some(t), Some(d)) => format!("{t} — {d}"),
                    (Some(t), None) => t.clone(),
                    (None, Some(d)) => d.clone(),
                    (None, None) => String::new(),
                })
                .filter(|t| !t.is_empty())
                .collect();
            if !text.is_empty() {
                let joined = self.redact(&text.join("; "));
                let short: String = joined.chars().take(300).collect();
                return format!(": {short}");
            }
        }
        format!(": the answer begins with {}", self.first_bytes(body))
    }

    fn redact(&self, text: &str) -> String {
        let key = self.key.expose();
        if key.is_empty() {
            text.to_owned()
        } else {
            text.replace(key, "***")
        }
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
