//! The keyaudit usage JSONL that `fetch-usage` writes: a header line, then
//! one log resource per line.
//!
//! The header is read by the JSON reader (its first object); this module
//! validates it and streams the resource lines with one reused line buffer:
//! each line is checked for UTF-8 and for full keys (a `memchr` pre-check,
//! the regex only where a key may be), then deserialized into a
//! [`Resource`] that borrows from the line, and turned into an event.

use std::borrow::Cow;
use std::io::BufRead;

use chrono::{DateTime, Utc};
use keyaudit_model::{HeaderExposure, KeyFingerprint, SourceLocation, USAGE_SCHEMA, UsageEvent};
use serde::Deserialize;
use serde_json::Value;

use super::jsonapi::{RESOURCE_SHAPE, RawHeader, Resource, emit_resource, shown};
use super::time::parse_rfc3339;
use super::{Counter, json_message, not_utf8};
use crate::IngestError;
use keyaudit_model::key_shape::{FINGERPRINT_FORM, may_hold_key, redact_secrets};

/// What the read keeps of a validated [`UsageHeader`](keyaudit_model::UsageHeader).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    /// The window the fetch covered.
    pub window: (DateTime<Utc>, DateTime<Utc>),
    /// Whether the fetch got every page.
    pub complete: bool,
    /// The number of resource lines that follow.
    pub events: u64,
}

/// A header value for a message.
fn shown_value(value: &Value) -> String {
    match value {
        Value::String(s) => shown(s),
        other => shown(&other.to_string()),
    }
}

/// Validates the fields of a [`UsageHeader`](keyaudit_model::UsageHeader) one by one, so that a
/// mistake is reported with its field; `source` and `base_url` are not
/// needed for a read and not checked.
pub(crate) fn header(source: &str, raw: &RawHeader) -> Result<Header, IngestError> {
    let at = |column: &str| SourceLocation::row(source, raw.line).with_column(column);
    let invalid = |column: &str, value: &Value, expected: &str| IngestError::InvalidValue {
        location: at(column),
        value: shown_value(value),
        expected: expected.to_string(),
    };
    let missing = |column: &str, expected: &str| IngestError::MissingValue {
        location: at(column),
        what: column.to_string(),
        expected: expected.to_string(),
    };
    if raw.schema.as_str() != Some(USAGE_SCHEMA) {
        return Err(invalid(
            "schema",
            &raw.schema,
            &format!(
                "{USAGE_SCHEMA} (the header keyaudit fetch-usage writes; \
                 this version of keyaudit reads no other)"
            ),
        ));
    }
    const WINDOW: &str = "{\"start\": \"2024-03-01T00:00:00Z\", \"end\": \"2024-03-31T00:00:00Z\"} \
         (RFC 3339 times, start before end)";
    const TIME: &str = "an RFC 3339 time such as 2024-03-01T00:00:00Z";
    let window = raw
        .window
        .as_ref()
        .ok_or_else(|| missing("window", WINDOW))?;
    if !window.is_object() {
        return Err(invalid("window", window, WINDOW));
    }
    let end_of = |name: &str| {
        let column = format!("window.{name}");
        match window.get(name) {
            None | Some(Value::Null) => Err(missing(&column, TIME)),
            Some(value) => value
                .as_str()
                .and_then(parse_rfc3339)
                .ok_or_else(|| invalid(&column, value, TIME)),
        }
    };
    let start = end_of("start")?;
    let end = end_of("end")?;
    if start >= end {
        return Err(invalid(
            "window.end",
            window.get("end").unwrap_or(&Value::Null),
            "a time after window.start",
        ));
    }
    let complete = match &raw.complete {
        None => return Err(missing("complete", "true or false")),
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(invalid("complete", other, "true or false")),
    };
    let events = match &raw.events {
        None => return Err(missing("events", "the number of events that follow")),
        Some(value) => value
            .as_u64()
            .ok_or_else(|| invalid("events", value, "a whole number of events, 0 or more"))?,
    };
    Ok(Header {
        window: (start, end),
        complete,
        events,
    })
}

/// The full keys the header lists (`exposures`: masked in the records by
/// `fetch-usage`), each with the line and field that held it.
pub(crate) fn header_exposures(
    source: &str,
    raw: &RawHeader,
) -> Result<Vec<(KeyFingerprint, SourceLocation)>, IngestError> {
    let Some(value) = &raw.exposures else {
        return Ok(Vec::new());
    };
    let invalid = || IngestError::InvalidValue {
        location: SourceLocation::row(source, raw.line).with_column("exposures"),
        value: shown_value(value),
        expected: format!(
            "a list of {{\"fingerprint\": \"{FINGERPRINT_FORM}\", \"line\": <line of the \
             record, 2 or more>, \"field\": <the attribute, optional>}}"
        ),
    };
    let list = value.as_array().ok_or_else(invalid)?;
    list.iter()
        .map(|entry| {
            let exposure = HeaderExposure::deserialize(entry).map_err(|_| invalid())?;
            let line = usize::try_from(exposure.line)
                .ok()
                .filter(|&line| line > raw.end_line)
                .ok_or_else(invalid)?;
            let mut location = SourceLocation::row(source, line);
            if let Some(field) = &exposure.field {
                location = location.with_column(field);
            }
            Ok((exposure.fingerprint, location))
        })
        .collect()
}

/// How a run of resource lines ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LinesEnd {
    /// The last line was cut short and dropped (only with
    /// `--allow-partial`; without it that is an error).
    pub truncated: bool,
    /// The number of the last line read (the line before the first, if none).
    pub line: usize,
}

/// Reads resource lines to the end of `reader`; the line before the first
/// is number `line` and ends at byte `offset` of the file.
pub(crate) fn read_events<R: BufRead, F: FnMut(&UsageEvent<'_>)>(
    reader: &mut R,
    mut line: usize,
    mut offset: usize,
    counter: &mut Counter<'_, F>,
) -> Result<LinesEnd, IngestError> {
    let source = counter.source;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut scratch = String::new();
    loop {
        buf.clear();
        let read = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| IngestError::Io {
                file: source.to_string(),
                source: e,
            })?;
        if read == 0 || counter.stopped() {
            return Ok(LinesEnd {
                truncated: false,
                line,
            });
        }
        line += 1;
        let line_start = offset;
        offset += read;
        let mut bytes = buf.as_slice();
        let terminated = match bytes.split_last() {
            Some((b'\n', rest)) => {
                bytes = rest;
                true
            }
            _ => false,
        };
        if let Some((b'\r', rest)) = bytes.split_last() {
            bytes = rest;
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        // The SIMD check first; the standard one says where a bad byte is.
        let text = simdutf8::basic::from_utf8(bytes)
            .or_else(|_| std::str::from_utf8(bytes))
            .map_err(|e| {
                let at = e.valid_up_to();
                not_utf8(source, line, line_start + at, bytes.get(at))
            })?;
        // Redact before parsing: neither serde nor anything after sees a key.
        let (json, found) = if may_hold_key(bytes) {
            redact_secrets(text)
        } else {
            (Cow::Borrowed(text), Vec::new())
        };
        let parsed = serde_json::from_str::<Resource<'_>>(&json);
        for secret in found {
            let mut location = SourceLocation::row(source, line);
            if let Some(field) = parsed
                .as_ref()
                .ok()
                .and_then(|r| r.field_holding(&secret.fingerprint.masked()))
            {
                location = location.with_column(field);
            }
            counter.exposure(secret.fingerprint, location);
        }
        let resource = match parsed {
            Ok(resource) => resource,
            Err(e) if !terminated && (e.is_eof() || e.is_syntax()) => {
                if counter.allow_partial {
                    return Ok(LinesEnd {
                        truncated: true,
                        line,
                    });
                }
                return Err(IngestError::Truncated {
                    location: SourceLocation::row(source, line),
                    problem: format!("{} at column {}", json_message(&e), e.column()),
                });
            }
            Err(e) => {
                let what = if e.is_data() {
                    "unexpected JSON value"
                } else {
                    "invalid JSON"
                };
                return Err(IngestError::Syntax {
                    location: SourceLocation::row(source, line),
                    problem: format!("{what} at column {} ({})", e.column(), json_message(&e)),
                    expected: format!("one JSON object per line, each {RESOURCE_SHAPE}"),
                });
            }
        };
        emit_resource(&resource, line, &mut scratch, counter)?;
    }
}
