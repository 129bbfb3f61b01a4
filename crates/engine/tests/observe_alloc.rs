//! Attributing an event allocates nothing in the common case: once the
//! unattributed values have been seen, observing more events makes no
//! allocation at all. (Its own test binary: it counts allocations with a
//! global allocator.)

#[path = "support/fixtures.rs"]
mod fixtures;

use std::alloc::{GlobalAlloc, Layout, System};
use std::borrow::Cow;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use fixtures::*;
use keyaudit_engine::{Attribution, parse_policy};
use keyaudit_model::UsageEvent;

struct Counting;

thread_local! {
    /// Set while the test's own thread counts: allocations of other threads
    /// (the test harness's) are not the code under test's.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn counting() -> bool {
    COUNTING.try_with(Cell::get).unwrap_or(false)
}
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counting() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

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

    COUNTING.set(true);
    for _ in 0..50 {
        for event in &events {
            attribution.observe(&mut tally, event);
        }
    }
    COUNTING.set(false);
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst), 0);
    assert_eq!(tally.events(), 240 * 51);
}
