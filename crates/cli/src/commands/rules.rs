//! `keyaudit rules`: the rule catalogue.

use std::process::ExitCode;

use anyhow::Result;
use keyaudit_engine::rules::catalogue;
use keyaudit_report::{json, markdown, table};

use crate::cli::{CatalogueFormat, RulesArgs};
use crate::output::Output;

/// Runs `keyaudit rules`.
pub fn run(args: RulesArgs) -> Result<ExitCode> {
    let output = Output::prepare(args.output.as_deref(), [])?;
    let catalogue = catalogue();
    output.write(|out| match args.format {
        CatalogueFormat::Table => table::catalogue::render(&catalogue, out),
        CatalogueFormat::Json => json::render(&catalogue, out),
        CatalogueFormat::Markdown => markdown::catalogue::render(&catalogue, out),
    })?;
    Ok(ExitCode::SUCCESS)
}
