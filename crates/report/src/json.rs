//! The whole report as JSON: keyaudit's contract (`keyaudit.report/v1`).

use std::io::{self, Write};

use keyaudit_model::AuditReport;

/// Writes `report` pretty-printed (2-space indent) with a trailing newline.
/// The view does not apply: JSON always holds every key and finding.
pub fn render(report: &AuditReport, mut out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, report)?;
    out.write_all(b"\n")?;
    out.flush()
}
