//! Format detection from the first bytes of a usage file.
//!
//! A UTF-8 byte-order mark and blank lines are consumed; the first
//! non-whitespace byte decides: `{` is a JSON object (a JSON:API document or
//! the JSONL header — the object's fields tell), `[` an array of log
//! resources, anything else a CSV export. The line holding that byte is left
//! unread, its leading whitespace included.

use std::io::{self, BufRead};

use crate::IngestError;

/// What the first non-whitespace byte says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `{`: a JSON:API document or a keyaudit usage JSONL.
    Object,
    /// `[`: an array of log resources.
    Array,
    /// Anything else: delimited text.
    Text,
    /// Nothing but whitespace.
    Empty,
}

/// Where the content starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Start {
    /// The kind of content.
    pub kind: Kind,
    /// Complete lines consumed before the content (blank lines).
    pub lines: usize,
    /// Bytes consumed before the content (byte-order mark, blank lines).
    pub bytes: usize,
}

/// `fill_buf`, retrying on interruption.
pub(crate) fn fill<R: BufRead>(reader: &mut R) -> io::Result<&[u8]> {
    loop {
        match reader.fill_buf() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // Re-borrow: the loop returns the buffer of the successful call.
            _ => break,
        }
    }
    reader.fill_buf()
}

/// Consumes a byte-order mark and blank lines and tells what follows.
pub(crate) fn start<R: BufRead>(source: &str, reader: &mut R) -> Result<Start, IngestError> {
    let io_error = |source_error| IngestError::Io {
        file: source.to_string(),
        source: source_error,
    };
    let mut start = Start {
        kind: Kind::Empty,
        lines: 0,
        bytes: 0,
    };
    let head = fill(reader).map_err(io_error)?;
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(IngestError::NotUtf8 {
            file: source.to_string(),
            line: 1,
            offset: 0,
            found: "a UTF-16 byte-order mark".to_string(),
        });
    }
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if head.starts_with(BOM) {
        reader.consume(BOM.len());
        start.bytes = BOM.len();
    }
    loop {
        let buf = fill(reader).map_err(io_error)?;
        if buf.is_empty() {
            return Ok(start);
        }
        let mut blank = 0;
        let mut first = None;
        for (i, &byte) in buf.iter().enumerate() {
            match byte {
                b'\n' => {
                    blank = i + 1;
                    start.lines += 1;
                }
                b' ' | b'\t' | b'\r' => {}
                other => {
                    first = Some(other);
                    break;
                }
            }
        }
        if let Some(first) = first {
            reader.consume(blank);
            start.bytes += blank;
            start.kind = match first {
                b'{' => Kind::Object,
                b'[' => Kind::Array,
                _ => Kind::Text,
            };
            return Ok(start);
        }
        // Whitespace to the end of the buffer: consume it all.
        let len = buf.len();
        reader.consume(len);
        start.bytes += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &[u8]) -> (Kind, usize, usize, Vec<u8>) {
        let mut reader = text;
        let s = start("f", &mut reader).unwrap();
        (s.kind, s.lines, s.bytes, reader.to_vec())
    }

    #[test]
    fn first_byte_decides() {
        assert_eq!(kind(b"{\"data\":[]}").0, Kind::Object);
        assert_eq!(kind(b"\xEF\xBB\xBF\n \n  [1]").0, Kind::Array);
        assert_eq!(kind(b"Date,User\n").0, Kind::Text);
        assert_eq!(kind(b" \n\t\r\n").0, Kind::Empty);
        assert_eq!(kind(b"").0, Kind::Empty);
    }

    #[test]
    fn blank_lines_are_counted_and_the_first_line_kept_whole() {
        let (k, lines, bytes, rest) = kind(b"\n\r\n\tDate\tUser\n");
        assert_eq!((k, lines, bytes), (Kind::Text, 2, 3));
        assert_eq!(rest, b"\tDate\tUser\n");
    }

    #[test]
    fn utf16_is_refused() {
        let mut reader: &[u8] = b"\xFF\xFED\x00";
        let err = start("f.csv", &mut reader).unwrap_err().to_string();
        assert!(err.contains("UTF-16"), "{err}");
    }
}
