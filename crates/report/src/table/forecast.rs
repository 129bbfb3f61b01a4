//! The forecast view of the terminal table: one row per active or paused
//! key, soonest revocation first.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Row};
use keyaudit_model::{AuditReport, ForecastEntry, REVOCATION_NOTICE_DAYS, Severity};

use super::{fit_to_content, new_table, severity_cell, write_header};
use crate::RenderOptions;
use crate::text::{self, terminal_safe};

/// Writes the summary header and one row per forecast entry: `Key | Owner |
/// State | Last used | Basis | Warning on | Revoked on | Due`; `No active or
/// paused keys.` when there are none. With colour on, the due cell is red
/// from the warning day on (bold once past the revocation day).
pub fn render(
    report: &AuditReport,
    options: &RenderOptions,
    mut out: impl Write,
) -> io::Result<()> {
    write_header(report, &mut out)?;
    if report.forecast.is_empty() {
        return writeln!(out, "No active or paused keys.");
    }
    let mut table = new_table(
        options,
        [
            "Key",
            "Owner",
            "State",
            "Last used",
            "Basis",
            "Warning on",
            "Revoked on",
            "Due",
        ],
    );
    for entry in &report.forecast {
        table.add_row(row(entry, options));
    }
    fit_to_content(&mut table, 2..4);
    fit_to_content(&mut table, 5..8);
    if let Some(column) = table.column_mut(7) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    writeln!(out, "{table}")
}

fn row(entry: &ForecastEntry, options: &RenderOptions) -> Row {
    let [key, owner, state, last_used, basis, warning, revoked, due] = text::forecast_cells(entry);
    let due = match entry.days_left {
        Some(days) if days < 0 => severity_cell(due, Severity::Critical, options),
        Some(days) if days <= REVOCATION_NOTICE_DAYS => severity_cell(due, Severity::High, options),
        _ => Cell::new(due),
    };
    Row::from(vec![
        Cell::new(terminal_safe(&key)),
        Cell::new(terminal_safe(&owner)),
        Cell::new(state),
        Cell::new(last_used),
        Cell::new(basis),
        Cell::new(warning),
        Cell::new(revoked),
        due,
    ])
}
