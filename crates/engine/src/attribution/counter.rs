//! Bounded counts of values (user agents, addresses) among unattributed
//! events: the guide to writing bindings.

use hashbrown::HashMap;

use keyaudit_model::ValueCount;

/// Distinct values counted per field; further new values count as
/// `(other)`, so memory does not grow with the number of events.
pub const MAX_DISTINCT: usize = 10_000;

/// The value under which values past [`MAX_DISTINCT`] are counted.
pub(crate) const OTHER: &str = "(other)";

/// Counts of values, at most `CAP` ([`MAX_DISTINCT`] unless given)
/// distinct ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ValueCounter<const CAP: usize = MAX_DISTINCT> {
    counts: HashMap<Box<str>, u64>,
    other: u64,
}

impl<const CAP: usize> ValueCounter<CAP> {
    /// Counts one occurrence of `value`. Allocates only for a new value.
    #[inline]
    pub(crate) fn add(&mut self, value: &str) {
        if let Some(count) = self.counts.get_mut(value) {
            *count += 1;
        } else if self.counts.len() < CAP {
            self.counts.insert(value.into(), 1);
        } else {
            self.other += 1;
        }
    }

    /// Adds another counter's counts. When the union holds more than
    /// `CAP` values, the most frequent are kept (ties by value) and the
    /// rest count as [`OTHER`].
    pub(crate) fn merge(&mut self, other: ValueCounter<CAP>) {
        self.other += other.other;
        for (value, count) in other.counts {
            *self.counts.entry(value).or_default() += count;
        }
        if self.counts.len() > CAP {
            let mut all: Vec<(Box<str>, u64)> = self.counts.drain().collect();
            all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            self.other += all[CAP..].iter().map(|(_, c)| c).sum::<u64>();
            all.truncate(CAP);
            self.counts = all.into_iter().collect();
        }
    }

    /// The `n` most frequent values, by count (highest first) then value;
    /// values past the cap appear as [`OTHER`].
    pub(crate) fn top(&self, n: usize) -> Vec<ValueCount> {
        let mut all: Vec<ValueCount> = self
            .counts
            .iter()
            .filter(|(value, _)| &***value != OTHER)
            .map(|(value, &count)| ValueCount {
                value: value.to_string(),
                count,
            })
            .collect();
        let other = self.other + self.counts.get(OTHER).copied().unwrap_or(0);
        if other > 0 {
            all.push(ValueCount {
                value: OTHER.to_string(),
                count: other,
            });
        }
        all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        all.truncate(n);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_distinct_values_and_counts_the_rest_as_other() {
        let mut c: ValueCounter = ValueCounter::default();
        for i in 0..MAX_DISTINCT + 5 {
            c.add(&format!("v{i}"));
        }
        c.add("v0");
        let top = c.top(3);
        assert_eq!((top[0].value.as_str(), top[0].count), (OTHER, 5));
        assert_eq!((top[1].value.as_str(), top[1].count), ("v0", 2));
        assert_eq!((top[2].value.as_str(), top[2].count), ("v1", 1));
    }

    #[test]
    fn merge_keeps_the_most_frequent_values() {
        let mut a: ValueCounter = ValueCounter::default();
        let mut b: ValueCounter = ValueCounter::default();
        for i in 0..MAX_DISTINCT {
            a.add(&format!("a{i}"));
            b.add(&format!("b{i}"));
        }
        b.add("b0");
        a.merge(b);
        assert_eq!(a.counts.len(), MAX_DISTINCT);
        let top = a.top(2);
        assert_eq!(
            (top[0].value.as_str(), top[0].count),
            (OTHER, MAX_DISTINCT as u64)
        );
        assert_eq!((top[1].value.as_str(), top[1].count), ("b0", 2));
        assert_eq!(
            a.counts.values().sum::<u64>() + a.other,
            2 * MAX_DISTINCT as u64 + 1
        );
    }
}
