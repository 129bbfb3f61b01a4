//! The bundled demo account (`fixtures/demo/`), embedded in the binary so
//! that `keyaudit audit --demo` works anywhere and never changes by itself.
//! Its inputs are recorded in the report as embedded, with the digests of
//! the embedded bytes, and `keyaudit verify` re-makes a demo report from
//! them.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use keyaudit_engine::{UsageEvidence, ValidPolicy, parse_policy};
use keyaudit_model::Inventory;

const INVENTORY: &[u8] = include_bytes!("../../../fixtures/demo/inventory.csv");
const POLICY: &str = include_str!("../../../fixtures/demo/keyaudit.toml");
const AS_OF: &str = include_str!("../../../fixtures/demo/as-of.txt");
const ACTIVITY: &[u8] = include_bytes!("../../../fixtures/demo/activity.jsonl");

/// The demo's inventory, policy and own as-of date.
pub struct Demo {
    /// The demo keys.
    pub inventory: Inventory,
    /// The demo policy.
    pub policy: ValidPolicy,
    /// The date the demo is judged at unless `--as-of` says otherwise.
    pub as_of: DateTime<Utc>,
}

/// Loads the embedded demo account.
pub fn load() -> Result<Demo> {
    let parsed = keyaudit_ingest::parse_inventory("demo:inventory.csv", INVENTORY)?;
    let inventory = keyaudit_ingest::merge_inventories(vec![parsed])?;
    let policy = parse_policy("demo:keyaudit.toml", POLICY)?;
    let as_of = crate::commands::audit::parse_as_of(AS_OF.trim()).context("demo as-of date")?;
    Ok(Demo {
        inventory,
        policy,
        as_of,
    })
}

/// The demo's activity log (30 days of `fetch-usage` output), attributed to
/// the demo keys.
pub fn usage(
    inventory: &mut Inventory,
    policy: &ValidPolicy,
    options: &keyaudit_ingest::UsageOptions,
    as_of: DateTime<Utc>,
) -> Result<UsageEvidence> {
    crate::usage::attribute(
        inventory,
        policy,
        [("demo:activity.jsonl".to_string(), ACTIVITY)],
        options,
        as_of,
    )
}
