//! Per-thread memory of what a user agent or an actor matched.
//!
//! Activity logs repeat a few user agents and actors millions of times;
//! searching each one with the automatons costs far more than looking up
//! the answer. Each tally's scratch keeps, per value, the bindings and keys
//! it matched. The answer depends on the value alone, so a remembered one
//! is exactly what the search would give. Memory stays bounded: when a
//! cache holds [`Capacity`] values and a new one comes, it is emptied and
//! starts again (values are copied only when they are new to the cache).

use std::hash::BuildHasher;

use hashbrown::hash_table::Entry;
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

/// (user agent, actor) pairs and what each matched: one lookup for an
/// event that has both (a CSV export's rows), instead of one per field.
#[derive(Debug, Clone, Default)]
pub(crate) struct PairCache {
    table: HashTable<(Box<str>, Box<str>, Hits, Hits)>,
    state: DefaultHashBuilder,
}

impl PairCache {
    /// What `agent` and `actor` matched: remembered, or computed by
    /// `compute` now and remembered.
    #[inline]
    pub(crate) fn get_or_insert_with(
        &mut self,
        agent: &str,
        actor: &str,
        capacity: Capacity,
        compute: impl FnOnce() -> (Hits, Hits),
    ) -> (&Hits, &Hits) {
        let hash = self.state.hash_one((agent, actor));
        let same = |e: &(Box<str>, Box<str>, Hits, Hits)| &*e.0 == agent && &*e.1 == actor;
        if self.table.len() >= capacity.0 && self.table.find(hash, same).is_none() {
            self.table.clear();
        }
        let state = &self.state;
        let entry = match self
            .table
            .entry(hash, same, |e| state.hash_one((&*e.0, &*e.1)))
        {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let (a, b) = compute();
                entry.insert((agent.into(), actor.into(), a, b)).into_mut()
            }
        };
        (&entry.2, &entry.3)
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
        let capacity = Capacity(2);
        let mut computed = 0;
        for (agent, actor) in [("a", "x"), ("a", "y"), ("a", "x"), ("b", "x"), ("a", "x")] {
            let (ua, _) = cache.get_or_insert_with(agent, actor, capacity, || {
                computed += 1;
                let hits = Hits {
                    owners: Owners::default(),
                    keys: Box::new([computed]),
                };
                (hits.clone(), hits)
            });
            assert!(!ua.keys.is_empty());
        }
        // (a,x), (a,y); (b,x) empties the cache; then (a,x) again.
        assert_eq!(computed, 4);
    }
}
