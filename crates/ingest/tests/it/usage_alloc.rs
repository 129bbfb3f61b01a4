//! Reading a JSONL or CSV usage file allocates nothing per event: the
//! number of allocations does not grow with the number of events.

use crate::counting_alloc::allocations_in;
use keyaudit_ingest::{Tz, UsageOptions, read_usage};

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
    let (read, allocations) = allocations_in(|| {
        read_usage("usage", data, options, |e| {
            seen += u64::from(e.user_agent.is_some());
        })
        .expect("valid input")
    });
    assert_eq!(read.source.events, seen);
    allocations
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
