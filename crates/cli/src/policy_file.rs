//! Reading a policy file (`keyaudit.toml`).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use keyaudit_engine::{ValidPolicy, parse_policy};

/// Reads and validates the policy at `path`. A file that is not UTF-8 is
/// refused with the line of the first invalid byte; every policy error is
/// reported with its line and column.
pub fn load(path: &Path) -> Result<ValidPolicy> {
    let shown = path.display().to_string();
    let bytes = fs::read(path).with_context(|| format!("cannot read policy file `{shown}`"))?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let line = err.as_bytes()[..valid]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            bail!(
                "{shown}:{line}: found a byte that is not UTF-8 (at byte offset {valid}); expected a UTF-8 text file: save the policy as UTF-8"
            );
        }
    };
    Ok(parse_policy(&shown, &text)?)
}
