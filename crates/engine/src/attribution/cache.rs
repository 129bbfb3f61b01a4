//! Per-thread memory of what a user agent or an actor matched.
//!
//! Activity logs repeat a few user agents and actors millions of times;
//! searching each one with the automatons costs far more than looking up
//! the answer. Each tally's scratch keeps, per value, the bindings and keys
//! it matched. The answer depends on the value alone, so a remembered one
//! is exactly what the search would give. Memory stays bounded: when a
//! cache holds [`Capacity`] values and a new one comes, it is emptied and
//! starts again (values are copied only when they are new to the cache).

use std::hash::{BuildHasher, Hasher};

use hashbrown::{DefaultHashBuilder, HashMap, HashTable};

use super::owners::Owners;

/// What one value matched: bindings (by the field the cache is for), and
/// keys (by their default name).
#[derive(Debug, Clone, Default)]
pub(crate) struct Hits {
    /// The bindings, split for the AND of fields.
    pub(crate) owners: Owners,
    /// The keys whose default name the value holds.
    pub(crate) keys: Box<[u32]>,
}

/// How many values a cache holds before it starts again: at least 4,096,
/// and more for large inventories (memory grows with keys, never with
/// events).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Capacity(pub(crate) usize);

impl Capacity {
    /// The capacity for an attribution with this many keys and bindings.
    pub(crate) fn for_size(keys: usize, bindings: usize) -> Self {
        Self(4096usize.max(4 * (keys + bindings)))
    }
}

/// Values and what they matched.
#[derive(Debug, Clone, Default)]
pub(crate) struct HitCache {
    map: HashMap<String, Hits>,
}

impl HitCache {
    /// What `value` matched: remembered, or computed by `compute` now and
    /// remembered.
    #[inline]
    pub(crate) fn get_or_insert_with(
        &mut self,
        value: &str,
        capacity: Capacity,
        compute: impl FnOnce() -> Hits,
    ) -> &Hits {
        if self.map.len() >= capacity.0 && !self.map.contains_key(value) {
            self.map.clear();
        }
        self.map.entry_ref(value).or_insert_with(compute)
    }
}

/// What an event's user agent and actor decide on their own: the keys
/// they attribute it to, and the bindings of several fields each is a
/// member of (checked by the bindings anchored on the address or the user
/// id).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pair<'c> {
    /// Keys, sorted, each once.
    pub(crate) keys: &'c [u32],
    /// Bindings of several fields the user agent matches, sorted.
    pub(crate) agent_members: &'c [u32],
    /// Bindings of several fields the actor matches, sorted.
    pub(crate) actor_members: &'c [u32],
}

/// A [`Pair`] as computed, before it is stored.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resolved {
    pub(crate) keys: Vec<u32>,
    pub(crate) agent_members: Vec<u32>,
    pub(crate) actor_members: Vec<u32>,
}

impl Resolved {
    fn view(&self) -> Pair<'_> {
        Pair {
            keys: &self.keys,
            agent_members: &self.agent_members,
            actor_members: &self.actor_members,
        }
    }
}

/// A user agent and an actor longer than this together are not
/// remembered (they are resolved each time).
const MAX_REMEMBERED_BYTES: usize = 64 * 1024;

/// The cache starts again when its values take more bytes than this.
const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// A value's bytes in the text arena; `len` is [`ABSENT`] for no value.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

/// Marks an absent field in a [`Span`].
const ABSENT: u32 = u32::MAX;

impl Span {
    const NONE: Span = Span {
        start: 0,
        len: ABSENT,
    };

    #[inline]
    fn get(self, text: &[u8]) -> Option<&[u8]> {
        let start = self.start as usize;
        (self.len != ABSENT).then(|| {
            text.get(start..start + self.len as usize)
                .unwrap_or_default()
        })
    }
}

/// One remembered pair: where its values and lists are in the arenas.
#[derive(Debug, Clone, Copy)]
struct Slot {
    hash: u64,
    agent: Span,
    actor: Span,
    /// Start of the keys, then the members, in the list arena.
    data: u32,
    keys: u32,
    agent_members: u32,
    actor_members: u32,
}

impl Slot {
    #[inline]
    fn pair<'d>(&self, data: &'d [u32]) -> Pair<'d> {
        let a = self.data as usize;
        let b = a + self.keys as usize;
        let c = b + self.agent_members as usize;
        let d = c + self.actor_members as usize;
        Pair {
            keys: data.get(a..b).unwrap_or_default(),
            agent_members: data.get(b..c).unwrap_or_default(),
            actor_members: data.get(c..d).unwrap_or_default(),
        }
    }
}

/// The hash of a pair: both values' bytes, and their lengths and presence
/// (so that `("ab", "c")`, `("a", "bc")` and `(None, "")` differ), in one
/// hasher.
#[inline]
fn pair_hash(state: &DefaultHashBuilder, agent: Option<&str>, actor: Option<&str>) -> u64 {
    let length = |v: Option<&str>| v.map_or(0, |v| v.len() as u64 + 1);
    let mut hasher = state.build_hasher();
    hasher.write_u64(length(agent) << 32 ^ length(actor));
    hasher.write(agent.unwrap_or_default().as_bytes());
    hasher.write(actor.unwrap_or_default().as_bytes());
    hasher.finish()
}

/// (user agent, actor) pairs and what they decide ([`Pair`]): one lookup
/// per event for both fields. Each distinct value is kept once in a text
/// arena (a few hundred user agents and actors make thousands of pairs),
/// lists end to end in another, and slots in a dense list the table
/// indexes: a lookup reads a few cache lines that stay cached, not a chain
/// of allocations.
#[derive(Debug, Clone, Default)]
pub(crate) struct PairCache {
    table: HashTable<u32>,
    slots: Vec<Slot>,
    /// The values in `text`, by their bytes.
    values: HashTable<Span>,
    text: Vec<u8>,
    data: Vec<u32>,
    /// The last pair too long to remember.
    spare: Resolved,
    state: DefaultHashBuilder,
}

impl PairCache {
    /// What `agent` and `actor` decide: remembered, or computed by
    /// `compute` now and remembered.
    #[inline]
    pub(crate) fn get_or_insert_with(
        &mut self,
        agent: Option<&str>,
        actor: Option<&str>,
        capacity: Capacity,
        compute: impl FnOnce() -> Resolved,
    ) -> Pair<'_> {
        let hash = pair_hash(&self.state, agent, actor);
        let (agent_bytes, actor_bytes) = (agent.map(str::as_bytes), actor.map(str::as_bytes));
        let (text, slots) = (&self.text, &self.slots);
        let same = |&i: &u32| {
            slots.get(i as usize).is_some_and(|s| {
                s.hash == hash
                    && s.agent.get(text) == agent_bytes
                    && s.actor.get(text) == actor_bytes
            })
        };
        if let Some(&i) = self.table.find(hash, same) {
            if let Some(slot) = self.slots.get(i as usize) {
                return slot.pair(&self.data);
            }
        }
        let bytes = agent.map_or(0, str::len) + actor.map_or(0, str::len);
        let resolved = compute();
        if bytes > MAX_REMEMBERED_BYTES {
            self.spare = resolved;
            return self.spare.view();
        }
        let lists =
            resolved.keys.len() + resolved.agent_members.len() + resolved.actor_members.len();
        if self.table.len() >= capacity.0
            || self.text.len() + bytes > MAX_TEXT_BYTES
            || u32::try_from(self.data.len() + lists).is_err()
        {
            self.table.clear();
            self.slots.clear();
            self.values.clear();
            self.text.clear();
            self.data.clear();
        }
        let count = |v: &Vec<u32>| v.len() as u32;
        let slot = Slot {
            hash,
            agent: agent.map_or(Span::NONE, |v| self.intern(v)),
            actor: actor.map_or(Span::NONE, |v| self.intern(v)),
            data: self.data.len() as u32,
            keys: count(&resolved.keys),
            agent_members: count(&resolved.agent_members),
            actor_members: count(&resolved.actor_members),
        };
        self.data.extend_from_slice(&resolved.keys);
        self.data.extend_from_slice(&resolved.agent_members);
        self.data.extend_from_slice(&resolved.actor_members);
        let index = self.slots.len() as u32;
        self.slots.push(slot);
        let slots = &self.slots;
        self.table.insert_unique(hash, index, |&i| {
            slots.get(i as usize).map_or(0, |s| s.hash)
        });
        slot.pair(&self.data)
    }

    /// Where `value` is in the text arena (added when it is not yet).
    fn intern(&mut self, value: &str) -> Span {
        let (state, text) = (&self.state, &self.text);
        let hash = state.hash_one(value.as_bytes());
        let same = |s: &Span| s.get(text) == Some(value.as_bytes());
        if let Some(&span) = self.values.find(hash, same) {
            return span;
        }
        let span = Span {
            start: self.text.len() as u32,
            len: value.len() as u32,
        };
        self.text.extend_from_slice(value.as_bytes());
        let text = &self.text;
        self.values.insert_unique(hash, span, |s| {
            state.hash_one(s.get(text).unwrap_or_default())
        });
        span
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_and_starts_again_when_full() {
        let mut cache = HitCache::default();
        let capacity = Capacity(2);
        let mut computed = 0;
        for value in ["a", "b", "a", "b", "c", "a"] {
            let hits = cache.get_or_insert_with(value, capacity, || {
                computed += 1;
                Hits {
                    owners: Owners::default(),
                    keys: Box::new([7, 8]),
                }
            });
            assert_eq!(&*hits.keys, &[7, 8]);
        }
        // a, b; then c empties the cache; then a again.
        assert_eq!(computed, 4);
        assert!(cache.map.len() <= 2);
    }

    #[test]
    fn pairs_are_remembered_by_both_values() {
        let mut cache = PairCache::default();
        let capacity = Capacity(3);
        let mut computed = 0;
        let pairs = [
            (Some("a"), Some("x")),
            (Some("a"), Some("y")),
            (Some("a"), None),
            (Some("a"), Some("x")),
            (Some("ax"), Some("")),
            (Some("a"), Some("x")),
        ];
        for (agent, actor) in pairs {
            let pair = cache.get_or_insert_with(agent, actor, capacity, || {
                computed += 1;
                Resolved {
                    keys: vec![computed],
                    agent_members: vec![agent.map_or(0, str::len) as u32],
                    actor_members: vec![actor.map_or(9, str::len) as u32, 7],
                }
            });
            assert_eq!(pair.agent_members, &[agent.map_or(0, str::len) as u32]);
            assert_eq!(pair.actor_members, &[actor.map_or(9, str::len) as u32, 7]);
            assert!(!pair.keys.is_empty());
        }
        // (a,x), (a,y), (a,-); (ax,"") is not (a,x) and empties the cache;
        // then (a,x) again.
        assert_eq!(computed, 5);
        assert!(cache.table.len() <= 3);
    }

    #[test]
    fn long_values_are_resolved_each_time() {
        let mut cache = PairCache::default();
        let long = "u".repeat(MAX_REMEMBERED_BYTES + 1);
        let mut computed = 0;
        for _ in 0..2 {
            let pair = cache.get_or_insert_with(Some(&long), None, Capacity(8), || {
                computed += 1;
                Resolved {
                    keys: vec![3],
                    ..Resolved::default()
                }
            });
            assert_eq!(pair.keys, &[3]);
        }
        assert_eq!(computed, 2);
        assert!(cache.text.is_empty());
    }
}
