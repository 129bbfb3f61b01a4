//! CSV, TSV and semicolon-separated inventories.

use keyaudit_model::SourceLocation;

use super::table::Table;
use super::{Collector, ParsedInventory};
use crate::IngestError;
use crate::error::{SHOW_MAX, show};
use crate::limits::{CsvRows, check_columns, is_csv_row_too_long, row_too_long};
use crate::tabular::detect_delimiter;
use keyaudit_model::key_shape::redact_secrets;

/// Parses delimited text (already decoded).
pub(crate) fn parse(source: &str, text: &str) -> Result<ParsedInventory, IngestError> {
    let (delimiter, format) = detect_delimiter(text);
    if let Some(open) = unclosed_quote(text, delimiter) {
        return Err(unclosed_quote_error(source, text, delimiter, open));
    }
    let mut reader = reader(text, delimiter);
    let mut collector = Collector::new(source, format);
    let mut table = Table::default();
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => row += 1,
            Ok(false) => break,
            Err(e) if is_csv_row_too_long(&e) => {
                return Err(row_too_long(SourceLocation::row(source, row + 1)));
            }
            Err(e) => {
                return Err(IngestError::Syntax {
                    location: SourceLocation::row(source, row + 1),
                    problem: format!("cannot read the row ({e})"),
                    expected: "comma-, tab- or semicolon-separated text".to_string(),
                });
            }
        }
        check_columns(record.len(), || SourceLocation::row(source, row))?;
        // Redact first: nothing below may see a secret.
        let cells: Vec<_> = record
            .iter()
            .enumerate()
            .map(|(i, cell)| table.redact(&mut collector, row, i, cell))
            .collect();
        table.read_row(&mut collector, row, &cells, &[])?;
    }
    collector.finish()
}

/// The csv crate's reader over `text`, its rows capped at
/// [`MAX_ROW_BYTES`](crate::limits::MAX_ROW_BYTES).
fn reader(text: &str, delimiter: u8) -> CsvRows<&[u8]> {
    let mut builder = csv::ReaderBuilder::new();
    builder
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true);
    CsvRows::new(&builder, text.as_bytes())
}

/// A double quote that opens a quoted cell and is never closed: its 1-based
/// line and the 0-based column of the cell it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OpenQuote {
    line: usize,
    column: usize,
}

/// The double quote that opens a quoted cell and is never closed, as the
/// CSV reader reads quotes: only at the start of a cell, `""` inside being
/// one quote. The reader would take the rest of the file as that one cell.
fn unclosed_quote(text: &str, delimiter: u8) -> Option<OpenQuote> {
    let bytes = text.as_bytes();
    let mut line = 1;
    let mut column = 0;
    let mut open = OpenQuote { line: 0, column: 0 };
    let mut quoted = false;
    let mut cell_start = true;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'\n' {
            line += 1;
        }
        if quoted {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if b == delimiter {
            cell_start = true;
            column += 1;
        } else if b == b'\n' || b == b'\r' {
            cell_start = true;
            column = 0;
        } else if b == b'"' && cell_start {
            quoted = true;
            open = OpenQuote { line, column };
            cell_start = false;
        } else {
            cell_start = false;
        }
        i += 1;
    }
    quoted.then_some(open)
}

/// The error for a quote opened and never closed. It names the row and
/// column of the cell that quote opens: the last cell the reader sees, which
/// runs to the end of the file (or is cut short by the row limit).
fn unclosed_quote_error(source: &str, text: &str, delimiter: u8, open: OpenQuote) -> IngestError {
    let mut reader = reader(text, delimiter);
    let mut record = csv::StringRecord::new();
    // The header's row and its label of the open cell's column.
    let mut header: Option<(usize, Option<String>)> = None;
    let mut row = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => row += 1,
            Ok(false) => break,
            // The open cell's row went over the row limit.
            Err(_) => {
                row += 1;
                break;
            }
        }
        if header.is_none() && !record.iter().all(|c| c.trim().is_empty()) {
            let label = record
                .get(open.column)
                .map(|c| show(redact_secrets(c.trim()).0.as_ref(), SHOW_MAX));
            header = Some((row, label));
        }
    }
    let label = match header {
        Some((header_row, label)) if header_row < row => label.filter(|label| !label.is_empty()),
        _ => None,
    };
    IngestError::Syntax {
        location: SourceLocation::row(source, row.max(1))
            .with_column(label.unwrap_or_else(|| format!("column {}", open.column + 1))),
        problem: format!(
            "found a double quote on line {} that opens a quoted cell and is never closed, \
             so the cell would run to the end of the file",
            open.line
        ),
        expected: "a closing double quote for each opening one \
                   (a double quote inside a quoted cell is written twice: \"\")"
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_count_only_at_the_start_of_a_cell() {
        let at = |line, column| Some(OpenQuote { line, column });
        assert_eq!(unclosed_quote("Name,Key\n\"Halo,x\n", b','), at(2, 0));
        assert_eq!(unclosed_quote("\"Name,Key\nHalo,x\n", b','), at(1, 0));
        assert_eq!(unclosed_quote("a,\"b\nc\"\"d\",e\n\"f\n", b','), at(3, 0));
        assert_eq!(unclosed_quote("a;b;\"c\n", b';'), at(1, 2));
        // Closed, escaped, or not at the start of a cell: fine.
        assert_eq!(unclosed_quote("Name,Key\n\"Ha\"\"lo\",x\n", b','), None);
        assert_eq!(unclosed_quote("Name,Key\nHa\"lo,x\n", b','), None);
        assert_eq!(
            unclosed_quote("Name\tKey\n\"Quoted\" name\tx\r\n", b'\t'),
            None
        );
        assert_eq!(
            unclosed_quote("Name\tPA\nHalo\t<input type=\"checkbox\"/>\n", b'\t'),
            None
        );
        assert_eq!(unclosed_quote("a;\"b;c\";d\n", b';'), None);
        assert_eq!(unclosed_quote("", b','), None);
    }

    #[test]
    fn the_error_names_the_row_and_column_of_the_open_cell() {
        let err = parse("k.csv", "Name,Key\nHalo,x\n\nDatto,\"y\nz\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("k.csv:3, column \"Key\": found a double quote on line 4"),
            "{text}"
        );
        let err = parse("k.csv", "\"Name,Key\nHalo,x\n").unwrap_err();
        assert!(
            err.to_string().starts_with("k.csv:1, column \"column 1\""),
            "{err}"
        );
    }
}
