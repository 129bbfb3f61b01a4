//! Exit codes: 0 ran and nothing at or above `--fail-on`; 1 findings at or
//! above it; 2 bad input, bad policy or bad usage.

use std::process::ExitCode;

use keyaudit_model::AuditReport;

use crate::cli::FailOn;

/// Exit code of a run with findings: `--fail-on` applies to open findings only.
pub const FINDINGS: u8 = 1;
/// Exit code for bad input, a bad policy or bad usage.
pub const BAD_INPUT: u8 = 2;

/// Decides the exit code of a completed audit from its report.
pub fn exit_code(report: &AuditReport, fail_on: FailOn) -> ExitCode {
    let failed = fail_on.threshold().is_some_and(|threshold| {
        report
            .findings
            .iter()
            .any(|f| f.is_open() && f.severity >= threshold)
    });
    if failed {
        ExitCode::from(FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// The exit code for an error that stopped the run.
pub fn failure_code(_err: &anyhow::Error) -> ExitCode {
    ExitCode::from(BAD_INPUT)
}
