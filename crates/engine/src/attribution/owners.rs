//! The bindings one field value matches, split for the AND of fields.
//!
//! A binding that needs one field only matches as soon as that field does
//! (`solo`). A binding that needs several fields is looked at from one of
//! them only, its *anchor* — the field likely to match the fewest bindings
//! (user id, then address, then actor, then user agent) — and then checked
//! against the other fields' `members`. So a user agent shared by a
//! hundred bindings (`python-requests/*`, each with its own network) costs
//! the hundred only as a sorted list searched once per binding its address
//! anchors, not a hundred marks per event.

use super::{ACTOR, Compiled, IP, USER_AGENT, USER_ID};

/// The field a binding needing `needs` is looked at from.
pub(crate) fn anchor(needs: u8) -> u8 {
    [USER_ID, IP, ACTOR, USER_AGENT]
        .into_iter()
        .find(|f| needs & f != 0)
        .unwrap_or(0)
}

/// What one value of one field matched, in one allocation (a value's
/// lists are read together on the hot path).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Owners {
    /// `solo`, `anchored`, `members` and `keys`, end to end.
    data: Box<[u32]>,
    /// Where `solo`, `anchored` and `members` end in `data`.
    ends: [u32; 3],
}

impl Owners {
    /// Splits `bindings` (in any order, repeats allowed), matched by a value
    /// of `field`.
    pub(crate) fn new(bindings: &[u32], field: u8, compiled: &[Compiled]) -> Self {
        let mut all = bindings.to_vec();
        all.sort_unstable();
        all.dedup();
        let needs = |b: u32| compiled.get(b as usize).map_or(0, |c| c.needs);
        let solo: Vec<u32> = all.iter().copied().filter(|&b| needs(b) == field).collect();
        let members: Vec<u32> = all.iter().copied().filter(|&b| needs(b) != field).collect();
        let anchored = members
            .iter()
            .copied()
            .filter(|&b| anchor(needs(b)) == field);
        let mut keys: Vec<u32> = solo
            .iter()
            .filter_map(|&b| compiled.get(b as usize))
            .flat_map(|c| c.keys.iter().copied())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let mut data = solo;
        let solo_end = data.len();
        data.extend(anchored);
        let anchored_end = data.len();
        data.extend_from_slice(&members);
        let members_end = data.len();
        data.extend(keys);
        let end = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            data: data.into_boxed_slice(),
            ends: [end(solo_end), end(anchored_end), end(members_end)],
        }
    }

    /// Bindings that need this field only.
    #[inline]
    pub(crate) fn solo(&self) -> &[u32] {
        self.part(0, self.ends[0])
    }

    /// Bindings that need more fields and are anchored on this one.
    #[inline]
    pub(crate) fn anchored(&self) -> &[u32] {
        self.part(self.ends[0], self.ends[1])
    }

    /// Every binding needing more fields that this value matches, sorted.
    #[inline]
    pub(crate) fn members(&self) -> &[u32] {
        self.part(self.ends[1], self.ends[2])
    }

    /// The keys of the [`solo`](Owners::solo) bindings, sorted, each once:
    /// the keys this value alone attributes an event to.
    #[inline]
    pub(crate) fn keys(&self) -> &[u32] {
        self.data.get(self.ends[2] as usize..).unwrap_or_default()
    }

    #[inline]
    fn part(&self, start: u32, end: u32) -> &[u32] {
        self.data
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(needs: u8) -> Compiled {
        Compiled {
            keys: Box::new([u32::from(needs) * 10, 5]),
            needs,
        }
    }

    #[test]
    fn anchors_prefer_the_narrowest_field() {
        assert_eq!(anchor(USER_AGENT | IP), IP);
        assert_eq!(anchor(USER_AGENT | ACTOR), ACTOR);
        assert_eq!(anchor(USER_ID | IP | ACTOR | USER_AGENT), USER_ID);
        assert_eq!(anchor(USER_AGENT), USER_AGENT);
    }

    #[test]
    fn splits_solo_anchored_and_members() {
        let bindings = [
            compiled(USER_AGENT),
            compiled(USER_AGENT | IP),
            compiled(USER_AGENT | ACTOR),
        ];
        let ua = Owners::new(&[2, 0, 1, 0], USER_AGENT, &bindings);
        assert_eq!(ua.solo(), &[0]);
        assert_eq!(ua.anchored(), &[] as &[u32]);
        assert_eq!(ua.members(), &[1, 2]);
        assert_eq!(ua.keys(), &[5, 10], "the solo binding's keys, sorted");
        let ip = Owners::new(&[1], IP, &bindings);
        assert_eq!(
            (ip.solo(), ip.anchored(), ip.members(), ip.keys()),
            (&[][..], &[1][..], &[1][..], &[][..])
        );
        assert_eq!(Owners::new(&[], IP, &bindings), Owners::default());
    }
}
