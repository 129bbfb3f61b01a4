//! CSV, TSV and semicolon-separated inventories.

use std::borrow::Cow;

use keyaudit_model::SourceLocation;

use super::columns::Field;
use super::{Cell, Collector, FieldCell, ParsedInventory, Row};
use crate::IngestError;
use crate::error::{SHOW_MAX, show};
use crate::redact::redact_secrets;
use crate::tabular::{detect_delimiter, quoted_list};

/// The header row: column labels and which column gives which field.
struct Header {
    /// Labels for messages: the header cell trimmed, or `column N` if empty.
    labels: Vec<String>,
    /// Column index by [`Field::index`].
    fields: [Option<usize>; Field::ALL.len()],
}

impl Header {
    fn read(source: &str, row: usize, cells: &[Cow<'_, str>]) -> Result<Self, IngestError> {
        let labels: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| match c.trim() {
                "" => format!("column {}", i + 1),
                label => show(label, SHOW_MAX),
            })
            .collect();
        let mut fields: [Option<usize>; Field::ALL.len()] = [None; Field::ALL.len()];
        for (i, cell) in cells.iter().enumerate() {
            let Some(field) = Field::from_header(cell) else {
                continue;
            };
            if let Some(first) = fields[field.index()] {
                return Err(IngestError::DuplicateColumn {
                    location: SourceLocation::row(source, row).with_column(labels[i].clone()),
                    first: labels[first].clone(),
                    second: labels[i].clone(),
                    field: field.describe(),
                });
            }
            fields[field.index()] = Some(i);
        }
        if fields[Field::Name.index()].is_none() {
            return Err(IngestError::MissingName {
                location: SourceLocation::row(source, row),
                what: "headers",
                what_one: "column",
                found: quoted_list(labels.iter().map(String::as_str)),
                accepted: quoted_list(Field::Name.aliases().iter().copied()),
            });
        }
        Ok(Self { labels, fields })
    }

    fn label(&self, column: usize) -> String {
        self.labels
            .get(column)
            .cloned()
            .unwrap_or_else(|| format!("column {}", column + 1))
    }
}

/// Parses delimited text (already decoded).
pub(crate) fn parse(source: &str, text: &str) -> Result<ParsedInventory, IngestError> {
    let (delimiter, format) = detect_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut collector = Collector::new(source, format);
    let mut header: Option<Header> = None;
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => row += 1,
            Ok(false) => break,
            Err(e) => {
                return Err(IngestError::Syntax {
                    location: SourceLocation::row(source, row + 1),
                    problem: format!("cannot read the row ({e})"),
                    expected: "comma-, tab- or semicolon-separated text".to_string(),
                });
            }
        }
        // Redact first: nothing below may see a secret.
        let mut cells: Vec<Cow<'_, str>> = Vec::with_capacity(record.len());
        for (i, cell) in record.iter().enumerate() {
            let (clean, found) = redact_secrets(cell);
            for secret in found {
                let column = match &header {
                    Some(h) => h.label(i),
                    None => format!("column {}", i + 1),
                };
                collector.exposure(
                    secret.fingerprint,
                    SourceLocation::row(source, row).with_column(column),
                );
            }
            cells.push(clean);
        }
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(header) = &header else {
            header = Some(Header::read(source, row, &cells)?);
            continue;
        };
        if let Some((i, extra)) = cells
            .iter()
            .enumerate()
            .skip(header.labels.len())
            .find(|(_, c)| !c.trim().is_empty())
        {
            return Err(IngestError::ExtraCell {
                location: SourceLocation::row(source, row).with_column(header.label(i)),
                value: show(extra.trim(), SHOW_MAX),
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
        if parsed.is_entry_form(cells.iter().map(|c| c.as_ref())) {
            continue;
        }
        collector.add_row(&parsed)?;
    }
    Ok(collector.finish())
}
