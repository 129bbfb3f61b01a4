//! JSON usage sources: the log resource (shared with the JSONL reader), and
//! the streaming reader of a JSON:API document or an array of resources.
//!
//! The reader deserializes the first top-level value straight from the
//! `BufRead` with serde visitors: the `data` array is visited one resource
//! at a time and each resource becomes an event at once, so a document of
//! any size is never held in memory. The same visitor reads the first
//! object of a keyaudit usage JSONL — its `schema` field tells — and hands
//! the header back to the JSONL reader.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::{self, BufRead, Read};
use std::marker::PhantomData;

use keyaudit_model::{SourceLocation, UsageEvent};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::detect::{Kind, Start};
use super::time::TIME_FORMS;
use super::{Counter, json_message};
use crate::IngestError;
use crate::error::{SHOW_MAX, show};
use crate::tabular::quoted_list;
use keyaudit_model::key_shape::redact_secrets;

/// What a JSON usage file should look like.
pub(crate) const SHAPE: &str = "a JSON:API document {\"data\": [log resources]} (a saved GET /logs \
     response), an array of log resources, or a keyaudit usage JSONL whose first line is a header \
     with \"schema\": \"keyaudit.usage/v1\"";

/// What one log resource looks like.
pub(crate) const RESOURCE_SHAPE: &str = "a log resource {\"id\": \"…\", \"type\": \"logs\", \
     \"attributes\": {\"created-at\": \"2024-03-14T14:05:09Z\", …}}";

/// A JSON scalar read as text. Strings borrow from the input when they hold
/// no escapes; numbers are kept as numbers (formatted into a reused buffer
/// when the event is built), so reading a resource allocates only for
/// escaped strings.
#[derive(Debug, Default)]
pub(crate) enum Text<'a> {
    /// Absent or `null`.
    #[default]
    Null,
    /// A string.
    Str(Cow<'a, str>),
    /// An unsigned integer.
    U64(u64),
    /// A negative integer.
    I64(i64),
    /// Any other number.
    F64(f64),
    /// A boolean.
    Bool(bool),
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor(PhantomData))
    }
}

struct TextVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number or null")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text::Str(Cow::Owned(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Text::U64(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Text::I64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Text::F64(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Text::Bool(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Text::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Text::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// One log resource: `{"id", "type", "attributes"}`; other members
/// (`relationships`, `links`, …) are ignored.
#[derive(Debug, Deserialize)]
pub(crate) struct Resource<'a> {
    #[serde(default, borrow)]
    id: Text<'a>,
    #[serde(default, borrow, rename = "type")]
    kind: Text<'a>,
    #[serde(default, borrow)]
    attributes: Option<Attributes<'a>>,
}

/// The attributes keyaudit reads; others (`level`, `account-id`, `ip-city`,
/// `ip-region`, `ip-country`, …) are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Attributes<'a> {
    #[serde(default, borrow)]
    created_at: Text<'a>,
    #[serde(default, borrow)]
    user_id: Text<'a>,
    #[serde(default, borrow)]
    action: Text<'a>,
    #[serde(default, borrow)]
    resource_type: Text<'a>,
    #[serde(default, borrow)]
    resource_name: Text<'a>,
    #[serde(default, borrow)]
    organization_id: Text<'a>,
    #[serde(default, borrow)]
    ip_address: Text<'a>,
    #[serde(default, borrow)]
    user_agent: Text<'a>,
}

/// The fields of a resource in the order of [`FIELDS`].
const SLOTS: usize = 9;
const CREATED_AT: usize = 1;

/// Field names for messages and exposures, by slot.
const FIELDS: [&str; SLOTS] = [
    "id",
    "attributes.created-at",
    "attributes.user-id",
    "attributes.action",
    "attributes.resource-type",
    "attributes.resource-name",
    "attributes.organization-id",
    "attributes.ip-address",
    "attributes.user-agent",
];

impl<'a> Resource<'a> {
    fn slots<'r>(&'r self, attributes: &'r Attributes<'a>) -> [&'r Text<'a>; SLOTS] {
        [
            &self.id,
            &attributes.created_at,
            &attributes.user_id,
            &attributes.action,
            &attributes.resource_type,
            &attributes.resource_name,
            &attributes.organization_id,
            &attributes.ip_address,
            &attributes.user_agent,
        ]
    }

    /// The field whose string holds `needle` (a masked key), for placing an
    /// exposure found in the raw text.
    pub(crate) fn field_holding(&self, needle: &str) -> Option<&'static str> {
        let holds = |t: &Text<'_>| matches!(t, Text::Str(s) if s.contains(needle));
        if holds(&self.kind) {
            return Some("type");
        }
        let attributes = self.attributes.as_ref()?;
        self.slots(attributes)
            .iter()
            .position(|t| holds(t))
            .map(|i| FIELDS[i])
    }
}

/// A value for a message: redacted, one line, shortened.
pub(crate) fn shown(value: &str) -> String {
    show(&redact_secrets(value).0, SHOW_MAX)
}

/// Turns one resource into an event and hands it to the counter.
///
/// `row` is the JSONL line or the position in `data`; `scratch` is a
/// buffer reused across resources for numbers written as text.
pub(crate) fn emit_resource<F: FnMut(&UsageEvent<'_>)>(
    resource: &Resource<'_>,
    row: usize,
    scratch: &mut String,
    counter: &mut Counter<'_, F>,
) -> Result<(), IngestError> {
    let source = counter.source;
    let at = |column: &str| SourceLocation::row(source, row).with_column(column);
    if let Text::Str(kind) = &resource.kind {
        if kind != "logs" {
            return Err(IngestError::InvalidValue {
                location: at("type"),
                value: shown(kind),
                expected: "logs (an activity-log resource of GET /logs)".to_string(),
            });
        }
    }
    let Some(attributes) = &resource.attributes else {
        return Err(IngestError::MissingValue {
            location: at("attributes"),
            what: "attributes".to_string(),
            expected: RESOURCE_SHAPE.to_string(),
        });
    };
    let texts = resource.slots(attributes);

    // Numbers as text, in one reused buffer.
    scratch.clear();
    let mut spans = [(0, 0); SLOTS];
    for (span, text) in spans.iter_mut().zip(texts) {
        let begin = scratch.len();
        // Writing to a String cannot fail.
        let _ = match text {
            Text::U64(n) => write!(scratch, "{n}"),
            Text::I64(n) => write!(scratch, "{n}"),
            Text::F64(n) => write!(scratch, "{n}"),
            _ => continue,
        };
        *span = (begin, scratch.len());
    }
    let numbers: &str = scratch;

    let mut values: [Option<Cow<'_, str>>; SLOTS] = Default::default();
    for (i, (value, text)) in values.iter_mut().zip(texts).enumerate() {
        *value = match text {
            Text::Null => None,
            Text::Str(Cow::Borrowed(s)) => (!s.is_empty()).then_some(Cow::Borrowed(*s)),
            // Escaped strings were not in the raw text as they read now, and
            // a streamed document has no raw text checked: check them here.
            Text::Str(Cow::Owned(s)) => {
                (!s.is_empty()).then(|| counter.clean(s.as_str(), || at(FIELDS[i])))
            }
            Text::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Text::U64(_) | Text::I64(_) | Text::F64(_) => {
                numbers.get(spans[i].0..spans[i].1).map(Cow::Borrowed)
            }
        };
    }

    let created_at = match &values[CREATED_AT] {
        None => {
            return Err(IngestError::MissingValue {
                location: at(FIELDS[CREATED_AT]),
                what: "created-at".to_string(),
                expected: format!("the event's time, {TIME_FORMS}"),
            });
        }
        Some(text) => counter
            .parse_time(text)
            .ok_or_else(|| IngestError::InvalidValue {
                location: at(FIELDS[CREATED_AT]),
                value: show(text, SHOW_MAX),
                expected: format!(
                    "{TIME_FORMS} (times without an offset are read in {})",
                    counter.zone.name()
                ),
            })?,
    };
    let [
        id,
        _,
        user_id,
        action,
        resource_type,
        resource_name,
        organization,
        ip_address,
        user_agent,
    ] = values;
    counter.emit(&UsageEvent {
        id,
        created_at,
        user_id,
        actor: None,
        action,
        resource_type,
        resource_name,
        organization,
        ip_address,
        user_agent,
    });
    Ok(())
}

/// The first top-level value of a JSON file.
pub(crate) enum Top {
    /// A JSON:API document or an array of resources, read whole.
    Document,
    /// The header of a keyaudit usage JSONL; the events follow.
    Header(RawHeader),
}

/// A JSONL header as found, before validation.
#[derive(Debug, Default)]
pub(crate) struct RawHeader {
    /// `schema`.
    pub schema: Value,
    /// `window`, when present.
    pub window: Option<Value>,
    /// `complete`, when present.
    pub complete: Option<Value>,
    /// `events`, when present.
    pub events: Option<Value>,
    /// `exposures`, when present.
    pub exposures: Option<Value>,
    /// The line the header starts on (1-based).
    pub line: usize,
    /// The line the header ends on.
    pub end_line: usize,
    /// Bytes of the file up to the end of the header's line.
    pub offset: usize,
}

/// Counts the bytes and newlines serde_json reads (for line numbers and
/// byte offsets after the header, and in messages).
struct Counting<'r, R> {
    inner: &'r mut R,
    newlines: usize,
    bytes: usize,
}

impl<R: BufRead> Read for Counting<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        let got = out.get(..n).unwrap_or_default();
        self.newlines += got.iter().filter(|b| **b == b'\n').count();
        self.bytes += n;
        Ok(n)
    }
}

/// Progress shared between the visitors and the caller.
struct State<'c, 's, F> {
    counter: &'c mut Counter<'s, F>,
    /// The error that made a visitor stop (serde only carries a message).
    failure: Option<IngestError>,
    /// The 1-based position in `data` of the resource being read.
    current: Option<usize>,
}

/// Visits the `data` array (or the top-level array).
struct Resources<'v, 'c, 's, F>(&'v mut State<'c, 's, F>);

impl<'de, F: FnMut(&UsageEvent<'_>)> DeserializeSeed<'de> for Resources<'_, '_, '_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(&UsageEvent<'_>)> Visitor<'de> for Resources<'_, '_, '_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of log resources")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.0;
        let mut scratch = String::new();
        let mut entry = 0;
        loop {
            entry += 1;
            state.current = Some(entry);
            let Some(resource) = seq.next_element::<Resource<'de>>()? else {
                state.current = None;
                return Ok(());
            };
            if let Err(e) = emit_resource(&resource, entry, &mut scratch, state.counter) {
                state.failure = Some(e);
                return Err(de::Error::custom("the log resource was refused"));
            }
        }
    }
}

/// What the top-level object turned out to be.
enum Object {
    Document,
    Header(RawHeader),
    /// Neither: the first field names, for the message.
    Other(Vec<String>),
}

/// Visits the top-level object: `data` is streamed; the header fields are
/// kept; everything else is skipped.
struct TopObject<'v, 'c, 's, F>(&'v mut State<'c, 's, F>);

impl<'de, F: FnMut(&UsageEvent<'_>)> DeserializeSeed<'de> for TopObject<'_, '_, '_, F> {
    type Value = Object;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Object, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F: FnMut(&UsageEvent<'_>)> Visitor<'de> for TopObject<'_, '_, '_, F> {
    type Value = Object;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON:API document or a keyaudit usage header")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
        let state = self.0;
        // Header fields may come in any order: gather them all, and decide
        // by `schema` at the end.
        let mut header = RawHeader::default();
        let (mut schema, mut data) = (false, false);
        let mut names = Vec::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "data" | "schema" if data || schema => {
                    state.failure = Some(IngestError::Syntax {
                        location: SourceLocation::file(state.counter.source),
                        problem: "found both \"schema\" (a keyaudit usage JSONL header) and \
                                  \"data\" (a JSON:API document) in the first object"
                            .to_string(),
                        expected: SHAPE.to_string(),
                    });
                    return Err(de::Error::custom("mixed formats"));
                }
                "data" => {
                    map.next_value_seed(Resources(state))?;
                    data = true;
                }
                "schema" => {
                    header.schema = map.next_value()?;
                    schema = true;
                }
                "window" => header.window = Some(map.next_value()?),
                "complete" => header.complete = Some(map.next_value()?),
                "events" => header.events = Some(map.next_value()?),
                "exposures" => header.exposures = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if names.len() < 12 {
                names.push(key.into_owned());
            }
        }
        Ok(if schema {
            Object::Header(header)
        } else if data {
            Object::Document
        } else {
            Object::Other(names)
        })
    }
}

/// Reads the first top-level value: a document (every resource handed to
/// the counter) or a JSONL header (the reader is then at the first event line).
pub(crate) fn read<R: BufRead, F: FnMut(&UsageEvent<'_>)>(
    reader: &mut R,
    start: Start,
    counter: &mut Counter<'_, F>,
) -> Result<Top, IngestError> {
    let source = counter.source;
    let mut state = State {
        counter,
        failure: None,
        current: None,
    };
    let mut counting = Counting {
        inner: reader,
        newlines: 0,
        bytes: 0,
    };
    let result = {
        let mut de = serde_json::Deserializer::from_reader(&mut counting);
        let value = if start.kind == Kind::Array {
            Resources(&mut state)
                .deserialize(&mut de)
                .map(|()| Object::Document)
        } else {
            TopObject(&mut state).deserialize(&mut de)
        };
        match value {
            // A JSONL goes on after the header: leave the rest to its reader.
            Ok(Object::Header(h)) => Ok(Object::Header(h)),
            Ok(other) => de.end().map(|()| other),
            Err(e) => Err(e),
        }
    };
    let object = match result {
        Ok(object) => object,
        Err(e) => {
            return Err(match state.failure.take() {
                Some(failure) => failure,
                None => json_error(source, start, counting.bytes, state.current, e),
            });
        }
    };
    match object {
        Object::Document => Ok(Top::Document),
        Object::Other(names) => Err(IngestError::Syntax {
            location: SourceLocation::file(source),
            problem: format!(
                "found an object with fields {} and no \"data\" or \"schema\"",
                quoted_list(names.iter().map(|n| n.as_str()))
            ),
            expected: SHAPE.to_string(),
        }),
        Object::Header(mut header) => {
            header.line = start.lines + 1;
            header.end_line = start.lines + 1 + counting.newlines;
            let mut rest = Vec::new();
            counting
                .inner
                .read_until(b'\n', &mut rest)
                .map_err(|e| IngestError::Io {
                    file: source.to_string(),
                    source: e,
                })?;
            if !rest.iter().all(u8::is_ascii_whitespace) {
                return Err(IngestError::Syntax {
                    location: SourceLocation::row(source, header.end_line),
                    problem: "found more text after the header object on its line".to_string(),
                    expected: "the header alone on line 1, then one log resource per line"
                        .to_string(),
                });
            }
            header.offset = start.bytes + counting.bytes + rest.len();
            Ok(Top::Header(header))
        }
    }
}

/// The error for a serde_json failure while streaming a document.
fn json_error(
    source: &str,
    start: Start,
    read: usize,
    current: Option<usize>,
    error: serde_json::Error,
) -> IngestError {
    if error.is_io() {
        return IngestError::Io {
            file: source.to_string(),
            source: io::Error::from(error),
        };
    }
    let line = error.line() + start.lines;
    let message = json_message(&error);
    if message.starts_with("invalid unicode code point") {
        return IngestError::NotUtf8 {
            file: source.to_string(),
            line,
            offset: start.bytes + read.saturating_sub(1),
            found: "a string that is not valid UTF-8".to_string(),
        };
    }
    let within = current.map_or_else(String::new, |n| format!(" in resource {n} of \"data\""));
    let truncated = if error.is_eof() {
        "; the file looks truncated"
    } else {
        ""
    };
    IngestError::Syntax {
        location: SourceLocation::file(source),
        problem: format!(
            "invalid JSON at line {line}, column {}{within} ({message}){truncated}",
            error.column()
        ),
        expected: SHAPE.to_string(),
    }
}
