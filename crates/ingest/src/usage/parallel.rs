//! Reading one usage file on several threads.
//!
//! The file's first part — a JSONL's header line, a CSV export's header row
//! — is read once, as [`read_usage`](super::read_usage) reads it. The rest
//! is cut into byte ranges of a fixed length, each starting at a line: how
//! a file is cut depends on its size and lines alone, never on the number
//! of threads, so states that are merged in file order come out the same on
//! every machine (bounded counts included). The threads take the ranges in
//! file order as they get free, and read each through a bounded buffer (the
//! file is never held in memory) into a state of its own; the counts of the
//! ranges are then added up in file order. A JSON:API document (or an
//! array) cannot be cut: it is read whole, on the calling thread.
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
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use keyaudit_model::UsageEvent;

use super::csv_export::{self, Prologue};
use super::detect::{self, Kind};
use super::jsonapi::{self, Top};
use super::jsonl::{self, LinesEnd};
use super::{
    Counts, Sink, UsageOptions, UsageRead, WindowRule, finish_jsonl, jsonl_header, read_usage_file,
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

/// The buffer each range is read through.
const CHUNK_BUFFER: usize = 1 << 18;

/// What follows the first part of the file.
enum Plan {
    /// JSONL resource lines; the header ends on `line`.
    Jsonl { header: jsonl::Header, line: usize },
    /// CSV data rows.
    Csv(Prologue),
}

/// What one range gave.
struct Chunk {
    counts: Counts,
    /// Lines (JSONL) or rows (CSV) read.
    rows: usize,
    truncated: bool,
    clean: bool,
}

/// Reads one usage file on up to `parallel.threads` threads.
///
/// `make_state` makes the state of one range; `observe` hands it each
/// event of that range; `merge` adds a range's state to the states of the
/// ranges before it. States are merged in file order, as soon as every
/// range before is done (so only a few exist at a time: memory does not
/// grow with the number of ranges), and the result comes back with the
/// file's [`UsageRead`]. How the file is cut depends only on its size and
/// `parallel`, so the result is the same on every run. Formats, windows,
/// exposures and errors are those of [`read_usage`](super::read_usage);
/// see the module documentation for how ranges are cut and checked.
///
/// ```
/// use keyaudit_ingest::{ParallelOptions, UsageOptions, read_usage_file_parallel};
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
/// let (read, (ranges, events)) = read_usage_file_parallel(
///     &path,
///     &UsageOptions::default(),
///     &parallel,
///     || (1, 0u64),
///     |(_, events), _event| *events += 1,
///     |(ranges, events), (more, counted)| {
///         *ranges += more;
///         *events += counted;
///     },
/// )?;
/// assert_eq!(read.source.events, 1000);
/// assert_eq!(ranges, 27); // 27 KiB in ranges of 1 KiB, whatever the threads
/// assert_eq!(events, 1000);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), keyaudit_ingest::IngestError>(())
/// ```
pub fn read_usage_file_parallel<T, M, O, G>(
    path: &Path,
    options: &UsageOptions,
    parallel: &ParallelOptions,
    make_state: M,
    observe: O,
    merge: G,
) -> Result<(UsageRead, T), IngestError>
where
    T: Send,
    M: Fn() -> T + Sync,
    O: Fn(&mut T, &UsageEvent<'_>) + Sync,
    G: Fn(&mut T, T) + Sync,
{
    let name = path.display().to_string();
    let sequential = || {
        let mut state = make_state();
        let read = read_usage_file(path, options, |event| observe(&mut state, event))?;
        Ok((read, state))
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

    // The first part, read as the sequential read does.
    let mut first = make_state();
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut sink = Sink::new(&name, options, |event| observe(&mut first, event));
    let start = detect::start(&name, &mut reader)?;
    let (plan, data_start) = match start.kind {
        Kind::Empty => {
            drop(sink);
            return sequential();
        }
        Kind::Text => match csv_export::read_header(&mut reader, start, &mut sink)? {
            None => {
                drop(sink);
                return sequential();
            }
            Some(prologue) => {
                let data_start = prologue.data_start;
                (Plan::Csv(prologue), data_start)
            }
        },
        Kind::Object | Kind::Array => match jsonapi::read(&mut reader, start, &mut sink)? {
            Top::Document => {
                let read = sink.finish("jsonapi", WindowRule::given_or_inferred(options), true);
                return Ok((read, first));
            }
            Top::Header(raw) => {
                let header = jsonl_header(&name, &raw, options, &mut sink)?;
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
    let prologue = sink.into_counts();
    drop(reader);
    if len.saturating_sub(data_start) < parallel.range_bytes {
        return sequential();
    }

    // The prologue handed no event on (a header only): every range gets a
    // state of its own.
    drop(first);
    let bounds = ranges(path, data_start, len, parallel).map_err(io_error)?;
    let stop = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let merged = Mutex::new(Merged {
        next: 0,
        state: None,
        waiting: BTreeMap::new(),
    });
    let workers = parallel.threads.clamp(1, bounds.len());
    let mut results: Vec<(usize, Result<Chunk, IngestError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (name, plan, stop, next, merged) = (&name, &plan, &stop, &next, &merged);
                let (bounds, make_state, observe, merge) = (&bounds, &make_state, &observe, &merge);
                scope.spawn(move || {
                    let mut done = Vec::new();
                    // Ranges are taken in file order by whichever thread is
                    // free: a slower core reads fewer of them.
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(from, to)) = bounds.get(i) else {
                            return done;
                        };
                        let mut state = make_state();
                        let mut sink = Sink::new(name, options, |event| observe(&mut state, event));
                        sink.stop = Some(stop);
                        let last = i + 1 == bounds.len();
                        let result = read_range(path, plan, from, to, last, &mut sink);
                        let chunk = result.map(|(rows, truncated, clean)| Chunk {
                            counts: sink.into_counts(),
                            rows,
                            truncated,
                            clean,
                        });
                        let good = chunk.as_ref().is_ok_and(|c| c.clean);
                        done.push((i, chunk));
                        if !good {
                            stop.store(true, Ordering::Relaxed);
                            return done;
                        }
                        match merged.lock() {
                            Ok(mut merged) => merged.add(i, state, merge),
                            Err(_) => {
                                stop.store(true, Ordering::Relaxed);
                                return done;
                            }
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| match handle.join() {
                Ok(done) => done,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    let state = merged.into_inner().ok().and_then(|m| m.state);
    let (true, Some(state)) = (results.len() == bounds.len(), state) else {
        // A range failed and the others stopped: the sequential read decides.
        return sequential();
    };
    let mut chunks = Vec::with_capacity(bounds.len());
    for (_, chunk) in results {
        match chunk {
            Ok(chunk) if chunk.clean => chunks.push(chunk),
            // An error, or a range that cannot vouch for its rows: the
            // sequential read decides.
            _ => return sequential(),
        }
    }

    let mut sink = Sink::new(&name, options, |_: &UsageEvent<'_>| {});
    sink.absorb(prologue, 0);
    let (mut row, truncated) = match &plan {
        Plan::Jsonl { header, line } => {
            sink.bounds = Some(header.window);
            (*line, false)
        }
        Plan::Csv(prologue) => (prologue.row, false),
    };
    let mut truncated = truncated;
    for chunk in chunks {
        sink.absorb(chunk.counts, row);
        row += chunk.rows;
        truncated |= chunk.truncated;
    }
    let read = match &plan {
        Plan::Jsonl { header, .. } => finish_jsonl(sink, header, truncated, options)?,
        Plan::Csv(_) => sink.finish("csv", WindowRule::given_or_inferred(options), true),
    };
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
    fn add(&mut self, i: usize, state: T, merge: &impl Fn(&mut T, T)) {
        self.waiting.insert(i, state);
        while let Some(state) = self.waiting.remove(&self.next) {
            match &mut self.state {
                Some(merged) => merge(merged, state),
                None => self.state = Some(state),
            }
            self.next += 1;
        }
    }
}

/// Reads the data between `from` and `to`: returns the rows (or lines)
/// read, whether a last JSONL line was cut short, and whether the range is
/// clean.
fn read_range<F: FnMut(&UsageEvent<'_>)>(
    path: &Path,
    plan: &Plan,
    from: u64,
    to: u64,
    last: bool,
    sink: &mut Sink<'_, F>,
) -> Result<(usize, bool, bool), IngestError> {
    let io_error = |source| IngestError::Io {
        file: sink.source.to_string(),
        source,
    };
    let mut file = File::open(path).map_err(io_error)?;
    file.seek(SeekFrom::Start(from)).map_err(io_error)?;
    let range = file.take(to - from);
    match plan {
        Plan::Jsonl { header, .. } => {
            sink.bounds = Some(header.window);
            let mut reader = BufReader::with_capacity(CHUNK_BUFFER, range);
            let offset = usize::try_from(from).unwrap_or(usize::MAX);
            let LinesEnd { truncated, line } = jsonl::read_events(&mut reader, 0, offset, sink)?;
            Ok((line, truncated, !sink.stopped()))
        }
        Plan::Csv(prologue) => {
            let end = if last {
                csv_export::read_chunk(range, prologue, false, sink)?
            } else {
                csv_export::read_chunk(range.chain(csv_export::SENTINEL), prologue, true, sink)?
            };
            Ok((end.rows, false, end.clean))
        }
    }
}

/// Cuts `[data_start, len)` into ranges of `parallel.range_bytes` that
/// start at a line (the last takes what is left). Many ranges per thread:
/// a thread that is done takes the next one, so a core slowed by something
/// else reads less.
fn ranges(
    path: &Path,
    data_start: u64,
    len: u64,
    parallel: &ParallelOptions,
) -> std::io::Result<Vec<(u64, u64)>> {
    let data = len - data_start;
    let count = (data / parallel.range_bytes.max(1)).max(1);
    let mut file = File::open(path)?;
    let mut starts = vec![data_start];
    for i in 1..count {
        let target = data_start + data * i / count;
        let at = line_after(&mut file, target.max(*starts.last().unwrap_or(&0)), len)?;
        if at < len && at > *starts.last().unwrap_or(&0) {
            starts.push(at);
        }
    }
    let mut bounds: Vec<(u64, u64)> = starts.windows(2).map(|w| (w[0], w[1])).collect();
    bounds.push((*starts.last().unwrap_or(&data_start), len));
    Ok(bounds)
}

/// The offset just after the first `\n` at or after `from` (`len` when
/// there is none).
fn line_after(file: &mut File, from: u64, len: u64) -> std::io::Result<u64> {
    file.seek(SeekFrom::Start(from))?;
    let mut buf = [0u8; 8192];
    let mut at = from;
    while at < len {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(at + i as u64 + 1);
        }
        at += n as u64;
    }
    Ok(len)
}
