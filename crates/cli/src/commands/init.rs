//! `keyaudit init`: write a commented policy with every setting at its default.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use keyaudit_engine::DEFAULT_POLICY_TOML;

use crate::cli::InitArgs;
use crate::output;

/// Runs `keyaudit init`.
pub fn run(args: InitArgs) -> Result<ExitCode> {
    let write = |out: &mut dyn Write| out.write_all(DEFAULT_POLICY_TOML.as_bytes());
    if args.output.as_os_str() == "-" {
        output::write_stdout(write)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.output.exists() && !args.force {
        bail!(
            "`{}` already exists; pass --force to overwrite it",
            args.output.display()
        );
    }
    output::write_file(&args.output, write)?;
    eprintln!("wrote {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}
