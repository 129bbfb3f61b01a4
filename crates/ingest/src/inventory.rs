//! Key inventories: parsing one file ([`parse_inventory`]), merging several
//! ([`merge_inventories`]) and both from paths ([`load_inventories`]).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::SecondsFormat;
use keyaudit_model::{
    ApiKey, ContentDigest, Diagnostic, DiagnosticCode, Exposure, Inventory, InventoryFile,
    KeyFingerprint, LastUse, SourceLocation,
};

use crate::IngestError;
use crate::error::{SHOW_MAX, show};

mod cells;
mod columns;
mod delimited;
mod html;
mod json;
mod merge;
mod table;

use columns::Field;
pub use merge::merge_inventories;

/// The longest text (in characters) a field keyaudit reads may hold: far
/// more than any name, owner or note, far less than a runaway cell (a quote
/// left open, a file pasted into a cell) that would flood every report.
pub(crate) const MAX_CELL_CHARS: usize = 4096;

/// One parsed inventory file, before merging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedInventory {
    /// The file, its detected format and the number of keys read.
    pub file: InventoryFile,
    /// The keys, in file order; each has one source (file and row).
    pub keys: Vec<ApiKey>,
    /// Full keys found (and redacted) in the file.
    pub exposures: Vec<Exposure>,
    /// Warnings about the file.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one inventory file.
///
/// `source` is the file name as the user gave it; every message and
/// [`SourceLocation`] uses it. The format is detected from the content:
///
/// - JSON when the first non-whitespace character is `[` or `{` (an array of
///   key objects, or `{"keys": [...]}`);
/// - HTML when it is `<` (`<!DOCTYPE html>`, `<html>`, `<table>`, a comment),
///   or when the text holds both `<table` and `<tr` (any case): a saved copy
///   of the settings page, or any page with a table whose header row has a
///   name and a key column (the first such table; the innermost when tables
///   nest);
/// - else delimited text whose delimiter (tab, comma or semicolon) is the
///   most frequent one outside quotes on the first non-empty line, tab
///   winning ties.
///
/// A UTF-8 byte-order mark is skipped; CRLF works. An empty (or blank)
/// file is an error, and so is, in delimited text, a double quote that opens
/// a cell and is never closed (the cell would swallow the rest of the file).
/// A field keyaudit reads holds at most 4096 characters.
///
/// The input must be UTF-8: keyaudit does not guess legacy encodings (a wrong
/// guess would silently corrupt key names), so other input is refused with
/// an error naming the line and byte offset of the first invalid byte and
/// asking to save the file as UTF-8.
///
/// Every full API key found in any cell or JSON string is replaced by its
/// masked form and recorded as an [`Exposure`] before anything else reads
/// the cell, so no error, diagnostic or value holds the secret.
///
/// The file's [`digest`](InventoryFile::digest) is that of `data`, the
/// bytes parsed.
pub fn parse_inventory(source: &str, data: &[u8]) -> Result<ParsedInventory, IngestError> {
    let text = decode(source, data)?;
    if text.trim().is_empty() {
        return Err(IngestError::Syntax {
            location: SourceLocation::file(source),
            problem: "the file is empty".to_string(),
            expected: "a table of API keys: a header row (Name, Key, Password Access, …) \
                       and one row per key, or a JSON array of keys"
                .to_string(),
        });
    }
    let mut parsed = match text.trim_start().chars().next() {
        Some('[' | '{') => json::parse(source, text),
        _ if html::looks_like_html(text) => html::parse(source, text),
        _ => delimited::parse(source, text),
    }?;
    parsed.file.digest = Some(ContentDigest::of(data));
    Ok(parsed)
}

/// Reads, parses and merges inventory files, in the order given.
///
/// The file name in messages is the path as given. An I/O error names the
/// file. Files that hold no key between them (a header alone, an empty JSON
/// array, only the settings page's entry form) are an error: there would be
/// nothing to audit, and a clean report would hide the mistake.
pub fn load_inventories<P: AsRef<Path>>(paths: &[P]) -> Result<Inventory, IngestError> {
    let mut parts = Vec::with_capacity(paths.len());
    for path in paths {
        let path = path.as_ref();
        let name = path.display().to_string();
        let data = std::fs::read(path).map_err(|source| IngestError::Io {
            file: name.clone(),
            source,
        })?;
        parts.push(parse_inventory(&name, &data)?);
    }
    let files: Vec<String> = parts.iter().map(|p| p.file.path.clone()).collect();
    let inventory = merge_inventories(parts)?;
    if inventory.keys.is_empty() && !files.is_empty() {
        return Err(IngestError::NoKeys {
            files: files.join(", "),
        });
    }
    Ok(inventory)
}

/// Checks the encoding and strips a UTF-8 byte-order mark.
fn decode<'a>(source: &str, data: &'a [u8]) -> Result<&'a str, IngestError> {
    if data.starts_with(&[0xFF, 0xFE]) || data.starts_with(&[0xFE, 0xFF]) {
        return Err(IngestError::NotUtf8 {
            file: source.to_string(),
            line: 1,
            offset: 0,
            found: "a UTF-16 byte-order mark".to_string(),
        });
    }
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let (skipped, body) = match data.strip_prefix(BOM) {
        Some(body) => (BOM.len(), body),
        None => (0, data),
    };
    std::str::from_utf8(body).map_err(|e| {
        let offset = e.valid_up_to();
        let before = body.get(..offset).unwrap_or_default();
        IngestError::NotUtf8 {
            file: source.to_string(),
            line: before.iter().filter(|b| **b == b'\n').count() + 1,
            offset: offset + skipped,
            found: body.get(offset).map_or_else(
                || "a truncated character".to_string(),
                |b| format!("byte 0x{b:02X}"),
            ),
        }
    })
}

/// The value of one cell (or JSON field) of a row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// Text (already redacted).
    Text(&'a str),
    /// A JSON boolean.
    Bool(bool),
    /// A JSON null.
    Null,
}

/// One cell of a row, with the column (or JSON field) it came from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldCell<'a> {
    /// Header or field name as written in the file.
    pub column: &'a str,
    /// The value.
    pub value: Cell<'a>,
}

/// The cells of one row, by field; `None` when the file has no such column.
#[derive(Debug, Default)]
pub(crate) struct Row<'a> {
    /// 1-based row (delimited: the header is row 1; HTML: the row of the
    /// table, its header usually 1; JSON: the entry number).
    pub number: usize,
    /// Cells by [`Field::index`].
    pub fields: [Option<FieldCell<'a>>; Field::ALL.len()],
}

impl<'a> Row<'a> {
    fn get(&self, field: Field) -> Option<FieldCell<'a>> {
        self.fields[field.index()]
    }

    /// The trimmed text of a text cell; empty for an absent column or null.
    fn text(&self, field: Field) -> &'a str {
        match self.get(field).map(|c| c.value) {
            Some(Cell::Text(t)) => t.trim(),
            _ => "",
        }
    }

    /// True for the settings page's entry-form row (not a key): an empty key
    /// cell and a text reading "Enter Name" (the name field) or "Generate API
    /// Key" (its button). `texts` are all the row's texts: every cell,
    /// unknown columns included, and in HTML the fields' placeholders.
    pub(crate) fn is_entry_form<'c>(&self, mut texts: impl Iterator<Item = &'c str>) -> bool {
        self.text(Field::Key).is_empty()
            && (self.text(Field::Name).eq_ignore_ascii_case("Enter Name")
                || texts.any(|c| {
                    let c = c.trim();
                    c.eq_ignore_ascii_case("Generate API Key")
                        || c.eq_ignore_ascii_case("Enter Name")
                }))
    }
}

/// Collects the keys, exposures and warnings of one file.
pub(crate) struct Collector<'s> {
    source: &'s str,
    /// The file as locations name it: `source`, or e.g. `page.html (table 2)`.
    place: String,
    format: &'static str,
    keys: Vec<ApiKey>,
    exposures: Vec<Exposure>,
    diagnostics: Vec<Diagnostic>,
    /// Fingerprint → the row where it first appeared.
    seen: BTreeMap<KeyFingerprint, usize>,
    /// The table shows signs of the settings page (an Actions column, its
    /// buttons, the entry-form row).
    settings_page: bool,
    /// Some key row states its Password Access.
    password_access_stated: bool,
}

impl<'s> Collector<'s> {
    pub(crate) fn new(source: &'s str, format: &'static str) -> Self {
        Self {
            source,
            place: source.to_string(),
            format,
            keys: Vec::new(),
            exposures: Vec::new(),
            diagnostics: Vec::new(),
            seen: BTreeMap::new(),
            settings_page: false,
            password_access_stated: false,
        }
    }

    /// Notes that the table is a copy of the settings page.
    pub(crate) fn settings_page(&mut self) {
        self.settings_page = true;
    }

    pub(crate) fn source(&self) -> &'s str {
        self.source
    }

    /// Names the file differently in locations (rows, columns, key sources);
    /// [`InventoryFile::path`] stays the file's name.
    pub(crate) fn with_place(mut self, place: String) -> Self {
        self.place = place;
        self
    }

    /// The file as locations name it.
    pub(crate) fn place(&self) -> &str {
        &self.place
    }

    /// Records a full key found at a place.
    pub(crate) fn exposure(&mut self, fingerprint: KeyFingerprint, location: SourceLocation) {
        self.exposures.push(Exposure {
            fingerprint,
            location,
        });
    }

    fn location(&self, row: usize, cell: FieldCell<'_>) -> SourceLocation {
        SourceLocation::row(self.place(), row).with_column(cell.column)
    }

    /// The text of a field that takes text only: `None` when the column is
    /// absent; null reads as an empty cell; a boolean, or a text longer than
    /// [`MAX_CELL_CHARS`], is an error.
    fn text_cell<'a>(
        &self,
        row: &Row<'a>,
        field: Field,
    ) -> Result<Option<(SourceLocation, &'a str)>, IngestError> {
        let Some(cell) = row.get(field) else {
            return Ok(None);
        };
        let location = self.location(row.number, cell);
        match cell.value {
            Cell::Text(t) => {
                let chars = t.chars().count();
                if chars > MAX_CELL_CHARS {
                    return Err(IngestError::CellTooLong {
                        location,
                        chars,
                        max: MAX_CELL_CHARS,
                    });
                }
                Ok(Some((location, t)))
            }
            Cell::Null => Ok(Some((location, ""))),
            Cell::Bool(b) => Err(IngestError::InvalidValue {
                location,
                value: b.to_string(),
                expected: format!("a string or null for the key's {}", field.describe()),
            }),
        }
    }

    /// Validates a row and adds its key.
    pub(crate) fn add_row(&mut self, row: &Row<'_>) -> Result<(), IngestError> {
        let name = self
            .text_cell(row, Field::Name)?
            .map(|(_, t)| t.trim().to_string())
            .unwrap_or_default();
        let mut key = ApiKey::named(name);
        key.sources
            .push(SourceLocation::row(self.place(), row.number));

        if let Some((loc, t)) = self.text_cell(row, Field::Key)? {
            key.fingerprint = cells::key(t, &loc)?;
            if let Some(fp) = &key.fingerprint {
                if let Some(first_row) = self.seen.get(fp) {
                    return Err(IngestError::DuplicateKey {
                        location: loc,
                        fingerprint: fp.to_string(),
                        first_row: *first_row,
                    });
                }
                self.seen.insert(fp.clone(), row.number);
            }
        }
        if let Some(cell) = row.get(Field::PasswordAccess) {
            key.password_access = match cell.value {
                Cell::Text(t) => cells::password_access(t, &self.location(row.number, cell))?,
                Cell::Bool(b) => Some(b),
                Cell::Null => None,
            };
            self.password_access_stated |= key.password_access.is_some();
        }
        if let Some((loc, t)) = self.text_cell(row, Field::Created)? {
            key.created_at = cells::created(t, &loc)?;
        }
        if let Some((loc, t)) = self.text_cell(row, Field::LastUsed)? {
            key.last_used = cells::last_used(t, &loc)?;
        }
        if let Some((loc, t)) = self.text_cell(row, Field::State)? {
            key.state = cells::state(t, &loc)?;
        }
        key.owner = self
            .text_cell(row, Field::Owner)?
            .and_then(|(_, t)| cells::text(t));
        key.purpose = self
            .text_cell(row, Field::Purpose)?
            .and_then(|(_, t)| cells::text(t));
        key.account = self
            .text_cell(row, Field::Account)?
            .and_then(|(_, t)| cells::text(t));

        if let Some(warning) = dates_warning(&key, SourceLocation::row(self.place(), row.number)) {
            self.diagnostics.push(warning);
        }
        self.keys.push(key);
        Ok(())
    }

    /// The parsed file. A copy of the settings page whose keys all lack a
    /// Password Access state is refused: the browser dropped the checkbox
    /// states, and a report would pass the most severe privilege unseen.
    pub(crate) fn finish(self) -> Result<ParsedInventory, IngestError> {
        if self.settings_page && !self.keys.is_empty() && !self.password_access_stated {
            return Err(IngestError::CheckboxStatesLost {
                file: self.place,
                keys: self.keys.len(),
            });
        }
        Ok(ParsedInventory {
            file: InventoryFile {
                path: self.source.to_string(),
                format: self.format.to_string(),
                keys: self.keys.len(),
                digest: None,
            },
            keys: self.keys,
            exposures: self.exposures,
            diagnostics: self.diagnostics,
        })
    }
}

/// A warning when a key's last use is before its creation.
pub(crate) fn dates_warning(key: &ApiKey, location: SourceLocation) -> Option<Diagnostic> {
    let (created, LastUse::At(used)) = (key.created_at?, key.last_used) else {
        return None;
    };
    (used < created).then(|| {
        let at = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        Diagnostic::warning(
            DiagnosticCode::LastUseBeforeCreation,
            format!(
                "key `{}` was last used ({}) before it was created ({}); one of the dates is wrong",
                show(&key.name, SHOW_MAX),
                at(used),
                at(created)
            ),
            Some(location),
        )
    })
}
