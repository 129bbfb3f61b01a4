//! A [`ReportDiff`] as Markdown: the summary, the keys added and removed,
//! the findings by change.

use std::io::{self, Write};

use keyaudit_model::{Change, FindingDiff, ReportDiff};

use super::escape;
use crate::text::{self, key_label};

/// Writes the diff; values from inputs are [`escape`]d.
pub fn render(diff: &ReportDiff, mut out: impl Write) -> io::Result<()> {
    writeln!(out, "# IT Glue API key audit: what changed")?;
    writeln!(out)?;
    for line in text::diff_summary(diff).iter().skip(1) {
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
                text::transition(finding),
                finding.rule,
                escape(&key_label(&finding.key)),
                escape(&finding.message)
            )?;
        }
    }
    Ok(())
}
