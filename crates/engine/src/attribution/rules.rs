//! The binding rules, stated plainly: which keys an activity-log event
//! belongs to.
//!
//! This module is the definition. [`Attribution`](super::Attribution) is an
//! implementation of it built for speed (compiled matchers, per-tally
//! caches, one automaton per field); a property test
//! (`tests/it/attribution_props.rs`) holds it to this module on generated
//! policies and events. Read this module to learn what a binding matches;
//! change it first, then the implementation, when the rules change.
//!
//! * A `[[bind]]` entry with at least one condition names keys (by name,
//!   any case and spacing, or by fingerprint) and lists values per field.
//!   It matches an event when every field it gives matches (AND); a field
//!   matches when any of its entries does (OR):
//!   * `user_agent`: a glob (`*` any run of characters, `?` one
//!     character) over the whole user agent, case-insensitively;
//!   * `ip`: a network holding the event's address (an IPv4-mapped IPv6
//!     address counts as its IPv4 address);
//!   * `user_id`: the same text, surrounding spaces ignored;
//!   * `actor`: the same name, case-insensitively, surrounding spaces
//!     ignored.
//! * A key named by no binding gets a default one when it is not revoked
//!   and its name is neither generic nor shorter than `naming.min_length`:
//!   the events whose user agent or actor contains the trimmed name as a
//!   whole word (the characters around it are not letters or digits),
//!   case-insensitively.
//! * An event belongs to every key it matches, through any binding.
//!
//! Case-insensitive means compared after [`fold`](super::fold): ASCII
//! letters lower-cased, other characters replaced by the first character
//! of their lower-case mapping, on both sides.

use std::net::IpAddr;

use keyaudit_model::{Inventory, UsageEvent};

use super::fold::{fold, fold_char};
use super::gets_default_binding;
use crate::naming;
use crate::policy::{Binding, ValidPolicy};

/// The binding rules of a policy over an inventory, evaluated plainly,
/// event by event: the reference [`Attribution`](super::Attribution) is
/// checked against. Slow (every binding and name is tried on every event);
/// for tests and for reading.
///
/// ```
/// use keyaudit_engine::{BindingRules, parse_policy};
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
/// let rules = BindingRules::new(&inventory, &policy);
/// let mut event = UsageEvent::at(chrono::DateTime::UNIX_EPOCH);
/// event.user_agent = Some("rewst/1.0".into());
/// assert_eq!(rules.keys_of(&event), [1]); // its binding
/// event.user_agent = Some("HaloPSA/2.1".into());
/// assert_eq!(rules.keys_of(&event), [0]); // its name, a whole word
/// event.user_agent = Some("HaloPSAX/2.1".into());
/// assert!(rules.keys_of(&event).is_empty());
/// ```
#[derive(Debug)]
pub struct BindingRules<'a> {
    /// Bindings with a condition, with the keys each names.
    bindings: Vec<(&'a Binding, Vec<u32>)>,
    /// Keys with a default binding, with their folded, trimmed names.
    defaults: Vec<(u32, String)>,
}

impl<'a> BindingRules<'a> {
    /// The rules of `policy` for the keys of `inventory` (keys are their
    /// indices in `inventory.keys`).
    pub fn new(inventory: &Inventory, policy: &'a ValidPolicy) -> Self {
        let keys = &inventory.keys;
        let bindings: Vec<(&Binding, Vec<u32>)> = policy
            .bindings
            .iter()
            .filter(|b| b.has_conditions())
            .map(|b| {
                let named = (0..keys.len() as u32)
                    .filter(|&k| b.matches(&keys[k as usize]))
                    .collect();
                (b, named)
            })
            .collect();
        let generic = naming::generic_names(policy);
        let defaults = (0..keys.len() as u32)
            .filter(|&k| !bindings.iter().any(|(_, named)| named.contains(&k)))
            .filter(|&k| {
                gets_default_binding(&keys[k as usize], &generic, policy.naming.min_length)
            })
            .map(|k| (k, fold(keys[k as usize].name.trim())))
            .collect();
        Self { bindings, defaults }
    }

    /// The keys `event` belongs to: indices into the inventory's keys,
    /// sorted, each once; empty when it belongs to none.
    pub fn keys_of(&self, event: &UsageEvent<'_>) -> Vec<u32> {
        let mut keys: Vec<u32> = self
            .bindings
            .iter()
            .filter(|(binding, _)| binding_matches(binding, event))
            .flat_map(|(_, named)| named.iter().copied())
            .collect();
        let texts = [event.user_agent.as_deref(), event.actor.as_deref()];
        for (key, name) in &self.defaults {
            if texts.into_iter().flatten().any(|text| has_word(text, name)) {
                keys.push(*key);
            }
        }
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

/// True when every field `binding` gives matches `event`, any entry within
/// a field (a binding without conditions matches nothing).
pub fn binding_matches(binding: &Binding, event: &UsageEvent<'_>) -> bool {
    fn field<T>(entries: &[T], value: Option<&str>, matches: impl Fn(&T, &str) -> bool) -> bool {
        entries.is_empty() || value.is_some_and(|v| entries.iter().any(|e| matches(e, v)))
    }
    binding.has_conditions()
        && field(
            &binding.user_agent,
            event.user_agent.as_deref(),
            |glob, agent| glob_matches(glob, agent),
        )
        && field(&binding.ip, event.ip_address.as_deref(), |network, ip| {
            ip.trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| network.contains(ip))
        })
        && field(&binding.user_id, event.user_id.as_deref(), |id, user_id| {
            id.trim() == user_id.trim()
        })
        && field(&binding.actor, event.actor.as_deref(), |name, actor| {
            fold(name.trim()) == fold(actor.trim())
        })
}

/// `glob` over the whole of `text`, compared folded.
fn glob_matches(glob: &str, text: &str) -> bool {
    fn matches(glob: &[char], text: &[char]) -> bool {
        match (glob.split_first(), text.split_first()) {
            (None, _) => text.is_empty(),
            (Some(('*', rest)), _) => (0..=text.len()).any(|skip| matches(rest, &text[skip..])),
            (Some(('?', rest)), Some((_, text))) => matches(rest, text),
            (Some((g, rest)), Some((t, text))) => g == t && matches(rest, text),
            (Some(_), None) => false,
        }
    }
    let glob: Vec<char> = glob.chars().map(fold_char).collect();
    let text: Vec<char> = text.chars().map(fold_char).collect();
    matches(&glob, &text)
}

/// True when the folded `name` occurs in `text`, folded, as a whole word.
fn has_word(text: &str, name: &str) -> bool {
    let text = fold(text);
    let boundary = |c: Option<char>| !c.is_some_and(char::is_alphanumeric);
    text.char_indices().any(|(at, _)| {
        text[at..].starts_with(name)
            && boundary(text[..at].chars().next_back())
            && boundary(text[at + name.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_policy;
    use keyaudit_model::{ApiKey, KeyState};

    fn event(
        agent: Option<&str>,
        actor: Option<&str>,
        ip: Option<&str>,
        user_id: Option<&str>,
    ) -> UsageEvent<'static> {
        let own = |v: Option<&str>| v.map(|v| v.to_string().into());
        UsageEvent {
            user_agent: own(agent),
            actor: own(actor),
            ip_address: own(ip),
            user_id: own(user_id),
            ..UsageEvent::at(chrono::DateTime::UNIX_EPOCH)
        }
    }

    fn keys_of(keys: Vec<ApiKey>, policy: &str, event: &UsageEvent<'_>) -> Vec<u32> {
        let inventory = Inventory {
            keys,
            ..Inventory::default()
        };
        let policy = parse_policy("keyaudit.toml", policy).unwrap();
        BindingRules::new(&inventory, &policy).keys_of(event)
    }

    #[test]
    fn every_field_given_must_match_and_any_entry_within_one() {
        let policy = "[[bind]]\nkey = \"sync\"\nuser_agent = [\"Rewst/*\", \"*curl*\"]\nip = \"10.1.2.0/24\"\n";
        let keys = || vec![ApiKey::named("sync")];
        assert_eq!(
            keys_of(
                keys(),
                policy,
                &event(Some("curl/8"), None, Some(" 10.1.2.9 "), None)
            ),
            [0]
        );
        assert_eq!(
            keys_of(
                keys(),
                policy,
                &event(Some("REWST/1.0"), None, Some("::ffff:10.1.2.7"), None)
            ),
            [0]
        );
        assert!(
            keys_of(
                keys(),
                policy,
                &event(Some("Rewst/1.0"), None, Some("10.1.3.1"), None)
            )
            .is_empty()
        );
        assert!(keys_of(keys(), policy, &event(Some("Rewst/1.0"), None, None, None)).is_empty());
    }

    #[test]
    fn user_ids_are_exact_and_actors_ignore_case() {
        let policy = "[[bind]]\nkey = \"sync\"\nuser_id = \" 42 \"\n[[bind]]\nkey = \"other\"\nactor = \"Svc-Rewst\"\n";
        let keys = || vec![ApiKey::named("sync"), ApiKey::named("other")];
        assert_eq!(
            keys_of(keys(), policy, &event(None, None, None, Some("42"))),
            [0]
        );
        assert!(keys_of(keys(), policy, &event(None, None, None, Some("420"))).is_empty());
        assert_eq!(
            keys_of(
                keys(),
                policy,
                &event(None, Some(" svc-REWST "), None, None)
            ),
            [1]
        );
    }

    #[test]
    fn names_are_found_as_whole_words_when_a_key_has_no_binding() {
        let keys = || {
            let mut revoked = ApiKey::named("Backup export");
            revoked.state = KeyState::Revoked;
            vec![
                ApiKey::named("HaloPSA"),
                ApiKey::named("Ärzte Sync"),
                revoked,
            ]
        };
        let found = |agent: &str| keys_of(keys(), "", &event(Some(agent), None, None, None));
        assert_eq!(found("halopsa/2.1"), [0]);
        assert!(found("HaloPSAX/2.1").is_empty());
        assert_eq!(found("(ÄRZTE SYNC)"), [1]);
        assert!(
            found("Backup export/1.0").is_empty(),
            "a revoked key has no default binding"
        );
        let bound = "[[bind]]\nkey = \"HaloPSA\"\nuser_id = \"7\"\n";
        assert!(keys_of(keys(), bound, &event(Some("HaloPSA/2.1"), None, None, None)).is_empty());
    }
}
