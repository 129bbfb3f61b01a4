//! Micro-benchmarks of the hot paths: reading JSONL lines and CSV records
//! into events (keyaudit's reader and the raw baselines), and attributing
//! events with 10 and 1,000 keys.
//!
//! `cargo bench -p keyaudit-bench` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keyaudit_bench::generate::{Dataset, Event, Events, Format, World};
use keyaudit_bench::raw;
use keyaudit_ingest::{UsageOptions, read_usage};

const EVENTS: u64 = 20_000;

fn log(format: Format) -> Vec<u8> {
    let data = Dataset {
        keys: 1000,
        events: EVENTS,
        format,
        ..Dataset::default()
    };
    let world = World::new(data.seed, data.keys);
    let mut out = Vec::new();
    data.write_events(&world, &mut out)
        .expect("writing to memory");
    out
}

fn readers(c: &mut Criterion) {
    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(EVENTS));
    for format in [Format::Jsonl, Format::Csv] {
        let text = log(format);
        let name = format.extension();
        group.bench_function(format!("{name}/keyaudit"), |b| {
            b.iter(|| {
                let mut n = 0u64;
                read_usage(name, text.as_slice(), &UsageOptions::default(), |e| {
                    n += e.user_agent.as_ref().map_or(0, |a| a.len() as u64);
                })
                .expect("a valid log");
                black_box(n)
            })
        });
        let lines: Vec<&[u8]> = text
            .split(|b| *b == b'\n')
            .skip(1)
            .filter(|l| !l.is_empty())
            .collect();
        group.bench_function(format!("{name}/raw"), |b| {
            b.iter(|| match format {
                Format::Jsonl => {
                    let mut n = 0;
                    for &line in &lines {
                        let resource = raw::parse_line(line).expect("a valid line");
                        n += resource.attributes.user_agent.map_or(0, |a| a.0.len());
                    }
                    black_box(n)
                }
                Format::Csv => {
                    let mut reader = csv::Reader::from_reader(text.as_slice());
                    let mut record = csv::ByteRecord::new();
                    let mut n = 0;
                    while reader.read_byte_record(&mut record).expect("a valid row") {
                        n += record.len();
                    }
                    black_box(n)
                }
            })
        });
    }
    group.finish();
}

fn attribution(c: &mut Criterion) {
    let data = Dataset {
        keys: 1000,
        events: EVENTS,
        ..Dataset::default()
    };
    let world = World::new(data.seed, data.keys);
    let mut events: Vec<Event> = Vec::new();
    let mut stream = Events::new(&world, data);
    while let Some(event) = stream.next_event() {
        events.push(event.clone());
    }
    let mut group = c.benchmark_group("observe");
    group.throughput(Throughput::Elements(EVENTS));
    for keys in [10, 1000] {
        let attribution = World::new(data.seed, keys)
            .attribution()
            .expect("the generated policy is valid");
        let mut tally = attribution.tally();
        group.bench_function(format!("{keys}_keys"), |b| {
            b.iter(|| {
                for event in &events {
                    attribution.observe(&mut tally, &event.as_jsonl_event());
                }
            })
        });
        black_box(tally.attributed());
    }
    group.finish();
}

criterion_group!(benches, readers, attribution);
criterion_main!(benches);
