//! `keyaudit verify`: re-make a JSON report from the inputs it names and
//! compare it byte for byte.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use keyaudit_engine::compare::{InputChange, changed_inputs, field_differences};
use keyaudit_model::{AuditReport, ContentDigest, InputFile, InputKind, InputOrigin};
use keyaudit_report::json;
use serde_json::Value;

use crate::cli::VerifyArgs;
use crate::commands::audit::{Inputs, Request, make_report};
use crate::output::Output;
use crate::saved_report;

/// Exit code of a report that does not verify.
const DOES_NOT_VERIFY: u8 = 1;

/// The most differences listed for an edited report.
const MAX_LISTED: usize = 20;

/// Runs `keyaudit verify`.
pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    let shown = args.report.display().to_string();
    let bytes = saved_report::read(&args.report)?;
    let report = saved_report::parse(&shown, &bytes)?;
    if let Some(base) = &args.base {
        std::env::set_current_dir(base)
            .with_context(|| format!("cannot enter --base folder `{}`", base.display()))?;
    }
    let (text, code) = match check(&shown, &bytes, &report)? {
        None => (
            format!(
                "verified: `{shown}` re-made byte for byte from its {} input{} ({} finding{})\n",
                report.inputs.len(),
                plural(report.inputs.len()),
                report.findings.len(),
                plural(report.findings.len())
            ),
            ExitCode::SUCCESS,
        ),
        Some(problems) => {
            let mut text = format!("`{shown}` does not verify:\n");
            for line in problems.lines() {
                text.push_str(&format!("  {line}\n"));
            }
            (text, ExitCode::from(DOES_NOT_VERIFY))
        }
    };
    // Through stdout's writer: a reader that closes the pipe early (`| head`)
    // ends the output, not the process.
    Output::prepare(None, [])?.write(|out| out.write_all(text.as_bytes()))?;
    Ok(code)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `None` when the report verifies, else what differs, one line each.
fn check(shown: &str, bytes: &[u8], report: &AuditReport) -> Result<Option<String>> {
    let ours = env!("CARGO_PKG_VERSION");
    if report.inputs.iter().any(|i| i.sha256.is_none()) {
        return Ok(Some(format!(
            "it records no digest of its inputs: it was made by keyaudit {}, before reports recorded them; re-run the audit with keyaudit {ours}",
            report.tool.version
        )));
    }
    let fetched: Vec<&InputFile> = report
        .inputs
        .iter()
        .filter(|i| i.origin == InputOrigin::Fetched)
        .collect();
    if !fetched.is_empty() {
        let mut text = String::new();
        for input in fetched {
            let _ = writeln!(
                text,
                "usage `{}` was fetched from the IT Glue API during the audit and not kept ({} as fetched): it cannot be re-read; \
                 to make a verifiable report, keep the logs (`keyaudit fetch-usage --output usage.jsonl`) and audit with `--usage usage.jsonl`",
                input.path,
                input.sha256.as_deref().unwrap_or("-"),
            );
        }
        return Ok(Some(text));
    }
    let request = request(report)?;
    let missing: Vec<String> = report
        .inputs
        .iter()
        .filter(|i| i.origin == InputOrigin::File && !Path::new(&i.path).is_file())
        .map(|i| {
            format!(
                "{} `{}` is missing (expected {} of {} bytes)",
                i.kind.as_str(),
                i.path,
                i.sha256.as_deref().unwrap_or("-"),
                i.bytes.unwrap_or(0)
            )
        })
        .collect();
    if !missing.is_empty() {
        return Ok(Some(missing.join("\n")));
    }
    let remade = match make_report(&request) {
        Ok(remade) => remade,
        // An input that no longer reads: say which changed.
        Err(err) => {
            let changed = changed_on_disk(report);
            return Ok(Some(if changed.is_empty() {
                format!("the report cannot be re-made from its inputs and options: {err:#}")
            } else {
                changed.join("\n")
            }));
        }
    };
    let changed: Vec<String> = changed_inputs(report, &remade)
        .iter()
        .map(ToString::to_string)
        .collect();
    if !changed.is_empty() {
        return Ok(Some(changed.join("\n")));
    }
    let mut again = Vec::new();
    json::render(&remade, &mut again).context("cannot render the re-made report")?;
    if again == bytes {
        return Ok(None);
    }
    if report.tool.name != "keyaudit" || report.tool.version != ours {
        return Ok(Some(format!(
            "it was made by {} {}, and this is keyaudit {ours}: its inputs are unchanged, but another version may write another report from them; verify it with keyaudit {}",
            report.tool.name, report.tool.version, report.tool.version
        )));
    }
    let before: Value = serde_json::from_slice(bytes).context("re-reading the report")?;
    let after: Value = serde_json::from_slice(&again).context("re-reading the re-made report")?;
    let differences = field_differences(&before, &after);
    if differences.is_empty() {
        return Ok(Some(format!(
            "its content equals the re-made report's, but not its bytes: `{shown}` was re-formatted (spacing, order of fields) after it was written"
        )));
    }
    let total = differences.len();
    let mut text = format!(
        "its inputs are unchanged, but the report was edited: {total} field{} differ{} from the re-made report\n",
        plural(total),
        if total == 1 { "s" } else { "" }
    );
    for line in differences.iter().take(MAX_LISTED) {
        let _ = writeln!(text, "{line}");
    }
    if total > MAX_LISTED {
        let _ = writeln!(text, "… and {} more", total - MAX_LISTED);
    }
    Ok(Some(text))
}

/// The audit to re-run: the report's inputs, options, as-of and baseline.
fn request(report: &AuditReport) -> Result<Request> {
    let paths = |kind: InputKind| -> Vec<PathBuf> {
        report
            .inputs
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| PathBuf::from(&i.path))
            .collect()
    };
    let embedded = report
        .inputs
        .iter()
        .filter(|i| i.origin == InputOrigin::Embedded)
        .count();
    let inputs = if embedded > 0 {
        Inputs::Demo
    } else {
        Inputs::Files {
            inventory: paths(InputKind::Inventory),
            usage: paths(InputKind::Usage),
            policy: paths(InputKind::Policy).into_iter().next(),
            fetch: None,
        }
    };
    Ok(Request {
        inputs,
        options: report.options.clone(),
        as_of: Some(report.as_of),
        baseline: paths(InputKind::Baseline).into_iter().next(),
    })
}

/// The file inputs whose bytes on disk are not those recorded.
fn changed_on_disk(report: &AuditReport) -> Vec<String> {
    report
        .inputs
        .iter()
        .filter(|i| i.origin == InputOrigin::File)
        .filter_map(|input| {
            let now = std::fs::File::open(&input.path)
                .and_then(ContentDigest::of_reader)
                .map(|digest| digest.sha256)
                .unwrap_or_else(|err| format!("unreadable ({err})"));
            (Some(now.as_str()) != input.sha256.as_deref())
                .then(|| InputChange::Changed { input, now }.to_string())
        })
        .collect()
}
