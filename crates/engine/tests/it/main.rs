//! The engine's tests: one test binary, one module per area.

mod support;

mod attribution;
mod attribution_props;
mod catalogue;
mod compare;
mod forecast;
mod mutes;
mod observe_alloc;
mod policy;
mod policy_props;
mod report;
mod report_roundtrip;
mod rules;
mod scale;
mod suggest;
