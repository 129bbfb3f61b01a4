//! Source addresses and networks of all bindings, as a table per prefix
//! length: an event's address is masked once per distinct prefix length
//! and looked up, never compared with each network in turn.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use crate::policy::{IpPattern, canonical_ip, mask_v4, mask_v6};

/// Networks by prefix length (longest first), each a map from the masked
/// network to the bindings that name it.
#[derive(Debug, Clone, Default)]
pub(crate) struct IpIndex {
    v4: Vec<(u8, HashMap<u32, Vec<u32>>)>,
    v6: Vec<(u8, HashMap<u128, Vec<u32>>)>,
}

impl IpIndex {
    /// Indexes `(network, binding)` pairs.
    pub(crate) fn new(entries: impl IntoIterator<Item = (IpPattern, u32)>) -> Self {
        let mut v4: BTreeMap<u8, HashMap<u32, Vec<u32>>> = BTreeMap::new();
        let mut v6: BTreeMap<u8, HashMap<u128, Vec<u32>>> = BTreeMap::new();
        for (pattern, binding) in entries {
            let owners = match pattern.network() {
                IpAddr::V4(net) => v4
                    .entry(pattern.prefix_len())
                    .or_default()
                    .entry(u32::from(net))
                    .or_default(),
                IpAddr::V6(net) => v6
                    .entry(pattern.prefix_len())
                    .or_default()
                    .entry(u128::from(net))
                    .or_default(),
            };
            if owners.last() != Some(&binding) {
                owners.push(binding);
            }
        }
        Self {
            v4: v4.into_iter().rev().collect(),
            v6: v6.into_iter().rev().collect(),
        }
    }

    /// True when no binding names an address.
    pub(crate) fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// Calls `found` with every binding whose network holds `text`'s
    /// address; nothing when `text` is not an address.
    #[inline]
    pub(crate) fn for_each(&self, text: &str, mut found: impl FnMut(u32)) {
        let Ok(addr) = text.trim().parse::<IpAddr>() else {
            return;
        };
        match canonical_ip(addr) {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                for (prefix, networks) in &self.v4 {
                    if let Some(owners) = networks.get(&(a & mask_v4(*prefix))) {
                        owners.iter().for_each(|&b| found(b));
                    }
                }
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                for (prefix, networks) in &self.v6 {
                    if let Some(owners) = networks.get(&(a & mask_v6(*prefix))) {
                        owners.iter().for_each(|&b| found(b));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(index: &IpIndex, ip: &str) -> Vec<u32> {
        let mut got = Vec::new();
        index.for_each(ip, |b| got.push(b));
        got.sort();
        got
    }

    #[test]
    fn addresses_and_networks_of_both_families() {
        let p = |s: &str| s.parse::<IpPattern>().unwrap();
        let index = IpIndex::new([
            (p("203.0.113.7"), 0),
            (p("198.51.100.0/24"), 1),
            (p("0.0.0.0/0"), 2),
            (p("2001:db8::/32"), 3),
            (p("2001:db8::7"), 4),
        ]);
        assert_eq!(hits(&index, "203.0.113.7"), [0, 2]);
        assert_eq!(hits(&index, " 198.51.100.255 "), [1, 2]);
        assert_eq!(hits(&index, "::ffff:198.51.100.1"), [1, 2]);
        assert_eq!(hits(&index, "2001:db8::7"), [3, 4]);
        assert_eq!(hits(&index, "2001:db9::7"), Vec::<u32>::new());
        assert_eq!(hits(&index, "not an ip"), Vec::<u32>::new());
    }
}
