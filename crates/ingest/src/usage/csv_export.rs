//! The web UI's Activity Logs CSV export (and any table like it).
//!
//! Records are read into one reused [`csv::ByteRecord`]; each cell is
//! checked for UTF-8 only when it is read, and the whole record goes through
//! a `memchr` pre-check for full keys before any cell is read (the regex
//! runs only on records that may hold one). Events borrow their cells.

use std::borrow::Cow;
use std::io::BufRead;

use keyaudit_model::{SourceLocation, UsageEvent};

use super::detect::{self, Start};
use super::jsonapi::shown;
use super::time::{TIME_FORMS, parse_time};
use super::{Sink, not_utf8};
use crate::IngestError;
use crate::error::{SHOW_MAX, show};
use crate::redact::{may_contain_full_key, redact_secrets};
use crate::tabular::{detect_delimiter, normalise, quoted_list};

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
struct Header {
    /// Labels for messages: the header cell trimmed, or `column N` if empty.
    labels: Vec<String>,
    /// Column index by [`Column::index`].
    columns: [Option<usize>; Column::ALL.len()],
    /// The time column (required).
    time: usize,
}

impl Header {
    fn read(place: &Place<'_>, record: &csv::ByteRecord) -> Result<Self, IngestError> {
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
    fn cell<'r>(&self, record: &'r csv::ByteRecord, i: usize) -> Result<&'r str, IngestError> {
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
    sink: &mut Sink<'_, F>,
) -> Result<(), IngestError> {
    let source = sink.source;
    let io_error = |e| IngestError::Io {
        file: source.to_string(),
        source: e,
    };
    let head = detect::fill(reader).map_err(io_error)?;
    let first_line = memchr::memchr(b'\n', head).map_or(head, |end| &head[..end]);
    let (delimiter, _) = detect_delimiter(&String::from_utf8_lossy(first_line));
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(reader);

    let mut place = Place {
        source,
        start,
        row: 0,
    };
    let mut record = csv::ByteRecord::new();
    let mut header: Option<Header> = None;
    // Redacted cells of the current record (only for records holding a key).
    let mut cleaned: Vec<Option<String>> = Vec::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => place.row += 1,
            Ok(false) => return Ok(()),
            Err(e) => {
                let message = e.to_string();
                return Err(match e.into_kind() {
                    csv::ErrorKind::Io(e) => io_error(e),
                    _ => IngestError::Syntax {
                        location: SourceLocation::row(source, place.row + 1),
                        problem: format!("cannot read the row ({message})"),
                        expected: "comma-, tab- or semicolon-separated text".to_string(),
                    },
                });
            }
        }
        if record.as_slice().iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let has_key = may_contain_full_key(record.as_slice());
        if has_key {
            cleaned.clear();
            for i in 0..record.len() {
                let text = place.cell(&record, i)?;
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
        let Some(header) = &header else {
            header = Some(Header::read(&place, &record)?);
            continue;
        };
        let cells = Cells {
            record: &record,
            cleaned: if has_key { &cleaned } else { &[] },
            place: &place,
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
                parse_time(&text, sink.zone).ok_or_else(|| IngestError::InvalidValue {
                    location: place.location().with_column(header.label(header.time)),
                    value: shown(&text),
                    expected: format!(
                        "{TIME_FORMS} (times without an offset are read in {}; set --timezone)",
                        sink.zone.name()
                    ),
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
        sink.emit(&event);
    }
}

/// The cells of one data record.
struct Cells<'r> {
    record: &'r csv::ByteRecord,
    /// Redacted cells by index (empty unless the record holds a key).
    cleaned: &'r [Option<String>],
    place: &'r Place<'r>,
}

impl<'r> Cells<'r> {
    /// The trimmed text of a column; `None` when the file has no such
    /// column or the cell is empty.
    fn get(&self, column: Option<usize>) -> Result<Option<Cow<'r, str>>, IngestError> {
        let Some(i) = column else {
            return Ok(None);
        };
        let text = match self.cleaned.get(i) {
            Some(Some(clean)) => clean.as_str(),
            _ => self.place.cell(self.record, i)?,
        };
        let text = text.trim();
        Ok((!text.is_empty()).then_some(Cow::Borrowed(text)))
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
