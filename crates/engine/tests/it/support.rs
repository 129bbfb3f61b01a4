//! Helpers shared by the engine's tests.

pub mod counting_alloc;
pub mod fixtures;
