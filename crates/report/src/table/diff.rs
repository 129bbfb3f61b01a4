//! A [`ReportDiff`] as a terminal table: a summary, the keys added and
//! removed, then every finding that is new, changed or resolved (persisting
//! ones are counted).

use std::io::{self, Write};

use comfy_table::Cell;
use keyaudit_model::{Change, FindingDiff, ReportDiff};

use super::{new_table, severity_cell};
use crate::RenderOptions;
use crate::text::{self, key_label, terminal_safe};

/// Writes the diff; the severity cells are coloured when colour is on.
pub fn render(diff: &ReportDiff, options: &RenderOptions, mut out: impl Write) -> io::Result<()> {
    for line in text::diff_summary(diff) {
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    for (title, keys) in [
        ("Keys added", &diff.keys_added),
        ("Keys removed", &diff.keys_removed),
    ] {
        if !keys.is_empty() {
            writeln!(out, "{title}:")?;
            for key in keys {
                writeln!(out, "  {}", terminal_safe(&key_label(key)))?;
            }
            writeln!(out)?;
        }
    }
    let changes: Vec<&FindingDiff> = diff
        .findings
        .iter()
        .filter(|f| f.change != Change::Persisting)
        .collect();
    if changes.is_empty() {
        return writeln!(out, "No finding changed.");
    }
    let mut table = new_table(options, ["Change", "Severity", "Rule", "Key", "Detail"]);
    for finding in changes {
        table.add_row(vec![
            Cell::new(text::change_label(finding)),
            severity_cell(text::transition(finding), finding.severity(), options),
            Cell::new(finding.rule.as_str()),
            Cell::new(terminal_safe(&key_label(&finding.key))),
            Cell::new(terminal_safe(&finding.message)),
        ]);
    }
    writeln!(out, "{table}")
}
