//! The benchmark crate's tests: one test binary.

mod small;
