//! The web UI's Activity Logs CSV export (and any table like it).
//!
//! Records are read into one reused [`csv::ByteRecord`]; each cell is
//! checked for UTF-8 only when it is read, and the whole record goes through
//! a `memchr` pre-check for full keys before any cell is read (the regex
//! runs only on records that may hold one). Events borrow their cells.

use std::borrow::Cow;
use std::io::{BufRead, Read};

use keyaudit_model::{SourceLocation, UsageEvent};

use super::detect::{self, Start};
use super::jsonapi::shown;
use super::scan::{Next, RawRow, Row, Scanner};
use super::time::{TIME_FORMS, trim};
use super::{Sink, not_utf8};
use crate::IngestError;
use crate::error::{SHOW_MAX, show};
use crate::limits::{CsvRows, check_columns, is_csv_row_too_long, is_row_too_long, row_too_long};
use crate::tabular::{detect_delimiter, normalise, quoted_list};
use keyaudit_model::key_shape::{may_hold_key, redact_secrets};

/// A field of an event that a column gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Time,
    Actor,
    UserId,
    Action,
    ResourceType,
    ResourceName,
    Organization,
    IpAddress,
    UserAgent,
    Id,
}

impl Column {
    /// Every column, in the order of [`Column::index`].
    const ALL: [Column; 10] = [
        Column::Time,
        Column::Actor,
        Column::UserId,
        Column::Action,
        Column::ResourceType,
        Column::ResourceName,
        Column::Organization,
        Column::IpAddress,
        Column::UserAgent,
        Column::Id,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// The header names accepted (compared with [`normalise`]).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Time => &[
                "Date",
                "Date/Time",
                "Date Time",
                "Created At",
                "Created",
                "Timestamp",
                "Event Time",
                "Occurred At",
            ],
            Column::Actor => &["User", "Member", "User Name", "Actor", "Performed By"],
            Column::UserId => &["User ID"],
            Column::Action => &["Action", "Activity", "Event"],
            Column::ResourceType => &["Resource Type", "Item Type", "Type"],
            Column::ResourceName => &["Resource", "Resource Name", "Item", "Item Name"],
            Column::Organization => &[
                "Organization",
                "Organisation",
                "Organization Name",
                "Organization ID",
            ],
            Column::IpAddress => &["IP Address", "IP", "Source IP"],
            Column::UserAgent => &["User Agent"],
            Column::Id => &["ID", "Log ID", "Event ID"],
        }
    }

    /// How messages call the field ("the event's time").
    fn describe(self) -> &'static str {
        match self {
            Column::Time => "time",
            Column::Actor => "actor",
            Column::UserId => "user id",
            Column::Action => "action",
            Column::ResourceType => "resource type",
            Column::ResourceName => "resource name",
            Column::Organization => "organization",
            Column::IpAddress => "IP address",
            Column::UserAgent => "user agent",
            Column::Id => "id",
        }
    }

    /// The field a header names, if any.
    fn from_header(header: &str) -> Option<Column> {
        let wanted = normalise(header);
        if wanted.is_empty() {
            return None;
        }
        Column::ALL
            .into_iter()
            .find(|c| c.aliases().iter().any(|alias| normalise(alias) == wanted))
    }
}

/// The header row: labels and which column gives which field.
#[derive(Debug, Clone)]
struct Header {
    /// Labels for messages: the header cell trimmed, or `column N` if empty.
    labels: Vec<String>,
    /// Column index by [`Column::index`].
    columns: [Option<usize>; Column::ALL.len()],
    /// The time column (required).
    time: usize,
}

impl Header {
    fn read<R: Record>(place: &Place<'_>, record: &R) -> Result<Self, IngestError> {
        let mut labels = Vec::with_capacity(record.len());
        for i in 0..record.len() {
            let label = match place.cell(record, i)?.trim() {
                "" => format!("column {}", i + 1),
                label => show(&redact_secrets(label).0, SHOW_MAX),
            };
            labels.push(label);
        }
        let mut columns = [None; Column::ALL.len()];
        for (i, label) in labels.iter().enumerate() {
            let Some(column) = Column::from_header(label) else {
                continue;
            };
            if let Some(first) = columns[column.index()] {
                return Err(IngestError::DuplicateUsageColumn {
                    location: place.location().with_column(label.clone()),
                    first: labels.get(first).cloned().unwrap_or_default(),
                    second: label.clone(),
                    field: column.describe(),
                });
            }
            columns[column.index()] = Some(i);
        }
        let Some(time) = columns[Column::Time.index()] else {
            return Err(IngestError::MissingTimeColumn {
                location: place.location(),
                found: quoted_list(labels.iter().map(String::as_str)),
                accepted: quoted_list(Column::Time.aliases().iter().copied()),
            });
        };
        Ok(Self {
            labels,
            columns,
            time,
        })
    }

    fn label(&self, column: usize) -> String {
        self.labels
            .get(column)
            .cloned()
            .unwrap_or_else(|| format!("column {}", column + 1))
    }
}

/// A record's cells: as the csv crate gives them, or found in place by the
/// fast scanner.
trait Record {
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

impl Record for csv::ByteRecord {
    fn len(&self) -> usize {
        csv::ByteRecord::len(self)
    }
    fn get(&self, i: usize) -> Option<&[u8]> {
        csv::ByteRecord::get(self, i)
    }
    fn bytes(&self) -> &[u8] {
        self.as_slice()
    }
    fn range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        csv::ByteRecord::range(self, i)
    }
    fn position(&self) -> Option<&csv::Position> {
        csv::ByteRecord::position(self)
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

/// The record being read: where it is, for messages.
struct Place<'s> {
    source: &'s str,
    start: Start,
    row: usize,
}

impl Place<'_> {
    fn location(&self) -> SourceLocation {
        SourceLocation::row(self.source, self.row)
    }

    /// Cell `i` of `record` as text (empty when the row is short).
    fn cell<'r, R: Record>(&self, record: &'r R, i: usize) -> Result<&'r str, IngestError> {
        let bytes = record.get(i).unwrap_or_default();
        std::str::from_utf8(bytes).map_err(|e| {
            let at = e.valid_up_to();
            let position = record.position();
            // Exact for unquoted cells: the cells before, their delimiters,
            // then the valid part of this cell.
            let within = record.range(i).map_or(0, |r| r.start) + i + at;
            not_utf8(
                self.source,
                self.start.lines + position.map_or(self.row, |p| p.line() as usize),
                self.start.bytes + position.map_or(0, |p| p.byte() as usize) + within,
                bytes.get(at),
            )
        })
    }
}

/// What a failed record read says.
fn record_error(source: &str, row: usize, e: csv::Error) -> IngestError {
    if is_csv_row_too_long(&e) {
        return row_too_long(SourceLocation::row(source, row));
    }
    let message = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(e) => IngestError::Io {
            file: source.to_string(),
            source: e,
        },
        _ => IngestError::Syntax {
            location: SourceLocation::row(source, row),
            problem: format!("cannot read the row ({message})"),
            expected: "comma-, tab- or semicolon-separated text".to_string(),
        },
    }
}

/// The csv crate's reader over a CSV export, its delimiter detected on the
/// first line, its rows capped.
fn csv_reader<'r, R: BufRead>(
    reader: &'r mut R,
    source: &str,
) -> Result<(CsvRows<&'r mut R>, u8), IngestError> {
    let head = detect::fill(reader).map_err(|e| IngestError::Io {
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
    Ok((CsvRows::new(&builder, reader), delimiter))
}

/// Reads a CSV export after its leading blank lines.
pub(crate) fn read<R: BufRead, F: FnMut(&UsageEvent<'_>)>(
    reader: &mut R,
    start: Start,
    sink: &mut Sink<'_, F>,
) -> Result<(), IngestError> {
    let source = sink.source;
    let (mut csv, _) = csv_reader(reader, source)?;
    let mut table = Table::new(source, start, None);
    let mut record = csv::ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => table.place.row += 1,
            Ok(false) => return Ok(()),
            Err(e) => return Err(record_error(source, table.place.row + 1, e)),
        }
        table.take(&record, sink)?;
    }
}

/// The part of a CSV export before its data rows, for reading the rows in
/// parallel.
#[derive(Debug, Clone)]
pub(crate) struct Prologue {
    header: Header,
    /// The delimiter.
    pub delimiter: u8,
    /// The header's row number.
    pub row: usize,
    /// Where the data rows start in the file.
    pub data_start: u64,
}

/// Reads a CSV export up to its header row (`None` when there is none).
pub(crate) fn read_header<R: BufRead, F: FnMut(&UsageEvent<'_>)>(
    reader: &mut R,
    start: Start,
    sink: &mut Sink<'_, F>,
) -> Result<Option<Prologue>, IngestError> {
    let source = sink.source;
    let (mut csv, delimiter) = csv_reader(reader, source)?;
    let mut table = Table::new(source, start, None);
    let mut record = csv::ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => table.place.row += 1,
            Ok(false) => return Ok(None),
            Err(e) => return Err(record_error(source, table.place.row + 1, e)),
        }
        table.take(&record, sink)?;
        if let Some(header) = table.header.take() {
            return Ok(Some(Prologue {
                header,
                delimiter,
                row: table.place.row,
                data_start: start.bytes as u64 + csv.position().byte(),
            }));
        }
    }
}

/// How the data rows of one chunk ended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChunkEnd {
    /// Rows read (blank ones included, as numbered).
    pub rows: usize,
    /// False when the chunk did not end on a record boundary (its end fell
    /// inside a quoted field) or the read was stopped: its results are void.
    pub clean: bool,
}

/// Marks the end of a chunk that is not the file's last: a record of its
/// own when the chunk ends on a record boundary, swallowed into the last
/// field when it ends inside a quoted field.
pub(crate) const SENTINEL: &[u8] = b"\0keyaudit:end-of-chunk\0\n";

/// Reads data rows of a CSV export from `reader` (a byte range of the file
/// starting at a line, followed by [`SENTINEL`] when `sentinel` is set),
/// with the fast scanner. Rows are numbered from 1 in the chunk.
pub(crate) fn read_chunk<R: Read, F: FnMut(&UsageEvent<'_>)>(
    reader: R,
    prologue: &Prologue,
    sentinel: bool,
    sink: &mut Sink<'_, F>,
) -> Result<ChunkEnd, IngestError> {
    let source = sink.source;
    let start = Start {
        kind: detect::Kind::Text,
        lines: 0,
        bytes: 0,
    };
    let mut table = Table::new(source, start, Some(prologue.header.clone()));
    let mut scanner = Scanner::new(reader, prologue.delimiter, 1 << 18);
    let marker = SENTINEL.strip_suffix(b"\n").unwrap_or(SENTINEL);
    let io_error = |e: std::io::Error, row: usize| {
        if is_row_too_long(&e) {
            return row_too_long(SourceLocation::row(source, row));
        }
        IngestError::Io {
            file: source.to_string(),
            source: e,
        }
    };
    let mut pending_marker = false;
    loop {
        // Rows are read from one window per fill of the scanner's buffer.
        let mut window = scanner.window();
        let marker_seen = loop {
            if sink.stopped() {
                return Ok(ChunkEnd {
                    rows: table.place.row,
                    clean: false,
                });
            }
            if pending_marker {
                // A row that looked like the marker but was not the last: data.
                pending_marker = false;
                table.place.row += 1;
                let row = RawRow {
                    bytes: marker,
                    text: std::str::from_utf8(marker).ok(),
                    spans: &[(0, marker.len())],
                };
                table.take(&row, sink)?;
            }
            let row = match window.next_row() {
                Next::Row(row) => row,
                Next::End => {
                    return Ok(ChunkEnd {
                        rows: table.place.row,
                        clean: !sentinel,
                    });
                }
                Next::More => break false,
                Next::TooLong => {
                    return Err(row_too_long(SourceLocation::row(
                        source,
                        table.place.row + 1,
                    )));
                }
            };
            if sentinel && row_is(&row, marker) {
                break true;
            }
            table.place.row += 1;
            match row {
                // Cells in place are only read when the whole row is UTF-8:
                // then a cell is exactly what the csv crate gives (else
                // copied, so that a bad cell is found as the sequential read
                // finds it).
                Row::Raw(raw) => {
                    if !table.take(&raw, sink)? {
                        let mut record = csv::ByteRecord::new();
                        for i in 0..raw.len() {
                            record.push_field(raw.get(i).unwrap_or_default());
                        }
                        table.take(&record, sink)?;
                    }
                }
                Row::Record(record) => {
                    table.take(record, sink)?;
                }
            }
        };
        let row = table.place.row + 1;
        if !marker_seen {
            scanner.fill().map_err(|e| io_error(e, row))?;
        } else if scanner.at_end().map_err(|e| io_error(e, row))? {
            return Ok(ChunkEnd {
                rows: table.place.row,
                clean: true,
            });
        } else {
            pending_marker = true;
        }
    }
}

/// True when `row` is one cell holding exactly `cell`.
fn row_is(row: &Row<'_>, cell: &[u8]) -> bool {
    match row {
        Row::Raw(raw) => raw.len() == 1 && raw.get(0) == Some(cell),
        Row::Record(record) => record.len() == 1 && record.get(0) == Some(cell),
    }
}

/// The rows of a table as they are read: the header row first, then
/// events.
struct Table<'s> {
    place: Place<'s>,
    header: Option<Header>,
    /// Redacted cells of the current record (only for records holding a key).
    cleaned: Vec<Option<String>>,
}

impl<'s> Table<'s> {
    fn new(source: &'s str, start: Start, header: Option<Header>) -> Self {
        Self {
            place: Place {
                source,
                start,
                row: 0,
            },
            header,
            cleaned: Vec::new(),
        }
    }

    /// Handles the record just read (its row already counted): skips it
    /// when blank, records the full keys it holds, reads it as the header
    /// or hands its event to the sink. Returns `false`, having done
    /// nothing, for a row in place that is not UTF-8.
    fn take<R: Record, F: FnMut(&UsageEvent<'_>)>(
        &mut self,
        record: &R,
        sink: &mut Sink<'_, F>,
    ) -> Result<bool, IngestError> {
        let Self {
            place,
            header,
            cleaned,
        } = self;
        check_columns(record.len(), || place.location())?;
        let text = record.text();
        if text.is_none() && !record.readable_when_not_utf8() {
            return Ok(false);
        }
        if record.is_blank() {
            return Ok(true);
        }
        let has_key = may_hold_key(record.bytes());
        if has_key {
            cleaned.clear();
            for i in 0..record.len() {
                let text = place.cell(record, i)?;
                let (clean, found) = redact_secrets(text);
                if found.is_empty() {
                    cleaned.push(None);
                    continue;
                }
                let column = header
                    .as_ref()
                    .map_or_else(|| format!("column {}", i + 1), |h| h.label(i));
                for secret in found {
                    sink.exposure(
                        secret.fingerprint,
                        place.location().with_column(column.clone()),
                    );
                }
                cleaned.push(Some(clean.into_owned()));
            }
        }
        let Some(header) = &*header else {
            *header = Some(Header::read(place, record)?);
            return Ok(true);
        };
        let cells = Cells {
            record,
            text,
            cleaned: if has_key { cleaned } else { &[] },
            place,
        };
        let created_at = match cells.get(Some(header.time))? {
            None => {
                return Err(IngestError::MissingValue {
                    location: place.location().with_column(header.label(header.time)),
                    what: "time (the cell is empty)".to_string(),
                    expected: format!("the event's time, {TIME_FORMS}"),
                });
            }
            Some(text) => sink
                .parse_time(&text)
                .ok_or_else(|| IngestError::InvalidEventTime {
                    location: place.location().with_column(header.label(header.time)),
                    value: shown(&text),
                    zone: sink.zone.name().to_string(),
                })?,
        };
        let field = |c: Column| cells.get(header.columns[c.index()]);
        let event = UsageEvent {
            id: field(Column::Id)?,
            created_at,
            user_id: field(Column::UserId)?,
            actor: field(Column::Actor)?,
            action: field(Column::Action)?,
            resource_type: field(Column::ResourceType)?,
            resource_name: field(Column::ResourceName)?,
            organization: field(Column::Organization)?,
            ip_address: field(Column::IpAddress)?,
            user_agent: field(Column::UserAgent)?,
        };
        sink.emit(&event);
        Ok(true)
    }
}

/// The cells of one data record.
struct Cells<'r, R> {
    record: &'r R,
    /// The whole record as text, when it is UTF-8.
    text: Option<&'r str>,
    /// Redacted cells by index (empty unless the record holds a key).
    cleaned: &'r [Option<String>],
    place: &'r Place<'r>,
}

impl<'r, R: Record> Cells<'r, R> {
    /// The trimmed text of a column; `None` when the file has no such
    /// column or the cell is empty.
    #[inline(always)]
    fn get(&self, column: Option<usize>) -> Result<Option<Cow<'r, str>>, IngestError> {
        let Some(i) = column else {
            return Ok(None);
        };
        // The common case: no redacted cell, the whole record is UTF-8 and
        // the cell starts and ends on character boundaries.
        let fast = match (self.cleaned.get(i), self.text, self.record.range(i)) {
            (None | Some(None), Some(text), Some(range)) => text
                .split_at_checked(range.end)
                .and_then(|(head, _)| head.split_at_checked(range.start))
                .map(|(_, cell)| cell),
            (None | Some(None), Some(_), None) => Some(""),
            _ => None,
        };
        let text = match fast {
            Some(text) => text,
            None => self.slow(i)?,
        };
        let text = trim(text);
        Ok((!text.is_empty()).then_some(Cow::Borrowed(text)))
    }

    /// A redacted cell, or a cell checked for UTF-8 alone.
    #[cold]
    #[inline(never)]
    fn slow(&self, i: usize) -> Result<&'r str, IngestError> {
        match self.cleaned.get(i) {
            Some(Some(clean)) => Ok(clean.as_str()),
            _ => self.place.cell(self.record, i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_aliases_loosely() {
        assert_eq!(Column::from_header("Date/Time"), Some(Column::Time));
        assert_eq!(Column::from_header(" created_at "), Some(Column::Time));
        assert_eq!(Column::from_header("USER-NAME"), Some(Column::Actor));
        assert_eq!(Column::from_header("Member"), Some(Column::Actor));
        assert_eq!(Column::from_header("user id"), Some(Column::UserId));
        assert_eq!(Column::from_header("IP Address"), Some(Column::IpAddress));
        assert_eq!(Column::from_header("Resource"), Some(Column::ResourceName));
        assert_eq!(Column::from_header("Notes"), None);
        assert_eq!(Column::from_header(""), None);
    }

    #[test]
    fn no_alias_is_claimed_twice() {
        let mut seen = Vec::new();
        for column in Column::ALL {
            assert_eq!(Column::ALL[column.index()], column);
            for alias in column.aliases() {
                let n = normalise(alias);
                assert!(!seen.contains(&n), "{alias}");
                seen.push(n);
            }
        }
    }
}
