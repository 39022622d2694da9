//! The most recent audio, kept so a detected utterance can begin before its detection point
//! (the onset window's span) and before the speech itself (the pre-roll).

use std::collections::VecDeque;

pub(super) struct History {
    samples: VecDeque<i16>,
    capacity: usize,
}

impl History {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            samples: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    pub(super) fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
        self.trim();
    }

    pub(super) fn extend(&mut self, frame: &[i16]) {
        self.samples.extend(frame);
        self.trim();
    }

    fn trim(&mut self) {
        let excess = self.samples.len().saturating_sub(self.capacity);
        self.samples.drain(..excess);
    }

    /// Samples held; the oldest is at stream offset `end - len`.
    pub(super) fn len(&self) -> u64 {
        self.samples.len() as u64
    }

    /// The last `count` samples (fewer if fewer are held).
    pub(super) fn tail(&self, count: u64) -> Vec<i16> {
        let count = usize::try_from(count)
            .unwrap_or(usize::MAX)
            .min(self.samples.len());
        self.samples
            .range(self.samples.len() - count..)
            .copied()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_newest_samples() {
        let mut history = History::new(4);
        history.extend(&[1, 2, 3]);
        history.extend(&[4, 5, 6]);
        assert_eq!(history.len(), 4);
        assert_eq!(history.tail(2), vec![5, 6]);
        assert_eq!(history.tail(10), vec![3, 4, 5, 6]);
        history.set_capacity(1);
        assert_eq!(history.tail(10), vec![6]);
    }
}
