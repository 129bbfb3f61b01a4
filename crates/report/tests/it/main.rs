//! The report crate's tests: one test binary, one module per area.

mod bindings;
mod forecast;
mod render;
