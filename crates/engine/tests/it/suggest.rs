//! suggest-bindings scenarios: which unattributed events are proposed for
//! which key, on inventories and events built in code.

use crate::support::fixtures::*;
use chrono::TimeDelta;
use keyaudit_engine::{Attribution, BindingSuggester, ValidPolicy, parse_policy};
use keyaudit_model::{ApiKey, BindingSuggestions, Inventory, KeyState, UsageEvent};

/// `n` events with this user agent and address, an hour apart.
fn events(n: usize, agent: &str, ip: &str) -> Vec<UsageEvent<'static>> {
    (0..n)
        .map(|i| {
            let mut event = UsageEvent::at(days_ago(20) + TimeDelta::hours(i as i64));
            event.user_agent = Some(agent.to_string().into());
            event.ip_address = Some(ip.to_string().into());
            event
        })
        .collect()
}

fn suggest(
    inventory: &Inventory,
    policy: &ValidPolicy,
    events: &[UsageEvent<'_>],
) -> BindingSuggestions {
    let suggester = BindingSuggester::new(inventory, policy);
    let mut tally = suggester.tally();
    for event in events {
        suggester.observe(&mut tally, event);
    }
    suggester.suggest(&tally)
}

/// (binding key or "?", user agents, ips, events) of each suggestion.
fn summary(found: &BindingSuggestions) -> Vec<(String, Vec<String>, Vec<String>, u64)> {
    found
        .suggestions
        .iter()
        .map(|s| {
            (
                s.key
                    .as_ref()
                    .map_or("?".to_string(), |k| k.binding_key.clone()),
                s.user_agent.clone(),
                s.ip.clone(),
                s.events,
            )
        })
        .collect()
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// The policy with the proposed bindings appended, as a user would.
fn with_suggestions(policy_text: &str, found: &BindingSuggestions) -> ValidPolicy {
    let mut text = policy_text.to_string();
    for s in found.suggestions.iter().filter(|s| s.key.is_some()) {
        let quote = |v: &String| format!("{v:?}");
        text.push_str(&format!(
            "\n[[bind]]\nkey = {:?}\nuser_agent = [{}]\n",
            s.key.as_ref().unwrap().binding_key,
            s.user_agent
                .iter()
                .map(quote)
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if !s.ip.is_empty() {
            text.push_str(&format!(
                "ip = [{}]\n",
                s.ip.iter().map(quote).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    parse_policy("keyaudit.toml", &text).unwrap()
}

#[test]
fn user_agents_that_resemble_key_names_go_to_those_keys() {
    let inv = inventory(vec![
        key("HaloPSA Integration", 1),
        key("Datto RMM - device sync - NOC", 2),
        key("Liongard inventory", 3),
    ]);
    let mut all = events(30, "HaloPSA-Connector/3.2", "20.84.12.7");
    all.extend(events(12, "DattoRMM-Agent/5.1", "52.1.22.133"));
    all.extend(events(4, "Liongard-Inspector/1.0 (linux)", "52.1.22.150"));
    let found = suggest(&inv, &ValidPolicy::default(), &all);
    assert_eq!(
        summary(&found),
        [
            (
                "HaloPSA Integration".into(),
                strings(&["HaloPSA-Connector/*"]),
                vec![],
                30
            ),
            (
                "Datto RMM - device sync - NOC".into(),
                strings(&["DattoRMM-Agent/*"]),
                vec![],
                12
            ),
            (
                "Liongard inventory".into(),
                strings(&["Liongard-Inspector/*"]),
                vec![],
                4
            ),
        ]
    );
    assert_eq!((found.events_seen, found.unattributed), (46, 46));
    let halo = &found.suggestions[0];
    assert_eq!(halo.source_ips[0].value, "20.84.12.7");
    assert_eq!(halo.first_seen, days_ago(20));
    assert_eq!(halo.last_seen, days_ago(20) + TimeDelta::hours(29));
    assert!(halo.reason.contains("\"halopsa\""), "{}", halo.reason);
}

#[test]
fn the_suggested_bindings_attribute_exactly_the_suggested_events() {
    let inv = inventory(vec![
        key("HaloPSA Integration", 1),
        key("Rewst automation", 2),
    ]);
    let mut all = events(30, "HaloPSA-Connector/3.2", "20.84.12.7");
    all.extend(events(8, "rewst-worker/2.0", "34.202.18.9"));
    all.extend(events(5, "Zapier/1.0", "192.0.2.50"));
    let found = suggest(&inv, &ValidPolicy::default(), &all);
    let policy = with_suggestions("", &found);
    let tally = Attribution::new(&inv, &policy).tally_events(&all);
    assert_eq!(tally.key_activity(0).events, 30);
    assert_eq!(tally.key_activity(1).events, 8);
    assert_eq!((tally.unattributed(), tally.ambiguous()), (5, 0));
}

#[test]
fn generic_clients_are_never_matched_by_name() {
    let inv = inventory(vec![
        key("PowerShell password export (J. Smith)", 1),
        key("curl scripts - NOC", 2),
        key("Go-http-client poller", 3),
    ]);
    let mut all = events(5, "PowerShell/7.4", "198.51.100.77");
    all.extend(events(3, "curl/8.5.0", "198.51.100.9"));
    all.extend(events(2, "Go-http-client/1.1", "198.51.100.10"));
    let found = suggest(&inv, &ValidPolicy::default(), &all);
    assert!(
        found.suggestions.iter().all(|s| s.key.is_none()),
        "{found:#?}"
    );
    // Listed most frequent first, with counts and addresses to bind by hand.
    assert_eq!(
        summary(&found),
        [
            (
                "?".into(),
                strings(&["PowerShell/*"]),
                strings(&["198.51.100.77"]),
                5
            ),
            (
                "?".into(),
                strings(&["curl/*"]),
                strings(&["198.51.100.9"]),
                3
            ),
            (
                "?".into(),
                strings(&["Go-http-client/*"]),
                strings(&["198.51.100.10"]),
                2
            ),
        ]
    );
    assert!(found.suggestions[0].reason.contains("generic HTTP client"));
}

#[test]
fn a_generic_client_goes_to_the_key_owning_its_address_with_the_address() {
    let inv = inventory(vec![
        key("Vault export - Security", 1),
        key("Other sync", 2),
    ]);
    let policy_text =
        "[[bind]]\nkey = \"Vault export - Security\"\nuser_agent = \"VaultExporter/*\"\n";
    let policy = parse_policy("keyaudit.toml", policy_text).unwrap();
    let mut all = events(20, "VaultExporter/1.0", "203.0.113.45");
    all.extend(events(7, "python-requests/2.31.0", "203.0.113.45"));
    all.extend(events(3, "python-requests/2.31.0", "203.0.113.46"));
    let found = suggest(&inv, &policy, &all);
    assert_eq!(
        summary(&found),
        [
            (
                "Vault export - Security".into(),
                strings(&["python-requests/*"]),
                strings(&["203.0.113.45"]),
                7
            ),
            (
                "?".into(),
                strings(&["python-requests/*"]),
                strings(&["203.0.113.46"]),
                3
            ),
        ]
    );
    let policy = with_suggestions(policy_text, &found);
    let tally = Attribution::new(&inv, &policy).tally_events(&all);
    assert_eq!(tally.key_activity(0).events, 27);
    assert_eq!((tally.unattributed(), tally.ambiguous()), (3, 0));
}

#[test]
fn keys_that_fit_equally_are_named_not_chosen() {
    let inv = inventory(vec![
        key("Datto RMM - devices", 1),
        key("Datto RMM - sites", 2),
    ]);
    let found = suggest(
        &inv,
        &ValidPolicy::default(),
        &events(6, "DattoRMM-Agent/5.1", "52.1.22.133"),
    );
    let only = &found.suggestions[0];
    assert!(only.key.is_none());
    assert_eq!(only.candidates.len(), 2);
    assert!(only.reason.contains("several keys"), "{}", only.reason);
}

#[test]
fn a_paused_namesake_is_mentioned_but_the_active_key_chosen() {
    let inv = inventory(vec![
        key("ConnectWise Manage", 1),
        in_state(key("connectwise  manage", 2), KeyState::Paused),
    ]);
    let found = suggest(
        &inv,
        &ValidPolicy::default(),
        &events(6, "ConnectWiseManage-Sync/2024.1", "40.76.5.10"),
    );
    let only = &found.suggestions[0];
    // The two names are one name to the policy (case and spacing aside), so
    // the binding names the active key by its fingerprint.
    assert_eq!(
        only.key.as_ref().unwrap().binding_key,
        "ITG.00000000000000000000000000000001"
    );
    assert_eq!(only.candidates[0].name, "connectwise  manage");
}

#[test]
fn revoked_keys_get_no_suggestion() {
    let inv = inventory(vec![in_state(
        key("HaloPSA Integration", 1),
        KeyState::Revoked,
    )]);
    let found = suggest(
        &inv,
        &ValidPolicy::default(),
        &events(3, "HaloPSA-Connector/3.2", "20.84.12.7"),
    );
    assert!(found.suggestions[0].key.is_none());
}

#[test]
fn a_binding_never_makes_an_attributed_event_ambiguous() {
    // Another key owns HaloPSA-Connector events from 198.51.100.0/24 today.
    let inv = inventory(vec![key("HaloPSA Integration", 1), key("MSP relay", 2)]);
    let policy_text = "[[bind]]\nkey = \"MSP relay\"\nip = \"198.51.100.0/24\"\n";
    let policy = parse_policy("keyaudit.toml", policy_text).unwrap();
    let mut all = events(10, "HaloPSA-Connector/3.2", "20.84.12.7");
    all.extend(events(4, "HaloPSA-Connector/3.2", "198.51.100.20"));
    let found = suggest(&inv, &policy, &all);
    assert_eq!(
        summary(&found),
        [(
            "HaloPSA Integration".into(),
            strings(&["HaloPSA-Connector/*"]),
            strings(&["20.84.12.7"]),
            10
        )]
    );
    let policy = with_suggestions(policy_text, &found);
    let tally = Attribution::new(&inv, &policy).tally_events(&all);
    assert_eq!(tally.ambiguous(), 0);
    assert_eq!(tally.key_activity(0).events, 10);
    assert_eq!(tally.key_activity(1).events, 4);
}

#[test]
fn a_key_attributed_by_its_name_keeps_those_events() {
    let inv = inventory(vec![key("BrightGauge dashboards", 1)]);
    let mut all = events(9, "BrightGauge dashboards poller/1.0", "52.1.22.140");
    all.extend(events(14, "BrightGauge-Connector/5.0", "52.1.22.141"));
    let found = suggest(&inv, &ValidPolicy::default(), &all);
    assert_eq!(
        summary(&found),
        [
            (
                "BrightGauge dashboards".into(),
                strings(&["BrightGauge-Connector/*"]),
                vec![],
                14
            ),
            (
                "BrightGauge dashboards".into(),
                strings(&["BrightGauge *"]),
                vec![],
                9
            ),
        ]
    );
    let policy = with_suggestions("", &found);
    let tally = Attribution::new(&inv, &policy).tally_events(&all);
    assert_eq!(tally.key_activity(0).events, 23);
    assert_eq!(tally.unattributed(), 0);
}

#[test]
fn a_key_attributed_by_its_name_through_its_actor_is_left_to_the_reader() {
    let inv = inventory(vec![key("BrightGauge dashboards", 1)]);
    let mut all = events(5, "BrightGauge-Connector/5.0", "52.1.22.141");
    let mut by_actor = UsageEvent::at(days_ago(3));
    by_actor.actor = Some("BrightGauge dashboards".into());
    all.push(by_actor);
    let found = suggest(&inv, &ValidPolicy::default(), &all);
    let only = &found.suggestions[0];
    assert!(only.key.is_none(), "{found:#?}");
    assert_eq!(only.candidates[0].name, "BrightGauge dashboards");
    assert!(
        only.reason.contains("attributed by its name"),
        "{}",
        only.reason
    );
}

#[test]
fn keys_named_twice_are_bound_by_fingerprint() {
    let inv = inventory(vec![
        key("HaloPSA Integration", 1),
        in_state(key("HaloPSA Integration", 2), KeyState::Revoked),
    ]);
    let found = suggest(
        &inv,
        &ValidPolicy::default(),
        &events(3, "HaloPSA-Connector/3.2", "20.84.12.7"),
    );
    assert_eq!(
        found.suggestions[0].key.as_ref().unwrap().binding_key,
        fp(1).as_str()
    );
}

#[test]
fn suggestions_do_not_depend_on_event_order_or_threads() {
    let inv = inventory(vec![key("HaloPSA Integration", 1), key("Vault export", 2)]);
    let policy = parse_policy(
        "keyaudit.toml",
        "[[bind]]\nkey = \"Vault export\"\nip = \"203.0.113.45\"\n",
    )
    .unwrap();
    let mut all = events(30, "HaloPSA-Connector/3.2", "20.84.12.7");
    all.extend(events(7, "curl/8.5", "203.0.113.45"));
    all.extend(events(5, "Zapier/1.0", "192.0.2.50"));
    let one = suggest(&inv, &policy, &all);
    let mut reversed = all.clone();
    reversed.reverse();
    assert_eq!(one, suggest(&inv, &policy, &reversed));
    // Two tallies merged, as two threads would.
    let suggester = BindingSuggester::new(&inv, &policy);
    let (mut a, mut b) = (suggester.tally(), suggester.tally());
    for (i, event) in all.iter().enumerate() {
        suggester.observe(if i % 2 == 0 { &mut a } else { &mut b }, event);
    }
    suggester.merge(&mut b, a);
    assert_eq!(one, suggester.suggest(&b));
}

#[test]
fn no_unattributed_events_no_suggestions() {
    let inv = inventory(vec![ApiKey::named("HaloPSA")]);
    let found = suggest(
        &inv,
        &ValidPolicy::default(),
        &events(3, "HaloPSA/2.1", "20.84.12.7"),
    );
    assert!(found.suggestions.is_empty());
    assert_eq!((found.events_seen, found.unattributed), (3, 0));
}
