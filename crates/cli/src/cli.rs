//! Command-line definitions (clap).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::{Arg, Args, Parser, Subcommand, ValueEnum};
use keyaudit_model::Severity;
use keyaudit_report::{
    CATALOGUE_FORMATS, DIFF_FORMATS, Format, HISTORY_FORMATS, REPORT_FORMATS, View,
};

/// The exit codes every command ends with when it cannot finish, after its
/// own (`concat!` takes it as a literal).
macro_rules! failure_codes {
    () => {
        "2 bad input, bad policy or bad usage; 3 the IT Glue API failed;
4 the output could not be written (full disk, missing folder, no permission)."
    };
}

/// Audit the API keys of an IT Glue account: idle, unnamed, duplicate and
/// over-privileged keys, exposed secrets, with compliance evidence.
#[derive(Debug, Parser)]
#[command(name = "keyaudit", version, about, long_about = None)]
#[command(after_help = "Examples:
  keyaudit audit --demo
  keyaudit audit --inventory api-keys.tsv --as-of 2026-11-26
  keyaudit audit --inventory api-keys.csv --policy keyaudit.toml --output report.json
  keyaudit init --output keyaudit.toml
  keyaudit diff last-month.json this-month.json
  keyaudit rules")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit an inventory of IT Glue API keys and write a report.
    #[command(after_help = concat!("Examples:
  keyaudit audit --demo
  keyaudit audit --inventory api-keys.tsv
  keyaudit audit --inventory us.csv --inventory eu.csv --policy keyaudit.toml --as-of 2026-11-26
  keyaudit audit --inventory api-keys.csv --format csv --view keys --output credential-report.csv
  keyaudit audit --inventory api-keys.csv --output report.json --fail-on critical
  keyaudit audit --inventory api-keys.csv --usage usage.jsonl --view forecast
  keyaudit audit --inventory api-keys.csv --usage usage.jsonl --output revocations.ics
  keyaudit audit --inventory api-keys.tsv --usage usage.jsonl --usage activity-export.csv --timezone America/New_York
  ITGLUE_API_KEY=... keyaudit audit --inventory api-keys.tsv --fetch-usage --region eu

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
", failure_codes!()))]
    Audit(AuditArgs),
    /// Print the browser-console snippet that reads the API Keys settings
    /// page (with each key's live Password Access and paused state) into a
    /// TSV inventory.
    #[command(
        after_help = "The snippet reads the API Keys table only, sends nothing and changes nothing on
the page. Its value is the inventory (Name, Key, Password Access, State) as TSV;
in a console that has copy() (Chrome, Edge, Firefox) it is also put on the clipboard.

1. In IT Glue, sign in as an Administrator and open Admin → Settings → API Keys.
2. Open the developer tools' console (F12, or Ctrl+Shift+J / Cmd+Option+J in
   Chrome and Edge, Ctrl+Shift+K / Cmd+Option+K in Firefox). Chrome, Edge and
   Firefox ask you to type `allow pasting` before the first paste.
3. Paste the snippet, press Enter, then paste the clipboard into api-keys.tsv.
4. keyaudit audit --inventory api-keys.tsv

Examples:
  keyaudit capture-snippet                  # print it; copy it from the terminal
  keyaudit capture-snippet --bookmarklet    # the same as a javascript: URL for a bookmark"
    )]
    CaptureSnippet(CaptureSnippetArgs),
    /// Write a commented policy file with every setting at its default.
    #[command(after_help = concat!("Examples:
  keyaudit init
  keyaudit init --output policies/keyaudit.toml
  keyaudit init --output -        # print to stdout

Exit codes: 0 written; ", failure_codes!()))]
    Init(InitArgs),
    /// Check a policy file and print every error with its line and column.
    #[command(after_help = "Examples:
  keyaudit check-policy keyaudit.toml

Exit codes: 0 the policy is valid; 2 it has errors (all are printed).")]
    CheckPolicy(CheckPolicyArgs),
    /// List the rules: code, severity, compliance controls, policy settings.
    #[command(after_help = concat!("Examples:
  keyaudit rules
  keyaudit rules --format json
  keyaudit rules --format markdown --output RULES.md

Exit codes: 0 written; ", failure_codes!()))]
    Rules(RulesArgs),
    /// Fetch activity logs from the IT Glue API (the last 30 days at most)
    /// into a usage file for `audit --usage`.
    #[command(after_help = concat!(
        "The API key is read from ITGLUE_API_KEY or --api-key-file, never from the command line.

Examples:
  ITGLUE_API_KEY=... keyaudit fetch-usage --region eu --days 30 --output usage.jsonl
  keyaudit fetch-usage --region us --api-key-file ~/.itglue-key --since 2026-11-01 --until 2026-11-26 --output nov.jsonl

Exit codes: 0 every event fetched (an interrupted or incomplete fetch is an API failure);
",
        failure_codes!()
    ))]
    FetchUsage(FetchUsageArgs),
    /// Propose `[[bind]]` entries for the activity-log events the policy
    /// attributes to no key, with their evidence, as TOML to review.
    #[command(after_help = "Examples:
  keyaudit suggest-bindings --inventory api-keys.csv --usage usage.jsonl
  keyaudit suggest-bindings --inventory api-keys.csv --usage usage.jsonl --policy keyaudit.toml --output bindings.toml
  cat bindings.toml >> keyaudit.toml && keyaudit check-policy keyaudit.toml

Exit codes: 0 suggestions written (possibly none); 2 bad input, bad policy or bad usage.")]
    SuggestBindings(SuggestBindingsArgs),
    /// Compare two JSON reports: keys added and removed, findings new,
    /// resolved, persisting and changed.
    #[command(after_help = concat!("Examples:
  keyaudit diff 2026-10.json 2026-11.json
  keyaudit diff 2026-10.json 2026-11.json --format markdown --output changes.md
  keyaudit diff baseline.json current.json --fail-on high   # CI gate

Exit codes: 0 no new or worsened open finding at or above --fail-on;
1 there is one; ", failure_codes!()))]
    Diff(DiffArgs),
    /// One row per saved report in a folder: keys, open findings by severity,
    /// muted, new and resolved since the previous run.
    #[command(after_help = concat!("Examples:
  keyaudit history reports/
  keyaudit history reports/ --format html --output trend.html

Exit codes: 0 written; ", failure_codes!()))]
    History(HistoryArgs),
    /// Check that a JSON report was made from its inputs and not edited
    /// since: re-read the inputs it names, check their digests, re-run the
    /// audit with the recorded options and compare byte for byte.
    #[command(
        after_help = "Input paths in the report are read relative to the current folder,
or to --base DIR. A report of the demo (--demo) is re-made from the demo
inputs embedded in keyaudit.

Examples:
  keyaudit verify report.json
  keyaudit verify 2026-11/report.json --base 2026-11

Exit codes: 0 the report verifies; 1 it does not (an input changed or is
missing, the report was edited, or another keyaudit version made it);
2 the file is not a keyaudit JSON report."
    )]
    Verify(VerifyArgs),
}

/// Arguments of `keyaudit verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The JSON report (`keyaudit audit --format json`).
    #[arg(value_name = "REPORT.json")]
    pub report: PathBuf,

    /// The folder the report's input paths are relative to (default: the
    /// current folder).
    #[arg(long, value_name = "DIR")]
    pub base: Option<PathBuf>,
}

/// Arguments of `keyaudit history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The folder holding the JSON reports (other files are ignored, with a note).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    #[arg(long, short = 'f', value_parser = formats(HISTORY_FORMATS),
          help = format_help(HISTORY_FORMATS))]
    pub format: Option<Format>,

    /// Write to FILE instead of stdout (`-`); see `--output` in `keyaudit audit --help`.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `keyaudit fetch-usage`.
#[derive(Debug, Args)]
pub struct FetchUsageArgs {
    /// Where to fetch from, and which window.
    #[command(flatten)]
    pub fetch: FetchArgs,

    /// The usage file to write (JSONL, written atomically; a device or a pipe
    /// such as `-` gets a copy once the fetch is complete).
    #[arg(long, short = 'o', value_name = "FILE.jsonl")]
    pub output: PathBuf,
}

/// How to reach the IT Glue API and which window of activity logs to fetch.
#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    /// The account's data centre.
    #[arg(long, value_enum, conflicts_with = "base_url")]
    pub region: Option<RegionArg>,

    /// The API's base URL instead of a region (e.g. a proxy or a test server).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// Fetch the last N days (at most 30, what the API keeps). Default: 30.
    #[arg(long, value_name = "N", conflicts_with_all = ["since", "until"])]
    pub days: Option<u32>,

    /// Fetch from this date (YYYY-MM-DD, UTC) or time (RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Fetch up to this date or time (default: now). A date includes the whole day.
    #[arg(long, value_name = "DATE", requires = "since")]
    pub until: Option<String>,

    /// Read the API key from FILE instead of ITGLUE_API_KEY.
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,

    /// Windows fetched at the same time.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub concurrency: usize,

    /// Never send more requests than this in any 5 minutes (IT Glue allows 3000).
    #[arg(
        long = "max-requests-per-5min",
        default_value_t = 3000,
        value_name = "N"
    )]
    pub max_requests_per_5min: u32,

    /// Retries of a request after HTTP 429 (too many requests), a server
    /// error, a timeout or a connection error.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub retries: u32,

    /// Timeout of one request, in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,

    /// The longest the whole fetch may take, waits included, in seconds.
    #[arg(long, default_value_t = 1800, value_name = "SECONDS")]
    pub max_time: u64,

    /// Log every request (method, path and query, status, duration) on stderr.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// `--region` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegionArg {
    /// api.itglue.com
    Us,
    /// api.eu.itglue.com
    Eu,
    /// api.au.itglue.com
    Au,
}

/// Arguments of `keyaudit check-policy`.
#[derive(Debug, Args)]
pub struct CheckPolicyArgs {
    /// The policy file to check.
    #[arg(value_name = "FILE")]
    pub policy: PathBuf,
}

/// Arguments of `keyaudit capture-snippet`.
#[derive(Debug, Args)]
pub struct CaptureSnippetArgs {
    /// Print the snippet as a `javascript:` URL to save as a bookmark: it
    /// copies the inventory to the clipboard when clicked on the API Keys page.
    #[arg(long)]
    pub bookmarklet: bool,
}

/// Arguments of `keyaudit rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, short = 'f', value_parser = formats(CATALOGUE_FORMATS),
          default_value_t = Format::Table)]
    pub format: Format,

    /// Write to FILE instead of stdout (`-`); see `--output` in `keyaudit audit --help`.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `keyaudit diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier report (`keyaudit audit --format json`).
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,

    /// The later report.
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,

    #[arg(long, short = 'f', value_parser = formats(DIFF_FORMATS),
          help = format_help(DIFF_FORMATS))]
    pub format: Option<Format>,

    /// Write to FILE instead of stdout (`-`); see `--output` in `keyaudit audit --help`.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit 1 when a new or worsened open finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::High, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Colour in the table: auto, always or never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,
}

/// Arguments of `keyaudit audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Inventory file (CSV, TSV, semicolon-separated or JSON; a table copied
    /// from Admin → Settings → API Keys works as it is). Repeat to merge files.
    #[arg(
        long,
        short = 'i',
        value_name = "FILE",
        required_unless_present = "demo"
    )]
    pub inventory: Vec<PathBuf>,

    /// Usage evidence: IT Glue activity logs as saved from the API (JSON:API),
    /// written by `keyaudit fetch-usage` (JSONL), or exported from the web UI
    /// (Activity Logs CSV). Repeat for several files.
    #[arg(long, short = 'u', value_name = "FILE")]
    pub usage: Vec<PathBuf>,

    /// The window the usage files cover (START..END, dates or RFC 3339 times),
    /// when they do not say so themselves. Default: earliest to latest event.
    #[arg(long, value_name = "START..END")]
    pub usage_window: Option<String>,

    /// The time zone of times without an offset in a CSV export (IANA name).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub timezone: String,

    /// Accept a usage file whose fetch was incomplete; the report then says
    /// the evidence is partial.
    #[arg(long)]
    pub allow_partial: bool,

    /// Fetch activity logs from the IT Glue API first (see `keyaudit
    /// fetch-usage --help`), then audit with them.
    #[arg(long)]
    pub fetch_usage: bool,

    /// Where and what to fetch with --fetch-usage.
    #[command(flatten, next_help_heading = "Fetching activity logs (--fetch-usage)")]
    pub fetch: FetchArgs,

    /// Policy file (keyaudit.toml); built-in defaults when absent.
    #[arg(long, short = 'p', value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Judge the keys as of this date (YYYY-MM-DD, UTC) or time (RFC 3339).
    /// Default: now; with --demo, the demo's own date.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    #[arg(long, short = 'f', value_name = "FORMAT", value_parser = formats(REPORT_FORMATS),
          help = format_help(REPORT_FORMATS))]
    pub format: Option<Format>,

    /// What the table and CSV list: findings, one row per key (the credential
    /// report), one row per compliance control (the auditor's evidence sheet),
    /// or the revocation forecast (also a Markdown or HTML document of its own).
    #[arg(long, value_parser = views(), default_value_t = View::Findings)]
    pub view: View,

    /// Write the report to FILE instead of stdout (`-`). A regular file is
    /// written atomically (a link there is replaced, never written through);
    /// a device or a pipe (`/dev/stdout`, a FIFO) is written directly. A
    /// folder, or a file that is one of the inputs, is refused before any work.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Start CSV output with a UTF-8 byte-order mark, so that Excel on
    /// Windows reads accented names right. CSV only.
    #[arg(long)]
    pub bom: bool,

    /// Exit 1 when an open finding is at or above this severity. Default:
    /// high; with --demo, never (the demo is a showcase, not a gate).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,

    /// Colour in the table: auto (terminal and no NO_COLOR), always or never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,

    /// Compare with an earlier JSON report: every finding gets a delta
    /// (new, unchanged, worsened, improved).
    #[arg(long, value_name = "OLD.json")]
    pub baseline: Option<PathBuf>,

    /// Audit the bundled demo account instead of your own inventory.
    #[arg(long, conflicts_with_all = ["inventory", "policy", "usage", "fetch_usage"])]
    pub demo: bool,

    /// Do not print warnings on stderr (they stay in the report).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Arguments of `keyaudit suggest-bindings`.
#[derive(Debug, Args)]
pub struct SuggestBindingsArgs {
    /// Inventory file (as for `audit`). Repeat to merge files.
    #[arg(long, short = 'i', value_name = "FILE", required = true)]
    pub inventory: Vec<PathBuf>,

    /// Usage evidence (as for `audit`). Repeat for several files.
    #[arg(long, short = 'u', value_name = "FILE", required = true)]
    pub usage: Vec<PathBuf>,

    /// The window the usage files cover (START..END), when they do not say so themselves.
    #[arg(long, value_name = "START..END")]
    pub usage_window: Option<String>,

    /// The time zone of times without an offset in a CSV export (IANA name).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub timezone: String,

    /// Accept a usage file whose fetch was incomplete.
    #[arg(long)]
    pub allow_partial: bool,

    /// The current policy: events its bindings attribute are left alone.
    /// Built-in defaults when absent.
    #[arg(long, short = 'p', value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Write the TOML to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `keyaudit init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the policy (`-` for stdout).
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        default_value = "keyaudit.toml"
    )]
    pub output: PathBuf,

    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Parses a flag whose values are declared by a keyaudit type (a
/// [`Format`], a [`View`]): names, help and order come from it, so `--help`
/// and the "possible values" of an error list exactly `values`.
#[derive(Debug, Clone, Copy)]
pub struct Choices<T: 'static> {
    values: &'static [T],
    name: fn(T) -> &'static str,
    help: fn(T) -> &'static str,
}

/// The `--format` parser of a document that supports `formats`.
pub const fn formats(formats: &'static [Format]) -> Choices<Format> {
    Choices {
        values: formats,
        name: Format::as_str,
        help: Format::help,
    }
}

/// The `--view` parser.
pub const fn views() -> Choices<View> {
    Choices {
        values: &View::ALL,
        name: View::as_str,
        help: View::help,
    }
}

impl<T: Copy + Send + Sync + 'static> Choices<T> {
    fn possible(&self) -> impl Iterator<Item = PossibleValue> + '_ {
        self.values
            .iter()
            .map(|v| PossibleValue::new((self.name)(*v)).help((self.help)(*v)))
    }
}

impl<T: Copy + Send + Sync + 'static> TypedValueParser for Choices<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let name = PossibleValuesParser::new(self.possible()).parse_ref(cmd, arg, value)?;
        self.values
            .iter()
            .copied()
            .find(|v| (self.name)(*v) == name)
            .ok_or_else(|| clap::Error::new(ErrorKind::InvalidValue).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.possible()))
    }
}

/// The help of `--format`: `Output format. Default: from the --output
/// extension (.json, .md), else table` (each format's preferred extension).
pub fn format_help(formats: &[Format]) -> String {
    let extensions: Vec<String> = formats
        .iter()
        .filter_map(|f| f.extensions().first())
        .map(|e| format!(".{e}"))
        .collect();
    format!(
        "Output format. Default: from the --output extension ({}), else table",
        extensions.join(", ")
    )
}

/// The format to write in: `--format`, else the one the `--output` file's
/// extension selects when the document supports it, else a table.
pub fn chosen_format(flag: Option<Format>, output: Option<&Path>, supported: &[Format]) -> Format {
    flag.or_else(|| Format::of_path(output?).filter(|f| supported.contains(f)))
        .unwrap_or_default()
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour the table.
    Always,
    /// Never colour.
    Never,
}

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any open finding.
    Info,
    /// Low or above.
    Low,
    /// Medium or above.
    Medium,
    /// High or above (default).
    High,
    /// Critical only.
    Critical,
    /// Never exit 1 for findings.
    Never,
}

impl FailOn {
    /// The lowest severity that fails the run, or `None` for `never`.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Never => None,
        }
    }
}
