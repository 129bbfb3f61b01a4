//! Attribution of activity-log events to keys: the rules, stated plainly
//! ([`BindingRules`], in `rules.rs`), and their fast implementation: the
//! compiled matchers ([`Attribution`]) and the per-thread counts
//! ([`UsageTally`]).

mod cache;
pub(crate) mod counter;
mod fold;
mod glob;
mod ip;
mod names;
mod owners;
mod rules;
mod stamps;

use std::fmt;
use std::sync::Mutex;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use chrono::{DateTime, Utc};
use keyaudit_model::{
    ApiKey, Diagnostic, DiagnosticCode, EventSink, Inventory, KeyActivity, KeyState,
    SourceLocation, UsageEvent, UsageSource, ValueCount,
};

use crate::naming;
use crate::policy::{KeyNames, ValidPolicy};
use cache::{Capacity, HitCache, Hits, Pair, PairCache, Resolved};
pub(crate) use counter::ValueCounter;
use glob::GlobIndex;
use hashbrown::HashMap;
use ip::IpIndex;
use names::NameIndex;
use owners::Owners;
use stamps::Stamps;

pub use counter::MAX_DISTINCT as MAX_DISTINCT_VALUES;
pub use rules::{BindingRules, binding_matches};

/// Caches kept for later tallies, at most (a parallel read has a few
/// ranges in flight per thread).
const MAX_SPARE_CACHES: usize = 16;

/// The fields a binding can match on, as bits.
const USER_AGENT: u8 = 1;
const IP: u8 = 2;
const USER_ID: u8 = 4;
const ACTOR: u8 = 8;

/// One policy binding, compiled: the keys it names and the fields it needs.
#[derive(Debug, Clone)]
struct Compiled {
    /// Indices into the inventory's keys.
    keys: Box<[u32]>,
    /// The fields that must all match.
    needs: u8,
}

/// The bindings of a policy compiled against an inventory: everything
/// needed to attribute activity-log events to keys. It implements the
/// rules of [`BindingRules`] (`attribution/rules.rs`, the definition),
/// fast; a property test holds the two to the same answer for every event.
///
/// No IT Glue log record names the API key that made a request, so which
/// events belong to which key is a policy decision: `[[bind]]` entries
/// ([`Binding`](crate::Binding)) name a key and the user agents, source
/// addresses, user ids and actor names its integration shows up with.
///
/// * Within a binding every field given must match (AND); within a field,
///   any entry (OR). A key may have several bindings (OR). A binding by
///   name binds every key of that name, revoked ones included; bind by
///   fingerprint to tell keys of one name apart.
/// * A key without a binding of its own gets a default one when its name is
///   not generic (see `generic-name`) and has at least `naming.min_length`
///   characters: the events whose user agent or actor contains the trimmed
///   name as a whole word, ignoring case. Revoked keys get no default
///   binding (a revoked key's name is usually reused by its replacement, and
///   guessing would make every event of that name ambiguous), but their
///   explicit bindings count: activity before revocation is evidence.
/// * An event that matches several keys counts for each, and counts once as
///   ambiguous; an event that matches none is unattributed, and its user
///   agent and address are counted so the report can list the most
///   frequent ones: the guide to writing bindings.
/// * A password event is one whose `resource-type` contains "password"
///   (any case).
///
/// Case-insensitive means: ASCII letters always; other letters by their
/// simple lower-case mapping, applied to both sides.
///
/// [`Attribution`] is compiled once from the inventory and the policy and
/// is shared (it is `Send + Sync`); each thread feeds events into its own
/// [`UsageTally`], and tallies [`merge`](UsageTally::merge). The cost of an
/// event does not grow with the number of keys or bindings: all user-agent
/// globs of all bindings are one index (an Aho-Corasick automaton over their
/// literals), addresses are one hash table per prefix length, user ids and
/// actors one hash map each, default names one Aho-Corasick automaton; only
/// the bindings that matched some field are looked at, and a binding that
/// needs several fields is looked at from one of them only (its address,
/// user id or actor before its user agent). Each tally remembers what every
/// user agent and actor it saw matched (a bounded cache: logs repeat a few
/// values millions of times), so the automatons run once per value, not
/// per event. A tally's memory grows with keys and bindings, never with
/// events; observing an event does not allocate in the common case (only a
/// user agent or actor new to the cache, or a new unattributed user agent
/// or address, is copied, at most [`MAX_DISTINCT_VALUES`] per field).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use keyaudit_engine::{Attribution, parse_policy};
/// use keyaudit_model::{ApiKey, Inventory, UsageEvent};
///
/// let inventory = Inventory {
///     keys: vec![ApiKey::named("HaloPSA"), ApiKey::named("Rewst automation")],
///     ..Inventory::default()
/// };
/// let policy = parse_policy(
///     "keyaudit.toml",
///     "[[bind]]\nkey = \"Rewst automation\"\nuser_agent = \"Rewst/*\"\n",
/// )
/// .unwrap();
/// let attribution = Attribution::new(&inventory, &policy);
/// let mut tally = attribution.tally();
/// let at = Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap();
/// for agent in ["HaloPSA/2.1 (+https://halopsa.com)", "Rewst/1.0", "curl/8.5"] {
///     let mut event = UsageEvent::at(at);
///     event.user_agent = Some(agent.into());
///     attribution.observe(&mut tally, &event);
/// }
/// assert_eq!((tally.attributed(), tally.unattributed()), (2, 1));
/// assert_eq!(tally.key_activity(0).events, 1); // by its name, a whole word
/// assert_eq!(tally.key_activity(1).events, 1); // by its binding
/// assert_eq!(tally.top_unattributed_user_agents(10)[0].value, "curl/8.5");
/// ```
pub struct Attribution {
    /// Keys in the inventory (the length of every tally).
    key_count: usize,
    bindings: Vec<Compiled>,
    user_agents: GlobIndex,
    ips: IpIndex,
    user_ids: HashMap<Box<str>, Owners>,
    /// Folded actor names.
    actors: HashMap<Box<str>, Owners>,
    /// Default name bindings.
    names: Option<NameIndex>,
    /// Events after it count, but are never a key's last use.
    as_of: Option<DateTime<Utc>>,
    /// How many values each per-thread cache holds.
    cache_capacity: Capacity,
    /// Caches of tallies merged with [`Attribution::merge`], for the next
    /// tallies.
    spare: Mutex<Vec<Scratch>>,
}

/// The reader's seam: a usage reader hands events to the attribution
/// through [`EventSink`], one [`UsageTally`] per byte range.
impl EventSink for Attribution {
    type Tally = UsageTally;

    fn tally(&self) -> UsageTally {
        Attribution::tally(self)
    }

    fn observe(&self, tally: &mut UsageTally, event: &UsageEvent<'_>) {
        Attribution::observe(self, tally, event);
    }

    fn merge(&self, total: &mut UsageTally, later: UsageTally) {
        Attribution::merge(self, total, later);
    }
}

impl fmt::Debug for Attribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attribution")
            .field("keys", &self.key_count)
            .field("bindings", &self.bindings.len())
            .field("user_agent_globs", &self.user_agents.len())
            .field("default_names", &self.names.as_ref().map_or(0, |n| n.len()))
            .finish_non_exhaustive()
    }
}

impl Attribution {
    /// Compiles the policy's bindings against the inventory's keys (keys are
    /// identified by their index in `inventory.keys`). Bindings naming no
    /// key are left out (the audit warns about them).
    pub fn new(inventory: &Inventory, policy: &ValidPolicy) -> Self {
        let keys = &inventory.keys;
        let names = KeyNames::new(keys);
        let mut bound = vec![false; keys.len()];
        let mut bindings = Vec::new();
        let mut user_agents = Vec::new();
        let mut ips = Vec::new();
        let mut user_ids: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut actors: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        for binding in policy.bindings.iter().filter(|b| b.has_conditions()) {
            let matched: Box<[u32]> = names.lookup(&binding.key).into_boxed_slice();
            if matched.is_empty() {
                continue;
            }
            for &k in &matched {
                bound[k as usize] = true;
            }
            let id = bindings.len() as u32;
            let mut needs = 0;
            if !binding.user_agent.is_empty() {
                needs |= USER_AGENT;
                user_agents.extend(binding.user_agent.iter().map(|g| (g.as_str(), id)));
            }
            if !binding.ip.is_empty() {
                needs |= IP;
                ips.extend(binding.ip.iter().map(|ip| (*ip, id)));
            }
            if !binding.user_id.is_empty() {
                needs |= USER_ID;
                for value in &binding.user_id {
                    push_owner(&mut user_ids, value.trim().into(), id);
                }
            }
            if !binding.actor.is_empty() {
                needs |= ACTOR;
                for value in &binding.actor {
                    push_owner(&mut actors, fold::fold(value.trim()).into(), id);
                }
            }
            bindings.push(Compiled {
                keys: matched,
                needs,
            });
        }

        let generic = naming::generic_names(policy);
        let min_length = policy.naming.min_length;
        let defaults: Vec<(String, u32)> = keys
            .iter()
            .enumerate()
            .filter(|(i, key)| !bound[*i] && gets_default_binding(key, &generic, min_length))
            .map(|(i, key)| (fold::fold(key.name.trim()), i as u32))
            .collect();

        let split = |map: HashMap<Box<str>, Vec<u32>>, field| {
            map.into_iter()
                .map(|(value, owners)| (value, Owners::new(&owners, field, &bindings)))
                .collect()
        };
        let user_ids = split(user_ids, USER_ID);
        let actors = split(actors, ACTOR);
        let ips = IpIndex::new(ips, |owners| Owners::new(owners, IP, &bindings));
        Self {
            key_count: keys.len(),
            as_of: None,
            cache_capacity: Capacity::for_size(keys.len(), bindings.len()),
            spare: Mutex::new(Vec::new()),
            user_agents: GlobIndex::new(user_agents),
            ips,
            user_ids,
            actors,
            names: NameIndex::new(defaults),
            bindings,
        }
    }

    /// The attribution for an audit as of `as_of`: an event after it is
    /// attributed and counted as usual, and counted in
    /// [`UsageTally::after_as_of`], but is never a key's last use (a
    /// year-9999 event would otherwise hide the key's idleness).
    pub fn as_of(mut self, as_of: DateTime<Utc>) -> Self {
        self.as_of = Some(as_of);
        self
    }

    /// Number of keys (the inventory's), the length of every tally.
    pub fn key_count(&self) -> usize {
        self.key_count
    }

    /// An empty tally sized for this attribution; it starts with the caches
    /// of a tally merged by [`Attribution::merge`] when there is one.
    pub fn tally(&self) -> UsageTally {
        let mut tally = UsageTally::default();
        tally.keys.resize(self.key_count, KeyTally::default());
        if let Some(scratch) = self.spare.lock().ok().and_then(|mut spare| spare.pop()) {
            tally.scratch = scratch;
        }
        tally.scratch.globs.next(self.user_agents.len());
        tally.scratch.marks.start(self.key_count, &[]);
        tally
    }

    /// Adds `part`'s counts to `total` ([`UsageTally::merge`]) and keeps
    /// `part`'s caches for the next [`Attribution::tally`]: a file read in
    /// many ranges, a tally each, looks each user agent and actor up once
    /// per thread, not once per range.
    pub fn merge(&self, total: &mut UsageTally, mut part: UsageTally) {
        let scratch = std::mem::take(&mut part.scratch);
        total.merge(part);
        if let Ok(mut spare) = self.spare.lock() {
            if spare.len() < MAX_SPARE_CACHES {
                spare.push(scratch);
            }
        }
    }

    /// Attributes one event to keys and counts it in `tally`: the hot path.
    ///
    /// Does not allocate in the common case (a tally from
    /// [`Attribution::tally`], user agents and actors it has seen): only a
    /// user agent or actor new to the tally's cache, or a user agent or
    /// address not seen before among unattributed events, is copied (up to
    /// [`MAX_DISTINCT_VALUES`] per field for the latter).
    pub fn observe(&self, tally: &mut UsageTally, event: &UsageEvent<'_>) {
        self.observe_with(tally, event, |_| ());
    }

    /// As [`Attribution::observe`], and passes `then` the keys the event
    /// was attributed to (indices into the inventory's keys, sorted, each
    /// once; empty when unattributed), returning what `then` returns.
    #[inline]
    pub fn observe_with<R>(
        &self,
        tally: &mut UsageTally,
        event: &UsageEvent<'_>,
        then: impl FnOnce(&[u32]) -> R,
    ) -> R {
        tally.events += 1;
        let late = self.as_of.is_some_and(|as_of| event.created_at > as_of);
        tally.after_as_of += u64::from(late);
        if tally.keys.len() < self.key_count {
            tally.keys.resize(self.key_count, KeyTally::default());
        }
        let Scratch {
            text,
            globs,
            marks,
            agents,
            actors,
            pairs,
            found,
            candidates,
            ip_members,
        } = &mut tally.scratch;

        // What the user agent and the actor decide: remembered per pair,
        // and, for a pair not seen yet, per value.
        let capacity = self.cache_capacity;
        let agent = event
            .user_agent
            .as_deref()
            .filter(|_| !self.user_agents.is_empty() || self.names.is_some());
        let actor = event
            .actor
            .as_deref()
            .map(trim)
            .filter(|_| !self.actors.is_empty() || self.names.is_some());
        let pair = if agent.is_none() && actor.is_none() {
            Pair::default()
        } else {
            pairs.get_or_insert_with(agent, actor, capacity, || {
                let agent = agent.map(|agent| {
                    agents.get_or_insert_with(agent, capacity, || {
                        self.agent_hits(agent, text, globs, found)
                    })
                });
                let actor = actor.map(|actor| {
                    actors
                        .get_or_insert_with(actor, capacity, || self.actor_hits(actor, text, found))
                });
                self.resolve(agent, actor)
            })
        };

        // The address and the user id add keys only when they match a
        // binding: then the event's keys are collected in `marks`.
        let mut marked = false;
        candidates.clear();
        ip_members.clear();
        let mut add = |owners: &Owners, marks: &mut Marks, candidates: &mut Vec<u32>| {
            if !marked {
                marks.start(self.key_count, pair.keys);
                marked = true;
            }
            owners.keys().iter().for_each(|&k| marks.key(k));
            candidates.extend_from_slice(owners.anchored());
        };
        if let Some(ip) = event.ip_address.as_deref().filter(|_| !self.ips.is_empty()) {
            self.ips.for_each(ip, |owners| {
                add(owners, marks, candidates);
                ip_members.extend_from_slice(owners.members());
            });
            if ip_members.len() > 1 {
                ip_members.sort_unstable();
            }
        }
        let mut user_id_members: &[u32] = &[];
        if let Some(owners) = event
            .user_id
            .as_deref()
            .and_then(|user_id| self.user_ids.get(trim(user_id)))
        {
            add(owners, marks, candidates);
            user_id_members = owners.members();
        }
        // Bindings anchored on the address or the user id: checked against
        // the other fields they need.
        let members = [
            pair.agent_members,
            ip_members,
            user_id_members,
            pair.actor_members,
        ];
        for &b in candidates.iter() {
            if let Some(binding) = self.holding(b, members) {
                binding.keys.iter().for_each(|&k| marks.key(k));
            }
        }

        let matched = if marked {
            &marks.matched[..]
        } else {
            pair.keys
        };
        if matched.is_empty() {
            tally.unattributed += 1;
            if let Some(agent) = non_blank(event.user_agent.as_deref()) {
                tally.user_agents.add(agent);
            }
            if let Some(ip) = non_blank(event.ip_address.as_deref()) {
                tally.ips.add(ip);
            }
            return then(&[]);
        }
        let result = then(matched);
        tally.attributed += 1;
        if matched.len() > 1 {
            tally.ambiguous += 1;
        }
        let password = event.is_password_event();
        for &k in matched {
            if let Some(key) = tally.keys.get_mut(k as usize) {
                key.events += 1;
                key.password_events += u64::from(password);
                if !late && key.last_event_at.is_none_or(|t| t < event.created_at) {
                    key.last_event_at = Some(event.created_at);
                }
            }
        }
        result
    }

    /// What a user agent matches (not yet in the cache).
    fn agent_hits(
        &self,
        agent: &str,
        text: &mut String,
        globs: &mut Stamps,
        found: &mut Found,
    ) -> Hits {
        found.clear();
        globs.next(self.user_agents.len());
        let text = fold::for_search(agent, text);
        self.user_agents
            .for_each(text, globs, |b| found.bindings.push(b));
        if let Some(names) = &self.names {
            names.for_each(text, |k| found.keys.push(k));
        }
        found.hits(USER_AGENT, &self.bindings)
    }

    /// What a (trimmed) actor matches (not yet in the cache).
    fn actor_hits(&self, actor: &str, text: &mut String, found: &mut Found) -> Hits {
        found.clear();
        if let Some(names) = &self.names {
            let text = fold::for_search(actor, text);
            names.for_each(text, |k| found.keys.push(k));
        }
        if let Some(owners) = self.actors.get(fold::folded(actor, text)) {
            found
                .bindings
                .extend(owners.solo().iter().chain(owners.members()));
        }
        found.hits(ACTOR, &self.bindings)
    }

    /// What a user agent and an actor decide together (see [`Pair`]): the
    /// keys their values match alone, by name or by a binding needing that
    /// field only, and the bindings anchored on them (these need neither
    /// the address nor the user id, which would be their anchor).
    fn resolve(&self, agent: Option<&Hits>, actor: Option<&Hits>) -> Resolved {
        fn members(hits: Option<&Hits>) -> &[u32] {
            hits.map_or(&[], |h| h.owners.members())
        }
        let (agent_members, actor_members) = (members(agent), members(actor));
        let mut keys = Vec::new();
        for hits in [agent, actor].into_iter().flatten() {
            keys.extend_from_slice(&hits.keys);
            keys.extend_from_slice(hits.owners.keys());
            for &b in hits.owners.anchored() {
                if let Some(binding) = self.holding(b, [agent_members, &[], &[], actor_members]) {
                    keys.extend_from_slice(&binding.keys);
                }
            }
        }
        keys.sort_unstable();
        keys.dedup();
        Resolved {
            keys,
            agent_members: agent_members.to_vec(),
            actor_members: actor_members.to_vec(),
        }
    }

    /// Binding `b`, when every field it needs matched it: `members` are the
    /// bindings of several fields that the event's user agent, address,
    /// user id and actor matched, in that order (each sorted).
    #[inline]
    fn holding(&self, b: u32, members: [&[u32]; 4]) -> Option<&Compiled> {
        let binding = self.bindings.get(b as usize)?;
        [USER_AGENT, IP, USER_ID, ACTOR]
            .into_iter()
            .zip(members)
            .all(|(field, members)| binding.needs & field == 0 || members.binary_search(&b).is_ok())
            .then_some(binding)
    }

    /// Attributes every event of `events` into a new tally: the whole of
    /// attribution for one thread, for tests and benchmarks.
    pub fn tally_events<'e, 'a: 'e, I>(&self, events: I) -> UsageTally
    where
        I: IntoIterator<Item = &'e UsageEvent<'a>>,
    {
        let mut tally = self.tally();
        for event in events {
            self.observe(&mut tally, event);
        }
        tally
    }
}

/// Patterns up to this many bytes in all are compiled into a full DFA (the
/// fastest search, about 64 × 4 bytes of table per pattern byte at most);
/// more into the automaton's compact default.
const DFA_MAX_PATTERN_BYTES: usize = 32 * 1024;

/// One Aho-Corasick automaton over `patterns`, ignoring ASCII case,
/// reporting every occurrence (overlapping ones included).
fn automaton(patterns: Vec<&str>) -> Result<AhoCorasick, aho_corasick::BuildError> {
    let bytes: usize = patterns.iter().map(|p| p.len()).sum();
    let kind = (bytes <= DFA_MAX_PATTERN_BYTES).then_some(AhoCorasickKind::DFA);
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(kind)
        .build(patterns)
}

fn push_owner(map: &mut HashMap<Box<str>, Vec<u32>>, value: Box<str>, binding: u32) {
    let owners = map.entry(value).or_default();
    if owners.last() != Some(&binding) {
        owners.push(binding);
    }
}

/// `value` without surrounding white space (as `str::trim`), at the cost
/// of two byte checks when there is none (the common case: readers trim).
#[inline]
fn trim(value: &str) -> &str {
    match (value.as_bytes().first(), value.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => value,
        _ => value.trim(),
    }
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(trim).filter(|v| !v.is_empty())
}

/// True when a key without bindings of its own is bound by its name: not
/// revoked, and a name that is not generic and has at least `min_length`
/// characters.
pub(crate) fn gets_default_binding(key: &ApiKey, generic: &[String], min_length: usize) -> bool {
    key.state != KeyState::Revoked
        && !naming::is_blank(&key.name)
        && key.name.trim().chars().count() >= min_length
        && naming::generic_match(key, generic, min_length).is_none()
}

/// One warning per binding that names no key in the inventory.
pub(crate) fn unmatched_bindings(policy: &ValidPolicy, keys: &[ApiKey]) -> Vec<Diagnostic> {
    if policy.bindings.is_empty() {
        return Vec::new();
    }
    let names = KeyNames::new(keys);
    policy
        .bindings
        .iter()
        .filter(|binding| names.lookup(&binding.key).is_empty())
        .map(|binding| {
            let location = policy.source().map(|file| SourceLocation {
                file: file.to_string(),
                row: binding.line.get(),
                column: None,
            });
            Diagnostic::warning(
                DiagnosticCode::BindingMatchesNothing,
                format!(
                    "Binding for \"{}\" matches no key in the inventory: no event is attributed \
                     through it",
                    binding.key
                ),
                location,
            )
        })
        .collect()
}

/// What the activity logs say about one key, as counted so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct KeyTally {
    events: u64,
    password_events: u64,
    last_event_at: Option<DateTime<Utc>>,
}

/// Per-event working memory, and what user agents and actors matched
/// (bounded caches); not part of a tally's value.
#[derive(Debug, Clone, Default)]
struct Scratch {
    /// Folded text (non-ASCII user agents and actors).
    text: String,
    /// User-agent globs already checked for this event.
    globs: Stamps,
    marks: Marks,
    /// What each user agent matched.
    agents: HitCache,
    /// What each (trimmed) actor matched.
    actors: HitCache,
    /// What each (user agent, actor) pair matched.
    pairs: PairCache,
    /// Bindings and keys found for a value not in its cache.
    found: Found,
    /// Bindings of several fields anchored on a field of this event.
    candidates: Vec<u32>,
    /// Bindings of several fields the event's address matched, sorted.
    ip_members: Vec<u32>,
}

/// Bindings and keys a value matched, as found (reused buffers).
#[derive(Debug, Clone, Default)]
struct Found {
    bindings: Vec<u32>,
    keys: Vec<u32>,
}

impl Found {
    fn clear(&mut self) {
        self.bindings.clear();
        self.keys.clear();
    }

    /// What was found for a value of `field`.
    fn hits(&mut self, field: u8, bindings: &[Compiled]) -> Hits {
        self.keys.sort_unstable();
        self.keys.dedup();
        Hits {
            owners: Owners::new(&self.bindings, field, bindings),
            keys: self.keys.as_slice().into(),
        }
    }
}

/// The keys one event matched.
#[derive(Debug, Clone, Default)]
struct Marks {
    keys: Stamps,
    /// The keys matched in this event, each once.
    matched: Vec<u32>,
}

impl Marks {
    /// Starts an event's marks with `keys` (sorted, each once).
    #[inline]
    fn start(&mut self, count: usize, keys: &[u32]) {
        self.keys.next(count);
        self.matched.clear();
        keys.iter().for_each(|&k| self.key(k));
    }

    /// The event belongs to key `k`.
    #[inline]
    fn key(&mut self, k: u32) {
        if self.keys.first(k as usize) {
            self.matched.push(k);
        }
    }
}

/// Attribution counts of one thread (or of several, merged): per key, the
/// events attributed, the password events among them and the latest; over
/// all events, how many were attributed, ambiguous and unattributed; and
/// the user agents and addresses of unattributed events (bounded).
///
/// Keys are identified by their index in the inventory the
/// [`Attribution`] was compiled from. Equality compares the counts only.
#[derive(Clone, Default)]
pub struct UsageTally {
    keys: Vec<KeyTally>,
    events: u64,
    after_as_of: u64,
    attributed: u64,
    ambiguous: u64,
    unattributed: u64,
    user_agents: ValueCounter,
    ips: ValueCounter,
    scratch: Scratch,
}

impl PartialEq for UsageTally {
    fn eq(&self, other: &Self) -> bool {
        self.keys == other.keys
            && self.events == other.events
            && self.after_as_of == other.after_as_of
            && self.attributed == other.attributed
            && self.ambiguous == other.ambiguous
            && self.unattributed == other.unattributed
            && self.user_agents == other.user_agents
            && self.ips == other.ips
    }
}

impl Eq for UsageTally {}

impl fmt::Debug for UsageTally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsageTally")
            .field("events", &self.events)
            .field("attributed", &self.attributed)
            .field("ambiguous", &self.ambiguous)
            .field("unattributed", &self.unattributed)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl UsageTally {
    /// Adds another tally's counts (from another thread or another file).
    /// With more than [`MAX_DISTINCT_VALUES`] distinct unattributed values
    /// in the union, the most frequent are kept and the rest count as
    /// `(other)`.
    pub fn merge(&mut self, other: UsageTally) {
        if self.keys.len() < other.keys.len() {
            self.keys.resize(other.keys.len(), KeyTally::default());
        }
        for (mine, theirs) in self.keys.iter_mut().zip(other.keys) {
            mine.events += theirs.events;
            mine.password_events += theirs.password_events;
            mine.last_event_at = mine.last_event_at.max(theirs.last_event_at);
        }
        self.events += other.events;
        self.after_as_of += other.after_as_of;
        self.attributed += other.attributed;
        self.ambiguous += other.ambiguous;
        self.unattributed += other.unattributed;
        self.user_agents.merge(other.user_agents);
        self.ips.merge(other.ips);
    }

    /// Events observed.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Events dated after the as-of time of the [`Attribution`] (see
    /// [`Attribution::as_of`]): none of them is a key's last use.
    pub fn after_as_of(&self) -> u64 {
        self.after_as_of
    }

    /// Events attributed to at least one key.
    pub fn attributed(&self) -> u64 {
        self.attributed
    }

    /// Events attributed to two keys or more.
    pub fn ambiguous(&self) -> u64 {
        self.ambiguous
    }

    /// Events attributed to no key.
    pub fn unattributed(&self) -> u64 {
        self.unattributed
    }

    /// What the events say about the key at `index` in the inventory
    /// (all zero for an index the tally does not know).
    pub fn key_activity(&self, index: usize) -> KeyActivity {
        let key = self.keys.get(index).copied().unwrap_or_default();
        KeyActivity {
            events: key.events,
            password_events: key.password_events,
            last_event_at: key.last_event_at,
        }
    }

    /// The `n` most frequent user agents of unattributed events, by count
    /// (highest first), then value. Blank or absent user agents are not
    /// counted; values past the cap appear as `(other)`.
    pub fn top_unattributed_user_agents(&self, n: usize) -> Vec<ValueCount> {
        self.user_agents.top(n)
    }

    /// The `n` most frequent source addresses of unattributed events, as
    /// [`UsageTally::top_unattributed_user_agents`].
    pub fn top_unattributed_ips(&self, n: usize) -> Vec<ValueCount> {
        self.ips.top(n)
    }
}

/// The usage evidence an audit receives: the sources read, each with the
/// window it covers, and the attribution tally over all their events
/// (merged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageEvidence {
    /// The usage files read.
    pub sources: Vec<UsageSource>,
    /// Their events, attributed to the inventory's keys.
    pub tally: UsageTally,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribution_is_send_and_sync_and_tallies_are_send() {
        fn shared<T: Send + Sync>() {}
        fn sent<T: Send>() {}
        shared::<Attribution>();
        sent::<UsageTally>();
    }
}
