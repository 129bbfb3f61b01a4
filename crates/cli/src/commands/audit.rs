//! `keyaudit audit`: read the inventory and policy, audit, render, exit.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use keyaudit_engine::{AuditInput, ValidPolicy, audit};
use keyaudit_model::{
    AuditOptions, AuditReport, Diagnostic, DiagnosticCode, InputFile, InputKind, InputOrigin,
};
use keyaudit_report::{Format, REPORT_FORMATS, RenderOptions, ReportView};

use crate::cli::{AuditArgs, ColorArg, FailOn, FetchArgs, chosen_format};
use crate::output::Output;
use crate::{demo, exit, policy_file, saved_report, usage};

/// Runs `keyaudit audit`.
pub fn run(args: AuditArgs) -> Result<ExitCode> {
    let output = Output::prepare(args.output.as_deref(), inputs(&args))?;
    let format = chosen_format(args.format, args.output.as_deref(), REPORT_FORMATS);
    if args.bom && format != Format::Csv {
        bail!("--bom applies to CSV only (--format csv), not to --format {format}");
    }
    let request = Request {
        inputs: if args.demo {
            Inputs::Demo
        } else {
            Inputs::Files {
                inventory: args.inventory.clone(),
                usage: args.usage.clone(),
                policy: args.policy.clone(),
                fetch: args.fetch_usage.then(|| Box::new(args.fetch.clone())),
            }
        },
        options: usage::audit_options(
            &args.timezone,
            args.usage_window.as_deref(),
            args.allow_partial,
        )?,
        as_of: args.as_of.as_deref().map(parse_as_of).transpose()?,
        baseline: args.baseline.clone(),
    };
    let report = make_report(&request)?;
    if !args.quiet {
        for diagnostic in &report.diagnostics {
            eprintln!("{diagnostic}");
        }
    }

    let to_terminal = output.is_stdout() && std::io::stdout().is_terminal();
    let options = RenderOptions {
        color: use_color(args.color, to_terminal),
        bom: args.bom,
    };
    output.write_document(
        &ReportView {
            report: &report,
            view: args.view,
        },
        format,
        &options,
    )?;
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

/// What an audit reads.
#[derive(Debug, Clone)]
pub enum Inputs {
    /// The bundled demo account (`--demo`).
    Demo,
    /// Files, as named on the command line (or in a report being verified).
    Files {
        /// Inventory files, in order.
        inventory: Vec<PathBuf>,
        /// Usage files, in order.
        usage: Vec<PathBuf>,
        /// The policy file; the built-in defaults when `None`.
        policy: Option<PathBuf>,
        /// Activity logs to fetch from the IT Glue API (`--fetch-usage`).
        fetch: Option<Box<FetchArgs>>,
    },
}

/// Everything that decides the JSON report: what `audit` reads from its
/// command line and `verify` from a report.
#[derive(Debug, Clone)]
pub struct Request {
    /// The inputs.
    pub inputs: Inputs,
    /// The options recorded in the report.
    pub options: AuditOptions,
    /// The audit's as-of time: by default now, or the demo's own date.
    pub as_of: Option<DateTime<Utc>>,
    /// The earlier report to compare findings with (`--baseline`).
    pub baseline: Option<PathBuf>,
}

/// Reads the inputs, audits, compares with the baseline, and records in the
/// report the options and where each input came from: the one pipeline of
/// `keyaudit audit` and `keyaudit verify`.
pub fn make_report(request: &Request) -> Result<AuditReport> {
    let usage_options = usage::read_options(&request.options)?;
    let (inventory, policy, evidence, as_of) = match &request.inputs {
        Inputs::Demo => {
            let demo = demo::load()?;
            let as_of = request.as_of.unwrap_or(demo.as_of);
            let mut inventory = demo.inventory;
            let evidence = demo::usage(&mut inventory, &demo.policy, &usage_options, as_of)?;
            (inventory, demo.policy, Some(evidence), as_of)
        }
        Inputs::Files {
            inventory,
            usage,
            policy,
            fetch,
        } => {
            let as_of = request.as_of.unwrap_or_else(Utc::now);
            let mut inventory = keyaudit_ingest::load_inventories(inventory)?;
            let policy = load_policy(policy.as_deref())?;
            let evidence = usage::gather(
                usage,
                fetch.as_deref(),
                &usage_options,
                &mut inventory,
                &policy,
                as_of,
            )?;
            (inventory, policy, evidence, as_of)
        }
    };
    let mut report = audit(
        &AuditInput {
            inventory: &inventory,
            usage: evidence.as_ref(),
        },
        &policy,
        as_of,
    );
    report.options = request.options.clone();
    match &request.inputs {
        Inputs::Demo => {
            for input in &mut report.inputs {
                input.origin = InputOrigin::Embedded;
            }
        }
        Inputs::Files {
            fetch: Some(fetch), ..
        } => {
            let name = usage::fetched_name(fetch);
            for input in report.inputs.iter_mut().filter(|i| i.path == name) {
                input.origin = InputOrigin::Fetched;
            }
            report.diagnostics.push(Diagnostic::warning(
                DiagnosticCode::FetchedUsageNotKept,
                format!(
                    "the activity logs were fetched from the IT Glue API ({name}) and not \
                         kept: the report records their digest, but cannot be verified against \
                         them; to make it verifiable, keep the logs with `keyaudit fetch-usage \
                         --output usage.jsonl` and audit with `--usage usage.jsonl`"
                ),
                None,
            ));
            report.diagnostics.sort();
        }
        Inputs::Files { .. } => {}
    }
    if let Some(path) = &request.baseline {
        let shown = path.display().to_string();
        let (baseline, digest) = saved_report::load_with_digest(path)?;
        keyaudit_engine::compare::annotate(&mut report, &baseline, &shown);
        report.inputs.push(InputFile::new(
            InputKind::Baseline,
            shown,
            "json",
            Some(baseline.findings.len()),
            Some(&digest),
        ));
    }
    Ok(report)
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

/// Whether to colour a table: `--color`, then `NO_COLOR`, then whether stdout is a terminal.
pub fn use_color(choice: ColorArg, to_terminal: bool) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}
