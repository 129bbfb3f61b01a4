//! `keyaudit diff`: what changed between two reports.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use keyaudit_engine::compare::diff;
use keyaudit_report::{RenderOptions, json, markdown, table};

use crate::cli::{CatalogueFormat, DiffArgs};
use crate::commands::audit::use_color;
use crate::output::Output;
use crate::{exit, saved_report};

/// Runs `keyaudit diff`.
pub fn run(args: DiffArgs) -> Result<ExitCode> {
    let output = Output::prepare(
        args.output.as_deref(),
        [
            ("OLD.json", args.old.as_path()),
            ("NEW.json", args.new.as_path()),
        ],
    )?;
    let old = saved_report::load(&args.old)?;
    let new = saved_report::load(&args.new)?;
    let changes = diff(&old, &new);

    let format = args
        .format
        .or_else(|| format_of(args.output.as_deref()?))
        .unwrap_or(CatalogueFormat::Table);
    let to_terminal = output.is_stdout() && std::io::stdout().is_terminal();
    let options = RenderOptions {
        color: use_color(args.color, to_terminal),
        bom: false,
    };
    output.write(|out| match format {
        CatalogueFormat::Table => table::diff::render(&changes, &options, out),
        CatalogueFormat::Json => json::render(&changes, out),
        CatalogueFormat::Markdown => markdown::diff::render(&changes, out),
    })?;
    Ok(exit::diff_exit_code(&changes, args.fail_on))
}

fn format_of(path: &Path) -> Option<CatalogueFormat> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "json" => Some(CatalogueFormat::Json),
        "md" | "markdown" => Some(CatalogueFormat::Markdown),
        _ => None,
    }
}
