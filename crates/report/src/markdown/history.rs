//! A [`History`] as Markdown: a summary, one table row per run, the notes.

use std::io::{self, Write};

use keyaudit_model::{History, Severity};

use super::escape;
use crate::text;

/// Writes the history; values from inputs are [`escape`]d.
pub fn render(history: &History, mut out: impl Write) -> io::Result<()> {
    writeln!(out, "# IT Glue API key audit history")?;
    writeln!(out)?;
    for (label, value) in text::history_summary(history) {
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
                text::optional_count(run.new),
                text::optional_count(run.resolved)
            )?;
        }
        writeln!(out)?;
    }
    if !history.notes.is_empty() {
        writeln!(out, "## Notes")?;
        writeln!(out)?;
        for note in &history.notes {
            writeln!(out, "- {}", escape(&note.to_string()))?;
        }
        writeln!(out)?;
    }
    out.flush()
}
