//! Helpers shared by the command-line tests.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

/// The `keyaudit` binary, free of the test environment's API key, log
/// filter and `NO_COLOR`.
pub fn keyaudit() -> Command {
    let mut cmd = Command::cargo_bin("keyaudit").unwrap();
    cmd.env_remove("ITGLUE_API_KEY")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR");
    cmd
}

/// The names of the entries of `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
