//! A fast reader of delimited records for the parallel read of a CSV
//! export: the buffer is read in windows (one per fill), and fields are
//! found from bitmasks of the bytes that may end them, 64 bytes at a time,
//! instead of a byte-at-a-time state machine. Rows come out in place, with
//! their text when the window's UTF-8 check covers them; rows whose cells
//! need unescaping come out as [`csv::ByteRecord`]s, the same records the
//! csv crate gives, so every later step is shared.
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
    /// `bytes` as text; `None` when they are not UTF-8.
    pub text: Option<&'a str>,
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

/// What a window gives next.
pub(crate) enum Next<'a> {
    /// A row.
    Row(Row<'a>),
    /// The input is read to its end.
    End,
    /// The window ends inside a row: [`Scanner::fill`], then take a new
    /// window.
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
    pub(crate) fn window(&mut self) -> Window<'_> {
        let bytes = self.buf.get(..self.end).unwrap_or_default();
        let unread = bytes.get(self.pos..).unwrap_or_default();
        let text = match simdutf8::compat::from_utf8(unread) {
            Ok(text) => text,
            Err(e) => std::str::from_utf8(unread.get(..e.valid_up_to()).unwrap_or_default())
                .unwrap_or_default(),
        };
        Window {
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

    /// Moves the unread bytes to the front and reads more after them.
    pub(crate) fn fill(&mut self) -> io::Result<()> {
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

/// The bytes of a [`Scanner`]'s buffer up to the end of what was read,
/// read row by row from the scanner's position (which it advances).
pub(crate) struct Window<'a> {
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

impl Window<'_> {
    /// Reads the next row: in place when its cells are ranges of its bytes,
    /// else copied.
    pub(crate) fn next_row(&mut self) -> Next<'_> {
        let at = *self.pos;
        match self.find_spans(at) {
            Spans::Row { start, end, used } => {
                *self.pos = at + used;
                let (start, end) = (at + start, at + end);
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
                    spans: self.spans,
                }))
            }
            Spans::End => {
                *self.pos = self.bytes.len();
                Next::End
            }
            Spans::More => Next::More,
            Spans::Copy => {
                let input = self.bytes.get(at..).unwrap_or_default();
                match scan(input, self.eof, self.delimiter, self.record, self.field) {
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

    /// Finds the cells of the row at `at` as ranges of the row, when no
    /// cell needs unescaping.
    fn find_spans(&mut self, at: usize) -> Spans {
        let (input, eof, delimiter) = (self.bytes, self.eof, self.delimiter);
        let n = input.len();
        let spans = &mut *self.spans;
        let specials = &mut self.specials;
        let start = at
            + input
                .get(at..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\r'))
                .count();
        if start == n {
            return if eof { Spans::End } else { Spans::More };
        }
        let row = |start: usize, end: usize, used: usize| Spans::Row {
            start: start - at,
            end: end - at,
            used: used - at,
        };
        spans.clear();
        let mut i = start;
        loop {
            if i == n {
                if !eof {
                    return Spans::More;
                }
                spans.push((i - start, i - start));
                return row(start, n, n);
            }
            if input[i] == b'"' {
                // The closing quote: the next special byte that is a quote.
                let mut from = i + 1;
                let q = loop {
                    match specials.find(input, from, delimiter) {
                        Some(q) if input[q] == b'"' => break q,
                        Some(p) => from = p + 1,
                        None => return if eof { Spans::Copy } else { Spans::More },
                    }
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
                // The cell's end: the next special byte that is not a
                // quote (a quote inside a cell is text).
                let mut from = i;
                let p = loop {
                    match specials.find(input, from, delimiter) {
                        Some(p) if input[p] == b'"' => from = p + 1,
                        found => break found,
                    }
                };
                match p {
                    Some(p) => {
                        spans.push((i - start, p - start));
                        i = p;
                    }
                    None => {
                        if !eof {
                            return Spans::More;
                        }
                        spans.push((i - start, n - start));
                        return row(start, n, n);
                    }
                }
            }
            match input.get(i) {
                None => return row(start, n, n),
                Some(&b) if b == delimiter => i += 1,
                Some(b'\n') => return row(start, i, i + 1),
                Some(_) => {
                    let used = match input.get(i + 1) {
                        Some(b'\n') => i + 2,
                        Some(_) => i + 1,
                        None if eof => i + 1,
                        None => return Spans::More,
                    };
                    return row(start, i, used);
                }
            }
        }
    }
}

/// Finds the bytes that may end a field (the delimiter, `"`, `\n`, `\r`)
/// one block of 64 bytes at a time: the block at `base` as a bitmask.
struct Specials {
    base: usize,
    mask: u64,
}

impl Specials {
    /// The block of `bytes` at `at`.
    fn new(bytes: &[u8], at: usize, delimiter: u8) -> Self {
        Self {
            base: at,
            mask: block_mask(bytes, at, delimiter),
        }
    }

    /// The first special byte of `bytes` at or after `from`.
    #[inline]
    fn find(&mut self, bytes: &[u8], from: usize, delimiter: u8) -> Option<usize> {
        let mut at = from;
        loop {
            let offset = at.wrapping_sub(self.base);
            if offset < 64 {
                let mask = self.mask >> offset;
                if mask != 0 {
                    return Some(at + mask.trailing_zeros() as usize);
                }
                at = self.base + 64;
            }
            if at >= bytes.len() {
                return None;
            }
            self.base = at;
            self.mask = block_mask(bytes, at, delimiter);
        }
    }
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

/// Bit `i` is set when `block[i]` is the delimiter, `"`, `\n` or `\r`.
/// Written so that the compiler compares 16 bytes at a time and packs the
/// results 8 bytes per multiplication (each 0-or-1 byte lands on its own
/// bit of the top byte).
#[inline]
fn specials_of(block: &[u8; 64], delimiter: u8) -> u64 {
    let mut flags = [0u8; 64];
    for (flag, &b) in flags.iter_mut().zip(block) {
        *flag = u8::from((b == delimiter) | (b == b'"') | (b == b'\n') | (b == b'\r'));
    }
    let mut mask = 0;
    for (k, word) in flags.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        mask |= (word.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    mask
}

/// The result of finding the cells of one row in place.
enum Spans {
    /// A row: its bytes are `start..end` from where it was looked for;
    /// `used` bytes are read (blank lines before it and its line break
    /// included).
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

    /// The rows as windows give them (in place or copied).
    fn in_windows<R: Read>(reader: R, delimiter: u8, capacity: usize) -> Vec<Vec<Vec<u8>>> {
        let mut scanner = Scanner::new(reader, delimiter, capacity);
        let mut rows: Vec<Vec<Vec<u8>>> = Vec::new();
        loop {
            let mut window = scanner.window();
            loop {
                match window.next_row() {
                    Next::Row(Row::Raw(raw)) => {
                        assert_eq!(raw.text, std::str::from_utf8(raw.bytes).ok());
                        rows.push(
                            raw.spans
                                .iter()
                                .map(|&(a, b)| raw.bytes[a..b].to_vec())
                                .collect(),
                        );
                    }
                    Next::Row(Row::Record(record)) => {
                        rows.push(record.iter().map(<[u8]>::to_vec).collect());
                    }
                    Next::End => return rows,
                    Next::More => break,
                }
            }
            scanner.fill().unwrap();
        }
    }

    fn with_scanner(input: &[u8], delimiter: u8, capacity: usize) -> Vec<Vec<Vec<u8>>> {
        let mut scanner = Scanner::new(input, delimiter, capacity);
        let mut out = Vec::new();
        let mut record = ByteRecord::new();
        while scanner.next(&mut record).unwrap() {
            out.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        // Rows in place read the same, whatever the buffer and the reads.
        assert_eq!(in_windows(input, delimiter, capacity), out);
        for step in [1, 7] {
            let trickle = Trickle { input, step };
            assert_eq!(in_windows(trickle, delimiter, capacity), out);
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
