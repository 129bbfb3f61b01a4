//! A [`History`] as a terminal table: a summary, one row per run, the notes.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment};
use keyaudit_model::{History, Severity};

use super::{fit_to_content, new_table, severity_cell};
use crate::RenderOptions;
use crate::text::{self, terminal_safe};

/// Writes the summary, then one row per run (`As of | Report | Keys | Open |
/// Critical | High | Medium | Low | Info | Muted | New | Resolved`), then
/// the notes; severity counts above zero are coloured when colour is on.
pub fn render(history: &History, options: &RenderOptions, mut out: impl Write) -> io::Result<()> {
    writeln!(out, "IT Glue API key audit history")?;
    for (label, value) in text::history_summary(history) {
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
                Cell::new(text::optional_count(run.new)),
                Cell::new(text::optional_count(run.resolved)),
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
        writeln!(out, "Note: {}", terminal_safe(&note.to_string()))?;
    }
    out.flush()
}
