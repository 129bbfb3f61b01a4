//! The ingest crate's tests: one test binary, one module per area.

// The engine's counting allocator is this binary's global allocator; only
// the thread inside `allocations_in` counts.
#[path = "../../../engine/tests/it/support/counting_alloc.rs"]
mod counting_alloc;

mod errors;
mod html;
mod inventory_props;
mod merge;
mod parallel;
mod parse;
mod secrets;
mod usage;
mod usage_alloc;
