//! `keyaudit diff`: what changed between two reports.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;
use keyaudit_engine::compare::diff;
use keyaudit_report::{DIFF_FORMATS, RenderOptions};

use crate::cli::{DiffArgs, chosen_format};
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

    let format = chosen_format(args.format, args.output.as_deref(), DIFF_FORMATS);
    let to_terminal = output.is_stdout() && std::io::stdout().is_terminal();
    let options = RenderOptions {
        color: use_color(args.color, to_terminal),
        bom: false,
    };
    output.write_document(&changes, format, &options)?;
    Ok(exit::diff_exit_code(&changes, args.fail_on))
}
