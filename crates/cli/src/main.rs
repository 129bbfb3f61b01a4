//! `keyaudit`: audit the API keys of an IT Glue account.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    keyaudit_cli::main()
}
