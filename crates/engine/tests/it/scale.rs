//! Attribution cost against the number of keys: prints timings, asserts
//! nothing about them. Run it optimised:
//!
//! ```text
//! cargo test -p keyaudit-engine --release --test scale -- --ignored --nocapture
//! ```

use std::borrow::Cow;
use std::time::Instant;

use crate::support::fixtures::*;
use chrono::TimeDelta;
use keyaudit_engine::{Attribution, parse_policy};
use keyaudit_model::{ApiKey, LastUse, UsageEvent};

/// `keys` keys, each bound by two user-agent globs, a /24 network with a
/// user id, and (every tenth) an actor.
fn attribution(keys: u32) -> Attribution {
    let inventory = inventory(
        (0..keys)
            .map(|i| ApiKey {
                last_used: LastUse::Unknown,
                ..key(&format!("Integration {i:04} - NOC"), i + 1)
            })
            .collect(),
    );
    let mut text = String::new();
    for i in 0..keys {
        text.push_str(&format!(
            "[[bind]]\nkey = \"ITG.{:032x}\"\nuser_agent = [\"Vendor{i}/*\", \"*agent-{i}-x*\"]\n\n\
             [[bind]]\nkey = \"ITG.{:032x}\"\nip = \"10.{}.{}.0/24\"\nuser_id = \"u{i}\"\n\n",
            i + 1,
            i + 1,
            i / 256,
            i % 256
        ));
        if i % 10 == 0 {
            text.push_str(&format!(
                "[[bind]]\nkey = \"ITG.{:032x}\"\nactor = \"Bot {i}\"\n\n",
                i + 1
            ));
        }
    }
    let policy = parse_policy("scale.toml", &text).unwrap();
    Attribution::new(&inventory, &policy)
}

#[test]
#[ignore = "timing; run with --release -- --ignored --nocapture"]
fn attribution_cost_does_not_grow_with_keys() {
    // Events of ten integrations and of unbound clients, from a small pool
    // of values, as real logs are.
    let agents: Vec<String> = (0..10)
        .map(|i| format!("Vendor{i}/2.{i} (+https://vendor{i}.example)"))
        .chain((0..10).map(|i| format!("Mozilla/5.0 (X11; agent-{i}-x) Gecko/2010")))
        .chain((0..20).map(|i| format!("python-requests/2.{i}")))
        .collect();
    let ips: Vec<String> = (0..40).map(|i| format!("10.0.{}.{}", i % 12, i)).collect();
    let users: Vec<String> = (0..15).map(|i| format!("u{i}")).collect();
    const EVENTS: usize = 2_000_000;
    let start = as_of() - TimeDelta::days(30);

    let mut timings = Vec::new();
    for keys in [10, 1000] {
        let attribution = attribution(keys);
        let mut tally = attribution.tally();
        let began = Instant::now();
        for n in 0..EVENTS {
            let mut event = UsageEvent::at(start + TimeDelta::seconds(n as i64));
            event.user_agent = Some(Cow::Borrowed(&agents[n % agents.len()]));
            event.ip_address = Some(Cow::Borrowed(&ips[n % ips.len()]));
            event.user_id = Some(Cow::Borrowed(&users[n % users.len()]));
            if n % 3 == 0 {
                event.resource_type = Some(Cow::Borrowed("Password"));
            }
            attribution.observe(&mut tally, &event);
        }
        let elapsed = began.elapsed();
        println!(
            "{keys:>5} keys: {EVENTS} events in {elapsed:?} ({:.0} ns/event); attributed {}, \
             ambiguous {}, unattributed {}",
            elapsed.as_nanos() as f64 / EVENTS as f64,
            tally.attributed(),
            tally.ambiguous(),
            tally.unattributed()
        );
        timings.push(elapsed.as_secs_f64());
    }
    println!("ratio 1000/10 keys: {:.2}", timings[1] / timings[0]);
}
