//! The report crate's tests: one test binary, one module per area.

mod bindings;
mod catalogue;
mod forecast;
mod render;
