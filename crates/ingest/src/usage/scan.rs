//! A fast reader of delimited records for the parallel read of a CSV
//! export: fields are found with `memchr` (SIMD) instead of a byte-at-a-time
//! state machine, and records come out as [`csv::ByteRecord`]s, the same
//! records the csv crate gives, so every later step is shared.
//!
//! It reads exactly what `csv::ReaderBuilder::new().has_headers(false)
//! .flexible(true).delimiter(d)` reads (a property test holds it to that):
//! records end at `\n`, `\r` or `\r\n`; empty lines are skipped; a field
//! that starts with `"` is quoted (delimiters and line breaks are text in
//! it, `""` is one quote, and anything after its closing quote up to the
//! next delimiter is appended as is); a quote elsewhere is text; a file
//! that ends inside a quoted field ends that field. It never fails on
//! content (the csv crate does not either); UTF-8 is checked later, cell by
//! cell, as for the csv crate's records.

use std::io::{self, Read};

use csv::ByteRecord;
use memchr::{memchr, memchr3};

/// Reads records from `R`, keeping one buffer.
pub(crate) struct Scanner<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    delimiter: u8,
    /// An unescaped quoted field.
    field: Vec<u8>,
    /// Cells of the last raw row, as ranges of it.
    spans: Vec<(usize, usize)>,
    /// The last row, when it had to be copied.
    record: ByteRecord,
}

/// A row whose cells are all ranges of its bytes in the file (no quote
/// inside a quoted cell, nothing after a closing quote): read in place.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawRow<'a> {
    /// The row as in the file (without its line break).
    pub bytes: &'a [u8],
    /// Its cells, as ranges of `bytes`.
    pub spans: &'a [(usize, usize)],
}

/// The next row: in place, or copied into a record.
pub(crate) enum Row<'a> {
    /// Cells are ranges of the file's bytes.
    Raw(RawRow<'a>),
    /// Cells were unescaped.
    Record(&'a ByteRecord),
}

/// The result of scanning the front of the buffer.
enum Step {
    /// A record of this many bytes (blank lines before it included).
    Record(usize),
    /// Only blank lines, then the end of the input.
    End,
    /// The buffer ends inside a record: read more.
    More,
}

impl<R: Read> Scanner<R> {
    /// A scanner over `reader` with a buffer of `capacity` bytes (it grows
    /// for records longer than that).
    pub(crate) fn new(reader: R, delimiter: u8, capacity: usize) -> Self {
        Self {
            reader,
            buf: vec![0; capacity.max(1)],
            pos: 0,
            end: 0,
            eof: false,
            delimiter,
            field: Vec::new(),
            spans: Vec::new(),
            record: ByteRecord::new(),
        }
    }

    /// Reads the next row: in place when its cells are ranges of its bytes,
    /// else copied (as [`Scanner::next`] reads it); `None` at the end.
    pub(crate) fn next_row(&mut self) -> io::Result<Option<Row<'_>>> {
        loop {
            let input = self.buf.get(self.pos..self.end).unwrap_or_default();
            match spans(input, self.eof, self.delimiter, &mut self.spans) {
                Spans::Row { start, end, used } => {
                    let at = self.pos;
                    self.pos += used;
                    let bytes = self.buf.get(at + start..at + end).unwrap_or_default();
                    return Ok(Some(Row::Raw(RawRow {
                        bytes,
                        spans: &self.spans,
                    })));
                }
                Spans::End => {
                    self.pos = self.end;
                    return Ok(None);
                }
                Spans::More => self.fill()?,
                Spans::Copy => {
                    let mut record = std::mem::take(&mut self.record);
                    let got = self.next(&mut record);
                    self.record = record;
                    return Ok(got?.then_some(Row::Record(&self.record)));
                }
            }
        }
    }

    /// Reads the next record into `record`; `false` at the end.
    pub(crate) fn next(&mut self, record: &mut ByteRecord) -> io::Result<bool> {
        loop {
            let input = self.buf.get(self.pos..self.end).unwrap_or_default();
            match scan(input, self.eof, self.delimiter, record, &mut self.field) {
                Step::Record(used) => {
                    self.pos += used;
                    return Ok(true);
                }
                Step::End => {
                    self.pos = self.end;
                    return Ok(false);
                }
                Step::More => self.fill()?,
            }
        }
    }

    /// True when nothing but line breaks is left.
    pub(crate) fn at_end(&mut self) -> io::Result<bool> {
        loop {
            let input = self.buf.get(self.pos..self.end).unwrap_or_default();
            let blank = input
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\r'))
                .count();
            self.pos += blank;
            if self.pos < self.end {
                return Ok(false);
            }
            if self.eof {
                return Ok(true);
            }
            self.fill()?;
        }
    }

    /// Moves the unread bytes to the front and reads more after them.
    fn fill(&mut self) -> io::Result<()> {
        if self.eof {
            return Ok(());
        }
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        if self.end == self.buf.len() {
            let grown = self.buf.len() * 2;
            self.buf.resize(grown, 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// The result of finding the cells of one row in place.
enum Spans {
    /// A row: its bytes are `input[start..end]`; `used` bytes are read
    /// (blank lines before it and its line break included).
    Row {
        start: usize,
        end: usize,
        used: usize,
    },
    /// Only blank lines, then the end of the input.
    End,
    /// The buffer ends inside a row: read more.
    More,
    /// A cell must be unescaped: read the row with [`scan`].
    Copy,
}

/// Finds the cells of the row at the front of `input` as ranges of the
/// row, when no cell needs unescaping.
fn spans(input: &[u8], eof: bool, delimiter: u8, spans: &mut Vec<(usize, usize)>) -> Spans {
    let n = input.len();
    let start = input
        .iter()
        .take_while(|b| matches!(b, b'\n' | b'\r'))
        .count();
    if start == n {
        return if eof { Spans::End } else { Spans::More };
    }
    spans.clear();
    let mut i = start;
    loop {
        if i == n {
            if !eof {
                return Spans::More;
            }
            spans.push((i - start, i - start));
            return Spans::Row {
                start,
                end: n,
                used: n,
            };
        }
        if input[i] == b'"' {
            let Some(q) = memchr(b'"', &input[i + 1..]).map(|q| i + 1 + q) else {
                return if eof { Spans::Copy } else { Spans::More };
            };
            match input.get(q + 1) {
                None if !eof => return Spans::More,
                None => {}
                Some(&b) if b == delimiter || b == b'\n' || b == b'\r' => {}
                // A doubled quote, or text after the closing quote.
                Some(_) => return Spans::Copy,
            }
            spans.push((i + 1 - start, q - start));
            i = q + 1;
        } else {
            match memchr3(delimiter, b'\n', b'\r', &input[i..]) {
                Some(p) => {
                    spans.push((i - start, i + p - start));
                    i += p;
                }
                None => {
                    if !eof {
                        return Spans::More;
                    }
                    spans.push((i - start, n - start));
                    return Spans::Row {
                        start,
                        end: n,
                        used: n,
                    };
                }
            }
        }
        match input.get(i) {
            None => {
                return Spans::Row {
                    start,
                    end: n,
                    used: n,
                };
            }
            Some(&b) if b == delimiter => i += 1,
            Some(b'\n') => {
                return Spans::Row {
                    start,
                    end: i,
                    used: i + 1,
                };
            }
            Some(_) => {
                let used = match input.get(i + 1) {
                    Some(b'\n') => i + 2,
                    Some(_) => i + 1,
                    None if eof => i + 1,
                    None => return Spans::More,
                };
                return Spans::Row {
                    start,
                    end: i,
                    used,
                };
            }
        }
    }
}

/// Scans one record at the front of `input` (`eof`: nothing follows it).
fn scan(
    input: &[u8],
    eof: bool,
    delimiter: u8,
    record: &mut ByteRecord,
    field: &mut Vec<u8>,
) -> Step {
    let n = input.len();
    // Blank lines before the record.
    let mut i = input
        .iter()
        .take_while(|b| matches!(b, b'\n' | b'\r'))
        .count();
    if i == n {
        return if eof { Step::End } else { Step::More };
    }
    record.clear();
    loop {
        // At the start of a field.
        if i == n {
            // The input ended right after a delimiter: a last, empty field.
            if !eof {
                return Step::More;
            }
            record.push_field(b"");
            return Step::Record(n);
        }
        if input[i] == b'"' {
            field.clear();
            let mut from = i + 1;
            loop {
                let Some(q) = memchr(b'"', &input[from..]).map(|q| from + q) else {
                    if !eof {
                        return Step::More;
                    }
                    // The input ends inside the quotes: so does the field.
                    field.extend_from_slice(&input[from..]);
                    record.push_field(field);
                    return Step::Record(n);
                };
                field.extend_from_slice(&input[from..q]);
                match input.get(q + 1) {
                    Some(b'"') => {
                        field.push(b'"');
                        from = q + 2;
                    }
                    None if !eof => return Step::More,
                    _ => {
                        i = q + 1;
                        break;
                    }
                }
            }
            // Text after the closing quote belongs to the field.
            let stop = memchr3(delimiter, b'\n', b'\r', &input[i..]).map_or(n, |p| i + p);
            if stop == n && !eof {
                return Step::More;
            }
            field.extend_from_slice(&input[i..stop]);
            record.push_field(field);
            i = stop;
        } else {
            match memchr3(delimiter, b'\n', b'\r', &input[i..]) {
                Some(p) => {
                    record.push_field(&input[i..i + p]);
                    i += p;
                }
                None => {
                    if !eof {
                        return Step::More;
                    }
                    record.push_field(&input[i..]);
                    return Step::Record(n);
                }
            }
        }
        // At a delimiter, a line break or the end.
        match input.get(i) {
            None => return Step::Record(n),
            Some(&b) if b == delimiter => i += 1,
            Some(b'\n') => return Step::Record(i + 1),
            Some(_) => {
                // `\r`, alone or before `\n`.
                return match input.get(i + 1) {
                    Some(b'\n') => Step::Record(i + 2),
                    Some(_) => Step::Record(i + 1),
                    None if eof => Step::Record(i + 1),
                    None => Step::More,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with_csv(input: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(input);
        let mut out = Vec::new();
        let mut record = ByteRecord::new();
        while reader.read_byte_record(&mut record).unwrap() {
            out.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    fn with_scanner(input: &[u8], delimiter: u8, capacity: usize) -> Vec<Vec<Vec<u8>>> {
        let mut scanner = Scanner::new(input, delimiter, capacity);
        let mut out = Vec::new();
        let mut record = ByteRecord::new();
        while scanner.next(&mut record).unwrap() {
            out.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        // Rows in place read the same.
        let mut scanner = Scanner::new(input, delimiter, capacity);
        let mut rows: Vec<Vec<Vec<u8>>> = Vec::new();
        while let Some(row) = scanner.next_row().unwrap() {
            rows.push(match row {
                Row::Raw(raw) => raw
                    .spans
                    .iter()
                    .map(|&(a, b)| raw.bytes[a..b].to_vec())
                    .collect(),
                Row::Record(record) => record.iter().map(<[u8]>::to_vec).collect(),
            });
        }
        assert_eq!(rows, out);
        out
    }

    #[test]
    fn reads_what_the_csv_crate_reads() {
        for text in [
            "a,b,c\n1,2,3\n",
            "a,b\r\n\r\n1,\"x,\ny\"\r\n",
            "\"a\"\"b\",c\n\"open",
            "x,\"q\"tail,z\ry\n\n,\n",
            "a;b\n\"1;2\";3",
            "\"\"\n\",\"",
            "a,b,",
        ] {
            let want = with_csv(text.as_bytes(), b',');
            for capacity in [1, 2, 3, 5, 64] {
                assert_eq!(
                    with_scanner(text.as_bytes(), b',', capacity),
                    want,
                    "{text:?}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn reads_any_bytes_as_the_csv_crate_does(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b',', b';', b'"', b'\n', b'\r', b' ', 0xC3]),
                0..80,
            ),
            capacity in 1usize..16,
            semicolon in any::<bool>(),
        ) {
            let delimiter = if semicolon { b';' } else { b',' };
            prop_assert_eq!(
                with_scanner(&bytes, delimiter, capacity),
                with_csv(&bytes, delimiter)
            );
        }
    }
}
