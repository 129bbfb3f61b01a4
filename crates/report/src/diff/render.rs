//! Renderers of a [`ReportDiff`]: terminal table, Markdown, JSON.

use std::io::{self, Write};

use comfy_table::Cell;

use super::{Change, FindingDiff, FindingState, ReportDiff};
use crate::RenderOptions;
use crate::markdown::escape;
use crate::table::{new_table, severity_cell};
use crate::text::{self, key_label, terminal_safe};
use keyaudit_model::FindingStatus;

/// The diff as pretty-printed JSON (`keyaudit.diff/v1`) with a trailing newline.
pub fn render_json(diff: &ReportDiff, mut out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, diff)?;
    writeln!(out)
}

/// The diff as a terminal table: a summary, the keys added and removed, then
/// every finding that is new, changed or resolved (persisting ones are counted).
pub fn render_table(
    diff: &ReportDiff,
    options: &RenderOptions,
    mut out: impl Write,
) -> io::Result<()> {
    for line in summary_lines(diff) {
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
            Cell::new(change_label(finding)),
            severity_cell(transition(finding), finding.severity(), options),
            Cell::new(finding.rule.as_str()),
            Cell::new(terminal_safe(&key_label(&finding.key))),
            Cell::new(terminal_safe(&finding.message)),
        ]);
    }
    writeln!(out, "{table}")
}

/// The diff as Markdown: summary, keys added and removed, findings by change.
pub fn render_markdown(diff: &ReportDiff, mut out: impl Write) -> io::Result<()> {
    writeln!(out, "# IT Glue API key audit: what changed")?;
    writeln!(out)?;
    for line in summary_lines(diff).iter().skip(1) {
        writeln!(out, "- {line}")?;
    }
    for (title, keys) in [
        ("Keys added", &diff.keys_added),
        ("Keys removed", &diff.keys_removed),
    ] {
        if !keys.is_empty() {
            writeln!(out, "\n## {title} ({})\n", keys.len())?;
            for key in keys {
                writeln!(out, "- {}", escape(&key_label(key)))?;
            }
        }
    }
    for (title, change) in [
        ("New findings", Change::New),
        ("Changed findings", Change::Changed),
        ("Resolved findings", Change::Resolved),
    ] {
        let rows: Vec<&FindingDiff> = diff
            .findings
            .iter()
            .filter(|f| f.change == change)
            .collect();
        if rows.is_empty() {
            continue;
        }
        writeln!(out, "\n## {title} ({})\n", rows.len())?;
        writeln!(out, "| Severity | Rule | Key | Detail |")?;
        writeln!(out, "|---|---|---|---|")?;
        for finding in rows {
            writeln!(
                out,
                "| {} | `{}` | {} | {} |",
                transition(finding),
                finding.rule,
                escape(&key_label(&finding.key)),
                escape(&finding.message)
            )?;
        }
    }
    Ok(())
}

fn summary_lines(diff: &ReportDiff) -> Vec<String> {
    let s = &diff.summary;
    vec![
        "keyaudit diff".to_string(),
        format!(
            "Old: {} ({} keys, {} open, {} muted)",
            text::as_of(diff.old.as_of),
            diff.old.keys,
            diff.old.open,
            diff.old.muted
        ),
        format!(
            "New: {} ({} keys, {} open, {} muted)",
            text::as_of(diff.new.as_of),
            diff.new.keys,
            diff.new.open,
            diff.new.muted
        ),
        format!("Keys: {} added, {} removed", s.keys_added, s.keys_removed),
        format!(
            "Findings: {} new, {} resolved, {} changed ({} worsened, {} improved), {} persisting",
            s.new, s.resolved, s.changed, s.worsened, s.improved, s.persisting
        ),
    ]
}

fn change_label(finding: &FindingDiff) -> String {
    match (finding.change, finding.delta) {
        (Change::Changed, Some(delta)) => delta.as_str().to_string(),
        (change, _) => change.as_str().to_string(),
    }
}

fn state_label(state: FindingState) -> String {
    match state.status {
        FindingStatus::Open => state.severity.to_string(),
        FindingStatus::Muted => format!("{} (muted)", state.severity),
    }
}

/// `high`, or `high → critical` for a changed finding.
fn transition(finding: &FindingDiff) -> String {
    match (finding.old, finding.new) {
        (Some(old), Some(new)) if old != new => {
            format!("{} → {}", state_label(old), state_label(new))
        }
        (_, Some(state)) | (Some(state), None) => state_label(state),
        (None, None) => String::new(),
    }
}
