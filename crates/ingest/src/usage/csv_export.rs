//! The web UI's Activity Logs CSV export (and any table like it): which
//! column is which (the header row), and each row's cells as an event.
//!
//! Rows come from a [`RowSource`] (`rows.rs`): the csv crate's reader for
//! the sequential read, the fast scanner for a byte range of the parallel
//! read (`parallel.rs`). Each cell is checked for UTF-8 only when it is
//! read, and the whole row goes through a cheap pre-check for full keys
//! before any cell is read (the regex runs only on rows that may hold one).
//! Events borrow their cells.

use std::borrow::Cow;
use std::io::BufRead;

use keyaudit_model::key_shape::{may_hold_key, redact_secrets};
use keyaudit_model::{SourceLocation, UsageEvent};

use super::detect::{self, Start};
use super::jsonapi::shown;
use super::rows::{CsvSource, Ended, Record, Row, RowSource, Stopped};
use super::time::{TIME_FORMS, trim};
use super::{Counter, not_utf8};
use crate::IngestError;
use crate::error::{SHOW_MAX, show};
use crate::limits::check_columns;
use crate::tabular::{normalise, quoted_list};

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

/// Reads a CSV export after its leading blank lines.
pub(crate) fn read<R: BufRead, F: FnMut(&UsageEvent<'_>)>(
    reader: &mut R,
    start: Start,
    counter: &mut Counter<'_, F>,
) -> Result<(), IngestError> {
    let source = counter.source;
    let mut rows = CsvSource::new(reader, source)?;
    let mut table = Table::new(source, start, None);
    table.read(&mut rows, counter, |_| true)?;
    Ok(())
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
    counter: &mut Counter<'_, F>,
) -> Result<Option<Prologue>, IngestError> {
    let source = counter.source;
    let mut rows = CsvSource::new(reader, source)?;
    let mut table = Table::new(source, start, None);
    table.read(&mut rows, counter, |table| table.header.is_none())?;
    Ok(table.header.map(|header| Prologue {
        header,
        delimiter: rows.delimiter,
        row: table.place.row,
        data_start: start.bytes as u64 + rows.position().byte(),
    }))
}

/// The rows of a table as they are read: the header row first, then
/// events, each row numbered as it is taken.
pub(crate) struct Table<'s> {
    place: Place<'s>,
    header: Option<Header>,
    /// Redacted cells of the current record (only for records holding a key).
    cleaned: Vec<Option<String>>,
}

impl<'s> Table<'s> {
    /// The data rows of a byte range of the export that `prologue` begins,
    /// numbered from 1 in the range.
    pub(crate) fn rows_after(source: &'s str, prologue: &Prologue) -> Self {
        let start = Start {
            kind: detect::Kind::Text,
            lines: 0,
            bytes: 0,
        };
        Self::new(source, start, Some(prologue.header.clone()))
    }

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

    /// The number of the last row taken.
    pub(crate) fn rows(&self) -> usize {
        self.place.row
    }

    /// Takes `source`'s rows for as long as `more` says (asked before each
    /// row), and says how the source ended.
    pub(crate) fn read<S: RowSource, F: FnMut(&UsageEvent<'_>)>(
        &mut self,
        source: &mut S,
        counter: &mut Counter<'_, F>,
        mut more: impl FnMut(&Self) -> bool,
    ) -> Result<Ended, IngestError> {
        if !more(self) {
            return Ok(Ended::Asked);
        }
        let ended = source.rows(|row| {
            self.take_row(row, counter)?;
            Ok(more(self))
        });
        self.ended(ended)
    }

    /// `ended`, its source's error placed at the row after the last taken.
    pub(crate) fn ended(&self, ended: Result<Ended, Stopped>) -> Result<Ended, IngestError> {
        ended.map_err(|stopped| match stopped {
            Stopped::Source(e) => e.at(self.place.source, self.place.row + 1),
            Stopped::Taker(e) => e,
        })
    }

    /// Counts the next row and takes it. A row in place is read in place
    /// only when the whole row is UTF-8: then a cell is exactly what the
    /// csv crate gives (else it is copied, so that a bad cell is found as
    /// the sequential read finds it).
    pub(crate) fn take_row<F: FnMut(&UsageEvent<'_>)>(
        &mut self,
        row: Row<'_>,
        counter: &mut Counter<'_, F>,
    ) -> Result<(), IngestError> {
        self.place.row += 1;
        match row {
            Row::Raw(raw) => {
                if !self.take(&raw, counter)? {
                    let mut record = csv::ByteRecord::new();
                    for i in 0..raw.len() {
                        record.push_field(raw.get(i).unwrap_or_default());
                    }
                    self.take(&record, counter)?;
                }
            }
            Row::Record(record) => {
                self.take(record, counter)?;
            }
        }
        Ok(())
    }

    /// Handles the record just read (its row already counted): skips it
    /// when blank, records the full keys it holds, reads it as the header
    /// or hands its event to the counter. Returns `false`, having done
    /// nothing, for a row in place that is not UTF-8.
    fn take<R: Record, F: FnMut(&UsageEvent<'_>)>(
        &mut self,
        record: &R,
        counter: &mut Counter<'_, F>,
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
                    counter.exposure(
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
            Some(text) => {
                counter
                    .parse_time(&text)
                    .ok_or_else(|| IngestError::InvalidEventTime {
                        location: place.location().with_column(header.label(header.time)),
                        value: shown(&text),
                        zone: counter.zone.name().to_string(),
                    })?
            }
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
        counter.emit(&event);
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
