//! The usage JSONL contract (`keyaudit.usage/v1`): line 1 of the file
//! `keyaudit fetch-usage` writes, before one log resource per line.
//!
//! Written by `keyaudit_itglue::write_usage_jsonl` and by the benchmark's
//! generator, read (field by field, so that each mistake is named) by
//! `keyaudit_ingest`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::KeyFingerprint;

/// The `schema` of keyaudit's usage JSONL.
pub const USAGE_SCHEMA: &str = "keyaudit.usage/v1";

/// The `source` of a usage JSONL fetched from IT Glue's API.
pub const USAGE_SOURCE_ITGLUE_API: &str = "itglue-api";

/// Line 1 of the usage JSONL, e.g.
/// `{"schema":"keyaudit.usage/v1","source":"itglue-api","base_url":"https://api.itglue.com","window":{"start":"2026-11-01T00:00:00Z","end":"2026-11-30T00:00:00Z"},"complete":true,"events":1234}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageHeader {
    /// Always [`USAGE_SCHEMA`].
    pub schema: String,
    /// Where the events came from: [`USAGE_SOURCE_ITGLUE_API`].
    pub source: String,
    /// The API base URL the logs came from.
    pub base_url: String,
    /// The window the file covers.
    pub window: HeaderWindow,
    /// False when some second held more events than the API serves for one
    /// query: the file then lacks events.
    pub complete: bool,
    /// Event lines that follow.
    pub events: u64,
    /// Full API keys found in the records, masked in the file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exposures: Vec<HeaderExposure>,
}

impl UsageHeader {
    /// The header of a fetch from IT Glue's API at `base_url`.
    pub fn itglue_api(
        base_url: impl Into<String>,
        window: HeaderWindow,
        complete: bool,
        events: u64,
        exposures: Vec<HeaderExposure>,
    ) -> Self {
        Self {
            schema: USAGE_SCHEMA.into(),
            source: USAGE_SOURCE_ITGLUE_API.into(),
            base_url: base_url.into(),
            window,
            complete,
            events,
            exposures,
        }
    }
}

/// The window of a [`UsageHeader`]: RFC 3339 UTC with whole seconds in the
/// file (`2026-11-01T00:00:00Z`; a fraction of a second is dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderWindow {
    /// The first second covered.
    #[serde(serialize_with = "whole_seconds", deserialize_with = "rfc3339")]
    pub start: DateTime<Utc>,
    /// The last second covered (inclusive).
    #[serde(serialize_with = "whole_seconds", deserialize_with = "rfc3339")]
    pub end: DateTime<Utc>,
}

/// A full API key found in a fetched record: masked where it was, and
/// listed in the [`UsageHeader`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderExposure {
    /// The key's fingerprint (never the secret).
    pub fingerprint: KeyFingerprint,
    /// The file's line holding the record (line 1 is the header).
    pub line: u64,
    /// The record's attribute that held it, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

fn whole_seconds<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn rfc3339<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(deserializer)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|e| serde::de::Error::custom(format!("`{text}` is not an RFC 3339 time: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> UsageHeader {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        UsageHeader::itglue_api(
            "https://api.itglue.com",
            HeaderWindow {
                start: at("2026-11-01T00:00:00.250Z"),
                end: at("2026-11-30T23:59:59Z"),
            },
            true,
            1234,
            vec![HeaderExposure {
                fingerprint: KeyFingerprint::parse("ITG.45DF64A0DD9DF8A7A79DC4382927A045").unwrap(),
                line: 7,
                field: Some("user-agent".into()),
            }],
        )
    }

    #[test]
    fn the_header_line() {
        let line = serde_json::to_string(&header()).unwrap();
        insta::assert_snapshot!(line);
    }

    #[test]
    fn reads_back_what_it_writes() {
        let mut written = header();
        written.window.start =
            written.window.start.with_timezone(&Utc) - chrono::TimeDelta::milliseconds(250);
        let line = serde_json::to_string(&written).unwrap();
        assert_eq!(serde_json::from_str::<UsageHeader>(&line).unwrap(), written);
        written.exposures.clear();
        assert!(
            !serde_json::to_string(&written)
                .unwrap()
                .contains("exposures")
        );
    }
}
