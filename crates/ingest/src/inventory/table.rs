//! The row pipeline shared by every tabular inventory — CSV/TSV records and
//! HTML table rows: the header, the entry-form row, cells beyond the header
//! and the hand-over of each key row to [`Collector::add_row`].

use std::borrow::Cow;

use keyaudit_model::SourceLocation;

use super::columns::Field;
use super::{Cell, Collector, FieldCell, Row};
use crate::IngestError;
use crate::error::{SHOW_MAX, show};
use crate::tabular::{normalise, quoted_list};
use keyaudit_model::key_shape::redact_secrets;

/// The header row: column labels and which column gives which field.
struct Header {
    /// Labels for messages: the header cell trimmed, or `column N` if empty.
    labels: Vec<String>,
    /// Column index by [`Field::index`].
    fields: [Option<usize>; Field::ALL.len()],
}

impl Header {
    fn read<C: AsRef<str>>(place: &str, row: usize, cells: &[C]) -> Result<Self, IngestError> {
        let labels: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| match c.as_ref().trim() {
                "" => format!("column {}", i + 1),
                label => show(label, SHOW_MAX),
            })
            .collect();
        let mut fields: [Option<usize>; Field::ALL.len()] = [None; Field::ALL.len()];
        for (i, cell) in cells.iter().enumerate() {
            let Some(field) = Field::from_header(cell.as_ref()) else {
                continue;
            };
            if let Some(first) = fields[field.index()] {
                return Err(IngestError::DuplicateColumn {
                    location: SourceLocation::row(place, row).with_column(labels[i].clone()),
                    first: labels[first].clone(),
                    second: labels[i].clone(),
                    field: field.describe(),
                });
            }
            fields[field.index()] = Some(i);
        }
        if fields[Field::Name.index()].is_none() {
            return Err(IngestError::MissingName {
                location: SourceLocation::row(place, row),
                what: "headers",
                what_one: "column",
                found: quoted_list(labels.iter().map(String::as_str)),
                accepted: quoted_list(Field::Name.aliases().iter().copied()),
            });
        }
        Ok(Self { labels, fields })
    }
}

/// A table read row by row: the first non-empty row is the header, each
/// later one a key.
#[derive(Default)]
pub(crate) struct Table {
    header: Option<Header>,
}

impl Table {
    /// The label of a column (0-based): its header, or `column N` before the
    /// header is read or beyond its columns.
    pub(crate) fn label(&self, column: usize) -> String {
        self.header
            .as_ref()
            .and_then(|h| h.labels.get(column).cloned())
            .unwrap_or_else(|| format!("column {}", column + 1))
    }

    /// The place of a cell, for messages and exposures.
    pub(crate) fn location(&self, place: &str, row: usize, column: usize) -> SourceLocation {
        SourceLocation::row(place, row).with_column(self.label(column))
    }

    /// Redacts one cell, recording each full key found at its row and column.
    pub(crate) fn redact<'c>(
        &self,
        collector: &mut Collector<'_>,
        row: usize,
        column: usize,
        cell: &'c str,
    ) -> Cow<'c, str> {
        let (clean, found) = redact_secrets(cell);
        for secret in found {
            let location = self.location(collector.place(), row, column);
            collector.exposure(secret.fingerprint, location);
        }
        clean
    }

    /// Reads one row of cells, already redacted. A row whose cells are all
    /// blank is skipped; the first other row is the header; a later row is a
    /// key unless it is the settings page's entry form. `hints` are further
    /// texts of the row that only the entry-form test reads (in HTML, the
    /// placeholders of its fields).
    pub(crate) fn read_row<C: AsRef<str>>(
        &mut self,
        collector: &mut Collector<'_>,
        row: usize,
        cells: &[C],
        hints: &[String],
    ) -> Result<(), IngestError> {
        if cells.iter().all(|c| c.as_ref().trim().is_empty()) {
            return Ok(());
        }
        let Some(header) = &self.header else {
            let header = Header::read(collector.place(), row, cells)?;
            if header.labels.iter().any(|l| normalise(l) == "actions") {
                collector.settings_page();
            }
            self.header = Some(header);
            return Ok(());
        };
        if let Some((i, extra)) = cells
            .iter()
            .enumerate()
            .skip(header.labels.len())
            .find(|(_, c)| !c.as_ref().trim().is_empty())
        {
            return Err(IngestError::ExtraCell {
                location: self.location(collector.place(), row, i),
                value: show(extra.as_ref().trim(), SHOW_MAX),
                columns: header.labels.len(),
            });
        }
        let mut parsed = Row {
            number: row,
            ..Row::default()
        };
        for field in Field::ALL {
            if let Some(i) = header.fields[field.index()] {
                parsed.fields[field.index()] = Some(FieldCell {
                    column: &header.labels[i],
                    value: Cell::Text(cells.get(i).map_or("", |c| c.as_ref())),
                });
            }
        }
        let texts = cells
            .iter()
            .map(AsRef::as_ref)
            .chain(hints.iter().map(String::as_str));
        if parsed.is_entry_form(texts) {
            collector.settings_page();
            return Ok(());
        }
        let read_by_field = |i: usize| header.fields.contains(&Some(i));
        if cells
            .iter()
            .enumerate()
            .any(|(i, c)| !read_by_field(i) && is_key_actions(c.as_ref()))
        {
            collector.settings_page();
        }
        collector.add_row(&parsed)
    }
}

/// True for the text of the settings page's action buttons: the words
/// Pause, Activate and Revoke only (`Pause Revoke`).
fn is_key_actions(cell: &str) -> bool {
    let mut words = cell.split_whitespace().peekable();
    words.peek().is_some()
        && words.all(|w| {
            ["pause", "activate", "revoke"]
                .iter()
                .any(|a| w.eq_ignore_ascii_case(a))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_actions_are_the_buttons_words_only() {
        for cell in ["Revoke", "Pause Revoke", " activate\nREVOKE "] {
            assert!(is_key_actions(cell), "{cell:?}");
        }
        for cell in ["", "  ", "Revoke soon", "Generate API Key", "yes"] {
            assert!(!is_key_actions(cell), "{cell:?}");
        }
    }
}
