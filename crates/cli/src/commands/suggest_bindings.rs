//! `keyaudit suggest-bindings`: read the inventory, the policy and the
//! usage files, and write the `[[bind]]` entries proposed for the events the
//! policy attributes to no key.

use std::fs::File;
use std::process::ExitCode;

use anyhow::{Context, Result};
use keyaudit_engine::{BindingSuggester, ValidPolicy};
use keyaudit_ingest::read_usage_file_parallel;

use crate::cli::SuggestBindingsArgs;
use crate::output::Output;
use crate::{policy_file, usage};

/// Runs `keyaudit suggest-bindings`.
pub fn run(args: SuggestBindingsArgs) -> Result<ExitCode> {
    let inputs = args
        .inventory
        .iter()
        .map(|p| ("--inventory", p.as_path()))
        .chain(args.usage.iter().map(|p| ("--usage", p.as_path())))
        .chain(args.policy.as_deref().map(|p| ("--policy", p)));
    let output = Output::prepare(args.output.as_deref(), inputs)?;
    let options = usage::read_options(&usage::audit_options(
        &args.timezone,
        args.usage_window.as_deref(),
        args.allow_partial,
    )?)?;
    let inventory = keyaudit_ingest::load_inventories(&args.inventory)?;
    let policy = match &args.policy {
        Some(path) => policy_file::load(path)?,
        None => ValidPolicy::default(),
    };
    let suggester = BindingSuggester::new(&inventory, &policy);
    let mut total = suggester.tally();
    let parallel = usage::parallel_options();
    for path in &args.usage {
        File::open(path).with_context(|| format!("cannot read usage file `{}`", path.display()))?;
        let (_, tally) = read_usage_file_parallel(path, &options, &parallel, &suggester)?;
        suggester.merge(&mut total, tally);
    }
    let suggestions = suggester.suggest(&total);
    output.write(|out| keyaudit_report::bindings::render(&suggestions, out))?;
    Ok(ExitCode::SUCCESS)
}
