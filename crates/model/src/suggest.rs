//! Suggested `[[bind]]` entries: which unattributed activity-log events
//! probably belong to which key (`keyaudit suggest-bindings`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{KeyRef, ValueCount};

/// What `suggest-bindings` found: one suggestion per cluster of
/// unattributed events (user-agent product and source network).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingSuggestions {
    /// Events read.
    pub events_seen: u64,
    /// Events attributed to no key under the current policy.
    pub unattributed: u64,
    /// Unattributed events left out because there were too many distinct
    /// clusters (counted, not suggested).
    pub events_not_clustered: u64,
    /// Suggestions with a key first (most events first), then the clusters
    /// no key fits (most events first).
    pub suggestions: Vec<BindingSuggestion>,
}

/// One proposed `[[bind]]` entry and the evidence for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingSuggestion {
    /// The key the events probably belong to; `None` when no key (or more
    /// than one) fits: the entry is written commented out.
    pub key: Option<SuggestedKey>,
    /// Keys that fit as well as the chosen one (or, without a chosen key,
    /// the keys that tie): the reader decides.
    pub candidates: Vec<KeyRef>,
    /// The user-agent product the cluster was formed on (`HaloPSA`), empty
    /// for events without a user agent.
    pub product: String,
    /// The binding's `user_agent` globs (empty: no user agent to match).
    pub user_agent: Vec<String>,
    /// The binding's `ip` entries (addresses or networks); empty when the
    /// user agent alone identifies the integration.
    pub ip: Vec<String>,
    /// Events of the cluster (unattributed ones; for an entry that keeps a
    /// key's current attribution, the events attributed to it today).
    pub events: u64,
    /// The earliest of those events.
    pub first_seen: DateTime<Utc>,
    /// The latest of those events.
    pub last_seen: DateTime<Utc>,
    /// Their source addresses, most frequent first (at most ten).
    pub source_ips: Vec<ValueCount>,
    /// Their full user agents, most frequent first (at most three).
    pub user_agents_seen: Vec<ValueCount>,
    /// Why the key was chosen, or why none was.
    pub reason: String,
}

/// The key of a suggestion, and how the binding names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestedKey {
    /// The key.
    pub key: KeyRef,
    /// The binding's `key` value: the key's name when no other key has it,
    /// else its fingerprint.
    pub binding_key: String,
}
