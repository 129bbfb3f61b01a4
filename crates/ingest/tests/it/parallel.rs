//! The parallel read of a usage file equals the sequential read: the same
//! source, exposures and window, every event in the same order (ranges in
//! file order), and the same error; for JSONL and CSV, LF and CRLF, quoted
//! fields holding line breaks at range boundaries, keys in cells, and every
//! number of threads; and the same digest, that of the whole file.

// `IngestError` is large by design (see the crate root).
#![allow(clippy::result_large_err)]

use std::path::Path;

use keyaudit_ingest::{
    IngestError, ParallelOptions, UsageOptions, UsageRead, read_usage_file,
    read_usage_file_parallel,
};
use keyaudit_model::{ContentDigest, EventSink, UsageEvent};
use proptest::prelude::*;

const KEY: &str = "ITG.0a1b2c3d4e5f60718293a4b5c6d7e8f9.S3cr3tV4lu3XyZq9";

/// An event as text, to compare reads.
fn own(e: &UsageEvent<'_>) -> String {
    let s = |v: &Option<std::borrow::Cow<'_, str>>| v.as_deref().unwrap_or("-").to_string();
    format!(
        "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
        e.created_at,
        s(&e.id),
        s(&e.user_id),
        s(&e.actor),
        s(&e.action),
        s(&e.resource_type),
        s(&e.resource_name),
        s(&e.organization),
        s(&e.ip_address),
        s(&e.user_agent)
    )
}

type Read = Result<(UsageRead, Vec<String>), String>;

fn sequential(path: &Path, options: &UsageOptions) -> Read {
    let mut events = Vec::new();
    read_usage_file(path, options, |e| events.push(own(e)))
        .map(|read| (read, events))
        .map_err(|e: IngestError| e.to_string())
}

fn parallel(path: &Path, options: &UsageOptions, threads: usize, range_bytes: u64) -> Read {
    let parallel = ParallelOptions {
        threads,
        range_bytes,
    };
    read_usage_file_parallel(path, options, &parallel, &Collect).map_err(|e| e.to_string())
}

/// Keeps every event, in order.
struct Collect;

impl EventSink for Collect {
    type Tally = Vec<String>;
    fn tally(&self) -> Vec<String> {
        Vec::new()
    }
    fn observe(&self, events: &mut Vec<String>, event: &UsageEvent<'_>) {
        events.push(own(event));
    }
    fn merge(&self, events: &mut Vec<String>, more: Vec<String>) {
        events.extend(more);
    }
}

/// Counts the ranges read.
struct Ranges;

impl EventSink for Ranges {
    type Tally = usize;
    fn tally(&self) -> usize {
        1
    }
    fn observe(&self, _: &mut usize, _: &UsageEvent<'_>) {}
    fn merge(&self, ranges: &mut usize, more: usize) {
        *ranges += more;
    }
}

/// How many ranges a read with 3 threads used.
fn ranges(text: &str) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.txt");
    std::fs::write(&path, text).unwrap();
    let parallel = ParallelOptions {
        threads: 3,
        range_bytes: 40,
    };
    read_usage_file_parallel(&path, &UsageOptions::default(), &parallel, &Ranges)
        .map_or(0, |(_, ranges)| ranges)
}

/// Writes `text` and checks every thread count and chunk size against the
/// sequential read.
fn same(text: &str, options: &UsageOptions) -> Read {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.txt");
    std::fs::write(&path, text).unwrap();
    let want = sequential(&path, options);
    if let Ok((read, _)) = &want {
        // Every read hashes the bytes it parsed: the whole file.
        assert_eq!(
            read.source.digest,
            Some(ContentDigest::of(text.as_bytes())),
            "{text:?}"
        );
    }
    for threads in [1, 2, 3, 7] {
        for range_bytes in [1, 40, 1000] {
            let got = parallel(&path, options, threads, range_bytes);
            assert_eq!(
                got, want,
                "threads {threads}, chunks of {range_bytes}: {text:?}"
            );
        }
    }
    want
}

fn header(events: usize, complete: bool) -> String {
    format!(
        "{{\"schema\":\"keyaudit.usage/v1\",\"window\":{{\"start\":\"2024-03-01T00:00:00Z\",\
         \"end\":\"2024-03-08T00:00:00Z\"}},\"complete\":{complete},\"events\":{events}}}\n"
    )
}

fn jsonl_line(i: usize, agent: &str) -> String {
    format!(
        "{{\"id\":\"{i}\",\"type\":\"logs\",\"attributes\":{{\"created-at\":\"2024-03-0{}T10:{:02}:00Z\",\
         \"user-id\":{},\"ip-address\":\"10.0.0.{}\",\"user-agent\":\"{agent}\"}}}}\n",
        1 + i % 9,
        i % 60,
        4000 + i % 3,
        i % 250
    )
}

#[test]
fn jsonl_equals_the_sequential_read() {
    let mut text = header(60, true);
    for i in 0..60 {
        let agent = match i % 13 {
            0 => format!("leaked {KEY}"),
            1 => "Quote \\\"q\\\" \\u00e9".to_string(),
            _ => format!("agent-{}", i % 5),
        };
        text.push_str(&jsonl_line(i, &agent));
        if i % 17 == 0 {
            text.push_str("   \r\n");
        }
    }
    let (read, events) = same(&text, &UsageOptions::default()).unwrap();
    assert_eq!(read.source.events, 60);
    assert_eq!(events.len(), 60);
    assert!(!read.exposures.is_empty());
    assert!(ranges(&text) > 3, "read in ranges");
    // The same with CRLF line ends.
    let crlf = text.replace('\n', "\r\n");
    assert_eq!(same(&crlf, &UsageOptions::default()).unwrap().1, events);
}

#[test]
fn jsonl_errors_are_the_first_in_the_file() {
    let mut text = header(40, true);
    for i in 0..40 {
        if i == 25 || i == 33 {
            text.push_str(
                "{\"id\":\"x\",\"type\":\"logs\",\"attributes\":{\"created-at\":\"nope\"}}\n",
            );
        } else {
            text.push_str(&jsonl_line(i, "a"));
        }
    }
    let err = same(&text, &UsageOptions::default()).unwrap_err();
    assert!(err.contains(":27"), "{err}");
    // A count that differs from the header's, and a cut last line.
    let mut short = header(41, true);
    (0..40).for_each(|i| short.push_str(&jsonl_line(i, "a")));
    assert!(same(&short, &UsageOptions::default()).is_err());
    let partial = UsageOptions {
        allow_partial: true,
        ..UsageOptions::default()
    };
    short.push_str("{\"id\":\"9\",\"type\":\"lo");
    let (read, events) = same(&short, &partial).unwrap();
    assert!(!read.source.complete);
    assert_eq!(events.len(), 40);
}

fn csv_rows(rows: usize, crlf: bool, quoted_breaks: bool) -> String {
    let end = if crlf { "\r\n" } else { "\n" };
    let mut text = format!("\u{feff}\n  \nDate,User,Resource Name,IP Address,User Agent{end}");
    for i in 0..rows {
        let name = match i % 7 {
            0 if quoted_breaks => format!("\"Runbook {i}\nstep 2{end}step 3\""),
            1 => format!("\"Smith, Jones {i}\""),
            2 => format!("\"say \"\"hi\"\" {i}\""),
            3 if i % 21 == 3 => format!("token {KEY}"),
            _ => format!("Doc {i}"),
        };
        text.push_str(&format!(
            "03/0{}/2024 {:02}:{:02} PM,Bot {},{name},10.1.0.{},Agent/{}{end}",
            1 + i % 9,
            1 + i % 12,
            i % 60,
            i % 4,
            i % 250,
            i % 3
        ));
        if i % 19 == 0 {
            text.push_str(end);
        }
    }
    text
}

#[test]
fn csv_equals_the_sequential_read() {
    for crlf in [false, true] {
        for quoted_breaks in [false, true] {
            let text = csv_rows(80, crlf, quoted_breaks);
            let (read, events) = same(&text, &UsageOptions::default()).unwrap();
            assert_eq!(read.source.events, 80);
            assert_eq!(events.len(), 80);
            assert!(!read.exposures.is_empty());
            if !quoted_breaks {
                assert!(ranges(&text) > 3, "read in ranges");
            }
        }
    }
}

#[test]
fn csv_errors_are_the_first_in_the_file() {
    let mut text = csv_rows(60, false, true);
    text.push_str("yesterday,Bot,Doc,10.0.0.1,A\n");
    text = text.replacen("03/05/2024", "13/45/2024", 1);
    let err = same(&text, &UsageOptions::default()).unwrap_err();
    assert!(err.contains("13/45/2024"), "{err}");
}

#[test]
fn documents_are_read_whole() {
    let text = format!("{{\"data\":[{}]}}", jsonl_line(1, "a").trim_end());
    let (read, events) = same(&text, &UsageOptions::default()).unwrap();
    assert_eq!(read.source.format, "jsonapi");
    assert_eq!(events.len(), 1);
    assert!(same("", &UsageOptions::default()).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_csv_reads_the_same(
        cells in proptest::collection::vec(
            proptest::sample::select(vec![
                "03/04/2024 10:00", "2024-03-05 11:00", "x", "\"a,b\"", "\"l1\nl2\"", "\"q\"\"q\"",
                "", " ", "\"open", "ITG.0a1b2c3d4e5f60718293a4b5c6d7e8f9.k1", "é",
            ]),
            0..60,
        ),
        breaks in proptest::collection::vec(any::<bool>(), 60),
        crlf in any::<bool>(),
        threads in 1usize..5,
        range_bytes in 1u64..64,
    ) {
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = format!("Date,Agent{end}");
        for (i, cell) in cells.iter().enumerate() {
            text.push_str(cell);
            text.push_str(if breaks[i] { end } else { "," });
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("usage.csv");
        std::fs::write(&path, &text).unwrap();
        let options = UsageOptions::default();
        prop_assert_eq!(
            parallel(&path, &options, threads, range_bytes),
            sequential(&path, &options)
        );
    }
}

/// Reads `text` sequentially and in parallel (ranges of 64 KiB, so the
/// data rows go through the fast scanner): both must fail with the same
/// error, within seconds.
fn refused(text: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("activity.csv");
    std::fs::write(&path, text).unwrap();
    let start = std::time::Instant::now();
    let options = UsageOptions::default();
    let want = sequential(&path, &options).expect_err("refused");
    for threads in [1, 3] {
        let got = parallel(&path, &options, threads, 1 << 16);
        assert_eq!(got, Err(want.clone()), "threads {threads}");
    }
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
    want.replace(&format!("{}/", dir.path().display()), "")
}

/// A CSV export: 5,000 ordinary rows, then `row`, then `after` more.
fn export_with(row: &[u8], after: usize) -> Vec<u8> {
    let mut text = b"Date,User Agent,Action\n".to_vec();
    for i in 0..5000 {
        text.extend(format!("2024-03-04 10:{:02}:00,agent-{},view\n", i % 60, i % 7).bytes());
    }
    text.extend(row);
    text.push(b'\n');
    text.extend(b"2024-03-04 11:00:00,agent-x,view\n".repeat(after));
    text
}

#[test]
fn hostile_rows_stop_at_the_limits_in_every_read() {
    const LIMIT: &str = "(a limit keyaudit holds every file to: is this the right file?)";
    // A header of 20 MiB of commas.
    let mut header = b"Date".to_vec();
    header.extend(std::iter::repeat_n(b',', 20 << 20));
    header.extend(b"\n2024-03-04 10:00:00\n");
    assert_eq!(
        refused(&header),
        format!(
            "activity.csv:1: found a row longer than 1 MiB; expected at most 1 MiB \
             (1048576 bytes) per row {LIMIT}"
        )
    );
    // A data row of 1,001 cells, and one of 500,000 (deep in a range).
    let wide = format!("2024-03-04 10:00:00,agent{}", ",x".repeat(999));
    assert_eq!(
        refused(&export_with(wide.as_bytes(), 1000)),
        format!(
            "activity.csv:5002: found a row of 1001 cells; expected at most 1000 columns \
             per row {LIMIT}"
        )
    );
    let wider = format!("2024-03-04 10:00:00,agent{}", ",".repeat(500_000));
    assert!(refused(&export_with(wider.as_bytes(), 1000)).starts_with(
        "activity.csv:5002: found a row of 500002 cells; expected at most 1000 columns"
    ));
    // A row of 3 MiB, and a quote left open that makes the 2 MiB after it
    // one row.
    let long = format!("2024-03-04 10:00:00,{},view", "a".repeat(3 << 20));
    let open = "2024-03-04 10:00:00,\"open,view".to_string();
    for (row, after) in [(long, 1000), (open, 60_000)] {
        let message = refused(&export_with(row.as_bytes(), after));
        assert!(
            message.starts_with("activity.csv:5002: found a row longer than 1 MiB"),
            "{message}"
        );
    }
    // Rows up to the limit are read.
    let big = format!("2024-03-04 10:00:00,{},view", "a".repeat((1 << 20) - 100));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("activity.csv");
    std::fs::write(&path, export_with(big.as_bytes(), 1000)).unwrap();
    let want = sequential(&path, &UsageOptions::default()).unwrap();
    assert_eq!(want.0.source.events, 6001);
    assert_eq!(
        parallel(&path, &UsageOptions::default(), 3, 1 << 16),
        Ok(want)
    );
}

/// A row that reads like the parallel read's end-of-range marker is data,
/// wherever a range ends: the error it gives is the sequential read's.
#[test]
fn a_row_like_the_end_of_range_marker_is_data() {
    let mut text = String::from("User Agent,Date\n");
    for i in 0..30 {
        text.push_str(&format!("agent-{i},2024-03-04 10:{:02}:00\n", i % 60));
    }
    text.push_str("\0keyaudit:end-of-range\0\n");
    text.push_str("agent-x,2024-03-04 11:00:00\n");
    let err = same(&text, &UsageOptions::default()).unwrap_err();
    assert!(err.contains("usage.txt:32, column \"Date\""), "{err}");
}
