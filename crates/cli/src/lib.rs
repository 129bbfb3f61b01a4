//! The `keyaudit` binary's commands: parsing the command line, wiring the
//! library crates together, writing outputs and deciding exit codes.
//!
//! A library only so that its tests (`tests/it`) can reach its parts; it is
//! not an API. `src/main.rs` calls [`main`].
#![forbid(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod demo;
pub mod exit;
pub mod flags;
pub mod output;
pub mod policy_file;
pub mod saved_report;
pub mod usage;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

/// Runs the command the command line names; errors go to stderr, one
/// `error:` line each, and decide the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Audit(args) => commands::audit::run(args),
        Command::Init(args) => commands::init::run(args),
        Command::CheckPolicy(args) => commands::check_policy::run(args),
        Command::Rules(args) => commands::rules::run(args),
        Command::CaptureSnippet(args) => commands::capture_snippet::run(args),
        Command::SuggestBindings(args) => commands::suggest_bindings::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::FetchUsage(args) => commands::fetch_usage::run(args),
        Command::History(args) => commands::history::run(args),
        Command::Verify(args) => commands::verify::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            for line in exit::message(&err).lines() {
                eprintln!("error: {line}");
            }
            exit::failure_code(&err)
        }
    }
}
