//! `keyaudit history`: the trend over the reports saved in a folder.

use std::fs;
use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result};
use keyaudit_engine::compare::history;
use keyaudit_model::HistoryNote;
use keyaudit_report::{Format, HISTORY_FORMATS, RenderOptions};

use crate::cli::{ColorArg, HistoryArgs, chosen_format};
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

    let format = chosen_format(args.format, args.output.as_deref(), HISTORY_FORMATS);
    let to_terminal = output.is_stdout() && std::io::stdout().is_terminal();
    if !(format == Format::Table && to_terminal) {
        for note in &trend.notes {
            eprintln!("note: {note}");
        }
    }
    let options = RenderOptions {
        color: use_color(ColorArg::Auto, to_terminal),
        bom: false,
    };
    output.write_document(&trend, format, &options)?;
    Ok(ExitCode::SUCCESS)
}
