//! `keyaudit check-policy`: validate a policy file.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::CheckPolicyArgs;
use crate::output::Output;
use crate::policy_file;

/// Runs `keyaudit check-policy`: every error is printed with its line and
/// column (through the caller's error printing), exit 2; or a one-line
/// summary of the valid policy, exit 0.
pub fn run(args: CheckPolicyArgs) -> Result<ExitCode> {
    let shown = args.policy.display().to_string();
    let policy = policy_file::load(&args.policy)?;
    for exposure in policy.exposures() {
        eprintln!(
            "warning: {}: a full API key ({}) is written in the policy; revoke and regenerate it, and name it by its fingerprint",
            exposure.location, exposure.fingerprint
        );
    }
    let info = policy.info();
    let text = format!(
        "{shown}: valid ({} allowance{}, {} mute{}, {} severity override{}; {})\n",
        info.allowances,
        plural(info.allowances),
        info.mutes,
        plural(info.mutes),
        info.severity_overrides.len(),
        plural(info.severity_overrides.len()),
        info.digest
    );
    // Through stdout's writer: a reader that closes the pipe early ends the
    // output, not the process.
    Output::prepare(None, [])?.write(|out| out.write_all(text.as_bytes()))?;
    Ok(ExitCode::SUCCESS)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
