//! `keyaudit rules`: the rule catalogue.

use std::process::ExitCode;

use anyhow::Result;
use keyaudit_engine::rules::catalogue;
use keyaudit_report::RenderOptions;

use crate::cli::RulesArgs;
use crate::output::Output;

/// Runs `keyaudit rules`.
pub fn run(args: RulesArgs) -> Result<ExitCode> {
    let output = Output::prepare(args.output.as_deref(), [])?;
    output.write_document(&catalogue(), args.format, &RenderOptions::default())?;
    Ok(ExitCode::SUCCESS)
}
