//! Attributing an event allocates nothing in the common case: once the
//! unattributed values have been seen, observing more events makes no
//! allocation at all. (Its own test binary: it counts allocations with a
//! global allocator.)

use std::borrow::Cow;

use crate::support::counting_alloc::allocations_in;
use crate::support::fixtures::*;
use keyaudit_engine::{Attribution, parse_policy};
use keyaudit_model::UsageEvent;

#[test]
fn observing_events_does_not_allocate() {
    let inv = inventory(vec![
        key("HaloPSA", 1),
        key("Ticket sync - NOC", 2),
        key("Élan Backup", 3),
    ]);
    let policy = parse_policy(
        "keyaudit.toml",
        "[[bind]]\nkey = \"Ticket sync - NOC\"\nuser_agent = [\"*sync*\", \"?icket*\"]\n\
         ip = [\"203.0.113.0/24\", \"2001:db8::/32\"]\n\n\
         [[bind]]\nkey = \"Ticket sync - NOC\"\nuser_id = \"42\"\nactor = \"Sync Bot\"\n",
    )
    .unwrap();
    let attribution = Attribution::new(&inv, &policy);
    let agents = [
        "HaloPSA/2.1 (+https://halopsa.com)",
        "TicketSync/1.0",
        "python-requests/2.31",
        "ÉLAN BACKUP/3",
        "",
    ];
    let ips = ["203.0.113.7", "2001:db8::1", "198.51.100.1", "garbage"];
    let actors = ["Sync Bot", "sync bot ", "Ünïcode Person", "HaloPSA"];
    let events: Vec<UsageEvent<'_>> = (0..240)
        .map(|n| {
            let mut e = UsageEvent::at(days_ago(n % 30));
            e.user_agent = Some(Cow::Borrowed(agents[n as usize % agents.len()]));
            e.ip_address = Some(Cow::Borrowed(ips[n as usize % ips.len()]));
            e.actor = Some(Cow::Borrowed(actors[n as usize % actors.len()]));
            e.user_id = Some(Cow::Borrowed(if n % 3 == 0 { "42" } else { "7" }));
            if n % 5 == 0 {
                e.resource_type = Some(Cow::Borrowed("Password"));
            }
            e
        })
        .collect();

    let mut tally = attribution.tally();
    // Warm up: the scratch text grows and unattributed values are copied once.
    for event in &events {
        attribution.observe(&mut tally, event);
    }
    assert!(tally.unattributed() > 0 && tally.attributed() > 0 && tally.ambiguous() > 0);

    let ((), allocations) = allocations_in(|| {
        for _ in 0..50 {
            for event in &events {
                attribution.observe(&mut tally, event);
            }
        }
    });
    assert_eq!(allocations, 0);
    // The harness does count: one box is one allocation.
    let (_, boxed) = allocations_in(|| std::hint::black_box(Box::new(7u64)));
    assert_eq!(boxed, 1);
    assert_eq!(tally.events(), 240 * 51);
}
