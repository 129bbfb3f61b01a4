//! `keyaudit`: audit the API keys of an IT Glue account.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod demo;
mod exit;
mod flags;
mod output;
mod policy_file;
mod saved_report;
mod usage;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
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
