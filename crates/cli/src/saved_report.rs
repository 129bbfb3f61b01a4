//! Reading keyaudit JSON reports written by earlier runs.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use keyaudit_model::{AuditReport, ContentDigest, REPORT_SCHEMA};

/// The largest report read (256 MiB): far more than a report of ten
/// thousand keys, far less than would exhaust memory.
pub const MAX_REPORT_BYTES: u64 = 256 << 20;

/// Reads a `keyaudit.report/v1` file; another schema, or a JSON file that is
/// no keyaudit report, is refused with a message saying so.
pub fn load(path: &Path) -> Result<AuditReport> {
    Ok(load_with_digest(path)?.0)
}

/// Reads a report as [`load`] does, with the digest of the bytes parsed.
pub fn load_with_digest(path: &Path) -> Result<(AuditReport, ContentDigest)> {
    let bytes = read(path)?;
    let report = parse(&path.display().to_string(), &bytes)?;
    Ok((report, ContentDigest::of(&bytes)))
}

/// The bytes of a report file, at most [`MAX_REPORT_BYTES`].
pub fn read(path: &Path) -> Result<Vec<u8>> {
    let shown = path.display();
    let file = File::open(path).with_context(|| format!("cannot read `{shown}`"))?;
    let mut bytes = Vec::new();
    file.take(MAX_REPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read `{shown}`"))?;
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        bail!(
            "`{shown}` is larger than {} MiB, the most a keyaudit report is read at; expected a report written by `keyaudit audit --format json`",
            MAX_REPORT_BYTES >> 20
        );
    }
    Ok(bytes)
}

/// Parses the bytes of a `keyaudit.report/v1` file named `shown`.
pub fn parse(shown: &str, bytes: &[u8]) -> Result<AuditReport> {
    let value: serde_json::Value = serde_json::from_slice(bytes).with_context(|| {
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
