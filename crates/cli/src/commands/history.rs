//! `keyaudit history`: the trend over the reports saved in a folder.

use std::fs;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use keyaudit_engine::compare::history;
use keyaudit_model::HistoryNote;
use keyaudit_report::{RenderOptions, html, json, markdown, table};

use crate::cli::{ColorArg, HistoryArgs, HistoryFormat};
use crate::commands::audit::use_color;
use crate::output::Output;
use crate::saved_report;

/// Runs `keyaudit history`.
pub fn run(args: HistoryArgs) -> Result<ExitCode> {
    let shown = args.dir.display();
    let mut entries: Vec<_> = fs::read_dir(&args.dir)
        .with_context(|| format!("cannot read the folder `{shown}`"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .collect();
    entries.sort();
    let output = Output::prepare(
        args.output.as_deref(),
        entries.iter().map(|path| ("a file in DIR", path.as_path())),
    )?;
    let mut reports = Vec::new();
    let mut notes = Vec::new();
    for path in entries {
        let name = path.display().to_string();
        match saved_report::load(&path) {
            Ok(report) => reports.push((name, report)),
            Err(err) => notes.push(HistoryNote::Skipped {
                path: name,
                reason: format!("{err:#}"),
            }),
        }
    }
    let mut trend = history(reports);
    trend.notes.splice(0..0, notes);

    let format = args
        .format
        .or_else(|| format_of(args.output.as_deref()?))
        .unwrap_or(HistoryFormat::Table);
    let to_terminal = output.is_stdout() && std::io::stdout().is_terminal();
    if !(format == HistoryFormat::Table && to_terminal) {
        for note in &trend.notes {
            eprintln!("note: {note}");
        }
    }
    let options = RenderOptions {
        color: use_color(ColorArg::Auto, to_terminal),
        bom: false,
    };
    output.write(|out| match format {
        HistoryFormat::Table => table::history::render(&trend, &options, out),
        HistoryFormat::Json => json::render(&trend, out),
        HistoryFormat::Markdown => markdown::history::render(&trend, out),
        HistoryFormat::Html => html::history::render(&trend, out),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn format_of(path: &Path) -> Option<HistoryFormat> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "json" => Some(HistoryFormat::Json),
        "md" | "markdown" => Some(HistoryFormat::Markdown),
        "html" | "htm" => Some(HistoryFormat::Html),
        _ => None,
    }
}
