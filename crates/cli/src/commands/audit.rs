//! `keyaudit audit`: read the inventory and policy, audit, render, exit.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use keyaudit_engine::{AuditInput, ValidPolicy, audit};
use keyaudit_report::{Format, RenderOptions, View, render};

use crate::cli::{AuditArgs, ColorArg, FailOn, FormatArg, ViewArg};
use crate::output::Output;
use crate::{demo, exit, policy_file, saved_report, usage};

/// Runs `keyaudit audit`.
pub fn run(args: AuditArgs) -> Result<ExitCode> {
    let output = Output::prepare(args.output.as_deref(), inputs(&args))?;
    let as_of_arg = args.as_of.as_deref().map(parse_as_of).transpose()?;
    let (inventory, policy, demo_as_of) = if args.demo {
        let demo = demo::load()?;
        (demo.inventory, demo.policy, Some(demo.as_of))
    } else {
        let inventory = keyaudit_ingest::load_inventories(&args.inventory)?;
        (inventory, load_policy(args.policy.as_deref())?, None)
    };
    let as_of = as_of_arg.or(demo_as_of).unwrap_or_else(Utc::now);

    let mut inventory = inventory;
    let evidence = if args.demo {
        Some(demo::usage(&mut inventory, &policy)?)
    } else {
        usage::gather(&args, &mut inventory, &policy)?
    };
    let mut report = audit(
        &AuditInput {
            inventory: &inventory,
            usage: evidence.as_ref(),
        },
        &policy,
        as_of,
    );
    if let Some(path) = &args.baseline {
        let baseline = saved_report::load(path)?;
        keyaudit_report::diff::annotate(&mut report, &baseline, &path.display().to_string());
    }
    if !args.quiet {
        for diagnostic in &report.diagnostics {
            eprintln!("{diagnostic}");
        }
    }

    let format = choose_format(args.format, args.output.as_deref());
    let view = match args.view {
        ViewArg::Findings => View::Findings,
        ViewArg::Keys => View::Keys,
        ViewArg::Compliance => View::Compliance,
    };
    let to_terminal = output.is_stdout() && std::io::stdout().is_terminal();
    let options = RenderOptions {
        color: use_color(args.color, to_terminal),
    };
    output.write(|out| render(&report, format, view, &options, out))?;
    let default_gate = if args.demo {
        FailOn::Never
    } else {
        FailOn::High
    };
    Ok(exit::exit_code(
        &report,
        args.fail_on.unwrap_or(default_gate),
    ))
}

/// The files an audit reads, each with the flag that names it: none may be
/// its output.
fn inputs(args: &AuditArgs) -> Vec<(&str, &Path)> {
    let mut inputs: Vec<(&str, &Path)> = Vec::new();
    inputs.extend(args.inventory.iter().map(|p| ("--inventory", p.as_path())));
    inputs.extend(args.usage.iter().map(|p| ("--usage", p.as_path())));
    inputs.extend(args.policy.as_deref().map(|p| ("--policy", p)));
    inputs.extend(args.baseline.as_deref().map(|p| ("--baseline", p)));
    if args.fetch_usage {
        inputs.extend(
            args.fetch
                .api_key_file
                .as_deref()
                .map(|p| ("--api-key-file", p)),
        );
    }
    inputs
}

/// Parses `--as-of`: a date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 time.
pub fn parse_as_of(text: &str) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    bail!(
        "invalid --as-of `{text}`: expected a date like 2026-11-26 or an RFC 3339 time like 2026-11-26T09:00:00Z"
    )
}

fn load_policy(path: Option<&Path>) -> Result<ValidPolicy> {
    match path {
        Some(path) => policy_file::load(path),
        None => Ok(ValidPolicy::default()),
    }
}

fn choose_format(format: Option<FormatArg>, output: Option<&Path>) -> Format {
    let format = format.or_else(|| {
        let ext = output?.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(FormatArg::Csv),
            "json" => Some(FormatArg::Json),
            "md" | "markdown" => Some(FormatArg::Markdown),
            "html" | "htm" => Some(FormatArg::Html),
            _ => None,
        }
    });
    match format.unwrap_or(FormatArg::Table) {
        FormatArg::Table => Format::Table,
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::Json,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Html => Format::Html,
        FormatArg::Ocsf => Format::Ocsf,
    }
}

/// Whether to colour a table: `--color`, then `NO_COLOR`, then whether stdout is a terminal.
pub fn use_color(choice: ColorArg, to_terminal: bool) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_accepts_dates_and_times() {
        assert_eq!(
            parse_as_of("2026-11-26").unwrap().to_rfc3339(),
            "2026-11-26T00:00:00+00:00"
        );
        assert_eq!(
            parse_as_of("2026-11-26T10:30:00+02:00")
                .unwrap()
                .to_rfc3339(),
            "2026-11-26T08:30:00+00:00"
        );
        let err = parse_as_of("26/11/2026").unwrap_err().to_string();
        assert!(
            err.contains("26/11/2026") && err.contains("2026-11-26"),
            "{err}"
        );
    }

    #[test]
    fn format_follows_the_extension_unless_given() {
        assert_eq!(choose_format(None, Some(Path::new("r.CSV"))), Format::Csv);
        assert_eq!(choose_format(None, Some(Path::new("r.json"))), Format::Json);
        assert_eq!(
            choose_format(None, Some(Path::new("r.md"))),
            Format::Markdown
        );
        assert_eq!(choose_format(None, Some(Path::new("r.html"))), Format::Html);
        assert_eq!(choose_format(None, Some(Path::new("r.txt"))), Format::Table);
        assert_eq!(choose_format(None, None), Format::Table);
        assert_eq!(
            choose_format(Some(FormatArg::Json), Some(Path::new("r.csv"))),
            Format::Json
        );
    }

    #[test]
    fn colour_only_on_a_terminal_unless_forced() {
        assert!(!use_color(ColorArg::Auto, false));
        assert!(use_color(ColorArg::Always, false));
        assert!(!use_color(ColorArg::Never, true));
    }
}
