//! CSV, TSV and semicolon-separated inventories.

use keyaudit_model::SourceLocation;

use super::table::Table;
use super::{Collector, ParsedInventory};
use crate::IngestError;
use crate::tabular::detect_delimiter;

/// Parses delimited text (already decoded).
pub(crate) fn parse(source: &str, text: &str) -> Result<ParsedInventory, IngestError> {
    let (delimiter, format) = detect_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut collector = Collector::new(source, format);
    let mut table = Table::default();
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
        let cells: Vec<_> = record
            .iter()
            .enumerate()
            .map(|(i, cell)| table.redact(&mut collector, row, i, cell))
            .collect();
        table.read_row(&mut collector, row, &cells, &[])?;
    }
    Ok(collector.finish())
}
