//! Exit codes: 0 ran and nothing at or above `--fail-on`; 1 findings at or
//! above it; 2 bad input, bad policy or bad usage.

use std::process::ExitCode;

use keyaudit_model::{AuditReport, Severity};
use keyaudit_report::diff::ReportDiff;

use crate::cli::FailOn;

/// Exit code of a run with findings at or above `--fail-on`.
pub const FINDINGS: u8 = 1;
/// Exit code for bad input, a bad policy or bad usage.
pub const BAD_INPUT: u8 = 2;
/// Exit code when the IT Glue API failed: rejected key, network, server
/// errors, or an incomplete fetch.
pub const API_FAILURE: u8 = 3;

/// Decides the exit code of a completed audit from its report: `--fail-on`
/// applies to open findings only.
pub fn exit_code(report: &AuditReport, fail_on: FailOn) -> ExitCode {
    gate(
        fail_on,
        report
            .findings
            .iter()
            .filter(|f| f.is_open())
            .map(|f| f.severity),
    )
}

/// Decides the exit code of `keyaudit diff`: `--fail-on` applies to open
/// findings that are new or worse than in the old report.
pub fn diff_exit_code(diff: &ReportDiff, fail_on: FailOn) -> ExitCode {
    gate(fail_on, diff.new_or_worsened().map(|f| f.severity()))
}

fn gate(fail_on: FailOn, mut severities: impl Iterator<Item = Severity>) -> ExitCode {
    match fail_on.threshold() {
        Some(threshold) if severities.any(|s| s >= threshold) => ExitCode::from(FINDINGS),
        _ => ExitCode::SUCCESS,
    }
}

/// An error that stopped the run because the IT Glue API failed (exit 3).
#[derive(Debug)]
pub struct ApiFailure(pub String);

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ApiFailure {}

/// The exit code for an error that stopped the run: 3 when the IT Glue API
/// failed, else 2.
pub fn failure_code(err: &anyhow::Error) -> ExitCode {
    let api_failed = err.chain().any(|cause| {
        cause.downcast_ref::<ApiFailure>().is_some()
            || cause
                .downcast_ref::<keyaudit_itglue::FetchError>()
                .is_some_and(|e| !e.is_usage_error())
    });
    ExitCode::from(if api_failed { API_FAILURE } else { BAD_INPUT })
}
