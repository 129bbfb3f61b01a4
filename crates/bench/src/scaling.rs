//! `keys-scaling`: the attribution of the same events with 10 and with
//! 1,000 keys (each with its bindings), timed in process.

use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use keyaudit_bench::generate::{Dataset, Event, Events, World};
use keyaudit_engine::Attribution;

/// Per-event attribution times of one mix of events.
#[derive(Debug, Clone)]
pub struct Mix {
    /// What the events are.
    pub name: &'static str,
    /// Nanoseconds per event with 10 keys.
    pub ns_10: f64,
    /// Nanoseconds per event with 1,000 keys.
    pub ns_1000: f64,
}

/// The results of `keys-scaling`.
#[derive(Debug, Clone)]
pub struct Scaling {
    /// One per mix of events.
    pub mixes: Vec<Mix>,
}

impl Scaling {
    /// The highest 1,000-key / 10-key ratio over the mixes.
    pub fn worst_ratio(&self) -> f64 {
        self.mixes
            .iter()
            .map(|m| m.ns_1000 / m.ns_10)
            .fold(0.0, f64::max)
    }
}

/// The events of a world of `keys` keys, kept in memory.
fn events(keys: usize, count: u64, seed: u64) -> Vec<Event> {
    let data = Dataset {
        keys,
        events: count,
        seed,
        ..Dataset::default()
    };
    let world = World::new(seed, keys);
    let mut events = Events::new(&world, data);
    let mut all = Vec::with_capacity(count as usize);
    while let Some(event) = events.next_event() {
        all.push(event.clone());
    }
    all
}

/// Attributes every event once; returns the time and the events attributed.
fn once(attribution: &Attribution, events: &[Event]) -> (Duration, u64) {
    let mut tally = attribution.tally();
    let started = Instant::now();
    for event in events {
        attribution.observe(&mut tally, &event.as_jsonl_event());
    }
    (started.elapsed(), tally.attributed())
}

/// The fastest times of attributing every event with `small` and with
/// `large`, over nine runs of each, alternating (after one warm-up of
/// each): the cost of the work itself, without what other processes on a
/// shared machine add to some runs (a drift slows both alike).
fn time(small: &Attribution, large: &Attribution, events: &[Event]) -> [(Duration, u64); 2] {
    let mut times = [Vec::new(), Vec::new()];
    let mut attributed = [0, 0];
    for run in 0..10 {
        for (i, attribution) in [small, large].into_iter().enumerate() {
            let (elapsed, count) = once(attribution, events);
            if run > 0 {
                times[i].push(elapsed);
            }
            attributed[i] = count;
        }
    }
    let fastest = |t: Vec<Duration>| t.into_iter().min().unwrap_or_default();
    let [t_small, t_large] = times;
    [
        (fastest(t_small), attributed[0]),
        (fastest(t_large), attributed[1]),
    ]
}

/// Runs the comparison on `count` events of each mix.
pub fn run(count: u64, seed: u64) -> Result<Scaling> {
    let compile = |keys| {
        World::new(seed, keys)
            .attribution()
            .map_err(|e| anyhow!("{e}"))
    };
    let small = compile(10)?;
    let large = compile(1000)?;
    println!("== keys-scaling: attribution of {count} events, 10 keys vs 1,000 keys");
    let mut mixes = Vec::new();
    for (name, world_keys) in [
        ("events of 10 integrations", 10),
        ("events of 1,000 integrations", 1000),
    ] {
        let events = events(world_keys, count, seed);
        let [(t10, a10), (t1000, a1000)] = time(&small, &large, &events);
        if world_keys == 10 && a10 != a1000 {
            bail!("10 and 1,000 keys attribute the 10-key events differently: {a10} vs {a1000}");
        }
        let ns = |t: Duration| t.as_nanos() as f64 / count as f64;
        let mix = Mix {
            name,
            ns_10: ns(t10),
            ns_1000: ns(t1000),
        };
        println!(
            "  {name}: 10 keys {:.0} ns/event ({a10} attributed), 1,000 keys {:.0} ns/event \
             ({a1000} attributed): ratio {:.2}",
            mix.ns_10,
            mix.ns_1000,
            mix.ns_1000 / mix.ns_10
        );
        mixes.push(mix);
    }
    let scaling = Scaling { mixes };
    println!(
        "  worst ratio 1,000 / 10 keys: {:.2}",
        scaling.worst_ratio()
    );
    Ok(scaling)
}
