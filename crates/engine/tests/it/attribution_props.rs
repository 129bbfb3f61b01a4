//! Attribution, with its compiled matchers and per-tally caches, gives
//! exactly what the binding rules say ([`BindingRules`], the rules stated
//! plainly and evaluated event by event), and those rules say what their
//! documentation says on hand-picked events.

use std::borrow::Cow;

use crate::support::fixtures::*;
use keyaudit_engine::{Attribution, BindingRules, parse_policy};
use keyaudit_model::{ApiKey, UsageEvent};
use proptest::prelude::*;

const KEYS: [&str; 4] = ["HaloPSA", "Rewst", "Vault export", "Backup"];
const AGENTS: [&str; 7] = [
    "Rewst/1.0",
    "rewst/2.0 (linux)",
    "python-requests/2.31",
    "HaloPSA/2.1 (+https://halopsa.com)",
    "curl/8.5",
    "Mozilla/5.0 (Windows NT 10.0) backup",
    "HaloPSAX/1.0",
];
const GLOBS: [&str; 5] = [
    "Rewst/*",
    "python-requests/*",
    "*curl*",
    "haloPSA/?.?*",
    "*",
];
const ACTORS: [&str; 4] = ["API Integration", "svc-rewst", "Dana Novak", "halopsa sync"];
const IPS: [&str; 5] = [
    "10.1.2.3",
    "10.1.2.200",
    "192.0.2.9",
    "::ffff:10.1.2.7",
    "n/a",
];
const NETWORKS: [&str; 3] = ["10.1.2.0/24", "10.1.2.3", "192.0.2.9"];
const USER_IDS: [&str; 3] = ["42", "77", "9001"];

/// One generated binding: a key and, per field, indices into the field's
/// vocabulary (empty: the field is not given).
#[derive(Debug, Clone)]
struct Bind {
    key: usize,
    globs: Vec<usize>,
    networks: Vec<usize>,
    user_ids: Vec<usize>,
    actors: Vec<usize>,
}

/// One generated event: an index into each field's vocabulary, or none.
#[derive(Debug, Clone, Copy)]
struct Ev {
    agent: Option<usize>,
    actor: Option<usize>,
    ip: Option<usize>,
    user_id: Option<usize>,
}

fn bind() -> impl Strategy<Value = Bind> {
    let some = |n: usize| proptest::collection::vec(0..n, 0..3);
    (
        0..KEYS.len(),
        some(GLOBS.len()),
        some(NETWORKS.len()),
        some(USER_IDS.len()),
        some(ACTORS.len()),
    )
        .prop_map(|(key, globs, networks, user_ids, actors)| Bind {
            key,
            globs,
            networks,
            user_ids,
            actors,
        })
        .prop_filter("a binding needs a condition", |b| {
            !(b.globs.is_empty()
                && b.networks.is_empty()
                && b.user_ids.is_empty()
                && b.actors.is_empty())
        })
}

fn ev() -> impl Strategy<Value = Ev> {
    (
        proptest::option::of(0..AGENTS.len()),
        proptest::option::of(0..ACTORS.len()),
        proptest::option::of(0..IPS.len()),
        proptest::option::of(0..USER_IDS.len()),
    )
        .prop_map(|(agent, actor, ip, user_id)| Ev {
            agent,
            actor,
            ip,
            user_id,
        })
}

fn policy_text(bindings: &[Bind]) -> String {
    let list = |vocabulary: &[&str], picks: &[usize]| {
        let items: Vec<String> = picks
            .iter()
            .map(|&i| format!("{:?}", vocabulary[i]))
            .collect();
        format!("[{}]", items.join(", "))
    };
    let mut text = String::new();
    for b in bindings {
        text.push_str(&format!("[[bind]]\nkey = {:?}\n", KEYS[b.key]));
        for (field, vocabulary, picks) in [
            ("user_agent", &GLOBS[..], &b.globs),
            ("ip", &NETWORKS[..], &b.networks),
            ("user_id", &USER_IDS[..], &b.user_ids),
            ("actor", &ACTORS[..], &b.actors),
        ] {
            if !picks.is_empty() {
                text.push_str(&format!("{field} = {}\n", list(vocabulary, picks)));
            }
        }
    }
    text
}

fn usage_event(e: Ev) -> UsageEvent<'static> {
    let pick =
        |vocabulary: &[&'static str], i: Option<usize>| i.map(|i| Cow::Borrowed(vocabulary[i]));
    UsageEvent {
        user_agent: pick(&AGENTS, e.agent),
        actor: pick(&ACTORS, e.actor),
        ip_address: pick(&IPS, e.ip),
        user_id: pick(&USER_IDS, e.user_id),
        ..UsageEvent::at(days_ago(1))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn attribution_follows_the_binding_rules(
        bindings in proptest::collection::vec(bind(), 0..6),
        events in proptest::collection::vec(ev(), 1..40),
    ) {
        let keys: Vec<ApiKey> = KEYS
            .iter()
            .enumerate()
            .map(|(i, name)| key(name, i as u32 + 1))
            .collect();
        let inventory = inventory(keys);
        let policy = parse_policy("keyaudit.toml", &policy_text(&bindings)).unwrap();
        let attribution = Attribution::new(&inventory, &policy);
        let rules = BindingRules::new(&inventory, &policy);
        let usage: Vec<UsageEvent<'static>> = events.iter().map(|&e| usage_event(e)).collect();
        // Twice over: the second pass is answered from the caches.
        let tally = attribution.tally_events(usage.iter().chain(&usage));

        let mut counts = [0u64; KEYS.len()];
        let (mut attributed, mut ambiguous) = (0u64, 0u64);
        for e in usage.iter().chain(&usage) {
            let keys = rules.keys_of(e);
            keys.iter().for_each(|&k| counts[k as usize] += 1);
            attributed += u64::from(!keys.is_empty());
            ambiguous += u64::from(keys.len() > 1);
        }
        let got: Vec<u64> = (0..KEYS.len()).map(|k| tally.key_activity(k).events).collect();
        prop_assert_eq!(got, counts.to_vec());
        prop_assert_eq!(tally.attributed(), attributed);
        prop_assert_eq!(tally.ambiguous(), ambiguous);
        prop_assert_eq!(tally.unattributed(), tally.events() - attributed);
    }
}
