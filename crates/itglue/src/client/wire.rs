//! The JSON:API page of `GET /logs` as it arrives (private wire types).

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::value::RawValue;

use crate::fetch::RawLog;

/// One page, read.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) logs: Vec<RawLog>,
    /// `meta.next-page` is a page number greater than the page asked for:
    /// `Some(true)`; null: `Some(false)`; no `meta` block or no such field:
    /// `None`. Anything else makes the page malformed.
    pub(crate) next_page: Option<bool>,
    /// `meta.total-count`, when given.
    pub(crate) total_count: Option<u64>,
}

#[derive(Deserialize)]
struct WirePage<'a> {
    #[serde(borrow)]
    data: Vec<&'a RawValue>,
    #[serde(default)]
    meta: Option<WireMeta>,
}

#[derive(Deserialize)]
struct WireMeta {
    #[serde(rename = "next-page", default, deserialize_with = "next_page")]
    next_page: Option<NextPage>,
    #[serde(rename = "total-count", default, deserialize_with = "lenient_count")]
    total_count: Option<u64>,
}

#[derive(Deserialize)]
struct WireLog<'a> {
    #[serde(deserialize_with = "id_text")]
    id: String,
    #[serde(borrow)]
    attributes: WireAttributes<'a>,
}

#[derive(Deserialize)]
struct WireAttributes<'a> {
    #[serde(rename = "created-at", borrow)]
    created_at: Cow<'a, str>,
}

/// `meta.next-page` as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NextPage {
    /// `null`: no more pages.
    Null,
    /// A whole number.
    Number(u64),
    /// Anything else, described by its JSON type (never its text).
    Other(&'static str),
}

/// Reads page `number`'s body. The error says what is wrong, for
/// [`crate::FetchError::BadBody`]; it quotes nothing of the body but
/// numbers and JSON types.
pub(crate) fn parse_page(body: &[u8], number: u32) -> Result<Page, String> {
    let page: WirePage<'_> = serde_json::from_slice(body).map_err(|e| describe(&e))?;
    let mut logs = Vec::with_capacity(page.data.len());
    for (index, raw) in page.data.iter().enumerate() {
        let log: WireLog<'_> = serde_json::from_str(raw.get())
            .map_err(|e| format!("data[{index}]: {}", describe(&e)))?;
        let created_at = DateTime::parse_from_rfc3339(&log.attributes.created_at)
            .map_err(|e| {
                format!("data[{index}].attributes.created-at is not an RFC 3339 time: {e}")
            })?
            .with_timezone(&Utc);
        logs.push(RawLog::new(log.id, created_at, compact(raw.get())));
    }
    let (next_page, total_count) = page
        .meta
        .map_or((None, None), |m| (m.next_page, m.total_count));
    let next_page = match next_page {
        None => None,
        Some(NextPage::Null) => Some(false),
        Some(NextPage::Number(next)) if next > u64::from(number) => Some(true),
        Some(found) => {
            let found = match found {
                NextPage::Number(n) => n.to_string(),
                NextPage::Other(kind) => kind.to_string(),
                NextPage::Null => "null".to_string(),
            };
            return Err(format!(
                "meta.next-page of page {number} is {found}: expected null (no more pages) or a page number greater than {number}"
            ));
        }
    };
    Ok(Page {
        logs,
        next_page,
        total_count,
    })
}

fn describe(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => format!("the JSON ends too early ({e})"),
        serde_json::error::Category::Syntax => format!("not JSON ({e})"),
        _ => format!("not a /logs page: {e}"),
    }
}

/// The resource's JSON without insignificant whitespace, so that it fits on
/// one line, and with its strings escaped only where JSON requires it (`"`,
/// `\\` and control characters), so that no text hides behind an escape
/// such as `\u002e`; the text is otherwise kept byte for byte as the API
/// sent it.
fn compact(raw: &str) -> Box<str> {
    let bytes = raw.as_bytes();
    if bytes.contains(&b'\\') {
        let plain = crate::scrub::map_strings(raw, |literal| {
            if !literal.contains('\\') {
                return None;
            }
            let text: String = serde_json::from_str(literal).ok()?;
            serde_json::to_string(&text).ok()
        });
        return compact_whitespace(&plain);
    }
    compact_whitespace(raw)
}

/// `raw` without whitespace between tokens.
fn compact_whitespace(raw: &str) -> Box<str> {
    let bytes = raw.as_bytes();
    if !bytes
        .iter()
        .any(|b| matches!(b, b'\n' | b'\r' | b'\t') || *b == b' ')
    {
        return raw.into();
    }
    let mut out = String::with_capacity(raw.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            out.push_str(&raw[run_start..i]);
            run_start = i + 1;
        }
    }
    out.push_str(&raw[run_start..]);
    out.into_boxed_str()
}

/// `meta.next-page`, whatever its type.
fn next_page<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NextPage>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(Some(match value {
        serde_json::Value::Null => NextPage::Null,
        serde_json::Value::Number(n) => n.as_u64().map_or(
            NextPage::Other("a number that is not a whole page number"),
            NextPage::Number,
        ),
        serde_json::Value::Bool(false) => NextPage::Other("false"),
        serde_json::Value::Bool(true) => NextPage::Other("true"),
        serde_json::Value::String(_) => NextPage::Other("a string"),
        serde_json::Value::Array(_) => NextPage::Other("an array"),
        serde_json::Value::Object(_) => NextPage::Other("an object"),
    }))
}

/// A count given as a number or a numeric string; anything else is ignored.
fn lenient_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(value.and_then(|v| match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }))
}

/// A JSON:API id: a string, or (leniently) a number.
fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct IdVisitor;
    impl Visitor<'_> for IdVisitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or number id")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            if v.is_empty() {
                return Err(E::custom("the id is empty"));
            }
            Ok(v.to_owned())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(IdVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_page() {
        let body = br#"{"data":[
            {"id":"7","type":"logs","attributes":{"created-at":"2026-11-01T10:00:00.000Z","action":"show","user-agent":"a b"}},
            {"id":8,"type":"logs","attributes":{"created-at":"2026-11-01T11:00:00+01:00"}}
        ],"meta":{"current-page":1,"next-page":null,"total-count":2}}"#;
        let page = parse_page(body, 1).unwrap();
        assert_eq!(page.next_page, Some(false));
        assert_eq!(page.total_count, Some(2));
        assert_eq!(page.logs[0].id(), "7");
        assert_eq!(
            page.logs[0].json(),
            r#"{"id":"7","type":"logs","attributes":{"created-at":"2026-11-01T10:00:00.000Z","action":"show","user-agent":"a b"}}"#
        );
        assert_eq!(page.logs[1].id(), "8");
        assert_eq!(page.logs[1].created_at(), page.logs[0].created_at());
    }

    #[test]
    fn meta_is_optional_and_next_page_is_seen() {
        let page = parse_page(br#"{"data":[]}"#, 1).unwrap();
        assert_eq!((page.next_page, page.total_count), (None, None));
        let page = parse_page(
            br#"{"data":[],"meta":{"next-page":2,"total-count":"12"}}"#,
            1,
        )
        .unwrap();
        assert_eq!((page.next_page, page.total_count), (Some(true), Some(12)));
    }

    #[test]
    fn only_a_later_page_number_means_more() {
        let meta = |next: &str, number| {
            parse_page(
                format!(r#"{{"data":[],"meta":{{"next-page":{next}}}}}"#).as_bytes(),
                number,
            )
            .map(|p| p.next_page)
        };
        assert_eq!(meta("null", 1), Ok(Some(false)));
        assert_eq!(meta("3", 2), Ok(Some(true)));
        for (next, number, found) in [
            ("false", 1, "false"),
            ("true", 1, "true"),
            (r#""no""#, 1, "a string"),
            (r#""2""#, 1, "a string"),
            ("2", 2, "2"),
            ("1", 2, "1"),
            ("2.5", 1, "a number that is not a whole page number"),
            ("-1", 1, "a number that is not a whole page number"),
        ] {
            let e = meta(next, number).unwrap_err();
            assert!(
                e.contains(&format!("meta.next-page of page {number} is {found}:")),
                "{next}: {e}"
            );
        }
    }

    #[test]
    fn escapes_are_decoded_where_json_allows() {
        let body = br#"{"data":[{"id":"1","attributes":{"created-at":"2026-11-01T10:00:00Z","user-agent":"ITG\u002eab\/c \"q\" \\ \n"}}]}"#;
        let page = parse_page(body, 1).unwrap();
        assert_eq!(
            page.logs[0].json(),
            r#"{"id":"1","attributes":{"created-at":"2026-11-01T10:00:00Z","user-agent":"ITG.ab/c \"q\" \\ \n"}}"#
        );
    }

    #[test]
    fn bad_bodies_are_described() {
        assert!(parse_page(b"<html>", 1).unwrap_err().contains("not JSON"));
        assert!(
            parse_page(br#"{"data":[{"id":"1""#, 1)
                .unwrap_err()
                .contains("too early")
        );
        assert!(
            parse_page(br#"{"errors":[]}"#, 1)
                .unwrap_err()
                .contains("data")
        );
        let e = parse_page(
            br#"{"data":[{"id":"1","attributes":{"created-at":"yesterday"}}]}"#,
            1,
        )
        .unwrap_err();
        assert!(e.contains("data[0].attributes.created-at"), "{e}");
    }
}
