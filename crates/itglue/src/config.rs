//! What to fetch and how: [`Region`], [`TimeRange`], [`FetchConfig`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use reqwest::Url;

use crate::error::FetchError;

/// How many days of activity logs the IT Glue API keeps.
pub const RETENTION_DAYS: u32 = 30;
/// The largest `page[size]` IT Glue accepts.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// The highest `page[number]` IT Glue serves for one `/logs` query.
pub const MAX_PAGES: u32 = 5;
/// The longest `filter[created_at]` range keyaudit asks for, in days
/// (IT Glue may refuse longer ranges). Both ends being inclusive, a window
/// spans at most this many days less one second: 7 × 86,400 whole seconds.
pub const MAX_WINDOW_DAYS: u32 = 7;

/// An IT Glue data centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// United States: `https://api.itglue.com`.
    Us,
    /// European Union: `https://api.eu.itglue.com`.
    Eu,
    /// Australia: `https://api.au.itglue.com`.
    Au,
}

impl Region {
    /// The API base URL of this data centre.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Us => "https://api.itglue.com",
            Region::Eu => "https://api.eu.itglue.com",
            Region::Au => "https://api.au.itglue.com",
        }
    }

    /// The name used on the command line: `us`, `eu` or `au`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
            Region::Au => "au",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Region {
    type Err = FetchError;

    /// Parses `us`, `eu` or `au` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "us" => Ok(Region::Us),
            "eu" => Ok(Region::Eu),
            "au" => Ok(Region::Au),
            _ => Err(FetchError::InvalidConfig {
                what: "region".into(),
                reason: format!("`{s}` is not an IT Glue region; valid regions are us, eu and au"),
            }),
        }
    }
}

/// A span of time, both ends inclusive, in whole UTC seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeRange {
    /// The first second of the range.
    pub start: DateTime<Utc>,
    /// The last second of the range (inclusive).
    pub end: DateTime<Utc>,
}

impl TimeRange {
    /// The last `days` days up to `now` (whole seconds). `days` must be
    /// between 1 and [`RETENTION_DAYS`]: the API keeps no older logs.
    pub fn last_days(days: u32, now: DateTime<Utc>) -> Result<Self, FetchError> {
        if days == 0 {
            return Err(FetchError::NoDays);
        }
        if days > RETENTION_DAYS {
            return Err(FetchError::TooManyDays { days });
        }
        let end = whole_second(now);
        Ok(Self {
            start: end - TimeDelta::days(i64::from(days)),
            end,
        })
    }

    /// From `since` to `until` (truncated to whole seconds; an `until` later
    /// than `now` becomes `now`). `since` may not be more than
    /// [`RETENTION_DAYS`] days before `now`: the API keeps no older logs, and
    /// the window must not claim to cover them.
    pub fn between(
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Self, FetchError> {
        let now = whole_second(now);
        let start = whole_second(since);
        let end = whole_second(until).min(now);
        let earliest = now - TimeDelta::days(i64::from(RETENTION_DAYS));
        if start < earliest {
            return Err(FetchError::TooOld {
                since: format_time(start),
                earliest: format_time(earliest),
            });
        }
        let range = Self { start, end };
        range.check()?;
        Ok(range)
    }

    /// `START,END` as `filter[created_at]` takes it.
    pub(crate) fn filter_value(&self) -> String {
        format!("{},{}", format_time(self.start), format_time(self.end))
    }

    /// Seconds from start to end.
    pub(crate) fn span_seconds(&self) -> i64 {
        self.end.timestamp() - self.start.timestamp()
    }

    pub(crate) fn check(&self) -> Result<(), FetchError> {
        if self.start > self.end {
            return Err(FetchError::InvalidConfig {
                what: "window".into(),
                reason: format!(
                    "starts ({}) after it ends ({})",
                    format_time(self.start),
                    format_time(self.end)
                ),
            });
        }
        Ok(())
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", format_time(self.start), format_time(self.end))
    }
}

/// RFC 3339 in UTC with whole seconds: `2026-11-01T00:00:00Z`.
pub(crate) fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// How to fetch: where, which window, and the limits to respect.
///
/// Build it with [`FetchConfig::new`] and adjust the public fields; every
/// fetch validates it first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    /// The API base URL, e.g. [`Region::base_url`] or a test server's URL
    /// (`/logs` is appended).
    pub base_url: String,
    /// The window to fetch (inclusive, whole seconds).
    pub window: TimeRange,
    /// How many windows are fetched at the same time (default 4).
    pub concurrency: usize,
    /// At most this many requests in any [`FetchConfig::rate_window`]
    /// (default 3000: IT Glue's limit per 5 minutes).
    pub max_requests_per_5min: u32,
    /// The window the request limit applies to (default 300 s; shorter in
    /// tests).
    pub rate_window: Duration,
    /// Retries of one request after a 429, a 5xx, a timeout or a connection
    /// error (default 5).
    pub retries: u32,
    /// The timeout of one request, body included (default 30 s).
    pub timeout: Duration,
    /// The longest the whole fetch may take, waits included (default 30
    /// min): a wait that would end past it ends the fetch at once.
    pub max_time: Duration,
    /// The largest body read for one page (default 8 MiB; a page of 1000
    /// events is well under 1 MiB).
    pub max_body_bytes: u64,
    /// The first backoff delay; it doubles with each retry, with jitter
    /// (default 1 s).
    pub backoff_base: Duration,
    /// The longest backoff delay (default 60 s).
    pub backoff_max: Duration,
    /// The longest wait a `Retry-After` header can ask for (default 300 s,
    /// IT Glue's rate-limit window): a longer one ends the fetch at once.
    pub retry_after_max: Duration,
    /// `page[size]` (default and maximum 1000).
    pub page_size: u32,
    /// The longest window asked for in one query, end minus start (default
    /// [`MAX_WINDOW_DAYS`] days less one second: with both ends inclusive,
    /// exactly 7 days of whole seconds).
    pub max_window: Duration,
}

impl FetchConfig {
    /// A configuration with the defaults, after checking `base_url` (https,
    /// or http to a loopback address only; no user name, password, query or
    /// fragment) and the window.
    pub fn new(base_url: &str, window: TimeRange) -> Result<Self, FetchError> {
        let config = Self {
            base_url: base_url.trim().trim_end_matches('/').to_owned(),
            window,
            concurrency: 4,
            max_requests_per_5min: 3000,
            rate_window: Duration::from_secs(300),
            retries: 5,
            timeout: Duration::from_secs(30),
            max_time: Duration::from_secs(30 * 60),
            max_body_bytes: 8 << 20,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            retry_after_max: Duration::from_secs(300),
            page_size: MAX_PAGE_SIZE,
            max_window: Duration::from_secs(u64::from(MAX_WINDOW_DAYS) * 86_400 - 1),
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks every field; the error names the field and what is valid.
    pub fn validate(&self) -> Result<(), FetchError> {
        self.logs_url()?;
        self.window.check()?;
        let invalid = |what: &str, reason: &str| {
            Err(FetchError::InvalidConfig {
                what: what.into(),
                reason: reason.into(),
            })
        };
        if self.concurrency == 0 {
            return invalid("concurrency", "must be at least 1");
        }
        if self.max_requests_per_5min == 0 {
            return invalid("max requests per 5 minutes", "must be at least 1");
        }
        if self.rate_window.is_zero() {
            return invalid("rate window", "must be longer than zero");
        }
        if self.timeout.is_zero() {
            return invalid("timeout", "must be longer than zero");
        }
        if self.max_time.is_zero() {
            return invalid("time limit", "must be longer than zero");
        }
        if self.max_body_bytes == 0 {
            return invalid("body size limit", "must be at least one byte");
        }
        if self.page_size == 0 || self.page_size > MAX_PAGE_SIZE {
            return invalid("page size", "must be between 1 and 1000");
        }
        if self.max_window < Duration::from_secs(1) {
            return invalid("max window", "must be at least one second");
        }
        Ok(())
    }

    /// `<base_url>/logs`, checked.
    pub(crate) fn logs_url(&self) -> Result<Url, FetchError> {
        let bad = |reason: &str| FetchError::InvalidBaseUrl {
            url: redact_url_text(&self.base_url),
            reason: reason.into(),
        };
        let url = Url::parse(&self.base_url).map_err(|e| bad(&e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(bad(
                    "https is required: plain http would send the API key across the network in clear text (http is accepted only for a loopback address such as 127.0.0.1 or localhost, e.g. a local test server)",
                ));
            }
            _ => {
                return Err(bad(
                    "the scheme must be https (or http to a loopback address, for a local test server)",
                ));
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::BaseUrlCredentials {
                url: redact_url_text(&self.base_url),
            });
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("it must not hold a query (`?…`) or fragment (`#…`)"));
        }
        if url.host_str().is_none() {
            return Err(bad("it has no host"));
        }
        let path = url.path().trim_end_matches('/');
        let mut logs = url.clone();
        logs.set_path(&format!("{path}/logs"));
        Ok(logs)
    }

    /// The base URL as written in the JSONL header.
    pub(crate) fn header_base_url(&self) -> String {
        self.base_url.trim_end_matches('/').to_owned()
    }
}

/// True when the URL's host is `localhost` or a loopback address.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

/// A base URL as shown in an error: anything between `://` and `@` hidden.
fn redact_url_text(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn last_days_refuses_more_than_retention() {
        let now = t("2026-11-30T12:34:56.789Z");
        let r = TimeRange::last_days(30, now).unwrap();
        assert_eq!(r.end, t("2026-11-30T12:34:56Z"));
        assert_eq!(r.start, t("2026-10-31T12:34:56Z"));
        let e = TimeRange::last_days(31, now).unwrap_err().to_string();
        assert!(e.contains("30 days"), "{e}");
        assert!(e.contains("CSV"), "{e}");
    }

    #[test]
    fn between_checks_order_and_retention() {
        let now = t("2026-11-30T00:00:00Z");
        let r =
            TimeRange::between(t("2026-11-01T00:00:00Z"), t("2026-12-05T00:00:00Z"), now).unwrap();
        assert_eq!(r.end, now);
        assert!(TimeRange::between(t("2026-10-01T00:00:00Z"), now, now).is_err());
        assert!(TimeRange::between(now, t("2026-11-20T00:00:00Z"), now).is_err());
        assert_eq!(
            r.filter_value(),
            "2026-11-01T00:00:00Z,2026-11-30T00:00:00Z"
        );
    }

    #[test]
    fn base_url_rules() {
        let w = TimeRange::last_days(1, Utc::now()).unwrap();
        let c = FetchConfig::new("http://127.0.0.1:8080/", w).unwrap();
        assert_eq!(c.logs_url().unwrap().as_str(), "http://127.0.0.1:8080/logs");
        let c = FetchConfig::new("https://example.test/api/", w).unwrap();
        assert_eq!(
            c.logs_url().unwrap().as_str(),
            "https://example.test/api/logs"
        );
        let e = FetchConfig::new("https://user:hunter2@example.test", w).unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(FetchConfig::new("ftp://example.test", w).is_err());
        for loopback in [
            "http://localhost:1",
            "http://[::1]:8080",
            "http://127.1.2.3",
        ] {
            assert!(FetchConfig::new(loopback, w).is_ok(), "{loopback}");
        }
        for remote in [
            "http://example.test",
            "http://api.itglue.com",
            "http://10.0.0.1:8080",
            "http://localhost.example.test",
        ] {
            let e = FetchConfig::new(remote, w).unwrap_err();
            assert!(e.is_usage_error());
            assert!(e.to_string().contains("https is required"), "{e}");
        }
        assert!(FetchConfig::new("https://example.test/?a=b", w).is_err());
        assert!(FetchConfig::new("not a url", w).is_err());
    }

    #[test]
    fn region_parses() {
        assert_eq!("EU".parse::<Region>().unwrap(), Region::Eu);
        assert_eq!(Region::Au.base_url(), "https://api.au.itglue.com");
        assert!("uk".parse::<Region>().is_err());
    }
}
