//! `keyaudit-bench`: generates benchmark data and measures keyaudit on it.
//! See `docs/performance.md`.

mod child;
mod fetch;
mod run;
mod scaling;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use keyaudit_bench::generate::{DEFAULT_SEED, Dataset, Format};

#[derive(Debug, Parser)]
#[command(
    name = "keyaudit-bench",
    about = "Benchmarks of keyaudit (see docs/performance.md)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Writes an inventory, a policy with bindings, an activity log and the
    /// truth about it into a folder.
    Generate {
        /// Keys in the inventory.
        #[arg(long, default_value_t = 1000)]
        keys: usize,
        /// Events in the activity log.
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        /// The activity log's format.
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
        /// The folder to write into.
        #[arg(long)]
        out: PathBuf,
        /// The seed.
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
        /// CSV: end rows with CRLF.
        #[arg(long)]
        crlf: bool,
        /// CSV: some resource names hold a line break (quoted).
        #[arg(long)]
        multiline: bool,
    },
    /// Measures the raw read and `keyaudit audit` on the activity logs of a
    /// generated folder.
    Run {
        /// A folder written by `generate`.
        #[arg(long)]
        dir: PathBuf,
        #[command(flatten)]
        audit: run::AuditOptions,
    },
    /// Attribution time with 10 and with 1,000 keys on the same events.
    KeysScaling {
        /// Events attributed per measurement.
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        /// The seed.
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
    },
    /// `fetch-usage`'s fetch against the in-process fake IT Glue server,
    /// rate limit lifted: events parsed and written per second.
    Fetch {
        /// Events the fake server holds.
        #[arg(long, default_value_t = 500_000)]
        events: u64,
    },
    /// Times the plain Python script (crates/bench/scripts/attribute.py)
    /// doing the same attribution, and checks its counts.
    Python {
        /// A folder written by `generate`.
        #[arg(long)]
        dir: PathBuf,
        /// The Python interpreter.
        #[arg(long, default_value = "python3")]
        python: String,
    },
    /// Everything: generates JSONL and CSV logs, runs them, the key scaling,
    /// the fetch and the Python comparison; deletes the files unless --keep.
    All {
        /// Events in each activity log.
        #[arg(long, default_value_t = 5_000_000)]
        events: u64,
        /// Keys in the inventory.
        #[arg(long, default_value_t = 1000)]
        keys: usize,
        /// Where to write the data (a new folder under the system's
        /// temporary folder by default).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Keep the generated files.
        #[arg(long)]
        keep: bool,
        /// Skip the Python comparison.
        #[arg(long)]
        no_python: bool,
        /// The seed.
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
        #[command(flatten)]
        audit: run::AuditOptions,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate {
            keys,
            events,
            format,
            out,
            seed,
            crlf,
            multiline,
        } => {
            let data = Dataset {
                keys,
                events,
                format,
                seed,
                crlf,
                multiline,
                ..Dataset::default()
            };
            let started = std::time::Instant::now();
            let files = data.write(&out)?;
            println!(
                "wrote {} ({} events, {:.1} MB), {} and {} in {:.1} s",
                files.activity.display(),
                files.truth.events,
                files.truth.bytes as f64 / 1e6,
                files.inventory.display(),
                files.policy.display(),
                started.elapsed().as_secs_f64()
            );
        }
        Command::Run { dir, audit } => {
            require_release()?;
            let keyaudit = audit.keyaudit()?;
            run::run_dir(&dir, &keyaudit, &audit)?;
        }
        Command::KeysScaling { events, seed } => {
            require_release()?;
            scaling::run(events, seed)?;
        }
        Command::Fetch { events } => {
            require_release()?;
            fetch::run(events)?;
        }
        Command::Python { dir, python } => {
            run::python_dir(&dir, &python, None)?;
        }
        Command::All {
            events,
            keys,
            dir,
            keep,
            no_python,
            seed,
            audit,
        } => {
            require_release()?;
            let keyaudit = audit.keyaudit()?;
            run::all(
                &run::AllOptions {
                    events,
                    keys,
                    dir,
                    keep,
                    python: !no_python,
                    seed,
                },
                &keyaudit,
                &audit,
            )?;
        }
    }
    Ok(())
}

/// Timings of a debug build mean nothing: says so (the commands still run,
/// as the test suite's small run does).
fn require_release() -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: an unoptimised build: the times mean nothing; \
             run cargo run --release -p keyaudit-bench -- …"
        );
    }
    Ok(())
}
