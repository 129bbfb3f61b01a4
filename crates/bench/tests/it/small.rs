//! The benchmark path at a small size, without timing assertions: the
//! generator, the raw reads, the parallel read with attribution (equal to
//! the sequential read and to the generator's truth), and — when the
//! keyaudit binary is built — `keyaudit-bench generate` and `run` end to
//! end.

use std::path::{Path, PathBuf};
use std::process::Command;

use keyaudit_bench::generate::{Dataset, Files, Format, World, rfc3339};
use keyaudit_bench::raw;
use keyaudit_engine::{Attribution, MAX_DISTINCT_VALUES, UsageTally};
use keyaudit_ingest::{
    ParallelOptions, UsageOptions, UsageRead, read_usage_file, read_usage_file_parallel,
};
use keyaudit_model::{EventSink, UsageEvent};

const EVENTS: u64 = 20_000;

fn generate(dir: &Path, format: Format, crlf: bool, multiline: bool) -> Files {
    Dataset {
        keys: 200,
        events: EVENTS,
        format,
        crlf,
        multiline,
        leak_every: 4_999,
        ..Dataset::default()
    }
    .write(dir)
    .unwrap()
}

fn sequential(attribution: &Attribution, path: &Path) -> (UsageRead, UsageTally) {
    let mut tally = attribution.tally();
    let read = read_usage_file(path, &UsageOptions::default(), |e| {
        attribution.observe(&mut tally, e)
    })
    .unwrap();
    (read, tally)
}

fn parallel(attribution: &Attribution, path: &Path, threads: usize) -> (UsageRead, UsageTally) {
    let options = ParallelOptions {
        threads,
        range_bytes: 64 * 1024,
    };
    let (read, (ranges, tally)) = read_usage_file_parallel(
        path,
        &UsageOptions::default(),
        &options,
        &Ranges(attribution),
    )
    .unwrap();
    assert!(ranges >= threads, "the file was cut in ranges");
    (read, tally)
}

/// Attributes events and counts the ranges read.
struct Ranges<'a>(&'a Attribution);

impl EventSink for Ranges<'_> {
    type Tally = (usize, UsageTally);
    fn tally(&self) -> Self::Tally {
        (1, self.0.tally())
    }
    fn observe(&self, (_, tally): &mut Self::Tally, event: &UsageEvent<'_>) {
        self.0.observe(tally, event);
    }
    fn merge(&self, (ranges, tally): &mut Self::Tally, (more, other): Self::Tally) {
        *ranges += more;
        self.0.merge(tally, other);
    }
}

#[test]
fn parallel_reads_equal_sequential_reads_and_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    for (name, format, crlf, multiline) in [
        ("jsonl", Format::Jsonl, false, false),
        ("csv", Format::Csv, false, false),
        ("csv-crlf", Format::Csv, true, false),
        ("csv-multiline", Format::Csv, true, true),
    ] {
        let files = generate(&dir.path().join(name), format, crlf, multiline);
        let truth = &files.truth;
        let raw = match format {
            Format::Jsonl => raw::jsonl(&files.activity).unwrap(),
            Format::Csv => raw::csv(&files.activity).unwrap(),
        };
        assert_eq!(raw.records, EVENTS, "{name}");

        let attribution = World::new(Dataset::default().seed, 200)
            .attribution()
            .unwrap();
        let (read, tally) = sequential(&attribution, &files.activity);
        assert_eq!(read.source.events, EVENTS, "{name}");
        assert_eq!(
            read.exposures.len() as u64,
            truth.leaks,
            "{name}: each leak is another key"
        );
        for threads in [1, 2, 3] {
            let (p_read, p_tally) = parallel(&attribution, &files.activity, threads);
            assert_eq!(p_read, read, "{name}, {threads} threads");
            assert_eq!(p_tally, tally, "{name}, {threads} threads");
        }
        assert_eq!(
            (tally.events(), tally.attributed(), tally.unattributed()),
            (truth.events, truth.attributed, truth.unattributed),
            "{name}"
        );
        for (i, key) in truth.keys.iter().enumerate() {
            let activity = tally.key_activity(i);
            truth
                .check_key(
                    key,
                    activity.events,
                    activity.password_events,
                    activity.last_event_at.map(rfc3339),
                )
                .unwrap();
        }
    }
}

#[test]
fn counts_past_the_cap_on_distinct_values_are_the_same_on_any_number_of_threads() {
    // Three times as many distinct unattributed user agents and addresses
    // as a tally keeps, with counts of 1 to 3.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("activity.csv");
    let distinct = 3 * MAX_DISTINCT_VALUES;
    let mut text = String::from("Date,User Agent,IP Address\n");
    for i in 0..2 * distinct {
        let v = (i * 7_919) % distinct + i % 3;
        text.push_str(&format!(
            "2024-03-04 10:00:00,agent-{v},10.{}.{}.{}\n",
            v >> 16,
            (v >> 8) & 255,
            v & 255
        ));
    }
    std::fs::write(&path, text).unwrap();
    let attribution = World::new(Dataset::default().seed, 10)
        .attribution()
        .unwrap();
    let (_, one) = parallel(&attribution, &path, 1);
    assert!(
        one.top_unattributed_ips(3)
            .iter()
            .any(|v| v.value == "(other)")
    );
    for threads in [2, 3, 5] {
        let (_, tally) = parallel(&attribution, &path, threads);
        assert_eq!(tally, one, "{threads} threads");
        assert_eq!(
            tally.top_unattributed_user_agents(10),
            one.top_unattributed_user_agents(10)
        );
    }
}

/// The keyaudit binary of this build, when it was built (the workspace's
/// test run builds it).
fn keyaudit() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("keyaudit");
    path.is_file().then_some(path)
}

#[test]
fn generate_and_run_end_to_end() {
    let Some(keyaudit) = keyaudit() else {
        eprintln!("skipped: the keyaudit binary is not built (cargo test --workspace builds it)");
        return;
    };
    let bench = env!("CARGO_BIN_EXE_keyaudit-bench");
    let dir = tempfile::tempdir().unwrap();
    for format in ["jsonl", "csv"] {
        let out = dir.path().join(format);
        let status = Command::new(bench)
            .args([
                "generate", "--keys", "50", "--events", "20000", "--format", format,
            ])
            .arg("--out")
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        let output = Command::new(bench)
            .args(["run", "--repeat", "1", "--dir"])
            .arg(&out)
            .arg("--keyaudit")
            .arg(&keyaudit)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("matches the generator's truth"), "{stdout}");
        assert!(stdout.contains("audit/raw"), "{stdout}");
    }
}
