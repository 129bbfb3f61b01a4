//! One module per subcommand.

pub mod audit;
pub mod capture_snippet;
pub mod check_policy;
pub mod diff;
pub mod fetch_usage;
pub mod history;
pub mod init;
pub mod rules;
pub mod suggest_bindings;
pub mod verify;
