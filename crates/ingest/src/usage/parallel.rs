//! Reading one usage file on several threads.
//!
//! The file's first part — a JSONL's header line, a CSV export's header row
//! — is read once, as [`read_usage`](super::read_usage) reads it. The rest
//! is cut into byte ranges of a fixed length, each starting at a line: how
//! a file is cut depends on its size and lines alone, never on the number
//! of threads, so states that are merged in file order come out the same on
//! every machine (bounded counts included). The calling thread reads the
//! file once, in order, hashing every byte (so the file's digest is that of
//! the bytes parsed, with no second read that could see other bytes), cuts
//! the data into ranges and queues each for the next thread free to take
//! it; the threads take the ranges in file order and read each into a
//! tally of its own (one range per thread and up to one per thread queued
//! are held at a time: the file is never held whole). The counts of the
//! ranges are then added up in file order. A JSON:API
//! document (or an array) cannot be cut: it is read whole, on the calling
//! thread.
//!
//! The result is the sequential read's: the same source (window, event
//! count, completeness), the same exposures at the same rows, and every
//! event handed to the state of the range it is in, in file order within
//! it. Whenever a range cannot vouch for that, the whole file is read again
//! sequentially, and that read's result — or its error — is returned:
//!
//! * any error in any range (so the error reported is the sequential
//!   read's: the first in the file, with its exact place);
//! * a CSV range whose end falls inside a quoted field (a line break inside
//!   quotes). A range that is not the file's last is read followed by a
//!   marker record; the marker comes back as a record of its own only when
//!   the range ends on a record boundary.
//!
//! CSV ranges are read with a fast scanner that reads what the csv crate
//! reads (see `scan.rs`); JSONL ranges with the sequential line reader.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;

use keyaudit_model::{ContentHasher, EventSink, UsageEvent};

use super::csv_export::{self, Prologue, Table};
use super::detect::{self, Kind};
use super::hashing::Recording;
use super::jsonapi::{self, Top};
use super::jsonl::{self, LinesEnd};
use super::rows::{Ended, RawRow, Record, Row, RowError, RowSource};
use super::scan::Scanner;
use super::{
    Counter, Counts, UsageOptions, UsageRead, WindowRule, finish_jsonl, jsonl_header,
    read_usage_file,
};
use crate::IngestError;

/// How a usage file is read in parallel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParallelOptions {
    /// Threads to read with (1 reads the ranges one after the other, with
    /// the fast CSV scanner).
    pub threads: usize,
    /// The length of a range (the last one takes the rest, so it is up to
    /// twice as long); a file whose data part is shorter is read
    /// sequentially, as one range.
    pub range_bytes: u64,
}

impl Default for ParallelOptions {
    /// Every core; ranges of 8 MiB.
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            range_bytes: 8 << 20,
        }
    }
}

/// How much the reading thread reads at a time, and the buffer each range
/// is scanned through.
const READ_BUFFER: usize = 1 << 18;

/// The most of a file's start kept while its first part is read; a first
/// part longer than this (a huge header) makes the file read sequentially.
const PROLOGUE_KEEP: usize = 1 << 20;

/// What follows the first part of the file.
enum Plan {
    /// JSONL resource lines; the header ends on `line`.
    Jsonl { header: jsonl::Header, line: usize },
    /// CSV data rows.
    Csv(Prologue),
}

/// What one range gave.
struct RangeCounts {
    counts: Counts,
    /// Lines (JSONL) or rows (CSV) read.
    rows: usize,
    truncated: bool,
    clean: bool,
}

/// Reads one usage file on up to `parallel.threads` threads.
///
/// Each range gets a [`tally`](EventSink::tally) of `sink`'s, which is
/// handed the range's events in file order; tallies are
/// [merged](EventSink::merge) in file order, as soon as every range before
/// is done (so only a few exist at a time: memory does not grow with the
/// number of ranges), and the result comes back with the file's
/// [`UsageRead`]. How the file is cut depends only on its size and
/// `parallel`, so the result is the same on every run. Formats, windows,
/// exposures and errors are those of [`read_usage`](super::read_usage);
/// see the module documentation for how ranges are cut and checked.
///
/// ```
/// use keyaudit_ingest::{ParallelOptions, UsageOptions, read_usage_file_parallel};
/// use keyaudit_model::{EventSink, UsageEvent};
///
/// /// Counts ranges and events.
/// struct Count;
///
/// impl EventSink for Count {
///     type Tally = (u64, u64);
///     fn tally(&self) -> (u64, u64) {
///         (1, 0)
///     }
///     fn observe(&self, (_, events): &mut (u64, u64), _: &UsageEvent<'_>) {
///         *events += 1;
///     }
///     fn merge(&self, (ranges, events): &mut (u64, u64), (more, counted): (u64, u64)) {
///         *ranges += more;
///         *events += counted;
///     }
/// }
///
/// let dir = std::env::temp_dir().join(format!("keyaudit-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("activity.csv");
/// let mut text = String::from("Date,User Agent\n");
/// for i in 0..1000 {
///     text.push_str(&format!("2024-03-04 10:{:02}:00,agent-{}\n", i % 60, i % 7));
/// }
/// std::fs::write(&path, text).unwrap();
/// let parallel = ParallelOptions { threads: 3, range_bytes: 1024 };
/// let (read, (ranges, events)) =
///     read_usage_file_parallel(&path, &UsageOptions::default(), &parallel, &Count)?;
/// assert_eq!(read.source.events, 1000);
/// assert_eq!(ranges, 27); // 27 KiB in ranges of 1 KiB, whatever the threads
/// assert_eq!(events, 1000);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), keyaudit_ingest::IngestError>(())
/// ```
pub fn read_usage_file_parallel<S: EventSink>(
    path: &Path,
    options: &UsageOptions,
    parallel: &ParallelOptions,
    sink: &S,
) -> Result<(UsageRead, S::Tally), IngestError> {
    let name = path.display().to_string();
    let sequential = || {
        let mut tally = sink.tally();
        let read = read_usage_file(path, options, |event| sink.observe(&mut tally, event))?;
        Ok((read, tally))
    };
    let io_error = |source| IngestError::Io {
        file: name.clone(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    let len = file.metadata().map_err(io_error)?.len();
    if len < parallel.range_bytes {
        drop(file);
        return sequential();
    }

    // The first part, read as the sequential read does, through a recorder
    // that hashes it and keeps it: the data after the first part is cut into
    // ranges from the bytes read here and on, never read twice.
    let mut first = sink.tally();
    let mut reader = BufReader::with_capacity(1 << 16, Recording::new(&file, PROLOGUE_KEEP));
    let mut counts = Counter::new(&name, options, |event| sink.observe(&mut first, event));
    let start = detect::start(&name, &mut reader)?;
    let (plan, data_start) = match start.kind {
        Kind::Empty => {
            drop(counts);
            return sequential();
        }
        Kind::Text => match csv_export::read_header(&mut reader, start, &mut counts)? {
            None => {
                drop(counts);
                return sequential();
            }
            Some(prologue) => {
                let data_start = prologue.data_start;
                (Plan::Csv(prologue), data_start)
            }
        },
        Kind::Object | Kind::Array => match jsonapi::read(&mut reader, start, &mut counts)? {
            Top::Document => {
                let mut read =
                    counts.finish("jsonapi", WindowRule::given_or_inferred(options), true);
                // What follows the document passes through the recorder too.
                std::io::copy(&mut reader, &mut std::io::sink()).map_err(io_error)?;
                read.source.digest = Some(reader.into_inner().hasher.finish());
                return Ok((read, first));
            }
            Top::Header(raw) => {
                let header = jsonl_header(&name, &raw, options, &mut counts)?;
                (
                    Plan::Jsonl {
                        header,
                        line: raw.end_line,
                    },
                    raw.offset as u64,
                )
            }
        },
    };
    let prologue = counts.into_counts();
    let recording = reader.into_inner();
    let read_so_far = recording.kept.len() as u64;
    if recording.overflow
        || read_so_far < data_start
        || len.saturating_sub(data_start) < parallel.range_bytes
    {
        return sequential();
    }
    let Ok(carried) = usize::try_from(data_start) else {
        return sequential();
    };
    let Recording {
        mut hasher,
        mut kept,
        ..
    } = recording;
    let carry = kept.split_off(carried);
    drop(kept);

    // The prologue handed no event on (a header only): every range gets a
    // state of its own.
    drop(first);
    let stop = AtomicBool::new(false);
    let merged = Mutex::new(Merged {
        next: 0,
        state: None,
        waiting: BTreeMap::new(),
    });
    let workers = parallel.threads.max(1);
    // Up to one range per thread waits to be taken, so that the reading
    // thread reads on while every thread is busy.
    let (send, receive) = std::sync::mpsc::sync_channel::<Range>(workers);
    let receive = Mutex::new(receive);
    // Buffers of ranges read come back to the reading thread for the next
    // ranges: their memory is not handed back and faulted in again.
    let (give_back, recycled) = std::sync::mpsc::channel::<Vec<u8>>();
    let mut cutter = Cutter::new(data_start, len, parallel, carry, recycled);
    let (mut results, produced) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (name, plan, stop, merged, receive) = (&name, &plan, &stop, &merged, &receive);
                let give_back = give_back.clone();
                scope.spawn(move || {
                    let mut done = Vec::new();
                    // Ranges come in file order to whichever thread is free:
                    // a slower core reads fewer of them.
                    loop {
                        let next = match receive.lock() {
                            Ok(receive) => receive.recv(),
                            Err(_) => return done,
                        };
                        let Ok(range) = next else {
                            return done;
                        };
                        if stop.load(Ordering::Relaxed) {
                            // Keep taking ranges so that the reader never
                            // waits on a full queue; they are not read.
                            continue;
                        }
                        let mut tally = sink.tally();
                        let mut counts =
                            Counter::new(name, options, |event| sink.observe(&mut tally, event));
                        counts.stop = Some(stop);
                        let result = read_range(plan, &range, &mut counts);
                        let counted = result.map(|(rows, truncated, clean)| RangeCounts {
                            counts: counts.into_counts(),
                            rows,
                            truncated,
                            clean,
                        });
                        let good = counted.as_ref().is_ok_and(|c| c.clean);
                        done.push((range.index, counted));
                        // The reading thread may be gone already.
                        let _ = give_back.send(range.bytes);
                        if !good {
                            stop.store(true, Ordering::Relaxed);
                            continue;
                        }
                        match merged.lock() {
                            Ok(mut merged) => merged.add(range.index, tally, sink),
                            Err(_) => stop.store(true, Ordering::Relaxed),
                        }
                    }
                })
            })
            .collect();
        // This thread reads the data part once, in order, hashing it, and
        // hands it on range by range.
        let mut produced = Ok(0);
        let mut source = (&file).take(len.saturating_sub(read_so_far));
        loop {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            match cutter.next_range(&mut source, &mut hasher) {
                Ok(Some(range)) => {
                    if send.send(range).is_err() {
                        break;
                    }
                    produced = produced.map(|n| n + 1);
                }
                Ok(None) => break,
                Err(err) => {
                    produced = Err(err);
                    break;
                }
            }
        }
        drop(send);
        let results: Vec<(usize, Result<RangeCounts, IngestError>)> = handles
            .into_iter()
            .flat_map(|handle| match handle.join() {
                Ok(done) => done,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect();
        (results, produced)
    });
    results.sort_by_key(|(i, _)| *i);
    let state = merged.into_inner().ok().and_then(|m| m.state);
    let (Ok(produced), false, Some(state)) = (produced, cutter.more(), state) else {
        // A range failed, the file could not be read to the length it had,
        // or a line was too long to cut at: the sequential read decides.
        return sequential();
    };
    if results.len() != produced {
        return sequential();
    }
    let mut ranges = Vec::with_capacity(produced);
    for (_, counted) in results {
        match counted {
            Ok(counted) if counted.clean => ranges.push(counted),
            // An error, or a range that cannot vouch for its rows: the
            // sequential read decides.
            _ => return sequential(),
        }
    }

    let mut counts = Counter::new(&name, options, |_: &UsageEvent<'_>| {});
    counts.absorb(prologue, 0);
    let (mut row, truncated) = match &plan {
        Plan::Jsonl { header, line } => {
            counts.bounds = Some(header.window);
            (*line, false)
        }
        Plan::Csv(prologue) => (prologue.row, false),
    };
    let mut truncated = truncated;
    for counted in ranges {
        counts.absorb(counted.counts, row);
        row += counted.rows;
        truncated |= counted.truncated;
    }
    let mut read = match &plan {
        Plan::Jsonl { header, .. } => finish_jsonl(counts, header, truncated, options)?,
        Plan::Csv(_) => counts.finish("csv", WindowRule::given_or_inferred(options), true),
    };
    read.source.digest = Some(hasher.finish());
    Ok((read, state))
}

/// The states of the ranges merged so far (in file order), and those
/// waiting for a range before them.
struct Merged<T> {
    /// The next range to merge.
    next: usize,
    /// The ranges before `next`, merged.
    state: Option<T>,
    waiting: BTreeMap<usize, T>,
}

impl<T> Merged<T> {
    /// Range `i` is done: merges it and every range after it that waits.
    fn add<S: EventSink<Tally = T>>(&mut self, i: usize, state: T, sink: &S) {
        self.waiting.insert(i, state);
        while let Some(state) = self.waiting.remove(&self.next) {
            match &mut self.state {
                Some(merged) => sink.merge(merged, state),
                None => self.state = Some(state),
            }
            self.next += 1;
        }
    }
}

/// One range of the data part: its place in the file and its bytes.
struct Range {
    /// Its position among the ranges, from 0.
    index: usize,
    /// Its offset in the file.
    from: u64,
    bytes: Vec<u8>,
    /// Whether it ends the file.
    last: bool,
}

/// Reads one range: returns the rows (or lines) read, whether a last JSONL
/// line was cut short, and whether the range is clean.
fn read_range<F: FnMut(&UsageEvent<'_>)>(
    plan: &Plan,
    range: &Range,
    counter: &mut Counter<'_, F>,
) -> Result<(usize, bool, bool), IngestError> {
    let bytes = range.bytes.as_slice();
    match plan {
        Plan::Jsonl { header, .. } => {
            counter.bounds = Some(header.window);
            let offset = usize::try_from(range.from).unwrap_or(usize::MAX);
            let LinesEnd { truncated, line } =
                jsonl::read_events(&mut { bytes }, 0, offset, counter)?;
            Ok((line, truncated, !counter.stopped()))
        }
        Plan::Csv(prologue) => {
            let (rows, clean) = read_csv_range(bytes, range.last, prologue, counter)?;
            Ok((rows, false, clean))
        }
    }
}

/// Marks the end of a CSV range that is not the file's last: a row of its
/// own when the range ends on a row boundary, swallowed into the last cell
/// when it ends inside a quoted cell (a line break in quotes).
const END_OF_RANGE: &[u8] = b"\0keyaudit:end-of-range\0\n";

/// Reads the data rows of a CSV range with the fast scanner, numbered from
/// 1 in the range: returns the rows read and whether the range is clean
/// (it ends on a row boundary, and the read was not stopped).
fn read_csv_range<F: FnMut(&UsageEvent<'_>)>(
    bytes: &[u8],
    last: bool,
    prologue: &csv_export::Prologue,
    counter: &mut Counter<'_, F>,
) -> Result<(usize, bool), IngestError> {
    let mut table = Table::rows_after(counter.source, prologue);
    // A range that is not the last is read up to the marker that follows
    // it: only a range that ends on a row boundary gives it back as a row
    // of its own.
    let marker = END_OF_RANGE.strip_suffix(b"\n").unwrap_or(END_OF_RANGE);
    let end: &[u8] = if last { &[] } else { END_OF_RANGE };
    let mut scanner = Scanner::new(bytes.chain(end), prologue.delimiter, READ_BUFFER);
    loop {
        let mut stopped = false;
        let ended = scanner.rows(|row| {
            stopped = counter.stopped();
            if stopped || (!last && is_marker(&row, marker)) {
                return Ok(false);
            }
            table.take_row(row, counter)?;
            Ok(true)
        });
        let row = table.rows() + 1;
        match table.ended(ended)? {
            // The end of the last range; or, for another, the marker was
            // swallowed into a quoted cell.
            Ended::Input => return Ok((table.rows(), last)),
            Ended::Asked if stopped => return Ok((table.rows(), false)),
            Ended::Asked => {}
        }
        if scanner
            .at_end()
            .map_err(|e| RowError::from(e).at(counter.source, row))?
        {
            return Ok((table.rows(), true));
        }
        // A row of the range that looks like the marker but is not its end.
        let row = RawRow {
            bytes: marker,
            text: std::str::from_utf8(marker).ok(),
            spans: &[(0, marker.len())],
        };
        table.take_row(Row::Raw(row), counter)?;
    }
}

/// True when `row` is one cell holding exactly `cell`.
fn is_marker(row: &Row<'_>, cell: &[u8]) -> bool {
    match row {
        Row::Raw(raw) => raw.spans.len() == 1 && raw.get(0) == Some(cell),
        Row::Record(record) => record.len() == 1 && record.get(0) == Some(cell),
    }
}

/// Cuts the data part `[data_start, len)` into ranges of about
/// `parallel.range_bytes` that start at a line (the last takes what is
/// left), from the bytes as they are read, once. Where a range ends
/// depends on the file's size and lines alone: the cut after the `i`-th
/// of `count` equal shares is just after the first line end at or after
/// that share's end.
struct Cutter {
    data_start: u64,
    data: u64,
    count: u64,
    /// The next share whose end is to be cut at.
    share: u64,
    /// The offset of the range being filled, and its bytes so far.
    from: u64,
    bytes: Vec<u8>,
    /// How far `bytes` was searched for a line end.
    searched: usize,
    len: u64,
    index: usize,
    /// The longest a range may grow while no line end is found.
    max_range: usize,
    /// The room a range's buffer is made with: a share and one read, so
    /// that filling it never moves the bytes already read.
    capacity: usize,
    /// Buffers of ranges read, to fill again.
    recycled: Receiver<Vec<u8>>,
    done: bool,
}

impl Cutter {
    fn new(
        data_start: u64,
        len: u64,
        parallel: &ParallelOptions,
        carry: Vec<u8>,
        recycled: Receiver<Vec<u8>>,
    ) -> Self {
        let data = len - data_start;
        let range_bytes = parallel.range_bytes.max(1);
        let count = (data / range_bytes).max(1);
        let capacity = usize::try_from(data / count)
            .unwrap_or(usize::MAX)
            .saturating_add(2 * READ_BUFFER);
        let mut bytes = carry;
        bytes.reserve(capacity.saturating_sub(bytes.len()));
        Self {
            data_start,
            data,
            count,
            share: 1,
            from: data_start,
            bytes,
            searched: 0,
            len,
            index: 0,
            max_range: usize::try_from(range_bytes.saturating_mul(4)).unwrap_or(usize::MAX),
            capacity,
            recycled,
            done: false,
        }
    }

    /// True while the data part was not handed on to its end.
    fn more(&self) -> bool {
        !self.done
    }

    /// Reads on (hashing what it reads) until the next range is complete.
    /// `None` at the end of the data part. A range that grows past four
    /// times the range length without a line end to cut at is an error
    /// (`InvalidData`): the caller reads the file sequentially instead.
    fn next_range(
        &mut self,
        source: &mut impl Read,
        hasher: &mut ContentHasher,
    ) -> std::io::Result<Option<Range>> {
        if self.done {
            return Ok(None);
        }
        loop {
            let filled = self.from + self.bytes.len() as u64;
            if self.share < self.count {
                let target = self.data_start + self.data * self.share / self.count;
                let search_from = usize::try_from(target.saturating_sub(self.from))
                    .unwrap_or(usize::MAX)
                    .max(self.searched);
                if search_from < self.bytes.len() {
                    match memchr::memchr(b'\n', &self.bytes[search_from..]) {
                        Some(i) => {
                            let at = search_from + i + 1;
                            self.share += 1;
                            self.searched = 0;
                            if self.from + (at as u64) < self.len {
                                let mut rest = match self.recycled.try_recv() {
                                    Ok(mut spare) => {
                                        spare.clear();
                                        spare.reserve(self.capacity);
                                        spare
                                    }
                                    Err(_) => Vec::with_capacity(self.capacity),
                                };
                                rest.extend_from_slice(&self.bytes[at..]);
                                self.bytes.truncate(at);
                                let bytes = std::mem::replace(&mut self.bytes, rest);
                                let range = self.range(bytes, false);
                                self.from += at as u64;
                                return Ok(Some(range));
                            }
                            continue;
                        }
                        None => self.searched = self.bytes.len(),
                    }
                }
            }
            if filled >= self.len {
                self.done = true;
                let bytes = std::mem::take(&mut self.bytes);
                return Ok(Some(self.range(bytes, true)));
            }
            if self.bytes.len() > self.max_range {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "no line end to cut a range at",
                ));
            }
            let want = usize::try_from(self.len - filled)
                .unwrap_or(usize::MAX)
                .min(READ_BUFFER);
            let at = self.bytes.len();
            // Read into the buffer's spare room, which is not zeroed first.
            let n = source
                .by_ref()
                .take(want as u64)
                .read_to_end(&mut self.bytes)?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the file became shorter while it was read",
                ));
            }
            hasher.update(&self.bytes[at..]);
        }
    }

    fn range(&mut self, bytes: Vec<u8>, last: bool) -> Range {
        let range = Range {
            index: self.index,
            from: self.from,
            bytes,
            last,
        };
        self.index += 1;
        range
    }
}
