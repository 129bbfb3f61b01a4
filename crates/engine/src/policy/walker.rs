//! A small walker over the span-preserving TOML tree: it reads typed values,
//! reports unknown keys and wrong types with their place, and collects every
//! error instead of stopping at the first.

use std::ops::Range;

use chrono::NaiveDate;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::{PolicyError, PolicyErrorKind};

/// A value of the raw tree, with its byte span.
pub(crate) type Item<'i> = Spanned<DeValue<'i>>;

/// Reads values out of a parsed policy, collecting errors.
pub(crate) struct Walker<'t> {
    text: &'t str,
    file: &'t str,
    lines: LineIndex,
    errors: Vec<PolicyError>,
}

impl<'t> Walker<'t> {
    /// A walker for `text`, read from `file`.
    pub(crate) fn new(file: &'t str, text: &'t str) -> Self {
        Self {
            text,
            file,
            lines: LineIndex::new(text),
            errors: Vec::new(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset of the text.
    pub(crate) fn line_column(&self, offset: usize) -> (usize, usize) {
        self.lines.line_column(self.text, offset)
    }

    /// The errors collected so far, sorted by place.
    pub(crate) fn into_errors(mut self) -> Vec<PolicyError> {
        self.errors
            .sort_by(|a, b| (a.line, a.column, &a.message).cmp(&(b.line, b.column, &b.message)));
        self.errors.dedup();
        self.errors
    }

    /// Records an error at a byte span.
    pub(crate) fn error(
        &mut self,
        span: Range<usize>,
        kind: PolicyErrorKind,
        message: impl Into<String>,
    ) {
        let (line, column) = self.line_column(span.start);
        // One line, in display order: control and bidirectional characters
        // of quoted values (a key `"a\nb"`) are shown escaped, as in the table.
        let message: String = message.into();
        let message = keyaudit_model::display_safe(&message).into_owned();
        self.errors.push(PolicyError {
            file: self.file.to_string(),
            line,
            column,
            message,
            kind,
        });
    }

    /// Reports every key of `table` not in `valid`; `label` names the table
    /// as written in the file (`[idle]`, `[[password_access.allow]]`).
    pub(crate) fn check_keys(&mut self, table: &DeTable<'_>, label: &str, valid: &[&str]) {
        for (key, _) in table.iter() {
            if !valid.contains(&key.get_ref().as_ref()) {
                self.error(
                    key.span(),
                    PolicyErrorKind::UnknownKey,
                    format!(
                        "unknown key `{}` in {label}; valid keys: {}",
                        key.get_ref(),
                        valid.join(", ")
                    ),
                );
            }
        }
    }

    /// The value as a table, or an error saying what was expected.
    pub(crate) fn as_table<'a, 'i>(
        &mut self,
        value: &'a Item<'i>,
        name: &str,
        expected: &str,
    ) -> Option<&'a DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            other => {
                self.wrong_type(value.span(), name, expected, other);
                None
            }
        }
    }

    /// The value as an array, or an error saying what was expected.
    pub(crate) fn as_array<'a, 'i>(
        &mut self,
        value: &'a Item<'i>,
        name: &str,
        expected: &str,
    ) -> Option<&'a [Item<'i>]> {
        match value.get_ref() {
            DeValue::Array(array) => Some(array),
            other => {
                self.wrong_type(value.span(), name, expected, other);
                None
            }
        }
    }

    /// An integer of at least `min`; `expected` describes it for messages
    /// ("a positive integer").
    pub(crate) fn integer(
        &mut self,
        value: &Item<'_>,
        name: &str,
        min: i64,
        expected: &str,
    ) -> Option<Spanned<i64>> {
        let DeValue::Integer(int) = value.get_ref() else {
            self.wrong_type(value.span(), name, expected, value.get_ref());
            return None;
        };
        match i64::from_str_radix(int.as_str(), int.radix()) {
            Ok(n) if n >= min => Some(Spanned::new(value.span(), n)),
            Ok(n) => {
                self.error(
                    value.span(),
                    PolicyErrorKind::InvalidValue,
                    format!("`{name}` must be {expected}, found {n}"),
                );
                None
            }
            Err(_) => {
                self.error(
                    value.span(),
                    PolicyErrorKind::InvalidValue,
                    format!("`{name}` must be {expected}, found {int}, which is out of range"),
                );
                None
            }
        }
    }

    /// A string; with `non_empty`, a blank string is an error.
    pub(crate) fn string(
        &mut self,
        value: &Item<'_>,
        name: &str,
        non_empty: bool,
    ) -> Option<Spanned<String>> {
        let expected = if non_empty {
            "a non-empty string"
        } else {
            "a string"
        };
        let DeValue::String(s) = value.get_ref() else {
            self.wrong_type(value.span(), name, expected, value.get_ref());
            return None;
        };
        if non_empty && s.trim().is_empty() {
            self.error(
                value.span(),
                PolicyErrorKind::InvalidValue,
                format!("`{name}` must not be empty"),
            );
            return None;
        }
        Some(Spanned::new(value.span(), s.to_string()))
    }

    /// A non-empty list of non-empty strings, written as an array or as a
    /// single string; `one` names an entry for messages ("a glob").
    pub(crate) fn strings(
        &mut self,
        value: &Item<'_>,
        name: &str,
        one: &str,
    ) -> Option<Vec<Spanned<String>>> {
        match value.get_ref() {
            DeValue::String(_) => self.string(value, name, true).map(|s| vec![s]),
            DeValue::Array(items) => {
                if items.is_empty() {
                    self.error(
                        value.span(),
                        PolicyErrorKind::InvalidValue,
                        format!("`{name}` must list at least one entry ({one})"),
                    );
                    return None;
                }
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match self.string(item, name, true) {
                        Some(s) => out.push(s),
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            }
            other => {
                self.wrong_type(value.span(), name, "a string or an array of strings", other);
                None
            }
        }
    }

    /// A calendar date: a TOML date (`2027-03-31`) or a string `"YYYY-MM-DD"`.
    pub(crate) fn date(&mut self, value: &Item<'_>, name: &str) -> Option<Spanned<NaiveDate>> {
        const EXPECTED: &str = "a date (YYYY-MM-DD)";
        let date = match value.get_ref() {
            DeValue::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                }
                _ => {
                    self.wrong_type(value.span(), name, EXPECTED, value.get_ref());
                    return None;
                }
            },
            DeValue::String(s) => parse_date(s),
            other => {
                self.wrong_type(value.span(), name, EXPECTED, other);
                return None;
            }
        };
        match date {
            Some(date) => Some(Spanned::new(value.span(), date)),
            None => {
                let found = self.text.get(value.span()).unwrap_or("this value");
                self.error(
                    value.span(),
                    PolicyErrorKind::InvalidValue,
                    format!("`{name}` must be {EXPECTED}, found {found}"),
                );
                None
            }
        }
    }

    /// Reports a required key missing from a table (at the table's place).
    pub(crate) fn missing(&mut self, table_span: Range<usize>, name: &str, label: &str) {
        self.error(
            table_span,
            PolicyErrorKind::MissingKey,
            format!("`{name}` is required in {label}"),
        );
    }

    /// Reports a value of the wrong type: `expected` says what belongs there.
    pub(crate) fn wrong_type(
        &mut self,
        span: Range<usize>,
        name: &str,
        expected: &str,
        found: &DeValue<'_>,
    ) {
        self.error(
            span,
            PolicyErrorKind::WrongType,
            format!("`{name}` must be {expected}, found {}", describe(found)),
        );
    }
}

/// "a string", "an integer", … for messages.
fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(dt) => match (dt.date, dt.time) {
            (Some(_), None) => "a date",
            (None, Some(_)) => "a time",
            _ => "a date-time",
        },
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Parses `YYYY-MM-DD` strictly (four-digit year, two-digit month and day).
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Where each line of a text starts, so that a byte offset's line is found
/// by binary search: a policy with thousands of entries is located in
/// linear time, not quadratic.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        Self { starts }
    }

    /// 1-based line and column (in characters) of a byte offset of `text`.
    fn line_column(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&start| start <= offset);
        let line_start = self.starts[line - 1];
        let column = text
            .get(line_start..offset)
            .map_or(offset - line_start, |s| s.chars().count())
            + 1;
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let walker = Walker::new("keyaudit.toml", "a = 1\nbé = 2\n");
        assert_eq!(walker.line_column(0), (1, 1));
        assert_eq!(walker.line_column(5), (1, 6));
        assert_eq!(walker.line_column(6), (2, 1));
        assert_eq!(walker.line_column(10), (2, 4));
        assert_eq!(walker.line_column(1000), (3, 1));
    }

    #[test]
    fn quoted_values_are_shown_escaped_in_errors() {
        let mut walker = Walker::new("keyaudit.toml", "a = 1\n");
        walker.error(
            0..1,
            PolicyErrorKind::UnknownKey,
            "unknown key `a\nb\u{202e}c\u{fdd0}`",
        );
        walker.error(
            0..1,
            PolicyErrorKind::UnknownKey,
            "unknown key `Datto RMM → NOC`",
        );
        let messages: Vec<String> = walker
            .into_errors()
            .into_iter()
            .map(|e| e.message)
            .collect();
        assert_eq!(
            messages,
            [
                "unknown key `Datto RMM → NOC`",
                "unknown key `a\\nb\\u{202e}c\\u{fdd0}`",
            ]
        );
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2027-03-31").is_some());
        for s in [
            "2027-3-31",
            "2027-02-30",
            "27-03-31",
            "2027/03/31",
            "2027-03-31T00",
        ] {
            assert!(parse_date(s).is_none(), "{s}");
        }
    }
}
