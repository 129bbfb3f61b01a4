//! Parsers for keyaudit's inputs: IT Glue API key inventories and usage
//! evidence (activity logs).
//!
//! An inventory is a table of keys the user captured or saved from IT
//! Glue's settings page (Admin → Settings → API Keys) or keeps as CSV, TSV,
//! semicolon-separated text, JSON or an HTML table. [`parse_inventory`] reads
//! one file, [`merge_inventories`] merges several, [`load_inventories`] does
//! both from paths.
//!
//! Usage evidence — a saved `/logs` JSON:API response, the JSONL that
//! `keyaudit fetch-usage` writes, or an Activity Logs CSV export — is
//! streamed event by event by [`read_usage`] / [`read_usage_file`], or read
//! on several threads by [`read_usage_file_parallel`]; see the
//! [`usage`] module for the formats, time zones and window rules.
//!
//! Full API keys found anywhere in an input are redacted at once and reported
//! as [`Exposure`](keyaudit_model::Exposure)s; see [`redact_secrets`].
//!
//! Password Access is known only when stated: an empty cell is `None`
//! (unknown), never `false`. A copy of the settings page in which no key
//! states it — what a browser's text copy gives, the checkboxes dropped — is
//! refused with [`IngestError::CheckboxStatesLost`].
//!
//! ```
//! use keyaudit_ingest::{IngestError, parse_inventory};
//!
//! // What `keyaudit capture-snippet` copies from the live page.
//! let captured = "Name\tKey\tPassword Access\tState\n\
//!     HaloPSA Integration\tITG.0123456789abcdef0123456789abcdef.*****\tyes\tactive\n\
//!     Datto RMM sync\tITG.fedcba9876543210fedcba9876543210.*****\tno\tpaused\n\
//!     Backup sync\t\t\tactive\n";
//! let parsed = parse_inventory("api-keys.tsv", captured.as_bytes())?;
//! assert_eq!(parsed.file.format, "tsv");
//! assert_eq!(parsed.keys[0].name, "HaloPSA Integration");
//! assert_eq!(parsed.keys[0].password_access, Some(true));
//! assert_eq!(parsed.keys[1].password_access, Some(false));
//! assert_eq!(parsed.keys[2].password_access, None); // unknown, not "no"
//! assert_eq!(
//!     parsed.keys[1].fingerprint.as_ref().map(|f| f.as_str()),
//!     Some("ITG.fedcba9876543210fedcba9876543210"),
//! );
//!
//! // A browser's copy of the settings page: every checkbox cell empty.
//! let copied = "Name\tKey\tPassword Access\tActions\n\
//!     HaloPSA Integration\tITG.0123456789abcdef0123456789abcdef.*****\t\tPause Revoke\n\
//!     \t\t\tGenerate API Key\n";
//! let refused = parse_inventory("copy.tsv", copied.as_bytes());
//! assert!(matches!(refused, Err(IngestError::CheckboxStatesLost { keys: 1, .. })));
//! # Ok::<(), IngestError>(())
//! ```
//!
//! A saved copy of the settings page reads the same way:
//!
//! ```
//! let page = r#"<!DOCTYPE html><html><body><nav><a href="/">IT Glue</a></nav>
//!     <table><thead><tr><th>Name</th><th>Key</th><th>Password Access</th><th></th></tr></thead>
//!     <tbody><tr><td>HaloPSA &amp; Halo ITSM</td>
//!       <td><code>ITG.0123456789abcdef0123456789abcdef.*****</code></td>
//!       <td><input type="checkbox" checked="checked"></td><td><button>Revoke</button></td></tr>
//!     <tr><td><input placeholder="Enter Name"></td><td></td><td><input type="checkbox"></td>
//!       <td><button>Generate API Key</button></td></tr></tbody></table></body></html>"#;
//! let parsed = keyaudit_ingest::parse_inventory("api-keys.html", page.as_bytes())?;
//! assert_eq!(parsed.file.format, "html");
//! assert_eq!(parsed.keys.len(), 1);
//! assert_eq!(parsed.keys[0].name, "HaloPSA & Halo ITSM");
//! assert_eq!(parsed.keys[0].password_access, Some(true));
//! # Ok::<(), keyaudit_ingest::IngestError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]
// An `IngestError` is built at most once per run and carries its places
// unboxed so that callers can match on its fields; its size does not matter.
#![allow(clippy::result_large_err)]

mod error;
mod inventory;
pub mod limits;
mod tabular;
pub mod usage;

pub use error::IngestError;
pub use inventory::{ParsedInventory, load_inventories, merge_inventories, parse_inventory};
pub use keyaudit_model::key_shape::{FoundSecret, mask_full_keys, redact_secrets};
pub use limits::Limit;
pub use usage::{
    ParallelOptions, Tz, UsageOptions, UsageRead, parse_timezone, parse_usage_window, read_usage,
    read_usage_file, read_usage_file_parallel,
};
