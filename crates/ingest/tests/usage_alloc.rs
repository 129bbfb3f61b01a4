//! Reading a JSONL or CSV usage file allocates nothing per event: the
//! number of allocations does not grow with the number of events.
//! (Its own test binary: it counts allocations with a global allocator.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use keyaudit_ingest::{Tz, UsageOptions, read_usage};

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

fn jsonl(events: usize) -> Vec<u8> {
    let mut text = format!(
        "{{\"schema\":\"keyaudit.usage/v1\",\"source\":\"itglue-api\",\"base_url\":\"https://api.itglue.com\",\
         \"window\":{{\"start\":\"2024-03-01T00:00:00Z\",\"end\":\"2024-03-08T00:00:00Z\"}},\"complete\":true,\"events\":{events}}}\n"
    );
    for i in 0..events {
        text.push_str(&format!(
            "{{\"id\":\"{i}\",\"type\":\"logs\",\"attributes\":{{\"created-at\":\"2024-03-0{}T10:{:02}:{:02}.000Z\",\
             \"level\":\"info\",\"account-id\":31337,\"user-id\":{},\"organization-id\":2165541,\"action\":\"show\",\
             \"resource-type\":\"Password\",\"resource-name\":\"CD-FS01 local admin\",\"ip-address\":\"20.84.12.7\",\
             \"ip-city\":\"Boydton\",\"ip-region\":\"Virginia\",\"ip-country\":\"United States\",\
             \"user-agent\":\"HaloPSA/2.1 (+https://halopsa.com)\"}}}}\n",
            1 + i % 7,
            i / 60 % 60,
            i % 60,
            4410 + i % 4
        ));
    }
    text.into_bytes()
}

fn csv(events: usize) -> Vec<u8> {
    let mut text = String::from(
        "Date,User,Action,Resource Type,Resource Name,Organization,IP Address,User Agent\n",
    );
    for i in 0..events {
        text.push_str(&format!(
            "03/0{}/2024 {:02}:{:02} PM,HaloPSA Integration,show,Password,\"CD-FS01, local admin\",Contoso Dental,20.84.12.7,HaloPSA/2.1 (+https://halopsa.com)\n",
            1 + i % 7,
            1 + i % 12,
            i % 60
        ));
    }
    text.into_bytes()
}

/// Allocations made while reading `data`.
fn allocations(data: &[u8], options: &UsageOptions) -> u64 {
    let mut seen = 0u64;
    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.set(true);
    let read = read_usage("usage", data, options, |e| {
        seen += u64::from(e.user_agent.is_some());
    });
    COUNTING.set(false);
    let read = read.expect("valid input");
    assert_eq!(read.source.events, seen);
    ALLOCATIONS.load(Ordering::SeqCst)
}

#[test]
fn allocations_do_not_grow_with_the_number_of_events() {
    let utc = UsageOptions::default();
    let new_york = UsageOptions {
        timezone: Tz::America__New_York,
        ..UsageOptions::default()
    };
    for (format, small, large, options) in [
        ("jsonl", jsonl(100), jsonl(5_000), &utc),
        ("csv", csv(100), csv(5_000), &new_york),
    ] {
        let few = allocations(&small, options);
        let many = allocations(&large, options);
        assert!(
            many <= few + 2,
            "{format}: {few} allocations for 100 events, {many} for 5000"
        );
    }
}
