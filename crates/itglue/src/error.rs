//! Errors of the IT Glue client. No message ever contains the API key.

use std::path::PathBuf;

use keyaudit_model::Setting;

/// Why a fetch failed. Every message says what to check; none contains the
/// API key (URLs carry no key: it travels only in a header).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// No key was given.
    #[error("{}", self.message(Setting::neutral))]
    MissingKey {
        /// The environment variable that was read.
        var: String,
    },
    /// The key file could not be read.
    #[error("cannot read the API key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The key file's first line is longer than a key can be.
    #[error(
        "the API key file {path} does not start with a key: its first line is longer than {limit} bytes (the file should hold the key alone, on its first line)"
    )]
    KeyFileLine {
        /// The file.
        path: PathBuf,
        /// The most bytes read.
        limit: usize,
    },
    /// The key is empty.
    #[error("the IT Glue API key from {origin} is empty")]
    EmptyKey {
        /// Where the key came from (a variable or a file).
        origin: String,
    },
    /// The key holds characters that cannot be sent in an HTTP header.
    #[error(
        "the IT Glue API key from {origin} holds characters that cannot be sent in an HTTP header (line breaks or other control characters inside, or non-ASCII text): it should hold the key alone"
    )]
    InvalidKey {
        /// Where the key came from (a variable or a file).
        origin: String,
    },
    /// The base URL holds a user name or password.
    #[error("{}", self.message(Setting::neutral))]
    BaseUrlCredentials {
        /// The URL as given (any user name or password hidden).
        url: String,
    },
    /// The base URL is unusable.
    #[error("invalid IT Glue base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL as given (any user name or password hidden).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting is out of range.
    #[error("invalid {what}: {reason}")]
    InvalidConfig {
        /// The setting.
        what: String,
        /// What is wrong and what would be valid.
        reason: String,
    },
    /// No day was asked for.
    #[error("{}", self.message(Setting::neutral))]
    NoDays,
    /// More days were asked for than the API keeps.
    #[error("{}", self.message(Setting::neutral))]
    TooManyDays {
        /// The number of days asked for.
        days: u32,
    },
    /// The window starts before the oldest log the API keeps.
    #[error("{}", self.message(Setting::neutral))]
    TooOld {
        /// The start asked for.
        since: String,
        /// The earliest start the API can serve.
        earliest: String,
    },
    /// IT Glue refused the key (HTTP 401 or 403).
    #[error("{}", self.message(Setting::neutral))]
    Auth {
        /// 401 or 403.
        status: u16,
    },
    /// IT Glue answered an HTTP error (after retries, for a 5xx).
    #[error("IT Glue answered HTTP {status} to GET {url} (after {attempts} attempt(s)){detail}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The URL requested (it carries no key).
        url: String,
        /// Requests made for this page.
        attempts: u32,
        /// `: ` and the JSON:API error's title and detail, when given.
        detail: String,
    },
    /// IT Glue kept answering 429.
    #[error("{}", self.message(Setting::neutral))]
    RateLimited {
        /// The URL requested.
        url: String,
        /// Requests made for this page.
        attempts: u32,
    },
    /// IT Glue answered 429 with a `Retry-After` longer than keyaudit waits.
    #[error(
        "IT Glue asked to wait {wait} before the next request (HTTP 429 to GET {url}, Retry-After), longer than {limit}: the fetch stops here; try again later"
    )]
    RetryAfterTooLong {
        /// The URL requested.
        url: String,
        /// The wait asked for, e.g. `27 h`.
        wait: String,
        /// What keyaudit waits at most, e.g. `the rate-limit window of 5 min`.
        limit: String,
    },
    /// The fetch did not finish within its time limit.
    #[error(
        "the fetch did not finish within its time limit of {limit}{detail}: the fetch stops here"
    )]
    OutOfTime {
        /// The limit, e.g. `30 min`.
        limit: String,
        /// What was going on, e.g. `; IT Glue asked to wait 4 min more`.
        detail: String,
    },
    /// An answer's body was larger than a page can be.
    #[error(
        "IT Glue's answer (HTTP {status}) to GET {url} is larger than the limit of {limit} for one page (a page of 1000 events is well under 1 MiB): reading stopped there"
    )]
    BodyTooLarge {
        /// The URL requested.
        url: String,
        /// The HTTP status of the answer.
        status: u16,
        /// The limit, e.g. `8 MiB`.
        limit: String,
    },
    /// No answer: connection refused or reset, DNS failure, timeout.
    #[error("{}", self.message(Setting::neutral))]
    Network {
        /// The URL requested.
        url: String,
        /// Requests made for this page.
        attempts: u32,
        /// What went wrong (timeout, connection refused, …).
        reason: String,
    },
    /// The answer was not the expected JSON:API page, twice.
    #[error(
        "IT Glue's answer to GET {url} is not the expected JSON:API page ({reason}; attempt {attempts}); the answer: {summary}"
    )]
    BadBody {
        /// The URL requested.
        url: String,
        /// Requests made for this page so far.
        attempts: u32,
        /// Why it could not be read (nothing of the key in it).
        reason: String,
        /// What the answer was: status, size and content type; its body is
        /// never quoted.
        summary: String,
    },
    /// Writing the output failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The consumer of the events failed.
    #[error("cannot store the fetched events: {0}")]
    Sink(#[source] std::io::Error),
}

impl FetchError {
    /// True for errors of the caller's input (missing or unreadable key,
    /// bad URL or settings, too long a window), as opposed to failures of the
    /// API or of writing the output. keyaudit exits with 2 for the former and
    /// 3 for API failures.
    pub fn is_usage_error(&self) -> bool {
        matches!(
            self,
            FetchError::MissingKey { .. }
                | FetchError::KeyFile { .. }
                | FetchError::KeyFileLine { .. }
                | FetchError::EmptyKey { .. }
                | FetchError::InvalidKey { .. }
                | FetchError::NoDays
                | FetchError::BaseUrlCredentials { .. }
                | FetchError::InvalidBaseUrl { .. }
                | FetchError::InvalidConfig { .. }
                | FetchError::TooManyDays { .. }
                | FetchError::TooOld { .. }
        )
    }

    /// The message, with each setting it names worded by `name` (the
    /// binary passes its command-line flags; `Display` passes
    /// [`Setting::neutral`]).
    pub fn message(&self, name: fn(Setting) -> &'static str) -> String {
        const OLDER_HISTORY: &str = "for older history export the Activity Logs page of the IT \
             Glue web UI as CSV and pass it with";
        let key_file = name(Setting::ApiKeyFile);
        let region = name(Setting::Region);
        let base_url = name(Setting::BaseUrl);
        match self {
            FetchError::MissingKey { var } => format!(
                "no IT Glue API key: set {var} or pass {key_file} FILE (an Administrator \
                 creates keys under Admin → Settings → API Keys; the full key is shown once, \
                 at creation)"
            ),
            FetchError::NoDays => format!("invalid {}: must be at least 1", name(Setting::Days)),
            FetchError::TooManyDays { days } => format!(
                "{flag} {days}: the IT Glue API keeps only the last 30 days of activity logs; \
                 use {flag} 30 or less, and {OLDER_HISTORY} {usage}",
                flag = name(Setting::Days),
                usage = name(Setting::Usage),
            ),
            FetchError::TooOld { since, earliest } => format!(
                "{} {since}: the IT Glue API keeps only the last 30 days of activity logs \
                 (nothing before {earliest}); {OLDER_HISTORY} {}",
                name(Setting::Since),
                name(Setting::Usage),
            ),
            FetchError::Auth { status } => format!(
                "IT Glue rejected the API key (HTTP {status}): check that ITGLUE_API_KEY or \
                 {key_file} holds the whole key as shown when it was created, that the key is \
                 not revoked or paused (Admin → Settings → API Keys; unused keys are revoked \
                 after 90 days), and that {region} or {base_url} names the account's data \
                 centre (us, eu or au)"
            ),
            FetchError::RateLimited { url, attempts } => format!(
                "IT Glue kept answering HTTP 429 (too many requests) to GET {url} after \
                 {attempts} attempts: another tool may be using the account's quota of 3000 \
                 requests per 5 minutes; try again later or lower {}",
                name(Setting::MaxRequestsPer5Min)
            ),
            FetchError::Network {
                url,
                attempts,
                reason,
            } => format!(
                "could not get an answer from IT Glue for GET {url} after {attempts} \
                 attempt(s): {reason}; check the network, any proxy, and {region} or {base_url}"
            ),
            FetchError::BaseUrlCredentials { url } => format!(
                "invalid IT Glue base URL `{url}`: it must not hold a user name or password: \
                 the key goes in ITGLUE_API_KEY or {key_file}"
            ),
            other => other.to_string(),
        }
    }
}
