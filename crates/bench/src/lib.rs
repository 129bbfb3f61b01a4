//! Benchmarks of keyaudit: a deterministic generator of key inventories,
//! policies and activity logs ([`generate`]), the raw reads an audit is
//! measured against ([`raw`]), and the ground truth the generator knows
//! about every event ([`generate::Truth`]).
//!
//! The `keyaudit-bench` binary drives them (`generate`, `run`,
//! `keys-scaling`, `fetch`, `python`, `all`); `docs/performance.md` says
//! how and records the numbers.
//!
//! ```
//! use keyaudit_bench::generate::{Dataset, Format};
//!
//! let dir = tempfile::tempdir()?;
//! let data = Dataset { keys: 20, events: 500, format: Format::Jsonl, ..Dataset::default() };
//! let files = data.write(dir.path())?;
//! let truth = &files.truth;
//! assert_eq!(truth.events, 500);
//! assert_eq!(truth.attributed + truth.unattributed, 500);
//! let read = keyaudit_bench::raw::jsonl(&files.activity)?;
//! assert_eq!(read.records, 500);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]
// `IngestError` is large by design (see keyaudit-ingest's crate root).
#![allow(clippy::result_large_err)]

pub mod generate;
pub mod raw;
mod rng;
