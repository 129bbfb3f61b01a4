//! Per-event marks that need no clearing: a slot counts as marked when it
//! holds the current event's number (epoch).

/// One mark per slot; [`Stamps::next`] starts a new event.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stamps {
    epoch: u32,
    marks: Vec<u32>,
}

impl Stamps {
    /// Starts a new event with at least `slots` slots.
    #[inline]
    pub(crate) fn next(&mut self, slots: usize) {
        if self.marks.len() < slots {
            self.marks.resize(slots, 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // Wrapped after 2^32 events: forget every old mark.
            self.marks.fill(0);
            self.epoch = 1;
        }
    }

    /// Marks slot `i`; true when it was not marked yet in this event.
    #[inline]
    pub(crate) fn first(&mut self, i: usize) -> bool {
        match self.marks.get_mut(i) {
            Some(mark) if *mark != self.epoch => {
                *mark = self.epoch;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_once_per_event_and_survive_wrapping() {
        let mut s = Stamps::default();
        s.next(3);
        assert!(s.first(1));
        assert!(!s.first(1));
        assert!(!s.first(7), "out of range is never first");
        s.next(3);
        assert!(s.first(1));
        s.epoch = u32::MAX;
        s.next(3);
        assert_eq!(s.epoch, 1);
        assert!(s.first(1));
    }
}
