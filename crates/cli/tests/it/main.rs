//! The command-line tests: one test binary, one module per area.

mod support;

mod bad_inputs;
mod capture_snippet;
mod cli;
mod faults;
mod fetch;
mod flags;
mod forecast;
mod identity;
mod leaks;
mod outputs;
mod roundtrip;
mod verify;
