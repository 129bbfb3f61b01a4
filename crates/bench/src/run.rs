//! `run`, `python` and `all`: the raw read against `keyaudit audit`, and the
//! plain-script comparison, on generated files.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use keyaudit_bench::generate::{AS_OF, Dataset, Format, Truth};
use keyaudit_bench::raw;
use keyaudit_model::AuditReport;

use crate::child;

/// How `keyaudit audit` is run.
#[derive(Debug, Clone, Args)]
pub struct AuditOptions {
    /// The keyaudit binary (by default: `cargo build --release -p keyaudit`'s).
    #[arg(long, value_name = "PATH")]
    keyaudit: Option<PathBuf>,
    /// Runs of each measurement (raw reads and audits alternate); the
    /// median is reported.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Threads the audit reads a usage file with (`KEYAUDIT_THREADS`;
    /// default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

impl AuditOptions {
    /// The keyaudit binary: the one given, else the workspace's release
    /// build (built now if it is missing or stale).
    pub fn keyaudit(&self) -> Result<PathBuf> {
        if let Some(path) = &self.keyaudit {
            return Ok(path.clone());
        }
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .args(["build", "--release", "-p", "keyaudit", "--bin", "keyaudit"])
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--message-format=json-render-diagnostics")
            .stderr(Stdio::inherit())
            .output()
            .context("cannot run cargo to build keyaudit (or pass --keyaudit PATH)")?;
        if !output.status.success() {
            bail!("cargo build --release -p keyaudit failed");
        }
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|m| m["target"]["name"] == "keyaudit")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .context("cargo built no keyaudit executable (pass --keyaudit PATH)")
    }
}

/// The measurements of one activity log.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// `jsonl` or `csv`.
    pub format: String,
    /// Events in the file.
    pub events: u64,
    /// Its size.
    pub bytes: u64,
    /// Median raw read.
    pub raw: Duration,
    /// Median audit.
    pub audit: Duration,
    /// Highest peak RSS of the audit runs.
    pub peak_rss: u64,
}

impl Measurement {
    fn ratio(&self) -> f64 {
        self.audit.as_secs_f64() / self.raw.as_secs_f64()
    }

    fn events_per_second(&self) -> f64 {
        self.events as f64 / self.audit.as_secs_f64()
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn seconds(times: &[Duration]) -> String {
    let all: Vec<String> = times
        .iter()
        .map(|t| format!("{:.2}", t.as_secs_f64()))
        .collect();
    all.join(" ")
}

/// The activity logs of a generated folder.
fn activity_files(dir: &Path) -> Vec<(Format, PathBuf)> {
    [Format::Jsonl, Format::Csv]
        .into_iter()
        .map(|f| (f, dir.join(format!("activity.{}", f.extension()))))
        .filter(|(_, p)| p.is_file())
        .collect()
}

fn load_truth(dir: &Path) -> Result<Truth> {
    let path = dir.join("truth.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {} (made by generate)", path.display()))?;
    Ok(serde_json::from_str(&text)?)
}

/// Measures every activity log in `dir`.
pub fn run_dir(dir: &Path, keyaudit: &Path, options: &AuditOptions) -> Result<Vec<Measurement>> {
    let files = activity_files(dir);
    if files.is_empty() {
        bail!("no activity.jsonl or activity.csv in {}", dir.display());
    }
    let truth = load_truth(dir)?;
    let mut results = Vec::new();
    for (format, path) in files {
        results.push(measure(dir, format, &path, &truth, keyaudit, options)?);
    }
    print_table(&results);
    Ok(results)
}

fn raw_read(format: Format, path: &Path) -> Result<raw::RawRead> {
    Ok(match format {
        Format::Jsonl => raw::jsonl(path)?,
        Format::Csv => raw::csv(path)?,
    })
}

fn measure(
    dir: &Path,
    format: Format,
    path: &Path,
    truth: &Truth,
    keyaudit: &Path,
    options: &AuditOptions,
) -> Result<Measurement> {
    let bytes = std::fs::metadata(path)?.len();
    let name = format.extension();
    println!(
        "{name}: {} ({:.0} MB, {} events)",
        path.display(),
        bytes as f64 / 1e6,
        truth.events
    );
    // The first read brings the file into the page cache; it is not counted.
    let warm = raw_read(format, path)?;
    if warm.records != truth.events {
        bail!(
            "the raw read found {} records, the file holds {}",
            warm.records,
            truth.events
        );
    }
    // Raw reads and audits alternate, so that a machine whose speed drifts
    // slows both alike.
    let repeat = options.repeat.max(1);
    let out = tempfile::tempdir()?;
    let report_path = out.path().join("report.json");
    let mut raw_times = Vec::new();
    let mut audit_times = Vec::new();
    let mut peak_rss = 0;
    for _ in 0..repeat {
        let started = Instant::now();
        let read = raw_read(format, path)?;
        raw_times.push(started.elapsed());
        std::hint::black_box(read);

        let mut command = Command::new(keyaudit);
        command
            .arg("audit")
            .arg("--inventory")
            .arg(dir.join("inventory.csv"))
            .arg("--policy")
            .arg(dir.join("keyaudit.toml"))
            .arg("--usage")
            .arg(path)
            .args(["--as-of", AS_OF, "--format", "json", "--fail-on", "never"])
            .args(["--quiet", "--output"])
            .arg(&report_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if let Some(threads) = options.threads {
            command.env("KEYAUDIT_THREADS", threads.to_string());
        }
        let measured = child::run(&mut command)?;
        if measured.code != Some(0) {
            bail!("keyaudit audit exited with {:?}", measured.code);
        }
        audit_times.push(measured.wall);
        peak_rss = peak_rss.max(measured.peak_rss);
    }
    println!(
        "  raw read ({}): {} s",
        match format {
            Format::Jsonl => "serde_json, borrowed struct per line",
            Format::Csv => "csv crate, byte records",
        },
        seconds(&raw_times)
    );
    println!("  keyaudit audit: {} s", seconds(&audit_times));
    check_report(&report_path, truth)?;
    println!("  the report's attribution matches the generator's truth");
    Ok(Measurement {
        format: name.to_string(),
        events: truth.events,
        bytes,
        raw: median(raw_times),
        audit: median(audit_times),
        peak_rss,
    })
}

/// Checks the report against the truth.
fn check_report(path: &Path, truth: &Truth) -> Result<()> {
    let text = std::fs::read_to_string(path)?;
    let report: AuditReport = serde_json::from_str(&text).context("the report is not JSON")?;
    truth.check_report(&report).map_err(|e| anyhow!(e))
}

/// Prints the results as a table.
pub fn print_table(results: &[Measurement]) {
    println!();
    println!(
        "{:<6} {:>9} {:>8} {:>9} {:>9} {:>9} {:>11} {:>9}",
        "format", "events", "size", "raw read", "audit", "audit/raw", "events/s", "peak RSS"
    );
    for m in results {
        println!(
            "{:<6} {:>9} {:>5} MB {:>7.2} s {:>7.2} s {:>9.2} {:>7.2} M/s {:>5.1} MiB",
            m.format,
            m.events,
            m.bytes / 1_000_000,
            m.raw.as_secs_f64(),
            m.audit.as_secs_f64(),
            m.ratio(),
            m.events_per_second() / 1e6,
            mib(m.peak_rss)
        );
    }
    println!();
}

/// The plain script's result for one file.
#[derive(Debug, Clone)]
pub struct ScriptRun {
    /// `jsonl` or `csv`.
    pub format: String,
    /// Its wall time.
    pub wall: Duration,
}

/// Times the Python script on every activity log in `dir` and checks its
/// counts against the truth.
pub fn python_dir(
    dir: &Path,
    python: &str,
    audits: Option<&[Measurement]>,
) -> Result<Vec<ScriptRun>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/attribute.py");
    let truth = load_truth(dir)?;
    let mut runs = Vec::new();
    for (format, path) in activity_files(dir) {
        let out = tempfile::NamedTempFile::new()?;
        let mut command = Command::new(python);
        command
            .arg(&script)
            .arg("--inventory")
            .arg(dir.join("inventory.csv"))
            .arg("--policy")
            .arg(dir.join("keyaudit.toml"))
            .arg("--usage")
            .arg(&path)
            .arg("--json")
            .stdin(Stdio::null())
            .stdout(out.reopen()?);
        let measured = child::run(&mut command)?;
        if measured.code != Some(0) {
            bail!("{} exited with {:?}", script.display(), measured.code);
        }
        let text = std::fs::read_to_string(out.path())?;
        check_script(&text, &truth)?;
        let name = format.extension().to_string();
        let versus = audits
            .and_then(|a| a.iter().find(|m| m.format == name))
            .map_or_else(String::new, |m| {
                format!(
                    " ({:.1} × keyaudit audit's {:.2} s)",
                    measured.wall.as_secs_f64() / m.audit.as_secs_f64(),
                    m.audit.as_secs_f64()
                )
            });
        println!(
            "python {name}: {:.2} s{versus}, {:.0} events/s, counts match the truth",
            measured.wall.as_secs_f64(),
            truth.events as f64 / measured.wall.as_secs_f64()
        );
        runs.push(ScriptRun {
            format: name,
            wall: measured.wall,
        });
    }
    Ok(runs)
}

/// Checks the script's JSON output (`{"events", "attributed",
/// "unattributed", "keys": {fingerprint: {events, password_events,
/// last_event_at}}}`) against the truth.
fn check_script(text: &str, truth: &Truth) -> Result<()> {
    let value: serde_json::Value = serde_json::from_str(text).context("the script's output")?;
    let totals = (
        value["events"].as_u64(),
        value["attributed"].as_u64(),
        value["unattributed"].as_u64(),
    );
    if totals
        != (
            Some(truth.events),
            Some(truth.attributed),
            Some(truth.unattributed),
        )
    {
        bail!("the script counted {totals:?}; the truth is {truth:?}");
    }
    for key in &truth.keys {
        let got = &value["keys"][&key.fingerprint];
        truth
            .check_key(
                key,
                got["events"].as_u64().unwrap_or(0),
                got["password_events"].as_u64().unwrap_or(0),
                got["last_event_at"].as_str().map(str::to_string),
            )
            .map_err(|e| anyhow!("the script: {e}"))?;
    }
    Ok(())
}

/// What `all` does.
#[derive(Debug, Clone)]
pub struct AllOptions {
    /// Events per activity log.
    pub events: u64,
    /// Keys in the inventory.
    pub keys: usize,
    /// Where to write (a temporary folder by default).
    pub dir: Option<PathBuf>,
    /// Keep the files.
    pub keep: bool,
    /// Run the Python comparison.
    pub python: bool,
    /// The seed.
    pub seed: u64,
}

/// Generates, measures and summarises everything.
pub fn all(options: &AllOptions, keyaudit: &Path, audit: &AuditOptions) -> Result<()> {
    let (root, temp) = match &options.dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let temp = tempfile::Builder::new()
                .prefix("keyaudit-bench-")
                .tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "== keyaudit-bench all: {} events, {} keys, seed {}, {cores} cores; data in {}",
        options.events,
        options.keys,
        options.seed,
        root.display()
    );
    let mut measurements = Vec::new();
    let mut scripts = Vec::new();
    let mut folders = Vec::new();
    for format in [Format::Jsonl, Format::Csv] {
        let dir = root.join(format.extension());
        let started = Instant::now();
        let files = Dataset {
            keys: options.keys,
            events: options.events,
            format,
            seed: options.seed,
            ..Dataset::default()
        }
        .write(&dir)?;
        println!(
            "generated {} ({:.0} MB) in {:.1} s",
            files.activity.display(),
            files.truth.bytes as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
        let result = run_dir(&dir, keyaudit, audit)?;
        measurements.extend(result);
        folders.push(dir);
    }
    let scaling = crate::scaling::run(1_000_000.min(options.events.max(10_000)), options.seed)?;
    let fetch = crate::fetch::run(500_000)?;
    if options.python {
        for dir in &folders {
            scripts.extend(python_dir(dir, "python3", Some(&measurements))?);
        }
    }

    println!("== summary ({cores} cores)");
    print_table(&measurements);
    println!("targets:");
    for m in &measurements {
        println!(
            "  {} audit ≤ 1.0 × raw read: {:.2} — {}",
            m.format,
            m.ratio(),
            met(m.ratio() <= 1.0)
        );
        println!(
            "  {} peak RSS ≤ 100 MiB: {:.1} MiB — {}",
            m.format,
            mib(m.peak_rss),
            met(m.peak_rss <= 100 * 1024 * 1024)
        );
    }
    for mix in &scaling.mixes {
        let ratio = mix.ns_1000 / mix.ns_10;
        println!(
            "  1,000 keys ≤ 1.3 × 10 keys (attribution, {}): {:.0} vs {:.0} ns/event = {ratio:.2} — {}",
            mix.name,
            mix.ns_1000,
            mix.ns_10,
            met(ratio <= 1.3)
        );
    }
    println!(
        "  fetch-usage ≥ 100,000 events/s: {:.0} — {}",
        fetch,
        met(fetch >= 100_000.0)
    );
    for s in &scripts {
        if let Some(m) = measurements.iter().find(|m| m.format == s.format) {
            println!(
                "  python {} {:.2} s vs keyaudit audit {:.2} s: keyaudit {:.1}× faster",
                s.format,
                s.wall.as_secs_f64(),
                m.audit.as_secs_f64(),
                s.wall.as_secs_f64() / m.audit.as_secs_f64()
            );
        }
    }
    if options.keep {
        if let Some(t) = temp {
            let kept = t.keep();
            println!("kept the data in {}", kept.display());
        }
    } else {
        for dir in &folders {
            std::fs::remove_dir_all(dir)?;
        }
    }
    Ok(())
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}
