//! JSON inventories: an array of key objects, or `{"keys": [...]}`.
//!
//! Secrets are redacted in the raw text before `serde_json` sees it (its
//! errors must never echo a secret). Each redacted key is followed by a
//! private-use marker character so that, after parsing, the exposure can be
//! placed on its entry and field; every string is then redacted again to
//! catch keys written with JSON escapes.

use std::ops::Range;

use keyaudit_model::{KeyFingerprint, SourceLocation};
use serde_json::{Map, Value};

use super::columns::Field;
use super::{Cell, Collector, FieldCell, ParsedInventory, Row};
use crate::IngestError;
use crate::error::{SHOW_MAX, show};
use crate::tabular::{normalise, quoted_list};
use keyaudit_model::key_shape::{find_secrets, is_secret_char, redact_secrets};

/// Follows each masked key that replaced a secret in the raw text.
const MARK: char = '\u{E000}';

/// What a JSON inventory should look like.
const SHAPE: &str = "a JSON array of key objects, or an object {\"keys\": [...]}";

/// One raw-text replacement: the original range and the replacement's range.
struct Replacement {
    original: Range<usize>,
    replaced: Range<usize>,
}

/// Redacts the raw text, putting [`MARK`] after each masked key.
fn mark_secrets(text: &str) -> (String, Vec<Replacement>) {
    let mut marked = String::with_capacity(text.len());
    let mut replacements = Vec::new();
    let mut last = 0;
    for secret in find_secrets(text) {
        marked.push_str(&text[last..secret.range.start]);
        let start = marked.len();
        marked.push_str(&secret.fingerprint.masked());
        marked.push(MARK);
        replacements.push(Replacement {
            original: secret.range.clone(),
            replaced: start..marked.len(),
        });
        last = secret.range.end;
    }
    marked.push_str(&text[last..]);
    (marked, replacements)
}

/// Parses a JSON inventory (already decoded).
pub(crate) fn parse(source: &str, text: &str) -> Result<ParsedInventory, IngestError> {
    let mut collector = Collector::new(source, "json");

    let (marked, replacements) = mark_secrets(text);

    let mut root: Value = serde_json::from_str(&marked).map_err(|e| {
        let (line, column) = original_position(text, &marked, &replacements, e.line(), e.column());
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        IngestError::Syntax {
            location: SourceLocation::file(source),
            problem: format!("invalid JSON at line {line}, column {column} ({message})"),
            expected: SHAPE.to_string(),
        }
    })?;

    let entries = match &mut root {
        Value::Array(entries) => entries,
        Value::Object(map) => {
            // Clean the other top-level fields too: they may hold secrets.
            let mut entries = None;
            for (name, value) in map.iter_mut() {
                let location = SourceLocation::file(source).with_column("(field name)");
                let name = clean_string(name, Some(&location), &mut collector);
                if entries.is_none() && normalise(&name) == "keys" && value.is_array() {
                    if let Value::Array(list) = value {
                        entries = Some(list);
                    }
                } else {
                    let location = SourceLocation::file(source).with_column(show(&name, SHOW_MAX));
                    clean(value, &location, &mut collector);
                }
            }
            match entries {
                Some(list) => list,
                None => {
                    let fields: Vec<String> = map
                        .keys()
                        .map(|k| clean_string(k, None, &mut collector))
                        .collect();
                    return Err(IngestError::Syntax {
                        location: SourceLocation::file(source),
                        problem: format!(
                            "found a JSON object without a \"keys\" array (fields: {})",
                            quoted_list(fields.iter().map(String::as_str))
                        ),
                        expected: SHAPE.to_string(),
                    });
                }
            }
        }
        other => {
            return Err(IngestError::Syntax {
                location: SourceLocation::file(source),
                problem: format!("found a JSON {}", type_name(other)),
                expected: SHAPE.to_string(),
            });
        }
    };

    for (i, entry) in entries.iter_mut().enumerate() {
        let row = i + 1;
        let Value::Object(map) = entry else {
            let value = describe(entry, &SourceLocation::row(source, row), &mut collector);
            return Err(IngestError::InvalidValue {
                location: SourceLocation::row(source, row),
                value,
                expected: "an object with a \"Name\" field for each key".to_string(),
            });
        };
        let cleaned = clean_object(std::mem::take(map), source, row, &mut collector);
        *map = cleaned;
        add_entry(map, row, &mut collector)?;
    }
    collector.finish()
}

/// Reads one entry's fields into a row and adds it.
fn add_entry(
    map: &Map<String, Value>,
    row: usize,
    collector: &mut Collector<'_>,
) -> Result<(), IngestError> {
    let source = collector.source();
    let mut parsed = Row {
        number: row,
        ..Row::default()
    };
    for (name, value) in map {
        let Some(field) = Field::from_header(name) else {
            continue;
        };
        let location = SourceLocation::row(source, row).with_column(name.as_str());
        if let Some(first) = parsed.fields[field.index()] {
            return Err(IngestError::DuplicateColumn {
                location,
                first: first.column.to_string(),
                second: name.clone(),
                field: field.describe(),
            });
        }
        let value = match value {
            Value::String(s) => Cell::Text(s),
            Value::Bool(b) if field == Field::PasswordAccess => Cell::Bool(*b),
            Value::Null => Cell::Null,
            other => {
                let expected = if field == Field::PasswordAccess {
                    "true, false, a string or null"
                } else {
                    "a string or null"
                };
                return Err(IngestError::InvalidValue {
                    location,
                    value: describe_plain(other),
                    expected: format!("{expected} for the key's {}", field.describe()),
                });
            }
        };
        parsed.fields[field.index()] = Some(FieldCell {
            column: name,
            value,
        });
    }
    if parsed.fields[Field::Name.index()].is_none() {
        return Err(IngestError::MissingName {
            location: SourceLocation::row(source, row),
            what: "fields",
            what_one: "field",
            found: quoted_list(map.keys().map(String::as_str)),
            accepted: quoted_list(Field::Name.aliases().iter().copied()),
        });
    }
    let strings = map.values().filter_map(Value::as_str);
    if parsed.is_entry_form(strings) {
        return Ok(());
    }
    collector.add_row(&parsed)
}

/// Redacts every string of an entry (keys included), recording exposures on
/// the entry's row and field.
fn clean_object(
    map: Map<String, Value>,
    source: &str,
    row: usize,
    collector: &mut Collector<'_>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, mut value) in map {
        let name_location = SourceLocation::row(source, row).with_column("(field name)");
        let name = clean_string(&name, Some(&name_location), collector);
        let location = SourceLocation::row(source, row).with_column(show(&name, SHOW_MAX));
        clean(&mut value, &location, collector);
        out.insert(name, value);
    }
    out
}

/// Redacts every string in `value`, recording exposures at `location`.
fn clean(value: &mut Value, location: &SourceLocation, collector: &mut Collector<'_>) {
    match value {
        Value::String(s) => *s = clean_string(s, Some(location), collector),
        Value::Array(items) => {
            for item in items {
                clean(item, location, collector);
            }
        }
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (name, mut item) in old {
                let name = clean_string(&name, Some(location), collector);
                clean(&mut item, location, collector);
                map.insert(name, item);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Removes the markers of raw-text redactions and redacts what is left,
/// recording an exposure per secret when `location` is given.
fn clean_string(
    s: &str,
    location: Option<&SourceLocation>,
    collector: &mut Collector<'_>,
) -> String {
    let mut unmarked = String::with_capacity(s.len());
    // After a marker, secret characters that the raw text wrote as JSON
    // escapes (`\u0041`) continue the secret: drop them.
    let mut after_mark = false;
    for (i, c) in s.char_indices() {
        if after_mark && is_secret_char(c) {
            continue;
        }
        after_mark = false;
        if c != MARK {
            unmarked.push(c);
            continue;
        }
        after_mark = true;
        let fingerprint = KeyFingerprint::masked_before(s, i);
        if let (Some(fp), Some(location)) = (fingerprint, location) {
            collector.exposure(fp, location.clone());
        }
    }
    let (clean, found) = redact_secrets(&unmarked);
    if let Some(location) = location {
        for secret in found {
            collector.exposure(secret.fingerprint, location.clone());
        }
    }
    clean.into_owned()
}

/// A short description of a JSON value for a message (strings redacted).
fn describe(value: &Value, location: &SourceLocation, collector: &mut Collector<'_>) -> String {
    match value {
        Value::String(s) => show(&clean_string(s, Some(location), collector), SHOW_MAX),
        other => describe_plain(other),
    }
}

/// A short description of a non-string JSON value (or an already clean one).
fn describe_plain(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => show(s, SHOW_MAX),
        Value::Array(_) => "[…] (an array)".to_string(),
        Value::Object(_) => "{…} (an object)".to_string(),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Maps a 1-based line and column of `marked` back to `original`.
fn original_position(
    original: &str,
    marked: &str,
    replacements: &[Replacement],
    line: usize,
    column: usize,
) -> (usize, usize) {
    let line_start: usize = marked
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let offset = (line_start + column.saturating_sub(1)).min(marked.len());
    // After a replacement the two texts are identical up to the next one.
    let mut mapped = offset;
    for r in replacements {
        if r.replaced.start >= offset {
            break;
        }
        if offset < r.replaced.end {
            mapped = r.original.start;
            break;
        }
        mapped = offset - r.replaced.end + r.original.end;
    }
    let mut mapped = mapped.min(original.len());
    while !original.is_char_boundary(mapped) {
        mapped -= 1;
    }
    let before = &original[..mapped];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
