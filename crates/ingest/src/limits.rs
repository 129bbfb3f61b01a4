//! The limits every reader holds a file to, so that a hostile or broken file
//! (a header of twenty million commas, a quote left open, an HTML page
//! nested two hundred thousand deep) fails fast, in bounded memory and time,
//! with an error naming the file, the row or line, and the limit.
//!
//! Rows of delimited text (inventories and activity-log exports) are held to
//! [`MAX_COLUMNS`] cells and [`MAX_ROW_BYTES`] bytes: the csv crate reads
//! through [`CsvRows`], which stops a row at the byte limit instead of
//! letting the reader hold it whole (so a row's cells are bounded too); the
//! fast scanner stops growing its buffer and its cell list there. The
//! checks cost nothing per ordinary row: the byte limit is checked once per
//! buffer refill, the columns once per record. HTML inventories are held to [`MAX_HTML_DEPTH`]
//! nested elements before they are parsed.

use std::fmt;
use std::io::{self, Read};

use keyaudit_model::SourceLocation;

use crate::IngestError;

/// The most cells a row of delimited text may have.
pub const MAX_COLUMNS: usize = 1_000;

/// The most bytes a row of delimited text may take in the file (1 MiB),
/// line breaks inside quoted cells and blank lines before it included.
pub const MAX_ROW_BYTES: usize = 1 << 20;

/// The deepest an HTML inventory may nest elements that need an end tag
/// (`<div>`, `<span>`, `<table>`; not `<td>` or `<p>`, whose end tags are
/// optional). Real pages nest a few dozen deep.
pub const MAX_HTML_DEPTH: usize = 256;

/// A limit a file went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// [`MAX_COLUMNS`] cells per row.
    Columns,
    /// [`MAX_ROW_BYTES`] bytes per row.
    RowBytes,
    /// [`MAX_HTML_DEPTH`] nested elements.
    HtmlDepth,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Columns => write!(f, "{MAX_COLUMNS} columns per row"),
            Limit::RowBytes => write!(f, "1 MiB ({MAX_ROW_BYTES} bytes) per row"),
            Limit::HtmlDepth => write!(f, "{MAX_HTML_DEPTH} nested elements"),
        }
    }
}

/// Refuses a row of `cells` cells when they are more than [`MAX_COLUMNS`];
/// `location` is the row's.
pub(crate) fn check_columns(
    cells: usize,
    location: impl FnOnce() -> SourceLocation,
) -> Result<(), IngestError> {
    if cells <= MAX_COLUMNS {
        return Ok(());
    }
    Err(IngestError::LimitExceeded {
        location: location(),
        found: format!("a row of {cells} cells"),
        limit: Limit::Columns,
    })
}

/// The error for a row longer than [`MAX_ROW_BYTES`] at `location`.
pub(crate) fn row_too_long(location: SourceLocation) -> IngestError {
    IngestError::LimitExceeded {
        location,
        found: "a row longer than 1 MiB".to_string(),
        limit: Limit::RowBytes,
    }
}

/// The error for an element nested deeper than [`MAX_HTML_DEPTH`] at
/// `location`.
pub(crate) fn too_deep(location: SourceLocation) -> IngestError {
    IngestError::LimitExceeded {
        location,
        found: format!("an element nested more than {MAX_HTML_DEPTH} deep"),
        limit: Limit::HtmlDepth,
    }
}

/// The I/O error a [`RowCap`] (or the scanner) fails with at the row limit.
#[derive(Debug)]
struct RowTooLong;

impl fmt::Display for RowTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a row is longer than {}", Limit::RowBytes)
    }
}

impl std::error::Error for RowTooLong {}

/// The I/O error that says a row went over [`MAX_ROW_BYTES`].
pub(crate) fn row_too_long_io() -> io::Error {
    io::Error::other(RowTooLong)
}

/// True when `error` says a row went over [`MAX_ROW_BYTES`].
pub(crate) fn is_row_too_long(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<RowTooLong>().is_some())
}

/// True when a read of [`CsvRows`] failed because its row went over
/// [`MAX_ROW_BYTES`].
pub(crate) fn is_csv_row_too_long(error: &csv::Error) -> bool {
    matches!(error.kind(), csv::ErrorKind::Io(e) if is_row_too_long(e))
}

/// The csv crate's reader, its rows stopped at [`MAX_ROW_BYTES`]: a read
/// of a longer row fails with an error [`is_csv_row_too_long`] recognises, having held at most about that many bytes of it.
pub(crate) struct CsvRows<R> {
    csv: csv::Reader<RowCap<R>>,
}

impl<R: Read> CsvRows<R> {
    /// Reads `reader` as `builder` says.
    pub(crate) fn new(builder: &csv::ReaderBuilder, reader: R) -> Self {
        Self {
            csv: builder.from_reader(RowCap {
                inner: reader,
                read: 0,
                row_start: 0,
            }),
        }
    }

    /// [`csv::Reader::read_record`], capped.
    pub(crate) fn read_record(&mut self, record: &mut csv::StringRecord) -> csv::Result<bool> {
        let more = self.csv.read_record(record)?;
        self.next_row()?;
        Ok(more)
    }

    /// [`csv::Reader::read_byte_record`], capped.
    #[inline]
    pub(crate) fn read_byte_record(&mut self, record: &mut csv::ByteRecord) -> csv::Result<bool> {
        let more = self.csv.read_byte_record(record)?;
        self.next_row()?;
        Ok(more)
    }

    /// [`csv::Reader::position`]: where the next record starts.
    pub(crate) fn position(&self) -> &csv::Position {
        self.csv.position()
    }

    /// Refuses the row just read when it took more than the limit (from the
    /// end of the row before, line breaks included: the scanner counts the
    /// same bytes), which the read-time check only catches to within the
    /// reader's buffer; the next row starts where the reader is.
    #[inline]
    fn next_row(&mut self) -> csv::Result<()> {
        let end = self.csv.position().byte();
        let start = std::mem::replace(&mut self.csv.get_mut().row_start, end);
        if end - start > MAX_ROW_BYTES as u64 {
            return Err(row_too_long_io().into());
        }
        Ok(())
    }
}

/// What [`CsvRows`] reads through, so that a long row is stopped before the
/// csv crate holds it whole. The csv crate asks for more bytes only once it
/// has parsed every byte it holds; so when it asks while the row it reads
/// (from `row_start`, its position after the last record) already spans
/// more than the limit, that row is too long.
struct RowCap<R> {
    inner: R,
    /// Bytes handed to the csv reader.
    read: u64,
    /// Where the row being read starts.
    row_start: u64,
}

impl<R: Read> Read for RowCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read.saturating_sub(self.row_start) > MAX_ROW_BYTES as u64 {
            return Err(row_too_long_io());
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` with [`CsvRows`]: the number of records, or the
    /// 1-based record the cap stopped.
    fn records(text: &[u8]) -> Result<usize, usize> {
        let mut builder = csv::ReaderBuilder::new();
        builder.has_headers(false).flexible(true);
        let mut csv = CsvRows::new(&builder, text);
        let mut record = csv::ByteRecord::new();
        let mut n = 0;
        loop {
            match csv.read_byte_record(&mut record) {
                Ok(true) => n += 1,
                Ok(false) => return Ok(n),
                Err(e) if is_csv_row_too_long(&e) => return Err(n + 1),
                Err(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn rows_up_to_the_limit_pass_and_a_longer_one_stops() {
        let row = |len: usize| {
            let mut row = vec![b'a'; len];
            row.push(b'\n');
            row
        };
        // Many short rows add up to far more than the limit.
        assert_eq!(records(&row(1000).repeat(3000)), Ok(3000));
        let mut text = row(10);
        text.extend(row(MAX_ROW_BYTES - 1));
        text.extend(row(10));
        assert_eq!(records(&text), Ok(3));
        let mut text = row(10);
        text.extend(row(MAX_ROW_BYTES + 100_000));
        text.extend(row(10));
        assert_eq!(records(&text), Err(2));
        // A quote left open makes the rest of the file one row.
        let mut text = b"a,b\n\"open,".to_vec();
        text.extend(row(10).repeat(200_000));
        assert_eq!(records(&text), Err(2));
    }

    #[test]
    fn columns_are_counted() {
        let at = || SourceLocation::row("k.csv", 1);
        assert!(check_columns(MAX_COLUMNS, at).is_ok());
        let err = check_columns(MAX_COLUMNS + 1, at).unwrap_err();
        assert_eq!(
            err.to_string(),
            "k.csv:1: found a row of 1001 cells; expected at most 1000 columns per row \
             (a limit keyaudit holds every file to: is this the right file?)"
        );
    }
}
