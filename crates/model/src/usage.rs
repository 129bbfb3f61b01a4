use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::ContentDigest;

/// One IT Glue activity-log event, with the attributes attribution needs.
///
/// Borrowed where the parser can borrow (`Cow`), so that streaming millions
/// of events does not allocate per field. No attribute names the API key:
/// attribution to keys is the engine's policy decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageEvent<'a> {
    /// The log resource's id, when the source has one.
    pub id: Option<Cow<'a, str>>,
    /// When the event happened (UTC).
    pub created_at: DateTime<Utc>,
    /// `user-id`: the IT Glue user the request ran as.
    pub user_id: Option<Cow<'a, str>>,
    /// The actor's name (the CSV export's User or Member column).
    pub actor: Option<Cow<'a, str>>,
    /// `action`, e.g. `show`, `update`.
    pub action: Option<Cow<'a, str>>,
    /// `resource-type`, e.g. `Password`.
    pub resource_type: Option<Cow<'a, str>>,
    /// `resource-name`.
    pub resource_name: Option<Cow<'a, str>>,
    /// `organization-id`, or the organization's name in a CSV export.
    pub organization: Option<Cow<'a, str>>,
    /// `ip-address`: the source address of the request.
    pub ip_address: Option<Cow<'a, str>>,
    /// `user-agent` of the request.
    pub user_agent: Option<Cow<'a, str>>,
}

impl UsageEvent<'_> {
    /// An event at `created_at` with every attribute absent.
    pub fn at(created_at: DateTime<Utc>) -> Self {
        Self {
            id: None,
            created_at,
            user_id: None,
            actor: None,
            action: None,
            resource_type: None,
            resource_name: None,
            organization: None,
            ip_address: None,
            user_agent: None,
        }
    }

    /// True when the event touched passwords (`resource-type` contains
    /// "password", case-insensitively).
    pub fn is_password_event(&self) -> bool {
        self.resource_type.as_deref().is_some_and(|t| {
            t.as_bytes()
                .windows(8)
                .any(|w| w[0] | 0x20 == b'p' && w.eq_ignore_ascii_case(b"password"))
        })
    }
}

/// Where a usage source's window came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowOrigin {
    /// The source says which window it covers (the `fetch-usage` JSONL header).
    Declared,
    /// The user said so (`--usage-window`).
    Given,
    /// Inferred from the earliest and latest event.
    Inferred,
}

/// One usage file as read: what it covers and how much it held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageSource {
    /// The path as the user named it.
    pub path: String,
    /// The detected format (`jsonapi`, `jsonl`, `csv`).
    pub format: String,
    /// Start of the window the source covers; `None` for an empty source
    /// with no declared or given window.
    pub start: Option<DateTime<Utc>>,
    /// End of that window.
    pub end: Option<DateTime<Utc>>,
    /// Where the window came from.
    pub origin: WindowOrigin,
    /// False when the source says it is incomplete (accepted with `--allow-partial`).
    pub complete: bool,
    /// Events read.
    pub events: u64,
    /// The digest of the bytes read, when the reader hashed them.
    pub digest: Option<ContentDigest>,
}
