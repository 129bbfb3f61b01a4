//! The errors of ingest. Every message is one line naming the file, the row
//! and the column (or field), the offending value and what would be valid.

use keyaudit_model::{Setting, SourceLocation};
use thiserror::Error;

use crate::limits::Limit;
use crate::usage::time::TIME_FORMS;

/// Why an inventory or a usage file could not be read, or a usage option
/// (`--timezone`, `--usage-window`) is not valid.
///
/// Values quoted in messages have already been redacted: a full API key never
/// appears in an error.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The file could not be read. The I/O error is the error's
    /// [`source`](std::error::Error::source) (not repeated in the message,
    /// so that a chain of causes prints it once).
    #[error("{file}: cannot read the file; expected a readable file")]
    Io {
        /// The file as the user named it.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The file is not UTF-8 text.
    #[error(
        "{file}:{line}: found {found} at byte offset {offset}, which is not valid UTF-8; \
         expected UTF-8 text: save the file as UTF-8 (in Excel: \"CSV UTF-8\") and try again"
    )]
    NotUtf8 {
        /// The file as the user named it.
        file: String,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 0-based byte offset of the first invalid byte in the file.
        offset: usize,
        /// What was found there (e.g. `byte 0xE9`, `a UTF-16 byte-order mark`).
        found: String,
    },

    /// The text is not well-formed CSV/TSV or JSON.
    #[error("{location}: {problem}; expected {expected}")]
    Syntax {
        /// Where the problem was found.
        location: SourceLocation,
        /// What is wrong (no cell values are quoted).
        problem: String,
        /// What the file should look like.
        expected: String,
    },

    /// An activity-log export's time cell holds no time.
    #[error("{}", self.message(Setting::neutral))]
    InvalidEventTime {
        /// File, row and column of the cell.
        location: SourceLocation,
        /// The value, redacted, on one line and shortened when long.
        value: String,
        /// The time zone naive times are read in.
        zone: String,
    },

    /// A cell (or JSON field) holds a value its column does not accept.
    #[error("{location}: found `{value}`; expected {expected}")]
    InvalidValue {
        /// File, row and column of the cell.
        location: SourceLocation,
        /// The value, redacted, on one line and shortened when long.
        value: String,
        /// What the column accepts.
        expected: String,
    },

    /// A key cell holds something that is neither a masked key, a fingerprint
    /// nor empty. The value is described, not quoted, when it may be a secret.
    #[error("{location}: found {found}; expected {expected}")]
    InvalidKeyCell {
        /// File, row and column of the cell.
        location: SourceLocation,
        /// The value quoted in backticks, or a description of it.
        found: String,
        /// What a key cell may hold.
        expected: String,
    },

    /// The header (or a JSON entry) has no column giving the key's name.
    #[error("{location}: found {what} {found}; expected a name {what_one} (one of: {accepted})")]
    MissingName {
        /// The file and row (the header row, or the JSON entry).
        location: SourceLocation,
        /// `headers` or `fields`.
        what: &'static str,
        /// `column` or `field`.
        what_one: &'static str,
        /// The headers or fields found, quoted.
        found: String,
        /// The accepted names.
        accepted: String,
    },

    /// Two columns (or JSON fields) give the same field.
    #[error(
        "{location}: found both \"{first}\" and \"{second}\", which both give the key's {field}; \
         expected only one of them"
    )]
    DuplicateColumn {
        /// File, row and the second column.
        location: SourceLocation,
        /// The first column.
        first: String,
        /// The second column.
        second: String,
        /// The field both give.
        field: &'static str,
    },

    /// A field holds more text than any key's name, owner or note could.
    /// The value is not quoted (it may hold anything).
    #[error(
        "{location}: found a value of {chars} characters; expected at most {max} characters \
         (is a double quote left open, or something pasted into the wrong cell?)"
    )]
    CellTooLong {
        /// File, row and column of the cell.
        location: SourceLocation,
        /// Its length in characters.
        chars: usize,
        /// The longest value accepted.
        max: usize,
    },

    /// The file goes over a [`Limit`] every reader holds files to (columns
    /// or bytes per row, nesting depth): a hostile or broken file, stopped
    /// before it uses up memory or time.
    #[error(
        "{location}: found {found}; expected at most {limit} \
         (a limit keyaudit holds every file to: is this the right file?)"
    )]
    LimitExceeded {
        /// The file and the row (or line) where the limit was hit.
        location: SourceLocation,
        /// What was found, e.g. `a row of 20971521 cells`.
        found: String,
        /// The limit.
        limit: Limit,
    },

    /// The inventory files hold no key at all.
    #[error(
        "{files}: found no API key; expected at least one key (a row under the header, or an \
         entry of the JSON array): copy the whole table of Admin → Settings → API Keys, from \
         the Name header to the last key"
    )]
    NoKeys {
        /// The files read, as the user named them, joined by `, `.
        files: String,
    },

    /// A copy of the settings page (its Actions column or entry-form row)
    /// whose Password Access cells are all empty: a browser's text copy
    /// drops the checkbox states, ticked or not.
    #[error(
        "{file}: found a copy of the API Keys settings page that states Password Access for none \
         of its {count}: the browser dropped the checkbox states when the table was copied, \
         so whether each key can read passwords is unknown; expected the live states: run \
         `keyaudit capture-snippet`, run the snippet in the browser console on Admin → Settings \
         → API Keys and save what it copies as the inventory, or fill the Password Access \
         column with yes or no for every key",
        count = key_count(*.keys)
    )]
    CheckboxStatesLost {
        /// The file as the user named it (with the table, in a page of several).
        file: String,
        /// Number of keys in the copy.
        keys: usize,
    },

    /// A row has a non-empty cell beyond the header's columns.
    #[error(
        "{location}: found `{value}` beyond the {columns} header columns; \
         expected at most {columns} cells (add a header for this column or remove the cell)"
    )]
    ExtraCell {
        /// File, row and column number of the cell.
        location: SourceLocation,
        /// The value, redacted and shortened.
        value: String,
        /// Number of header columns.
        columns: usize,
    },

    /// One file lists the same key twice.
    #[error(
        "{location}: found `{fingerprint}` again (already on row {first_row}); \
         expected each key once per file"
    )]
    DuplicateKey {
        /// File, second row and the key column.
        location: SourceLocation,
        /// The fingerprint listed twice.
        fingerprint: String,
        /// The row where it first appears.
        first_row: usize,
    },

    /// Two files give different values for one field of the same key.
    #[error(
        "{second}: found {field} `{second_value}`, but {first} gives `{first_value}` for the same key; \
         expected the same {field} in both files"
    )]
    MergeConflict {
        /// The field that differs.
        field: &'static str,
        /// Where the first value came from.
        first: SourceLocation,
        /// The first value.
        first_value: String,
        /// Where the second value came from.
        second: SourceLocation,
        /// The second value.
        second_value: String,
    },

    /// A key without fingerprint matches several keys of other files by name.
    #[error(
        "{location}: found name `{name}`, which matches {count} keys of other files ({candidates}); \
         expected a name that matches one key (add the Key column to tell them apart)"
    )]
    AmbiguousMerge {
        /// File, row and the name column.
        location: SourceLocation,
        /// The name.
        name: String,
        /// Number of keys it matches.
        count: usize,
        /// Where the matching keys were read, `file:row` joined by `; `.
        candidates: String,
    },

    /// A setting's value (the time zone, the usage window) is not valid.
    #[error("{}", self.message(Setting::neutral))]
    InvalidOption {
        /// The setting.
        option: Setting,
        /// The value given, shortened.
        value: String,
        /// What the option accepts.
        expected: String,
    },

    /// A required value is absent or empty (a usage event without a time,
    /// a usage header without a window).
    #[error("{location}: found no {what}; expected {expected}")]
    MissingValue {
        /// File, row (or line) and column (or field).
        location: SourceLocation,
        /// What is missing, e.g. `created-at`.
        what: String,
        /// What would be valid.
        expected: String,
    },

    /// An activity-log export has no column giving the event's time.
    #[error("{location}: found headers {found}; expected a date/time column (one of: {accepted})")]
    MissingTimeColumn {
        /// The file and the header row.
        location: SourceLocation,
        /// The headers found, quoted.
        found: String,
        /// The accepted names.
        accepted: String,
    },

    /// Two columns of an activity-log export give the same field.
    #[error(
        "{location}: found both \"{first}\" and \"{second}\", which both give the event's {field}; \
         expected only one of them"
    )]
    DuplicateUsageColumn {
        /// File, header row and the second column.
        location: SourceLocation,
        /// The first column.
        first: String,
        /// The second column.
        second: String,
        /// The field both give.
        field: &'static str,
    },

    /// A `fetch-usage` file whose header says the fetch was incomplete, read
    /// without [`Setting::AllowPartial`].
    #[error("{}", self.message(Setting::neutral))]
    IncompleteFetch {
        /// File, header line and the `complete` field.
        location: SourceLocation,
    },

    /// A `fetch-usage` file holding another number of events than its header
    /// declares, read without [`Setting::AllowPartial`].
    #[error("{}", self.message(Setting::neutral))]
    EventCountMismatch {
        /// The file as the user named it.
        file: String,
        /// The count the header declares.
        declared: u64,
        /// The events the file holds.
        found: u64,
    },

    /// A `fetch-usage` file whose last line is cut short.
    #[error("{}", self.message(Setting::neutral))]
    Truncated {
        /// File and line.
        location: SourceLocation,
        /// The JSON parser's message, with the column.
        problem: String,
    },
}

impl IngestError {
    /// The message, with each setting it names worded by `name` (the
    /// binary passes its command-line flags; `Display` passes
    /// [`Setting::neutral`]).
    pub fn message(&self, name: fn(Setting) -> &'static str) -> String {
        let allow_partial = name(Setting::AllowPartial);
        match self {
            IngestError::InvalidOption {
                option,
                value,
                expected,
            } => format!("{}: found `{value}`; expected {expected}", name(*option)),
            IngestError::InvalidEventTime {
                location,
                value,
                zone,
            } => format!(
                "{location}: found `{value}`; expected {TIME_FORMS} (times without an offset \
                 are read in {zone}; set {})",
                name(Setting::Timezone)
            ),
            IngestError::IncompleteFetch { location } => format!(
                "{location}: found `false`: the header says the fetch was incomplete; \
                 expected a complete fetch — re-run fetch-usage or pass {allow_partial} \
                 (the report then says the evidence is partial)"
            ),
            IngestError::EventCountMismatch {
                file,
                declared,
                found,
            } => format!(
                "{file}: header says {declared} events, file holds {found}; the fetch was \
                 incomplete — re-run fetch-usage or pass {allow_partial}"
            ),
            IngestError::Truncated { location, problem } => format!(
                "{location}: found a last line without a newline that is not valid JSON \
                 ({problem}); the file looks truncated — expected one complete log resource \
                 per line: re-run fetch-usage, or pass {allow_partial} to read the complete \
                 lines"
            ),
            other => other.to_string(),
        }
    }
}

/// A value for a message: control and bidirectional characters and
/// noncharacters escaped as in the table ([`keyaudit_model::display_safe`]:
/// one line, in display order), long values shortened to `max` characters.
pub(crate) fn show(value: &str, max: usize) -> String {
    let mut out = String::new();
    for (count, c) in value.chars().enumerate() {
        if count == max {
            out.push('…');
            break;
        }
        keyaudit_model::push_display_safe(c, &mut out);
    }
    out
}

/// `1 key`, `2 keys`.
fn key_count(n: usize) -> String {
    if n == 1 {
        "1 key".to_string()
    } else {
        format!("{n} keys")
    }
}

/// Longest value quoted in a message.
pub(crate) const SHOW_MAX: usize = 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_keeps_one_line_and_shortens() {
        assert_eq!(show("a\nb\tc", 60), "a\\nb\\tc");
        assert_eq!(show("abcdef", 3), "abc…");
        assert_eq!(show("abc", 3), "abc");
    }

    #[test]
    fn show_escapes_bidi_controls_and_noncharacters_as_the_table_does() {
        assert_eq!(
            show("abc\u{202e}fed\u{2066}", 60),
            "abc\\u{202e}fed\\u{2066}"
        );
        assert_eq!(show("x\u{fdd0}\u{1b}[31m", 60), "x\\u{fdd0}\\u{1b}[31m");
        assert_eq!(show("PSA ↔ IT Glue", 60), "PSA ↔ IT Glue");
    }
}
