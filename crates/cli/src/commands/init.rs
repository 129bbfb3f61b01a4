//! `keyaudit init`: write a commented policy with every setting at its default.

use std::process::ExitCode;

use anyhow::{Result, bail};
use keyaudit_engine::DEFAULT_POLICY_TOML;

use crate::cli::InitArgs;
use crate::output::Output;

/// Runs `keyaudit init`. An existing file is only replaced with `--force`;
/// stdout (`-`), a device or a pipe is written as it is.
pub fn run(args: InitArgs) -> Result<ExitCode> {
    let output = Output::prepare(Some(&args.output), [])?;
    if let Output::File(path) = &output {
        if path.exists() && !args.force {
            bail!(
                "`{}` already exists; pass --force to overwrite it",
                path.display()
            );
        }
    }
    output.write(|out| out.write_all(DEFAULT_POLICY_TOML.as_bytes()))?;
    if let Output::File(path) = &output {
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
