//! The itglue crate's tests: one test binary, one module per area.

mod common;

mod fetch;
mod leak;
