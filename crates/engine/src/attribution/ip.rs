//! Source addresses and networks of all bindings, as a table per prefix
//! length: an event's address is masked once per distinct prefix length
//! and looked up, never compared with each network in turn.

use std::collections::BTreeMap;

use hashbrown::HashMap;
use std::net::IpAddr;

use super::owners::Owners;
use crate::policy::{IpPattern, canonical_ip, mask_v4, mask_v6};

/// Networks by prefix length (longest first), each a map from the masked
/// network to the bindings that name it.
#[derive(Debug, Clone, Default)]
pub(crate) struct IpIndex {
    v4: Vec<(u8, HashMap<u32, Owners>)>,
    v6: Vec<(u8, HashMap<u128, Owners>)>,
}

impl IpIndex {
    /// Indexes `(network, binding)` pairs.
    pub(crate) fn new(
        entries: impl IntoIterator<Item = (IpPattern, u32)>,
        owners: impl Fn(&[u32]) -> Owners,
    ) -> Self {
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
            v4: v4
                .into_iter()
                .rev()
                .map(|(p, m)| (p, m.into_iter().map(|(n, b)| (n, owners(&b))).collect()))
                .collect(),
            v6: v6
                .into_iter()
                .rev()
                .map(|(p, m)| (p, m.into_iter().map(|(n, b)| (n, owners(&b))).collect()))
                .collect(),
        }
    }

    /// True when no binding names an address.
    pub(crate) fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// Calls `found` with every binding whose network holds `text`'s
    /// address; nothing when `text` is not an address.
    #[inline]
    pub(crate) fn for_each(&self, text: &str, mut found: impl FnMut(&Owners)) {
        let Some(addr) = parse_v4(text)
            .map(IpAddr::V4)
            .or_else(|| text.trim().parse().ok())
        else {
            return;
        };
        match canonical_ip(addr) {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                for (prefix, networks) in &self.v4 {
                    if let Some(owners) = networks.get(&(a & mask_v4(*prefix))) {
                        found(owners);
                    }
                }
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                for (prefix, networks) in &self.v6 {
                    if let Some(owners) = networks.get(&(a & mask_v6(*prefix))) {
                        found(owners);
                    }
                }
            }
        }
    }
}

/// A dotted-quad IPv4 address exactly as `Ipv4Addr`'s parser reads it
/// (four decimal numbers 0–255 of one to three digits, no leading zero),
/// without surrounding spaces; `None` for anything else (which the general
/// parser then reads).
#[inline]
fn parse_v4(text: &str) -> Option<std::net::Ipv4Addr> {
    let bytes = text.as_bytes();
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if bytes.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut value: u32 = 0;
        while let Some(&b) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            value = value * 10 + u32::from(b - b'0');
            i += 1;
            if i - start > 3 {
                return None;
            }
        }
        let digits = i - start;
        if digits == 0 || (digits > 1 && bytes[start] == b'0') {
            return None;
        }
        *octet = u8::try_from(value).ok()?;
    }
    (i == bytes.len()).then_some(std::net::Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{Compiled, IP};

    fn hits(index: &IpIndex, ip: &str) -> Vec<u32> {
        let mut got = Vec::new();
        index.for_each(ip, |o| got.extend_from_slice(o.solo()));
        got.sort();
        got
    }

    #[test]
    fn the_fast_v4_parser_agrees_with_the_standard_one() {
        for text in [
            "1.2.3.4",
            "255.255.255.255",
            "0.0.0.0",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.4 ",
            " 1.2.3.4",
            "1..3.4",
            "1.2.3.",
            "1234.1.1.1",
            "::1",
            "",
            "a.b.c.d",
            "10.0.0.00",
        ] {
            assert_eq!(parse_v4(text), text.parse().ok(), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_fast_v4_parser_agrees_on_any_text(text in "[0-9.: ]{0,17}") {
            proptest::prop_assert_eq!(parse_v4(&text), text.parse().ok());
        }

        #[test]
        fn the_fast_v4_parser_agrees_on_dotted_numbers(
            parts in proptest::collection::vec("0{0,2}[0-9]{1,3}", 3..6),
        ) {
            let text = parts.join(".");
            proptest::prop_assert_eq!(parse_v4(&text), text.parse().ok());
        }
    }

    #[test]
    fn addresses_and_networks_of_both_families() {
        let p = |s: &str| s.parse::<IpPattern>().unwrap();
        let compiled: Vec<Compiled> = (0..5)
            .map(|k| Compiled {
                keys: Box::new([k]),
                needs: IP,
            })
            .collect();
        let solo = |b: &[u32]| Owners::new(b, IP, &compiled);
        let index = IpIndex::new(
            [
                (p("203.0.113.7"), 0),
                (p("198.51.100.0/24"), 1),
                (p("0.0.0.0/0"), 2),
                (p("2001:db8::/32"), 3),
                (p("2001:db8::7"), 4),
            ],
            solo,
        );
        assert_eq!(hits(&index, "203.0.113.7"), [0, 2]);
        assert_eq!(hits(&index, " 198.51.100.255 "), [1, 2]);
        assert_eq!(hits(&index, "::ffff:198.51.100.1"), [1, 2]);
        assert_eq!(hits(&index, "2001:db8::7"), [3, 4]);
        assert_eq!(hits(&index, "2001:db9::7"), Vec::<u32>::new());
        assert_eq!(hits(&index, "not an ip"), Vec::<u32>::new());
    }
}
