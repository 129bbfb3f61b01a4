//! `[[bind]]`: the policy entries that attribute activity-log events to keys.
//!
//! No IT Glue log record names the API key that made the request, so which
//! events belong to which key is the policy's decision: a binding names a
//! key and the user agents, source addresses, user ids and actor names its
//! integration shows up with. [`crate::Attribution`] compiles the bindings
//! into matchers.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use keyaudit_model::ApiKey;

use super::{PolicyLine, names_key};

/// One `[[bind]]` entry: the events that belong to a key.
///
/// Within a binding every field given must match (AND); within a field any
/// entry may match (OR). A key may have several bindings (OR).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Binding {
    /// The key: its name (any case, surrounding spaces ignored), fingerprint
    /// (`ITG.<32 hex>`) or masked key. A name binds every key of that name.
    pub key: String,
    /// User-agent globs: `*` matches any run of characters, `?` one
    /// character, everything else itself; case-insensitive, over the whole
    /// user agent.
    pub user_agent: Vec<String>,
    /// Source addresses and networks, matched against the event's `ip-address`.
    pub ip: Vec<IpPattern>,
    /// IT Glue user ids (`user-id`), compared exactly (surrounding spaces ignored).
    pub user_id: Vec<String>,
    /// Actor names, compared case-insensitively with the whole actor name
    /// (surrounding spaces ignored).
    pub actor: Vec<String>,
    /// The line of the entry in the policy file, when it came from one.
    pub line: PolicyLine,
}

impl Binding {
    /// True when the binding names this key, by name or by fingerprint.
    pub fn matches(&self, key: &ApiKey) -> bool {
        names_key(&self.key, &key.name, key.fingerprint.as_ref())
    }

    /// True when the binding has at least one entry to match (a binding
    /// without any matches no event).
    pub fn has_conditions(&self) -> bool {
        !(self.user_agent.is_empty()
            && self.ip.is_empty()
            && self.user_id.is_empty()
            && self.actor.is_empty())
    }
}

/// An IP address or a CIDR network (IPv4 or IPv6) in a binding.
///
/// An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) is read as the IPv4
/// address it maps, as are events' addresses, so either form matches both.
///
/// ```
/// use keyaudit_engine::IpPattern;
///
/// let net: IpPattern = "198.51.100.0/24".parse().unwrap();
/// assert!(net.contains("198.51.100.42".parse().unwrap()));
/// assert!(!net.contains("198.51.101.1".parse().unwrap()));
/// assert_eq!(net.to_string(), "198.51.100.0/24");
/// assert!("198.51.100.7/24".parse::<IpPattern>().is_err()); // host bits set
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpPattern {
    network: IpAddr,
    prefix: u8,
}

/// What an `ip` entry may be, for messages.
pub(crate) const IP_EXPECTED: &str = "an IPv4 or IPv6 address (203.0.113.7, 2001:db8::7) or a \
     CIDR network (198.51.100.0/24, 2001:db8::/48)";

impl IpPattern {
    /// The network address (the address itself for a single address).
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// The prefix length: 32 (IPv4) or 128 (IPv6) for a single address.
    pub fn prefix_len(&self) -> u8 {
        self.prefix
    }

    /// True when `addr` lies in the network (or is the address).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.network, canonical_ip(addr)) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                u32::from(a) & mask_v4(self.prefix) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                u128::from(a) & mask_v6(self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

impl FromStr for IpPattern {
    type Err = String;

    /// Parses `203.0.113.7`, `2001:db8::7`, `198.51.100.0/24` or
    /// `2001:db8::/48`. The error says what is wrong (without the value).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("is not an IP address or CIDR network; valid: {IP_EXPECTED}"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max && p.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => {
                    let family = if addr.is_ipv4() { "IPv4" } else { "IPv6" };
                    return Err(format!(
                        "has an invalid prefix length `/{p}`; {family} prefixes are 0 to {max}"
                    ));
                }
            },
        };
        // An IPv4-mapped IPv6 address or network is read as IPv4.
        let (addr, prefix) = match addr {
            IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => (IpAddr::V4(v4), prefix - 96),
                None => (addr, prefix),
            },
            _ => (addr, prefix),
        };
        let network = masked(addr, prefix);
        if network != addr {
            return Err(format!(
                "has bits set after its {prefix}-bit prefix; write the network as {}/{prefix}",
                network
            ));
        }
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for IpPattern {
    /// The address alone for a single address, else `network/prefix`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let full = if self.network.is_ipv4() { 32 } else { 128 };
        if self.prefix == full {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix)
        }
    }
}

/// The address, with an IPv4-mapped IPv6 address read as IPv4.
pub(crate) fn canonical_ip(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        IpAddr::V4(_) => addr,
    }
}

/// The bits of an IPv4 prefix of length `prefix` (0 to 32).
pub(crate) fn mask_v4(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0)
}

/// The bits of an IPv6 prefix of length `prefix` (0 to 128).
pub(crate) fn mask_v6(prefix: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0)
}

fn masked(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => IpAddr::V4((u32::from(a) & mask_v4(prefix)).into()),
        IpAddr::V6(a) => IpAddr::V6((u128::from(a) & mask_v6(prefix)).into()),
    }
}
