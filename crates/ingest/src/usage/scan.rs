//! A fast reader of delimited records for the parallel read of a CSV
//! export, one of the two [`RowSource`]s: rows are read from what each
//! fill of the buffer brought ([`Buffered`]), and fields are found from
//! bitmasks of the bytes that may end them, 64 bytes at a time, instead of
//! a byte-at-a-time state machine. Rows come out in place, with their text
//! when the fill's UTF-8 check covers them; rows whose cells need
//! unescaping come out as [`csv::ByteRecord`]s, the same records the csv
//! crate gives, so every later step is shared.
//!
//! It reads exactly what `csv::ReaderBuilder::new().has_headers(false)
//! .flexible(true).delimiter(d)` reads (a property test holds it to that):
//! records end at `\n`, `\r` or `\r\n`; empty lines are skipped; a field
//! that starts with `"` is quoted (delimiters and line breaks are text in
//! it, `""` is one quote, and anything after its closing quote up to the
//! next delimiter is appended as is); a quote elsewhere is text; a file
//! that ends inside a quoted field ends that field. It never fails on
//! content (the csv crate does not either): a row in place carries its
//! text only when it is UTF-8, and bad cells are found later, as in the csv
//! crate's records.

use std::io::{self, Read};

use csv::ByteRecord;
use memchr::{memchr, memchr3};
use wide::u8x16;

use super::rows::{Ended, RawRow, Row, RowError, RowSource, Stopped};
use crate::IngestError;
use crate::limits::{MAX_COLUMNS, MAX_ROW_BYTES, row_too_long_io};

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
    /// Cells of the last raw row, as ranges of it, at the front.
    spans: Vec<(usize, usize)>,
    /// The last row, when it had to be copied.
    record: ByteRecord,
}

/// What the buffered bytes give next.
pub(crate) enum Next<'a> {
    /// A row.
    Row(Row<'a>),
    /// The row at the scanner's position takes more than [`MAX_ROW_BYTES`]
    /// (from the end of the row before, line breaks included).
    TooLong,
    /// The input is read to its end.
    End,
    /// The buffered bytes end inside a row: [`Scanner::fill`], then read
    /// from [`Scanner::buffered`] again.
    More,
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

    /// The unread bytes of the buffer, to read rows from. Their UTF-8 is
    /// checked here, once, up to the first byte that is not (or the end).
    pub(crate) fn buffered(&mut self) -> Buffered<'_> {
        let bytes = self.buf.get(..self.end).unwrap_or_default();
        let unread = bytes.get(self.pos..).unwrap_or_default();
        let text = match simdutf8::compat::from_utf8(unread) {
            Ok(text) => text,
            Err(e) => std::str::from_utf8(unread.get(..e.valid_up_to()).unwrap_or_default())
                .unwrap_or_default(),
        };
        Buffered {
            bytes,
            text,
            text_start: self.pos,
            specials: Specials::new(bytes, self.pos, self.delimiter),
            pos: &mut self.pos,
            eof: self.eof,
            delimiter: self.delimiter,
            field: &mut self.field,
            spans: &mut self.spans,
            record: &mut self.record,
        }
    }

    /// Reads the next record into `record` (copying every cell); `false` at
    /// the end.
    #[cfg(test)]
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

    /// Moves the unread bytes to the front and reads more after them. The
    /// buffer grows for a row longer than it, up to the row limit: a row
    /// still unfinished past [`MAX_ROW_BYTES`] fails the read (an error that
    /// [`is_row_too_long`](crate::limits::is_row_too_long) recognises).
    pub(crate) fn fill(&mut self) -> io::Result<()> {
        if self.eof {
            return Ok(());
        }
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        if self.end == self.buf.len() {
            if self.end > MAX_ROW_BYTES {
                return Err(row_too_long_io());
            }
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

impl<R: Read> RowSource for Scanner<R> {
    /// Reads the rows of each fill of the buffer in turn.
    fn rows<F>(&mut self, mut take: F) -> Result<Ended, Stopped>
    where
        F: FnMut(Row<'_>) -> Result<bool, IngestError>,
    {
        loop {
            let mut buffered = self.buffered();
            loop {
                match buffered.next_row() {
                    Next::Row(row) => {
                        if !take(row).map_err(Stopped::Taker)? {
                            return Ok(Ended::Asked);
                        }
                    }
                    Next::End => return Ok(Ended::Input),
                    Next::More => break,
                    Next::TooLong => return Err(Stopped::Source(RowError::TooLong)),
                }
            }
            self.fill().map_err(|e| Stopped::Source(e.into()))?;
        }
    }
}

/// The bytes of a [`Scanner`]'s buffer up to the end of what was read,
/// read row by row from the scanner's position (which it advances).
pub(crate) struct Buffered<'a> {
    bytes: &'a [u8],
    /// The UTF-8 part of `bytes` from `text_start` on.
    text: &'a str,
    text_start: usize,
    specials: Specials,
    pos: &'a mut usize,
    eof: bool,
    delimiter: u8,
    field: &'a mut Vec<u8>,
    spans: &'a mut Vec<(usize, usize)>,
    record: &'a mut ByteRecord,
}

impl Buffered<'_> {
    /// Reads the next row: in place when its cells are ranges of its bytes,
    /// else copied.
    pub(crate) fn next_row(&mut self) -> Next<'_> {
        let at = *self.pos;
        let found = loop {
            let found = find_spans(
                self.bytes,
                at,
                (self.eof, self.delimiter),
                &mut self.specials,
                self.spans,
            );
            if !matches!(found, Spans::Full) {
                break found;
            }
            // A row of more cells than a reader takes is copied, as is any
            // row not read in place, and refused by its reader.
            if self.spans.len() > MAX_COLUMNS {
                break Spans::Copy;
            }
            // More slots, and the row again.
            let more = (2 * self.spans.len() + 16).min(MAX_COLUMNS + 1);
            self.spans.resize(more, (0, 0));
        };
        match found {
            Spans::Row { used, .. } if used - at > MAX_ROW_BYTES => Next::TooLong,
            Spans::Row {
                start,
                end,
                used,
                cells,
            } => {
                *self.pos = used;
                let bytes = self.bytes.get(start..end).unwrap_or_default();
                // Rows start and end next to ASCII bytes (or at the ends
                // of the checked text): within it, they are text.
                let text = start
                    .checked_sub(self.text_start)
                    .and_then(|from| self.text.get(from..end - self.text_start))
                    .or_else(|| simdutf8::basic::from_utf8(bytes).ok());
                Next::Row(Row::Raw(RawRow {
                    bytes,
                    text,
                    spans: self.spans.get(..cells).unwrap_or_default(),
                }))
            }
            Spans::End => {
                *self.pos = self.bytes.len();
                Next::End
            }
            // (`Full` is not left after the loop.)
            Spans::More | Spans::Full => Next::More,
            Spans::Copy => {
                let input = self.bytes.get(at..).unwrap_or_default();
                match scan(input, self.eof, self.delimiter, self.record, self.field) {
                    Step::Record(used) if used > MAX_ROW_BYTES => Next::TooLong,
                    Step::Record(used) => {
                        *self.pos = at + used;
                        Next::Row(Row::Record(self.record))
                    }
                    Step::End => {
                        *self.pos = self.bytes.len();
                        Next::End
                    }
                    Step::More => Next::More,
                }
            }
        }
    }
}

/// Finds the cells of the row at `at` of `input` (`eof`: nothing follows
/// it) as ranges of the row, written to the front of `slots`, when no cell
/// needs unescaping: one walk over the special bytes from the row's start,
/// each one a cell's end, a quote or the row's end.
#[inline]
fn find_spans(
    input: &[u8],
    at: usize,
    (eof, delimiter): (bool, u8),
    specials: &mut Specials,
    slots: &mut [(usize, usize)],
) -> Spans {
    let n = input.len();
    let mut start = at;
    while let Some(b'\n' | b'\r') = input.get(start) {
        start += 1;
    }
    if start >= n {
        return if eof { Spans::End } else { Spans::More };
    }
    let mut walk = specials.walk_from(input, start, delimiter);
    let mut cells = 0;
    // The start of the cell being read.
    let mut cell = start;
    loop {
        let Some(slot) = slots.get_mut(cells) else {
            return Spans::Full;
        };
        let Some(p) = walk.next(input, specials, delimiter) else {
            if !eof {
                return Spans::More;
            }
            *slot = (cell - start, n - start);
            return Spans::Row {
                start,
                end: n,
                used: n,
                cells: cells + 1,
            };
        };
        let b = input.get(p).copied().unwrap_or_default();
        if b == delimiter {
            *slot = (cell - start, p - start);
            cells += 1;
            cell = p + 1;
            continue;
        }
        let end = if b == b'"' {
            if p != cell {
                // A quote inside a cell is text.
                continue;
            }
            // A quoted cell: it ends at the next quote, which must be
            // followed by a delimiter, a line break or the end.
            let q = loop {
                match walk.next(input, specials, delimiter) {
                    Some(q) if input.get(q) == Some(&b'"') => break q,
                    Some(_) => {}
                    None => return if eof { Spans::Copy } else { Spans::More },
                }
            };
            *slot = (cell + 1 - start, q - start);
            cells += 1;
            match walk.next(input, specials, delimiter) {
                Some(p) if p == q + 1 => match input.get(p) {
                    Some(&b) if b == delimiter => {
                        cell = p + 1;
                        continue;
                    }
                    // A doubled quote.
                    Some(b'"') => return Spans::Copy,
                    _ => p,
                },
                None if q + 1 == n => {
                    if !eof {
                        return Spans::More;
                    }
                    return Spans::Row {
                        start,
                        end: n,
                        used: n,
                        cells,
                    };
                }
                // Text after the closing quote.
                _ => return Spans::Copy,
            }
        } else {
            *slot = (cell - start, p - start);
            cells += 1;
            p
        };
        // A line break at `end`: `\n`, `\r` or `\r\n`.
        let used = match input.get(end..) {
            Some([b'\r', b'\n', ..]) => end + 2,
            Some([b'\r']) if !eof => return Spans::More,
            _ => end + 1,
        };
        return Spans::Row {
            start,
            end,
            used,
            cells,
        };
    }
}

/// How many blocks of 64 bytes [`Specials`] finds the special bytes of at
/// once.
const BLOCKS: usize = 4;

/// The bytes that may end a field (the delimiter, `"`, `\n`, `\r`) of
/// [`BLOCKS`] blocks of 64 bytes from `base`, found together: a bitmask
/// per block.
struct Specials {
    base: usize,
    blocks: [u64; BLOCKS],
}

impl Specials {
    /// The blocks of `bytes` from `at`.
    fn new(bytes: &[u8], at: usize, delimiter: u8) -> Self {
        Self {
            base: at,
            blocks: block_masks(bytes, at, delimiter),
        }
    }

    /// A walk of the special bytes of `bytes` from `at` on (the blocks are
    /// found again from `at` when it is not in them).
    #[inline]
    fn walk_from(&mut self, bytes: &[u8], at: usize, delimiter: u8) -> Walk {
        let offset = at.wrapping_sub(self.base);
        match self.blocks.get(offset / 64) {
            Some(&block) => Walk {
                at: at - offset % 64,
                mask: block & (u64::MAX << (offset % 64)),
            },
            None => {
                *self = Self::new(bytes, at, delimiter);
                Walk {
                    at,
                    mask: self.blocks[0],
                }
            }
        }
    }

    /// The bitmask of the block of `bytes` at `at` (a block's start, or
    /// the end of the last block).
    #[inline]
    fn block(&mut self, bytes: &[u8], at: usize, delimiter: u8) -> u64 {
        match self.blocks.get(at.wrapping_sub(self.base) / 64) {
            Some(&block) => block,
            None => {
                *self = Self::new(bytes, at, delimiter);
                self.blocks[0]
            }
        }
    }
}

/// A walk of the special bytes in order: the block at `at` (its bitmask
/// without the bytes walked already).
#[derive(Clone, Copy)]
struct Walk {
    at: usize,
    mask: u64,
}

impl Walk {
    /// The next special byte of `bytes`, walked past; `None` at the end.
    #[inline]
    fn next(&mut self, bytes: &[u8], specials: &mut Specials, delimiter: u8) -> Option<usize> {
        while self.mask == 0 {
            self.at += 64;
            if self.at >= bytes.len() {
                return None;
            }
            self.mask = specials.block(bytes, self.at, delimiter);
        }
        let at = self.at + self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(at)
    }
}

/// The bitmasks of the [`BLOCKS`] blocks of `bytes` from `at` (see
/// [`block_mask`]). Kept out of line, so that the walk that calls it once
/// per 256 bytes stays small.
#[inline(never)]
fn block_masks(bytes: &[u8], at: usize, delimiter: u8) -> [u64; BLOCKS] {
    let mut blocks = [0; BLOCKS];
    let rest = bytes.get(at..).unwrap_or_default();
    match rest.first_chunk::<{ 64 * BLOCKS }>() {
        Some(chunk) => {
            for (mask, block) in blocks.iter_mut().zip(chunk.chunks_exact(64)) {
                *mask = specials_of(block.try_into().unwrap_or(&[0; 64]), delimiter);
            }
        }
        None => {
            for (k, mask) in blocks.iter_mut().enumerate() {
                *mask = block_mask(bytes, at + 64 * k, delimiter);
            }
        }
    }
    blocks
}

/// Bit `i` is set when `bytes[at + i]` is special (the bytes after the
/// end count as not).
#[inline]
fn block_mask(bytes: &[u8], at: usize, delimiter: u8) -> u64 {
    let rest = bytes.get(at..).unwrap_or_default();
    match rest.first_chunk::<64>() {
        Some(block) => specials_of(block, delimiter),
        None => {
            let mut block = [0; 64];
            block[..rest.len()].copy_from_slice(rest);
            specials_of(&block, delimiter) & ((1 << rest.len()) - 1)
        }
    }
}

/// Bit `i` is set when `block[i]` is the delimiter, `"`, `\n` or `\r`:
/// 16 bytes compared at a time (SSE2 on x86-64, NEON on Arm, through the
/// `wide` crate's safe vectors), each comparison's lanes packed into 16 bits.
#[inline]
fn specials_of(block: &[u8; 64], delimiter: u8) -> u64 {
    let targets = [delimiter, b'"', b'\n', b'\r'].map(u8x16::splat);
    let mut mask = 0;
    for (k, lanes) in block.chunks_exact(16).enumerate() {
        let lanes = u8x16::new(lanes.try_into().unwrap_or([0; 16]));
        let hits = targets.iter().fold(u8x16::splat(0), |hits, &target| {
            hits | lanes.simd_eq(target)
        });
        mask |= u64::from(hits.to_bitmask() as u16) << (16 * k);
    }
    mask
}

/// The result of finding the cells of one row in place.
enum Spans {
    /// A row: its bytes are `start..end` of the buffer, its first `cells`
    /// slots are its cells, and the next row is looked for at `used` (after
    /// its line break).
    Row {
        start: usize,
        end: usize,
        used: usize,
        cells: usize,
    },
    /// The row has more cells than there are slots.
    Full,
    /// Only blank lines, then the end of the input.
    End,
    /// The buffer ends inside a row: read more.
    More,
    /// A cell must be unescaped: read the row with [`scan`].
    Copy,
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

    /// Gives at most `step` bytes per read.
    struct Trickle<'a> {
        input: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.input.len());
            buf[..n].copy_from_slice(&self.input[..n]);
            self.input = &self.input[n..];
            Ok(n)
        }
    }

    /// The rows as the scanner's row source gives them (in place or
    /// copied).
    fn in_place<R: Read>(reader: R, delimiter: u8, capacity: usize) -> Vec<Vec<Vec<u8>>> {
        let mut scanner = Scanner::new(reader, delimiter, capacity);
        let mut rows: Vec<Vec<Vec<u8>>> = Vec::new();
        let ended = scanner.rows(|row| {
            match row {
                Row::Raw(raw) => {
                    assert_eq!(raw.text, std::str::from_utf8(raw.bytes).ok());
                    rows.push(
                        raw.spans
                            .iter()
                            .map(|&(a, b)| raw.bytes[a..b].to_vec())
                            .collect(),
                    );
                }
                Row::Record(record) => rows.push(record.iter().map(<[u8]>::to_vec).collect()),
            }
            Ok(true)
        });
        assert!(matches!(ended, Ok(Ended::Input)), "{ended:?}");
        rows
    }

    fn with_scanner(input: &[u8], delimiter: u8, capacity: usize) -> Vec<Vec<Vec<u8>>> {
        let mut scanner = Scanner::new(input, delimiter, capacity);
        let mut out = Vec::new();
        let mut record = ByteRecord::new();
        while scanner.next(&mut record).unwrap() {
            out.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        // Rows in place read the same, whatever the buffer and the reads.
        assert_eq!(in_place(input, delimiter, capacity), out);
        for step in [1, 7] {
            let trickle = Trickle { input, step };
            assert_eq!(in_place(trickle, delimiter, capacity), out);
        }
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

    #[test]
    fn reads_across_blocks_and_buffers() {
        let long = "x".repeat(61);
        let mut texts = Vec::new();
        // A special byte at every place around the edges of the first
        // blocks, in and out of quotes.
        for at in 55..135 {
            let pad = "y".repeat(at);
            texts.push(format!("{pad},b\n{long},\"{long}\"\r\n1,2"));
            texts.push(format!("\"{pad}\",\"q,\"\"\n{long}\"\nz"));
            texts.push(format!("{pad}\"\"x,\"{pad}\r\"\n\r\n,"));
            texts.push(format!("a,\"{pad}\"tail\"\",\"{long}\n"));
            texts.push(format!("é{pad},ü\n\"ß{long}\",{pad}\r"));
        }
        let mut bad = b"ok,\xC3".to_vec();
        bad.extend_from_slice(long.as_bytes());
        bad.extend_from_slice(b"\n\xFF,x\nfine,\xC3\xA9\n");
        for text in texts.iter().map(String::as_bytes).chain([&bad[..]]) {
            let want = with_csv(text, b',');
            for capacity in (1..=64).chain([100, 127, 128, 129, 200, 4096]) {
                assert_eq!(
                    with_scanner(text, b',', capacity),
                    want,
                    "{:?} {capacity}",
                    String::from_utf8_lossy(text)
                );
            }
        }
    }

    #[test]
    fn block_masks_find_every_special_byte() {
        let bytes: Vec<u8> = (0..200u32)
            .map(|i| b"a,\"\n\r;\xC3x"[(i * 7 % 8) as usize])
            .collect();
        for delimiter in [b',', b';', b'\t'] {
            for at in 0..=bytes.len() {
                let want = (0..64).fold(0u64, |mask, i| {
                    let special = bytes
                        .get(at + i)
                        .is_some_and(|&b| matches!(b, b'"' | b'\n' | b'\r') || b == delimiter);
                    mask | (u64::from(special) << i)
                });
                assert_eq!(block_mask(&bytes, at, delimiter), want, "{at}");
            }
        }
    }

    #[test]
    fn walks_find_every_special_byte_in_order() {
        let bytes: Vec<u8> = (0..700u32)
            .map(|i| b"a,\"\n\rbc;"[(i * i % 9 % 8) as usize])
            .collect();
        let want: Vec<usize> = (0..bytes.len())
            .filter(|&i| matches!(bytes[i], b',' | b'"' | b'\n' | b'\r'))
            .collect();
        // One cache of blocks for every walk, from every place in turn (as
        // rows are read), and walks from the start for a fresh one.
        let mut kept = Specials::new(&bytes, 0, b',');
        for at in 0..=bytes.len() {
            let mut fresh = Specials::new(&bytes, at, b',');
            for specials in [&mut kept, &mut fresh] {
                let mut walk = specials.walk_from(&bytes, at, b',');
                let mut got = Vec::new();
                while let Some(p) = walk.next(&bytes, specials, b',') {
                    got.push(p);
                }
                assert_eq!(got, want[want.partition_point(|&p| p < at)..], "{at}");
            }
        }
    }

    #[test]
    fn reads_rows_of_many_cells() {
        let mut text = String::new();
        for cells in [1, 3, 17, 40, 2, 100, 16, 15] {
            text.push_str(&vec!["ab"; cells].join(","));
            text.push('\n');
            text.push_str(&vec!["\"a,b\""; cells].join(","));
            text.push_str("\r\n");
        }
        let want = with_csv(text.as_bytes(), b',');
        for capacity in [1, 7, 64, 4096] {
            assert_eq!(with_scanner(text.as_bytes(), b',', capacity), want);
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

        #[test]
        fn reads_long_cells_as_the_csv_crate_does(
            parts in proptest::collection::vec(
                (
                    0usize..90,
                    proptest::sample::select(vec![b',', b'"', b'\n', b'\r', 0xC3, 0xA9]),
                ),
                0..12,
            ),
            capacity in 1usize..300,
        ) {
            let mut bytes = Vec::new();
            for (run, special) in parts {
                bytes.extend(std::iter::repeat_n(b'a', run));
                bytes.push(special);
            }
            prop_assert_eq!(
                with_scanner(&bytes, b',', capacity),
                with_csv(&bytes, b',')
            );
        }
    }
}
