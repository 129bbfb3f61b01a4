//! The report crate's tests: one test binary, one module per area.

mod render;
