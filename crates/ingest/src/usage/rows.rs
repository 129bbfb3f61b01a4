//! The rows of a CSV table, wherever they come from.
//!
//! Two sources give the same rows, the csv crate's records: the csv
//! crate's own reader ([`CsvSource`]), which the sequential read uses from
//! the file's first line on, and the fast scanner
//! ([`Scanner`](super::scan::Scanner)), which reads the byte ranges of the
//! parallel read in place. What reads rows (the export's header mapping
//! and cells, `csv_export.rs`) sees only [`RowSource`], [`Row`] and
//! [`Record`]; how rows are buffered and found is the source's business.

use std::io::{self, BufRead, Read};

use csv::ByteRecord;
use keyaudit_model::SourceLocation;

use super::detect;
use crate::IngestError;
use crate::limits::{CsvRows, is_csv_row_too_long, is_row_too_long, row_too_long};
use crate::tabular::detect_delimiter;

/// One row, as a source gives it.
pub(crate) enum Row<'a> {
    /// Its cells are ranges of its bytes in the input.
    Raw(RawRow<'a>),
    /// Its cells were copied (unescaped).
    Record(&'a ByteRecord),
}

/// A row whose cells are all ranges of its bytes in the input (no quote
/// inside a quoted cell, nothing after a closing quote): read in place.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawRow<'a> {
    /// The row as in the input (without its line break).
    pub bytes: &'a [u8],
    /// `bytes` as text; `None` when they are not UTF-8.
    pub text: Option<&'a str>,
    /// Its cells, as ranges of `bytes`.
    pub spans: &'a [(usize, usize)],
}

/// How a source stopped handing rows on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// The input is read to its end.
    Input,
    /// The taker asked to stop; the row it was given is read, and the next
    /// call goes on after it.
    Asked,
}

/// Why a source could not give its next row.
#[derive(Debug)]
pub(crate) enum RowError {
    /// The csv crate's reader failed.
    Csv(csv::Error),
    /// The row takes more than [`MAX_ROW_BYTES`](crate::limits::MAX_ROW_BYTES).
    TooLong,
    /// Reading failed.
    Io(io::Error),
}

impl From<io::Error> for RowError {
    /// A read error, or the row limit that a reader reports as one.
    fn from(e: io::Error) -> Self {
        if is_row_too_long(&e) {
            RowError::TooLong
        } else {
            RowError::Io(e)
        }
    }
}

impl From<csv::Error> for RowError {
    /// The csv crate's error, or the row limit that its reader reports as
    /// one.
    fn from(e: csv::Error) -> Self {
        if is_csv_row_too_long(&e) {
            RowError::TooLong
        } else {
            RowError::Csv(e)
        }
    }
}

impl RowError {
    /// The error, for the row numbered `row` of `source` (the row that
    /// could not be read).
    pub(crate) fn at(self, source: &str, row: usize) -> IngestError {
        let io = |e: io::Error| IngestError::Io {
            file: source.to_string(),
            source: e,
        };
        match self {
            RowError::TooLong => row_too_long(SourceLocation::row(source, row)),
            RowError::Io(e) => io(e),
            RowError::Csv(e) => {
                let message = e.to_string();
                match e.into_kind() {
                    csv::ErrorKind::Io(e) => io(e),
                    _ => IngestError::Syntax {
                        location: SourceLocation::row(source, row),
                        problem: format!("cannot read the row ({message})"),
                        expected: "comma-, tab- or semicolon-separated text".to_string(),
                    },
                }
            }
        }
    }
}

/// Why [`RowSource::rows`] stopped early.
#[derive(Debug)]
pub(crate) enum Stopped {
    /// The source could not give its next row.
    Source(RowError),
    /// The taker failed.
    Taker(IngestError),
}

/// Gives the rows of a table in order.
pub(crate) trait RowSource {
    /// Hands each next row to `take`, until the input ends or `take`
    /// returns `Ok(false)`; an error ends the read at once.
    fn rows<F>(&mut self, take: F) -> Result<Ended, Stopped>
    where
        F: FnMut(Row<'_>) -> Result<bool, IngestError>;
}

/// The csv crate's reader over a table, its delimiter detected on the first
/// line, its rows capped: the rows of the sequential read.
pub(crate) struct CsvSource<R> {
    csv: CsvRows<R>,
    record: ByteRecord,
    /// The delimiter.
    pub delimiter: u8,
}

impl<R: BufRead> CsvSource<R> {
    /// Reads `reader` (the input named `source`, for messages).
    pub(crate) fn new(mut reader: R, source: &str) -> Result<Self, IngestError> {
        let head = detect::fill(&mut reader).map_err(|e| IngestError::Io {
            file: source.to_string(),
            source: e,
        })?;
        let first_line = memchr::memchr(b'\n', head).map_or(head, |end| &head[..end]);
        let (delimiter, _) = detect_delimiter(&String::from_utf8_lossy(first_line));
        let mut builder = csv::ReaderBuilder::new();
        builder
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16);
        Ok(Self {
            csv: CsvRows::new(&builder, reader),
            record: ByteRecord::new(),
            delimiter,
        })
    }

    /// How far the rows read so far reach in the input.
    pub(crate) fn position(&self) -> &csv::Position {
        self.csv.position()
    }
}

impl<R: Read> RowSource for CsvSource<R> {
    fn rows<F>(&mut self, mut take: F) -> Result<Ended, Stopped>
    where
        F: FnMut(Row<'_>) -> Result<bool, IngestError>,
    {
        loop {
            match self.csv.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return Ok(Ended::Input),
                Err(e) => return Err(Stopped::Source(e.into())),
            }
            if !take(Row::Record(&self.record)).map_err(Stopped::Taker)? {
                return Ok(Ended::Asked);
            }
        }
    }
}

/// A row's cells: as the csv crate gives them, or found in place by the
/// fast scanner.
pub(crate) trait Record {
    /// Number of cells.
    fn len(&self) -> usize;
    /// Cell `i`'s bytes.
    fn get(&self, i: usize) -> Option<&[u8]>;
    /// The bytes cells are ranges of (a byte record: its cells end to end;
    /// a row in place: the row as in the file).
    fn bytes(&self) -> &[u8];
    /// [`Record::bytes`] as text; `None` when they are not UTF-8.
    fn text(&self) -> Option<&str> {
        simdutf8::basic::from_utf8(self.bytes()).ok()
    }
    /// Cell `i` as a range of [`Record::bytes`].
    fn range(&self, i: usize) -> Option<std::ops::Range<usize>>;
    /// Where the record starts in the file, when known.
    fn position(&self) -> Option<&csv::Position>;
    /// True when every cell is white space.
    fn is_blank(&self) -> bool;
    /// False when the record's cells may only be read once its bytes are
    /// known to be UTF-8 (a row in place: otherwise it is copied first).
    fn readable_when_not_utf8(&self) -> bool {
        true
    }
}

impl Record for ByteRecord {
    fn len(&self) -> usize {
        ByteRecord::len(self)
    }
    fn get(&self, i: usize) -> Option<&[u8]> {
        ByteRecord::get(self, i)
    }
    fn bytes(&self) -> &[u8] {
        self.as_slice()
    }
    fn range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        ByteRecord::range(self, i)
    }
    fn position(&self) -> Option<&csv::Position> {
        ByteRecord::position(self)
    }
    fn is_blank(&self) -> bool {
        self.as_slice().iter().all(u8::is_ascii_whitespace)
    }
}

impl Record for RawRow<'_> {
    fn len(&self) -> usize {
        self.spans.len()
    }
    fn get(&self, i: usize) -> Option<&[u8]> {
        self.range(i).and_then(|r| self.bytes.get(r))
    }
    fn bytes(&self) -> &[u8] {
        self.bytes
    }
    fn text(&self) -> Option<&str> {
        self.text
    }
    fn range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        self.spans.get(i).map(|&(a, b)| a..b)
    }
    fn position(&self) -> Option<&csv::Position> {
        None
    }
    fn readable_when_not_utf8(&self) -> bool {
        false
    }
    fn is_blank(&self) -> bool {
        self.spans.iter().all(|&(a, b)| {
            self.bytes
                .get(a..b)
                .is_some_and(|cell| cell.iter().all(u8::is_ascii_whitespace))
        })
    }
}
