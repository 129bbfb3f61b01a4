//! `keyaudit suggest-bindings`: read the inventory, the policy and the
//! usage files, and write the `[[bind]]` entries proposed for the events the
//! policy attributes to no key.

use std::fs::File;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use keyaudit_engine::{BindingSuggester, ValidPolicy};
use keyaudit_ingest::read_usage_file_parallel;

use crate::cli::SuggestBindingsArgs;
use crate::{output, policy_file, usage};

/// Runs `keyaudit suggest-bindings`.
pub fn run(args: SuggestBindingsArgs) -> Result<ExitCode> {
    if let Some(out) = &args.output {
        refuse_input_as_output(out, &args)?;
        output::check_writable(out)?;
    }
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
        let (_, tally) = read_usage_file_parallel(
            path,
            &options,
            &parallel,
            || suggester.tally(),
            |tally, event| suggester.observe(tally, event),
            |total, part| suggester.merge(total, part),
        )?;
        suggester.merge(&mut total, tally);
    }
    let suggestions = suggester.suggest(&total);
    let write = |out: &mut dyn std::io::Write| keyaudit_report::bindings::render(&suggestions, out);
    match &args.output {
        Some(path) => output::write_file(path, write)?,
        None => output::write_stdout(write)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// An output that is one of the inputs is refused before any work.
fn refuse_input_as_output(out: &Path, args: &SuggestBindingsArgs) -> Result<()> {
    let Ok(target) = out.canonicalize() else {
        return Ok(());
    };
    let inputs = args
        .inventory
        .iter()
        .chain(&args.usage)
        .chain(args.policy.as_ref());
    for input in inputs {
        if input.canonicalize().is_ok_and(|p| p == target) {
            bail!(
                "--output `{}` is the input `{}`: write the suggestions to another file (an input is never overwritten)",
                out.display(),
                input.display()
            );
        }
    }
    Ok(())
}
