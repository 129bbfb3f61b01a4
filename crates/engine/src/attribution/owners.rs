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

/// What one value of one field matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Owners {
    /// Bindings that need this field only.
    pub(crate) solo: Box<[u32]>,
    /// Bindings that need more fields and are anchored on this one.
    pub(crate) anchored: Box<[u32]>,
    /// Every binding needing more fields that this value matches, sorted.
    pub(crate) members: Box<[u32]>,
}

impl Owners {
    /// Splits `bindings` (in any order, repeats allowed), matched by a value
    /// of `field`.
    pub(crate) fn new(bindings: &[u32], field: u8, compiled: &[Compiled]) -> Self {
        let mut all = bindings.to_vec();
        all.sort_unstable();
        all.dedup();
        let needs = |b: u32| compiled.get(b as usize).map_or(0, |c| c.needs);
        let solo = all.iter().copied().filter(|&b| needs(b) == field).collect();
        let members: Box<[u32]> = all.iter().copied().filter(|&b| needs(b) != field).collect();
        let anchored = members
            .iter()
            .copied()
            .filter(|&b| anchor(needs(b)) == field)
            .collect();
        Self {
            solo,
            anchored,
            members,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(needs: u8) -> Compiled {
        Compiled {
            keys: Box::new([0]),
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
        assert_eq!(&*ua.solo, &[0]);
        assert_eq!(&*ua.anchored, &[] as &[u32]);
        assert_eq!(&*ua.members, &[1, 2]);
        let ip = Owners::new(&[1], IP, &bindings);
        assert_eq!(
            (&*ip.solo, &*ip.anchored, &*ip.members),
            (&[][..], &[1][..], &[1][..])
        );
        assert_eq!(Owners::new(&[], IP, &bindings), Owners::default());
    }
}
