//! The trend over many audits of the same account (`keyaudit history DIR`):
//! one row per run with its keys, open findings by severity, muted findings,
//! and what is new and resolved since the run before.
//!
//! The caller reads the reports (the CLI: every keyaudit report in a folder)
//! and passes them to [`history`] with the path each came from; the
//! renderers draw the result as a terminal table, JSON
//! (`keyaudit.history/v1`), Markdown or a self-contained HTML page with a
//! trend chart.
//!
//! ```
//! use keyaudit_report::history::{history, HISTORY_SCHEMA};
//!
//! let history = history(Vec::new());
//! assert_eq!(history.schema, HISTORY_SCHEMA);
//! assert!(history.runs.is_empty());
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use chrono::{DateTime, Utc};
use comfy_table::{Cell, CellAlignment};
use keyaudit_model::{AuditReport, Severity, Summary};
use serde::{Deserialize, Serialize};

use crate::RenderOptions;
use crate::markdown::escape;
use crate::table::{fit_to_content, new_table, severity_cell};
use crate::text::{self, terminal_safe};

/// The value of [`History::schema`].
pub const HISTORY_SCHEMA: &str = "keyaudit.history/v1";

/// The runs of a folder of reports, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Always [`HISTORY_SCHEMA`].
    pub schema: String,
    /// One entry per report, sorted by `as_of`, then path.
    pub runs: Vec<HistoryRun>,
    /// Notes for the reader: runs sharing an as-of time, runs covering other
    /// accounts than the run before. The caller may add its own (files it
    /// skipped); every renderer prints them.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One audit run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRun {
    /// The report's path, as the caller named it.
    pub path: String,
    /// The report's as-of time.
    pub as_of: DateTime<Utc>,
    /// The accounts named among the report's keys, sorted.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Keys audited.
    pub keys: usize,
    /// Open findings.
    pub open: usize,
    /// Open findings by severity (every severity present, zero included).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Muted findings.
    pub muted: usize,
    /// Open findings whose id was not open in the run before (new, or muted
    /// before and open now); `null` for the first run.
    pub new: Option<usize>,
    /// Findings open in the run before whose id is not open in this run
    /// (fixed, muted since, or their key is gone); `null` for the first run.
    pub resolved: Option<usize>,
}

impl HistoryRun {
    /// Open findings of one severity.
    pub fn open_of(&self, severity: Severity) -> usize {
        self.by_severity.get(&severity).copied().unwrap_or(0)
    }
}

/// Builds the history of `reports` (each with the path it was read from).
///
/// Runs are sorted by `as_of`, then path. Counts are taken from each report's
/// findings (not its stored summary). `new` and `resolved` compare the ids of
/// the *open* findings of a run with those of the run just before it: `new`
/// counts the ids open now and not open before, `resolved` the ids open
/// before and not open now; a finding muted in between counts as resolved,
/// and as new when the mute lapses. The first run has neither.
pub fn history(reports: Vec<(String, AuditReport)>) -> History {
    let mut reports = reports;
    reports.sort_by(|(a_path, a), (b_path, b)| a.as_of.cmp(&b.as_of).then(a_path.cmp(b_path)));

    let mut runs = Vec::with_capacity(reports.len());
    let mut notes = Vec::new();
    let mut open_sets = Vec::with_capacity(reports.len());
    for (path, report) in &reports {
        let summary = Summary::count(report.keys.len(), &report.findings);
        let open_ids: BTreeSet<&str> = report
            .findings
            .iter()
            .filter(|f| f.is_open())
            .map(|f| f.id.as_str())
            .collect();
        open_sets.push(open_ids);
        runs.push(HistoryRun {
            path: path.clone(),
            as_of: report.as_of,
            accounts: text::accounts(report)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            keys: summary.keys,
            open: summary.open,
            by_severity: summary.by_severity,
            muted: summary.muted,
            new: None,
            resolved: None,
        });
    }
    for i in 1..runs.len() {
        let (before, now) = (&open_sets[i - 1], &open_sets[i]);
        runs[i].new = Some(now.difference(before).count());
        runs[i].resolved = Some(before.difference(now).count());
        let (prev, run) = (&runs[i - 1], &runs[i]);
        if prev.as_of == run.as_of {
            notes.push(format!(
                "{} and {} have the same as-of time ({}); they are ordered by path.",
                prev.path,
                run.path,
                text::as_of(run.as_of)
            ));
        }
        if prev.accounts != run.accounts {
            notes.push(format!(
                "{} covers accounts {}, the run before ({}) {}: its new and resolved counts compare different sets of keys.",
                run.path,
                accounts_text(&run.accounts),
                prev.path,
                accounts_text(&prev.accounts),
            ));
        }
    }
    History {
        schema: HISTORY_SCHEMA.to_owned(),
        runs,
        notes,
    }
}

fn accounts_text(accounts: &[String]) -> String {
    if accounts.is_empty() {
        "(none named)".to_owned()
    } else {
        accounts.join(", ")
    }
}

/// The history as pretty-printed JSON (`keyaudit.history/v1`) with a
/// trailing newline.
pub fn render_json(history: &History, mut out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, history)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The lines above the table: runs, period, latest state.
fn summary_lines(history: &History) -> Vec<(&'static str, String)> {
    let mut lines = vec![("Runs", history.runs.len().to_string())];
    if let (Some(first), Some(last)) = (history.runs.first(), history.runs.last()) {
        lines[0].1 = format!(
            "{} ({} to {})",
            history.runs.len(),
            text::as_of(first.as_of),
            text::as_of(last.as_of)
        );
        lines.push(("Latest", latest(last)));
    }
    lines
}

/// `11 open (2 critical, 2 high, 5 medium, 1 low, 1 info), 1 muted`.
fn latest(run: &HistoryRun) -> String {
    format!(
        "{} open ({}), {} muted",
        run.open,
        Severity::ALL_DESC
            .iter()
            .map(|s| format!("{} {s}", run.open_of(*s)))
            .collect::<Vec<_>>()
            .join(", "),
        run.muted
    )
}

fn optional(n: Option<usize>) -> String {
    n.map_or_else(|| "-".to_owned(), |n| n.to_string())
}

/// The history as a terminal table: a summary, then one row per run (`As of
/// | Report | Keys | Open | Critical | High | Medium | Low | Info | Muted |
/// New | Resolved`), then the notes; severity counts above zero are
/// coloured when colour is on.
pub fn render_table(
    history: &History,
    options: &RenderOptions,
    mut out: impl Write,
) -> io::Result<()> {
    writeln!(out, "IT Glue API key audit history")?;
    for (label, value) in summary_lines(history) {
        writeln!(out, "{:<16}{}", format!("{label}:"), value)?;
    }
    writeln!(out)?;
    if history.runs.is_empty() {
        writeln!(out, "No reports.")?;
    } else {
        let mut table = new_table(
            options,
            [
                "As of", "Report", "Keys", "Open", "Critical", "High", "Medium", "Low", "Info",
                "Muted", "New", "Resolved",
            ],
        );
        for run in &history.runs {
            let mut row = vec![
                Cell::new(text::as_of(run.as_of)),
                Cell::new(terminal_safe(&run.path)),
                Cell::new(run.keys),
                Cell::new(run.open),
            ];
            for severity in Severity::ALL_DESC {
                let n = run.open_of(severity);
                row.push(if n > 0 {
                    severity_cell(n.to_string(), severity, options)
                } else {
                    Cell::new(n)
                });
            }
            row.extend([
                Cell::new(run.muted),
                Cell::new(optional(run.new)),
                Cell::new(optional(run.resolved)),
            ]);
            table.add_row(row);
        }
        fit_to_content(&mut table, 0..1);
        fit_to_content(&mut table, 2..12);
        for index in 2..12 {
            if let Some(column) = table.column_mut(index) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        writeln!(out, "{table}")?;
    }
    for note in &history.notes {
        writeln!(out, "Note: {}", terminal_safe(note))?;
    }
    out.flush()
}

/// The history as Markdown: a summary, one table row per run, the notes.
pub fn render_markdown(history: &History, mut out: impl Write) -> io::Result<()> {
    writeln!(out, "# IT Glue API key audit history")?;
    writeln!(out)?;
    for (label, value) in summary_lines(history) {
        writeln!(out, "- **{label}:** {value}")?;
    }
    writeln!(out)?;
    if history.runs.is_empty() {
        writeln!(out, "No reports.")?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "| As of | Report | Keys | Open | Critical | High | Medium | Low | Info | Muted | New | Resolved |"
        )?;
        writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")?;
        for run in &history.runs {
            write!(
                out,
                "| {} | {} | {} | {} |",
                text::as_of(run.as_of),
                escape(&run.path),
                run.keys,
                run.open
            )?;
            for severity in Severity::ALL_DESC {
                write!(out, " {} |", run.open_of(severity))?;
            }
            writeln!(
                out,
                " {} | {} | {} |",
                run.muted,
                optional(run.new),
                optional(run.resolved)
            )?;
        }
        writeln!(out)?;
    }
    if !history.notes.is_empty() {
        writeln!(out, "## Notes")?;
        writeln!(out)?;
        for note in &history.notes {
            writeln!(out, "- {}", escape(note))?;
        }
        writeln!(out)?;
    }
    out.flush()
}

/// The history as one self-contained HTML page, styled as the report: a
/// summary, a stacked-area chart of open findings by severity over the runs
/// (inline SVG), the table of runs and the notes. No script, no URL.
pub fn render_html(history: &History, out: impl Write) -> io::Result<()> {
    crate::html::history::render(history, out)
}
