//! `suggest-bindings`: `[[bind]]` entries proposed for the activity-log
//! events the current policy attributes to no key.
//!
//! Events are clustered by user-agent product (the first word of the user
//! agent up to its `/`, without version) and source network (the /24 of an
//! IPv4 address, the /64 of an IPv6 one). A product is matched to the key
//! whose name shares its longest distinctive word with it (case ignored;
//! generic words such as api, key, sync, integration, agent, client are
//! not distinctive), and the binding is a user-agent glob (`HaloPSA/*`).
//! Generic HTTP clients (`curl`, `python-requests`, `Go-http-client`,
//! `PowerShell`, …) are never matched by name: only when every attributed
//! event from the same source address belongs to one key, and then the
//! binding adds that address.
//!
//! A binding is never proposed where it would attribute an event that is
//! attributed today to another key (the event would become ambiguous):
//! the glob is then narrowed to the networks where it would not, and the
//! rest is listed without a key. A key without bindings of its own is
//! attributed by its name; a binding of its own replaces that, so its
//! suggestion comes with an entry that keeps those events (or, when the
//! name's events cannot be kept by user-agent globs, without a key). Keys
//! that fit equally are named, never chosen silently.
//!
//! Work is bounded: at most [`MAX_CLUSTERS`] clusters (events past it are
//! counted, and no binding is then proposed, since the check against
//! attributed events would be incomplete) and a bounded number of values
//! counted per cluster.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use keyaudit_model::{
    ApiKey, BindingSuggestion, BindingSuggestions, EventSink, Inventory, KeyRef, KeyState,
    SuggestedKey, UsageEvent, ValueCount,
};

use crate::attribution::{Attribution, UsageTally, ValueCounter, gets_default_binding};
use crate::audit::key_ref;
use crate::keyid;
use crate::naming;
use crate::policy::{Binding, ValidPolicy};

/// Distinct (product, network) clusters counted, at most.
pub const MAX_CLUSTERS: usize = 4096;

/// Distinct source addresses with attributed events counted, at most.
const MAX_ADDRESSES: usize = 65_536;

/// Distinct values (addresses, user agents) counted per cluster.
const VALUES_PER_CLUSTER: usize = 64;

/// A binding lists the addresses themselves up to this many, else their
/// networks.
const MAX_LISTED_ADDRESSES: usize = 8;

/// Evidence lists: addresses and user agents shown per suggestion.
const SHOWN_ADDRESSES: usize = 10;
const SHOWN_AGENTS: usize = 3;

/// Shortest distinctive word.
const MIN_WORD: usize = 4;

/// Words that say nothing of which integration a key or a client is.
const GENERIC_WORDS: &[&str] = &[
    "access",
    "admin",
    "agent",
    "apikey",
    "apis",
    "app",
    "application",
    "automation",
    "backup",
    "bot",
    "client",
    "cloud",
    "connect",
    "connector",
    "dashboard",
    "dashboards",
    "data",
    "desk",
    "documentation",
    "docs",
    "export",
    "glue",
    "http",
    "https",
    "import",
    "integration",
    "integrations",
    "integrator",
    "inventory",
    "itglue",
    "keys",
    "legacy",
    "library",
    "manage",
    "management",
    "manager",
    "migration",
    "module",
    "monitor",
    "monitoring",
    "password",
    "passwords",
    "platform",
    "plugin",
    "portal",
    "production",
    "report",
    "reporting",
    "reports",
    "request",
    "requests",
    "script",
    "scripts",
    "server",
    "service",
    "services",
    "staging",
    "sync",
    "syncer",
    "system",
    "team",
    "test",
    "token",
    "tool",
    "tools",
    "user",
    "webhook",
    "worker",
];

/// User-agent products of generic HTTP clients and browsers, folded: any
/// program may send them, so they never identify an integration by name.
const GENERIC_CLIENTS: &[&str] = &[
    "apache-httpclient",
    "axios",
    "curl",
    "dalvik",
    "faraday",
    "go-http-client",
    "guzzlehttp",
    "httpie",
    "httpx",
    "java",
    "libwww-perl",
    "mozilla",
    "node",
    "node-fetch",
    "okhttp",
    "postmanruntime",
    "powershell",
    "python",
    "python-httpx",
    "python-requests",
    "python-urllib",
    "python-urllib3",
    "aiohttp",
    "requests",
    "restsharp",
    "ruby",
    "undici",
    "wget",
    "windowspowershell",
];

/// What `suggest-bindings` proposes, from the events the current policy
/// leaves unattributed: feed every event to [`BindingSuggester::observe`]
/// (one [`SuggestTally`] per thread, [merged](BindingSuggester::merge)),
/// then call [`BindingSuggester::suggest`]. Pure: no I/O, no clock.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use keyaudit_engine::{BindingSuggester, ValidPolicy};
/// use keyaudit_model::{ApiKey, Inventory, UsageEvent};
///
/// let inventory = Inventory {
///     keys: vec![ApiKey::named("HaloPSA Integration"), ApiKey::named("Rewst automation")],
///     ..Inventory::default()
/// };
/// let policy = ValidPolicy::default();
/// let suggester = BindingSuggester::new(&inventory, &policy);
/// let mut tally = suggester.tally();
/// let at = Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap();
/// for agent in ["HaloPSA-Connector/2.1", "HaloPSA-Connector/2.2", "curl/8.5"] {
///     let mut event = UsageEvent::at(at);
///     event.user_agent = Some(agent.into());
///     event.ip_address = Some("203.0.113.7".into());
///     suggester.observe(&mut tally, &event);
/// }
/// let found = suggester.suggest(&tally);
/// let halo = &found.suggestions[0];
/// assert_eq!(halo.key.as_ref().unwrap().binding_key, "HaloPSA Integration");
/// assert_eq!(halo.user_agent, ["HaloPSA-Connector/*"]);
/// assert_eq!(halo.events, 2);
/// assert!(found.suggestions[1].key.is_none()); // curl: a generic client
/// ```
#[derive(Debug)]
pub struct BindingSuggester<'a> {
    inventory: &'a Inventory,
    policy: &'a ValidPolicy,
    attribution: Attribution,
}

/// The counts `suggest-bindings` works from: the attribution tally, the
/// clusters of events, and which keys the events of each source address
/// are attributed to.
#[derive(Debug, Clone, Default)]
pub struct SuggestTally {
    usage: UsageTally,
    clusters: HashMap<ClusterKey, Cluster>,
    addresses: HashMap<Box<str>, Seen>,
    not_clustered: u64,
    clusters_full: bool,
    addresses_full: bool,
}

/// A user-agent product (folded, with how it ends) and a source network.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ClusterKey {
    product: String,
    network: String,
}

/// The events of one cluster.
#[derive(Debug, Clone, Default)]
struct Cluster {
    /// The product as written (the smallest spelling seen).
    display: String,
    /// The glob matching the product's user agents.
    glob: Option<String>,
    unattributed: Seen,
    addresses: ValueCounter<VALUES_PER_CLUSTER>,
    agents: ValueCounter<VALUES_PER_CLUSTER>,
    attributed: Seen,
}

/// Events counted, by key, with the earliest and latest.
#[derive(Debug, Clone, Default)]
struct Seen {
    events: u64,
    by_key: BTreeMap<u32, u64>,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

impl Seen {
    fn add(&mut self, keys: &[u32], at: DateTime<Utc>) {
        self.events += 1;
        for &k in keys {
            *self.by_key.entry(k).or_default() += 1;
        }
        self.first = Some(self.first.map_or(at, |t| t.min(at)));
        self.last = Some(self.last.map_or(at, |t| t.max(at)));
    }

    fn merge(&mut self, other: &Seen) {
        self.events += other.events;
        for (k, n) in &other.by_key {
            *self.by_key.entry(*k).or_default() += n;
        }
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = self.last.max(other.last);
    }

    /// Events not attributed to key `k`.
    fn without(&self, k: u32) -> u64 {
        self.events - self.by_key.get(&k).copied().unwrap_or(0)
    }

    /// The only key every event is attributed to, if there is one.
    fn sole_key(&self) -> Option<u32> {
        let mut all = self
            .by_key
            .iter()
            .filter(|(_, n)| **n == self.events)
            .map(|(k, _)| *k);
        match (self.events, all.next(), all.next()) {
            (1.., Some(k), None) => Some(k),
            _ => None,
        }
    }
}

/// The reader's seam: a usage reader hands events to the suggester
/// through [`EventSink`], one [`SuggestTally`] per byte range.
impl EventSink for BindingSuggester<'_> {
    type Tally = SuggestTally;

    fn tally(&self) -> SuggestTally {
        BindingSuggester::tally(self)
    }

    fn observe(&self, tally: &mut SuggestTally, event: &UsageEvent<'_>) {
        BindingSuggester::observe(self, tally, event);
    }

    fn merge(&self, total: &mut SuggestTally, later: SuggestTally) {
        BindingSuggester::merge(self, total, later);
    }
}

impl<'a> BindingSuggester<'a> {
    /// Compiles the policy's attribution against the inventory.
    pub fn new(inventory: &'a Inventory, policy: &'a ValidPolicy) -> Self {
        Self {
            inventory,
            policy,
            attribution: Attribution::new(inventory, policy),
        }
    }

    /// An empty tally.
    pub fn tally(&self) -> SuggestTally {
        SuggestTally {
            usage: self.attribution.tally(),
            ..SuggestTally::default()
        }
    }

    /// Attributes one event under the current policy and counts it in its
    /// cluster.
    pub fn observe(&self, tally: &mut SuggestTally, event: &UsageEvent<'_>) {
        let SuggestTally {
            usage,
            clusters,
            addresses,
            not_clustered,
            clusters_full,
            addresses_full,
        } = tally;
        self.attribution.observe_with(usage, event, |keys| {
            let agent = event
                .user_agent
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty());
            let address = event
                .ip_address
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty());
            let product = Product::of(agent);
            let key = ClusterKey {
                product: product.key,
                network: address.map(network).unwrap_or_default(),
            };
            if !clusters.contains_key(&key) {
                if clusters.len() >= MAX_CLUSTERS {
                    *clusters_full = true;
                    *not_clustered += u64::from(keys.is_empty());
                    return;
                }
                let cluster = Cluster {
                    display: product.display,
                    glob: product.glob,
                    ..Cluster::default()
                };
                clusters.insert(key.clone(), cluster);
            }
            let Some(cluster) = clusters.get_mut(&key) else {
                return;
            };
            if keys.is_empty() {
                cluster.unattributed.add(keys, event.created_at);
                if let Some(address) = address {
                    cluster.addresses.add(address);
                }
                if let Some(agent) = agent {
                    cluster.agents.add(agent);
                }
                return;
            }
            cluster.attributed.add(keys, event.created_at);
            if let Some(address) = address {
                if let Some(seen) = addresses.get_mut(address) {
                    seen.add(keys, event.created_at);
                } else if addresses.len() < MAX_ADDRESSES {
                    let mut seen = Seen::default();
                    seen.add(keys, event.created_at);
                    addresses.insert(address.into(), seen);
                } else {
                    *addresses_full = true;
                }
            }
        });
    }

    /// Adds `part`'s counts to `total`.
    pub fn merge(&self, total: &mut SuggestTally, part: SuggestTally) {
        self.attribution.merge(&mut total.usage, part.usage);
        total.not_clustered += part.not_clustered;
        total.clusters_full |= part.clusters_full;
        total.addresses_full |= part.addresses_full;
        for (key, cluster) in part.clusters {
            if let Some(mine) = total.clusters.get_mut(&key) {
                mine.merge(cluster);
            } else if total.clusters.len() < MAX_CLUSTERS {
                total.clusters.insert(key, cluster);
            } else {
                total.clusters_full = true;
                total.not_clustered += cluster.unattributed.events;
            }
        }
        for (address, seen) in part.addresses {
            if let Some(mine) = total.addresses.get_mut(&address) {
                mine.merge(&seen);
            } else if total.addresses.len() < MAX_ADDRESSES {
                total.addresses.insert(address, seen);
            } else {
                total.addresses_full = true;
            }
        }
    }

    /// The suggestions: with a key first, most events first; then the
    /// clusters no key fits, most events first.
    pub fn suggest(&self, tally: &SuggestTally) -> BindingSuggestions {
        let plan = Plan::new(self.inventory, self.policy, tally);
        let mut suggestions = plan.suggestions();
        suggestions.sort_by(|a, b| {
            (
                a.key.is_none(),
                std::cmp::Reverse(a.events),
                &a.product,
                &a.ip,
            )
                .cmp(&(
                    b.key.is_none(),
                    std::cmp::Reverse(b.events),
                    &b.product,
                    &b.ip,
                ))
        });
        BindingSuggestions {
            events_seen: tally.usage.events(),
            unattributed: tally.usage.unattributed(),
            events_not_clustered: tally.not_clustered,
            suggestions,
        }
    }
}

impl Cluster {
    fn merge(&mut self, other: Cluster) {
        if other.display < self.display {
            self.display = other.display;
            self.glob = other.glob;
        }
        self.unattributed.merge(&other.unattributed);
        self.attributed.merge(&other.attributed);
        self.addresses.merge(other.addresses);
        self.agents.merge(other.agents);
    }
}

/// The product of a user agent: its first word up to `/`.
#[derive(Debug, Clone, Default)]
struct Product {
    /// Folded, with a mark of how the word goes on (`/`, a space, or not).
    key: String,
    /// As written.
    display: String,
    /// The glob matching every user agent of the product; `None` without
    /// a user agent.
    glob: Option<String>,
}

impl Product {
    fn of(agent: Option<&str>) -> Self {
        let Some(agent) = agent else {
            return Self::default();
        };
        let word = agent.split_whitespace().next().unwrap_or(agent);
        let (name, tail) = match word.split_once('/') {
            Some((name, _)) if !name.is_empty() => (name, "/*"),
            _ if word.len() < agent.len() => (word, " *"),
            _ => (word, ""),
        };
        // `*` and `?` are the glob's own: `?` matches them as one character.
        let literal: String = name
            .chars()
            .map(|c| if matches!(c, '*' | '?') { '?' } else { c })
            .collect();
        Self {
            key: format!("{}{}", name.to_lowercase(), tail.trim_end_matches('*')),
            display: name.to_string(),
            glob: Some(format!("{literal}{tail}")),
        }
    }
}

/// The /24 of an IPv4 address, the /64 of an IPv6 one; the text itself
/// when it is not an address.
fn network(address: &str) -> String {
    match address.parse::<IpAddr>().map(crate::policy::canonical_ip) {
        Ok(IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Ok(IpAddr::V6(v6)) => {
            let bits = u128::from(v6) & (u128::MAX << 64);
            format!("{}/64", std::net::Ipv6Addr::from(bits))
        }
        Err(_) => address.to_string(),
    }
}

/// The lower-case words of a name or product that may identify an
/// integration: runs of letters and digits, their camel-case parts and
/// adjacent runs joined (`ConnectWise Manage` → connectwise, connect,
/// wise, manage, connectwisemanage), without generic words, numbers and
/// words shorter than [`MIN_WORD`].
fn words(text: &str, generic: &BTreeSet<String>) -> BTreeSet<String> {
    let runs: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|r| !r.is_empty())
        .collect();
    let mut words = BTreeSet::new();
    for (i, run) in runs.iter().enumerate() {
        words.insert(run.to_lowercase());
        words.extend(camel_parts(run).into_iter().map(|p| p.to_lowercase()));
        let numeric = |r: &str| r.chars().all(|c| c.is_ascii_digit());
        if let Some(next) = runs.get(i + 1).filter(|n| !numeric(n) && !numeric(run)) {
            words.insert(format!("{run}{next}").to_lowercase());
        }
    }
    words.retain(|w| {
        w.chars().count() >= MIN_WORD
            && !w.chars().all(|c| c.is_ascii_digit())
            && !generic.contains(w)
    });
    words
}

/// `HaloPSA` → Halo, PSA; `PSAConnector` → PSA, Connector; `v2Sync` → v, 2, Sync.
fn camel_parts(run: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = run.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let prev = chars[i - 1].1;
        let next_lower = chars.get(i + 1).is_some_and(|(_, n)| n.is_lowercase());
        let boundary = (prev.is_lowercase() && c.is_uppercase())
            || (prev.is_uppercase() && c.is_uppercase() && next_lower)
            || (prev.is_alphabetic() != c.is_alphabetic());
        if boundary {
            parts.push(&run[start..at]);
            start = at;
        }
    }
    parts.push(&run[start..]);
    parts
}

/// Everything the suggestions are decided from.
struct Plan<'t> {
    keys: &'t [ApiKey],
    refs: Vec<KeyRef>,
    tally: &'t SuggestTally,
    /// Per live, named key: its distinctive words.
    key_words: Vec<(u32, BTreeSet<String>)>,
    generic: BTreeSet<String>,
    /// Keys bound by their name today (no binding of their own).
    by_name: Vec<bool>,
    /// How a binding names each key.
    binding_keys: Vec<String>,
    /// Clusters by product, in order.
    products: BTreeMap<&'t str, Vec<(&'t ClusterKey, &'t Cluster)>>,
}

impl<'t> Plan<'t> {
    fn new(inventory: &'t Inventory, policy: &'t ValidPolicy, tally: &'t SuggestTally) -> Self {
        let keys = &inventory.keys;
        let refs: Vec<KeyRef> = keys
            .iter()
            .zip(keyid::key_ids(keys))
            .map(|(key, id)| key_ref(key, id))
            .collect();
        let generic_names = naming::generic_names(policy);
        let mut generic: BTreeSet<String> = GENERIC_WORDS.iter().map(|w| w.to_string()).collect();
        generic.extend(
            generic_names
                .iter()
                .filter(|n| !n.contains(char::is_whitespace))
                .cloned(),
        );
        let key_words = keys
            .iter()
            .enumerate()
            .filter(|(_, k)| k.state != KeyState::Revoked && !naming::is_blank(&k.name))
            .map(|(i, k)| (i as u32, words(&k.name, &generic)))
            .filter(|(_, w)| !w.is_empty())
            .collect();
        let by_name = keys
            .iter()
            .map(|key| {
                !policy
                    .bindings
                    .iter()
                    .any(|b| b.has_conditions() && b.matches(key))
                    && gets_default_binding(key, &generic_names, policy.naming.min_length)
            })
            .collect();
        let binding_keys = keys
            .iter()
            .map(|key| {
                let by_name = Binding {
                    key: key.name.trim().to_string(),
                    ..Binding::default()
                };
                let same = keys.iter().filter(|k| by_name.matches(k)).count();
                match &key.fingerprint {
                    Some(fp) if same != 1 || naming::is_blank(&key.name) => fp.as_str().to_string(),
                    _ => key.name.trim().to_string(),
                }
            })
            .collect();
        let mut products: BTreeMap<&str, Vec<(&ClusterKey, &Cluster)>> = BTreeMap::new();
        let mut sorted: Vec<_> = tally.clusters.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for (key, cluster) in sorted {
            products
                .entry(key.product.as_str())
                .or_default()
                .push((key, cluster));
        }
        Self {
            keys,
            refs,
            tally,
            key_words,
            generic,
            by_name,
            binding_keys,
            products,
        }
    }

    fn suggestions(&self) -> Vec<BindingSuggestion> {
        let mut out = Vec::new();
        for (product, clusters) in &self.products {
            let unattributed: Vec<_> = clusters
                .iter()
                .copied()
                .filter(|(_, c)| c.unattributed.events > 0)
                .collect();
            if unattributed.is_empty() {
                continue;
            }
            let display = &unattributed[0].1.display;
            if product.is_empty() {
                out.push(
                    self.unmatched(
                        &unattributed,
                        Vec::new(),
                        "events without a user agent: bind them by `ip`, `user_id` or `actor`"
                            .to_string(),
                    ),
                );
            } else if GENERIC_CLIENTS.contains(&product.trim_end_matches(['/', ' '])) {
                self.by_address(display, clusters, &unattributed, &mut out);
            } else {
                self.by_name(display, clusters, &unattributed, &mut out);
            }
        }
        self.keep_name_bindings(&mut out);
        if self.tally.clusters_full {
            for suggestion in out.iter_mut().filter(|s| s.key.is_some()) {
                let key = suggestion.key.take().map(|k| k.key);
                suggestion.candidates.extend(key);
                suggestion.reason = format!(
                    "{}; not proposed: there were more than {MAX_CLUSTERS} clusters of events, so \
                     the check against attributed events is incomplete",
                    suggestion.reason
                );
            }
        }
        out
    }

    /// A product matched by the words of key names.
    fn by_name(
        &self,
        display: &str,
        clusters: &[(&ClusterKey, &Cluster)],
        unattributed: &[(&ClusterKey, &Cluster)],
        out: &mut Vec<BindingSuggestion>,
    ) {
        let product_words = words(display, &self.generic);
        let mut best: Vec<(usize, u32, String)> = Vec::new();
        for (k, key_words) in &self.key_words {
            let Some(shared) = product_words
                .intersection(key_words)
                .max_by_key(|w| (w.chars().count(), std::cmp::Reverse(w.to_string())))
            else {
                continue;
            };
            let score = shared.chars().count();
            if best.first().is_some_and(|(s, _, _)| score > *s) {
                best.clear();
            }
            if best.first().is_none_or(|(s, _, _)| score == *s) {
                best.push((score, *k, shared.clone()));
            }
        }
        let active: Vec<_> = best
            .iter()
            .filter(|(_, k, _)| self.keys[*k as usize].state == KeyState::Active)
            .collect();
        let chosen = match (best.len(), active.len()) {
            (0, _) => {
                out.push(self.unmatched(
                    unattributed,
                    Vec::new(),
                    format!("no key's name shares a distinctive word with `{display}`"),
                ));
                return;
            }
            (1, _) => &best[0],
            (_, 1) => active[0],
            _ => {
                let candidates: Vec<KeyRef> = best
                    .iter()
                    .map(|(_, k, _)| self.refs[*k as usize].clone())
                    .collect();
                out.push(self.unmatched(
                    unattributed,
                    candidates.clone(),
                    format!(
                        "`{display}` fits several keys equally ({}): choose one, or bind by \
                         fingerprint",
                        names(&candidates)
                    ),
                ));
                return;
            }
        };
        let (_, k, word) = chosen;
        let others: Vec<KeyRef> = best
            .iter()
            .filter(|(_, o, _)| o != k)
            .map(|(_, o, _)| self.refs[*o as usize].clone())
            .collect();
        let reason = format!(
            "the user agent's product `{display}` and the key's name share the word \"{word}\""
        );
        let conflicts: u64 = clusters.iter().map(|(_, c)| c.attributed.without(*k)).sum();
        if conflicts == 0 {
            out.push(self.proposal(*k, unattributed, Vec::new(), others, reason));
            return;
        }
        // Narrow to the networks where no event is attributed to another key.
        let (clean, clashing): (Vec<_>, Vec<_>) =
            unattributed.iter().copied().partition(|(key, c)| {
                !key.network.is_empty()
                    && clusters
                        .iter()
                        .filter(|(other, _)| other.network == key.network)
                        .all(|(_, o)| o.attributed.without(*k) == 0)
                    && c.attributed.without(*k) == 0
            });
        if !clean.is_empty() {
            let ips = listed_addresses(&clean);
            out.push(self.proposal(
                *k,
                &clean,
                ips,
                others.clone(),
                format!(
                    "{reason}; narrowed to these addresses: elsewhere `{display}` is attributed \
                     to other keys today"
                ),
            ));
        }
        if !clashing.is_empty() {
            let mut candidates = vec![self.refs[*k as usize].clone()];
            candidates.extend(others);
            out.push(self.unmatched(
                &clashing,
                candidates,
                format!(
                    "{reason}, but binding it would make {conflicts} event(s) attributed to \
                     other keys today ambiguous"
                ),
            ));
        }
    }

    /// A generic client matched by the keys its source addresses' other
    /// events are attributed to.
    fn by_address(
        &self,
        display: &str,
        clusters: &[(&ClusterKey, &Cluster)],
        unattributed: &[(&ClusterKey, &Cluster)],
        out: &mut Vec<BindingSuggestion>,
    ) {
        let mut matched: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        let mut left = Vec::new();
        let mut left_ips = Vec::new();
        for &(key, cluster) in unattributed {
            let clean_network = |k: u32| {
                clusters
                    .iter()
                    .filter(|(o, _)| o.network == key.network)
                    .all(|(_, o)| o.attributed.without(k) == 0)
            };
            let all = cluster.addresses.top(usize::MAX);
            let mut rest = false;
            for address in &all {
                let owner = (!self.tally.addresses_full)
                    .then(|| self.tally.addresses.get(address.value.as_str()))
                    .flatten()
                    .and_then(Seen::sole_key)
                    .filter(|k| clean_network(*k));
                match owner {
                    Some(k) if address.value.parse::<IpAddr>().is_ok() => {
                        matched.entry(k).or_default().push(address.value.clone());
                    }
                    _ => {
                        rest = true;
                        left_ips.push(address.value.clone());
                    }
                }
            }
            if rest || all.is_empty() {
                left.push((key, cluster));
            }
        }
        for (k, mut ips) in matched {
            ips.sort();
            let scope: Vec<_> = unattributed
                .iter()
                .copied()
                .filter(|(_, c)| {
                    c.addresses
                        .top(usize::MAX)
                        .iter()
                        .any(|a| ips.contains(&a.value))
                })
                .collect();
            let attributed: u64 = ips
                .iter()
                .filter_map(|ip| self.tally.addresses.get(ip.as_str()))
                .map(|s| s.events)
                .sum();
            let mut suggestion = self.proposal(
                k,
                &scope,
                ips.clone(),
                Vec::new(),
                format!(
                    "`{display}` is a generic HTTP client, never matched by name; every one of \
                     the {attributed} event(s) attributed from {} goes to this key",
                    ips.join(", ")
                ),
            );
            // Only these addresses' events count for the binding.
            restrict_to(&mut suggestion, &scope, &ips);
            out.push(suggestion);
        }
        if !left.is_empty() {
            let mut suggestion = self.unmatched(
                &left,
                Vec::new(),
                format!(
                    "`{display}` is a generic HTTP client: never matched by name alone, and no \
                     key owns all the attributed events of its source addresses"
                ),
            );
            if left_ips.len() < suggestion_ips(&left) {
                // Only the addresses no key owns.
                left_ips.sort();
                left_ips.dedup();
                restrict_to(&mut suggestion, &left, &left_ips);
                if left_ips.len() <= MAX_LISTED_ADDRESSES
                    && left_ips.iter().all(|ip| ip.parse::<IpAddr>().is_ok())
                {
                    suggestion.ip = left_ips;
                }
            }
            out.push(suggestion);
        }
    }

    /// For every key that gets a binding but is attributed by its name
    /// today: an entry keeping those events (its binding of its own would
    /// replace the name), or, when globs cannot keep them, the key's
    /// suggestions are withdrawn.
    fn keep_name_bindings(&self, out: &mut Vec<BindingSuggestion>) {
        let proposed: BTreeSet<u32> = out
            .iter()
            .filter_map(|s| s.key.as_ref())
            .filter_map(|k| self.refs.iter().position(|r| r.id == k.key.id))
            .map(|i| i as u32)
            .collect();
        for k in proposed {
            if !self.by_name[k as usize] || self.tally.usage.key_activity(k as usize).events == 0 {
                continue;
            }
            let mut globs = Vec::new();
            let mut scope = Vec::new();
            let mut keepable = true;
            for (product, clusters) in &self.products {
                let own: Vec<_> = clusters
                    .iter()
                    .copied()
                    .filter(|(_, c)| c.attributed.by_key.contains_key(&k))
                    .collect();
                if own.is_empty() {
                    continue;
                }
                let pure = clusters
                    .iter()
                    .all(|(_, c)| c.unattributed.events == 0 && c.attributed.without(k) == 0);
                match &own[0].1.glob {
                    Some(glob) if pure && !product.is_empty() => {
                        globs.push(glob.clone());
                        scope.extend(own);
                    }
                    _ => keepable = false,
                }
            }
            let key = &self.refs[k as usize];
            let events = self.tally.usage.key_activity(k as usize).events;
            if keepable && !globs.is_empty() {
                let mut seen = Seen::default();
                scope.iter().for_each(|(_, c)| seen.merge(&c.attributed));
                out.push(BindingSuggestion {
                    key: Some(self.suggested(k)),
                    candidates: Vec::new(),
                    product: String::new(),
                    user_agent: globs,
                    ip: Vec::new(),
                    events,
                    first_seen: seen.first.unwrap_or_default(),
                    last_seen: seen.last.unwrap_or_default(),
                    source_ips: Vec::new(),
                    user_agents_seen: Vec::new(),
                    reason: format!(
                        "keeps the {events} event(s) its name attributes to the key today: a \
                         binding of its own replaces the match by name"
                    ),
                });
                continue;
            }
            for suggestion in out
                .iter_mut()
                .filter(|s| s.key.as_ref().is_some_and(|s| s.key.id == key.id))
            {
                suggestion.key = None;
                suggestion.candidates.insert(0, key.clone());
                suggestion.reason = format!(
                    "{}; but the key is attributed by its name today ({events} event(s), not all \
                     by a user agent of their own), and a binding of its own would replace that: \
                     write its bindings by hand",
                    suggestion.reason
                );
            }
        }
    }

    fn suggested(&self, k: u32) -> SuggestedKey {
        SuggestedKey {
            key: self.refs[k as usize].clone(),
            binding_key: self.binding_keys[k as usize].clone(),
        }
    }

    fn proposal(
        &self,
        k: u32,
        scope: &[(&ClusterKey, &Cluster)],
        ip: Vec<String>,
        candidates: Vec<KeyRef>,
        reason: String,
    ) -> BindingSuggestion {
        let mut suggestion = self.unmatched(scope, candidates, reason);
        suggestion.key = Some(self.suggested(k));
        suggestion.ip = ip;
        suggestion
    }

    /// A suggestion without a key (written commented out) over `scope`.
    fn unmatched(
        &self,
        scope: &[(&ClusterKey, &Cluster)],
        candidates: Vec<KeyRef>,
        reason: String,
    ) -> BindingSuggestion {
        let mut seen = Seen::default();
        let mut addresses = ValueCounter::<VALUES_PER_CLUSTER>::default();
        let mut agents = ValueCounter::<VALUES_PER_CLUSTER>::default();
        for (_, cluster) in scope {
            seen.merge(&cluster.unattributed);
            addresses.merge(cluster.addresses.clone());
            agents.merge(cluster.agents.clone());
        }
        let first = scope.first().map(|(_, c)| c);
        BindingSuggestion {
            key: None,
            candidates,
            product: first.map(|c| c.display.clone()).unwrap_or_default(),
            user_agent: first.and_then(|c| c.glob.clone()).into_iter().collect(),
            ip: listed_addresses(scope),
            events: seen.events,
            first_seen: seen.first.unwrap_or_default(),
            last_seen: seen.last.unwrap_or_default(),
            source_ips: addresses.top(SHOWN_ADDRESSES),
            user_agents_seen: agents.top(SHOWN_AGENTS),
            reason,
        }
    }
}

/// Distinct addresses counted in `scope`.
fn suggestion_ips(scope: &[(&ClusterKey, &Cluster)]) -> usize {
    scope
        .iter()
        .map(|(_, c)| c.addresses.top(usize::MAX).len())
        .sum()
}

/// The evidence of a suggestion limited to the events from `ips` (and the
/// events without an address).
fn restrict_to(
    suggestion: &mut BindingSuggestion,
    scope: &[(&ClusterKey, &Cluster)],
    ips: &[String],
) {
    let all: Vec<ValueCount> = scope
        .iter()
        .flat_map(|(_, c)| c.addresses.top(usize::MAX))
        .filter(|a| ips.contains(&a.value))
        .collect();
    let without_address: u64 = scope
        .iter()
        .filter(|(key, _)| key.network.is_empty())
        .map(|(_, c)| c.unattributed.events)
        .sum();
    suggestion.events = all.iter().map(|a| a.count).sum::<u64>() + without_address;
    let mut merged: BTreeMap<String, u64> = BTreeMap::new();
    for a in all {
        *merged.entry(a.value).or_default() += a.count;
    }
    let mut shown: Vec<ValueCount> = merged
        .into_iter()
        .map(|(value, count)| ValueCount { value, count })
        .collect();
    shown.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    shown.truncate(SHOWN_ADDRESSES);
    suggestion.source_ips = shown;
}

/// The `ip` entries covering the unattributed events of `scope`: the
/// addresses when there are few (and all were counted), else the networks.
fn listed_addresses(scope: &[(&ClusterKey, &Cluster)]) -> Vec<String> {
    let mut addresses = BTreeSet::new();
    let mut whole = true;
    for (_, cluster) in scope {
        for value in cluster.addresses.top(usize::MAX) {
            if value.value.parse::<IpAddr>().is_ok() {
                addresses.insert(value.value);
            } else {
                whole = false;
            }
        }
    }
    if whole && addresses.len() <= MAX_LISTED_ADDRESSES {
        return addresses.into_iter().collect();
    }
    let networks: BTreeSet<String> = scope
        .iter()
        .filter(|(key, _)| key.network.parse::<crate::IpPattern>().is_ok())
        .map(|(key, _)| key.network.clone())
        .collect();
    networks.into_iter().collect()
}

/// `"A", "B"`.
fn names(keys: &[KeyRef]) -> String {
    keys.iter()
        .map(|k| match &k.fingerprint {
            Some(fp) => format!("\"{}\" ({})", k.name.trim(), fp.as_str()),
            None => format!("\"{}\"", k.name.trim()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_are_the_first_word_up_to_the_slash() {
        let p = Product::of(Some("HaloPSA/2.1 (+https://halopsa.com)"));
        assert_eq!(
            (p.key.as_str(), p.display.as_str()),
            ("halopsa/", "HaloPSA")
        );
        assert_eq!(p.glob.as_deref(), Some("HaloPSA/*"));
        let p = Product::of(Some("Backup Radar agent"));
        assert_eq!(p.glob.as_deref(), Some("Backup *"));
        assert_eq!(Product::of(Some("Zapier")).glob.as_deref(), Some("Zapier"));
        assert_eq!(
            Product::of(Some("we*rd/1")).glob.as_deref(),
            Some("we?rd/*")
        );
        assert!(Product::of(None).glob.is_none());
    }

    #[test]
    fn networks_are_slash_24_and_slash_64() {
        assert_eq!(network("203.0.113.45"), "203.0.113.0/24");
        assert_eq!(network("::ffff:203.0.113.45"), "203.0.113.0/24");
        assert_eq!(network("2001:db8:1:2:3::9"), "2001:db8:1:2::/64");
        assert_eq!(network("unknown"), "unknown");
    }

    #[test]
    fn words_split_camel_case_and_drop_generic_ones() {
        let generic: BTreeSet<String> = GENERIC_WORDS.iter().map(|w| w.to_string()).collect();
        let w = words("HaloPSA-Connector", &generic);
        assert_eq!(
            w.into_iter().collect::<Vec<_>>(),
            ["halo", "halopsa", "halopsaconnector"]
        );
        let w = words("ConnectWise Manage sync", &generic);
        assert!(w.contains("connectwise") && w.contains("connectwisemanage"));
        assert!(!w.contains("sync") && !w.contains("manage"));
        assert!(words("API key 2024", &generic).is_empty());
    }

    #[test]
    fn a_sole_key_owns_every_event() {
        let at = DateTime::<Utc>::default();
        let mut seen = Seen::default();
        seen.add(&[3], at);
        seen.add(&[3, 5], at);
        assert_eq!(seen.sole_key(), Some(3));
        seen.add(&[5], at);
        assert_eq!(seen.sole_key(), None);
        assert_eq!(Seen::default().sole_key(), None);
    }
}
