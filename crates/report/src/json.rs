//! A document as JSON, its contract: the report (`keyaudit.report/v1`), the
//! diff (`keyaudit.diff/v1`), the history (`keyaudit.history/v1`) or the rule
//! catalogue, as the model's serde types define them.

use std::io::{self, Write};

use serde::Serialize;

/// Writes `document` pretty-printed (2-space indent) with a trailing newline.
/// For a report the view does not apply: JSON always holds every key and
/// finding.
pub fn render<T: Serialize + ?Sized>(document: &T, mut out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, document)?;
    out.write_all(b"\n")?;
    out.flush()
}
