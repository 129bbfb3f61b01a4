//! Exit codes: 0 ran and nothing at or above `--fail-on`; 1 findings at or
//! above it; otherwise the [`Failure`] that stopped the run: 2 bad input, bad
//! policy or bad usage; 3 the IT Glue API failed; 4 the output could not be
//! written.

use std::error::Error;
use std::fmt;
use std::process::ExitCode;

use keyaudit_model::ReportDiff;
use keyaudit_model::{AuditReport, Severity};

use crate::cli::FailOn;
use crate::flags;

/// Exit code of a run with findings at or above `--fail-on`.
pub const FINDINGS: u8 = 1;

/// Why a run stopped before it could finish: what its exit code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Bad input, a bad policy or bad usage: the message names the file, the
    /// row or line, or the flag.
    BadInput,
    /// The IT Glue API failed: rejected key, network, server errors, an
    /// interrupted or an incomplete fetch.
    Api,
    /// The output could not be written: a full disk, a missing folder, no
    /// permission.
    Output,
}

impl Failure {
    /// The process's exit code for this failure.
    pub fn exit_code(self) -> u8 {
        match self {
            Failure::BadInput => 2,
            Failure::Api => 3,
            Failure::Output => 4,
        }
    }

    /// `error`, marked as this failure (its message is unchanged).
    pub fn mark(self, error: impl Into<anyhow::Error>) -> anyhow::Error {
        anyhow::Error::new(Marked {
            failure: self,
            error: error.into(),
        })
    }

    /// The failure `error` was marked with, wherever in its chain of causes
    /// the mark is; an unmarked error is bad input.
    pub fn of(error: &anyhow::Error) -> Self {
        error
            .chain()
            .find_map(|cause| cause.downcast_ref::<Marked>())
            .map_or(Failure::BadInput, |marked| marked.failure)
    }
}

/// An error carrying the [`Failure`] it stands for. It shows as the error it
/// wraps: its message is that error's, its source that error's source.
#[derive(Debug)]
struct Marked {
    failure: Failure,
    error: anyhow::Error,
}

impl fmt::Display for Marked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl Error for Marked {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error.source()
    }
}

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

/// The error as the user reads it: each cause of its chain, joined by `: `
/// as `{:#}` shows them, with the settings that library errors name worded
/// as flags ([`flags::message`]).
pub fn message(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(cause_message)
        .collect::<Vec<_>>()
        .join(": ")
}

/// One cause's message; a [`Marked`] error's is the message of the error it
/// marks.
fn cause_message(cause: &(dyn Error + 'static)) -> String {
    match cause.downcast_ref::<Marked>() {
        Some(marked) => cause_message(marked.error.as_ref()),
        None => flags::message(cause).unwrap_or_else(|| cause.to_string()),
    }
}

/// The exit code for an error that stopped the run.
pub fn failure_code(error: &anyhow::Error) -> ExitCode {
    ExitCode::from(Failure::of(error).exit_code())
}
