//! Reading keyaudit JSON reports written by earlier runs.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use keyaudit_model::{AuditReport, REPORT_SCHEMA};

/// Reads a `keyaudit.report/v1` file; another schema, or a JSON file that is
/// no keyaudit report, is refused with a message saying so.
pub fn load(path: &Path) -> Result<AuditReport> {
    let shown = path.display();
    let text = fs::read_to_string(path).with_context(|| format!("cannot read `{shown}`"))?;
    let value: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "`{shown}` is not JSON; expected a report written by `keyaudit audit --format json`"
        )
    })?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(REPORT_SCHEMA) => {}
        Some(other) => bail!(
            "`{shown}` is a report of schema `{other}`; this keyaudit reads `{REPORT_SCHEMA}`: re-run the audit with this version"
        ),
        None => bail!(
            "`{shown}` is not a keyaudit report (no \"schema\" field); expected a report written by `keyaudit audit --format json`"
        ),
    }
    serde_json::from_value(value)
        .with_context(|| format!("`{shown}` is not a valid `{REPORT_SCHEMA}` report"))
}
