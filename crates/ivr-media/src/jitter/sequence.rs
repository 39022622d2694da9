//! Extending 16-bit RTP sequence numbers to a monotonic count, and spotting duplicates.

/// RFC 3550 appendix A.1: a jump of this many packets or more, ahead or behind, is not
/// trusted until the next packet confirms it...
const MAX_DROPOUT: u16 = 3000;
/// ...and a packet more than this many behind the highest seen is not placed in the stream.
/// (A.1 treats anything beyond it as a possible restart; a packet a few seconds late is far
/// likelier, so only jumps past MAX_DROPOUT count as restarts here.)
const MAX_MISORDER: u16 = 100;

/// Room below the first extended number, so packets that precede the first one received
/// (reordered at stream start) still get a number.
const START: u64 = 1 << 20;

/// What one sequence number means for the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sequenced {
    /// Its place in the stream.
    Extended(u64),
    /// Already received (within the last 128 packets).
    Duplicate,
    /// Far behind the highest received, yet too near to be a restart: a straggler.
    TooOld,
    /// A jump too large to trust yet; if the next packet follows it, the stream restarts.
    Suspect,
    /// The jump was confirmed: the far end restarted its numbering. The stream restarts at
    /// this number.
    Restart(u64),
}

/// Sequence state of one stream.
#[derive(Debug, Clone, Default)]
pub(super) struct SequenceTracker {
    /// Highest extended number received.
    highest: Option<u64>,
    /// Bit i set: `highest - i` was received.
    seen: u128,
    /// After a suspect jump: the number that would confirm it.
    confirm_with: Option<u16>,
}

impl SequenceTracker {
    pub(super) fn classify(&mut self, seq: u16) -> Sequenced {
        let Some(highest) = self.highest else {
            let extended = START + u64::from(seq);
            self.highest = Some(extended);
            self.seen = 1;
            return Sequenced::Extended(extended);
        };
        let ahead = seq.wrapping_sub(highest as u16);
        if ahead != 0 && ahead < MAX_DROPOUT {
            self.confirm_with = None;
            let extended = highest + u64::from(ahead);
            self.seen = if ahead >= 128 { 0 } else { self.seen << ahead };
            self.seen |= 1;
            self.highest = Some(extended);
            return Sequenced::Extended(extended);
        }
        let behind = (highest as u16).wrapping_sub(seq);
        if behind <= MAX_MISORDER && u64::from(behind) < highest {
            // behind < 128, so the bit exists.
            let bit = 1u128 << behind;
            if self.seen & bit != 0 {
                return Sequenced::Duplicate;
            }
            self.seen |= bit;
            return Sequenced::Extended(highest - u64::from(behind));
        }
        if behind <= MAX_DROPOUT {
            return Sequenced::TooOld;
        }
        if self.confirm_with == Some(seq) {
            *self = SequenceTracker::default();
            let Sequenced::Extended(extended) = self.classify(seq) else {
                return Sequenced::Suspect;
            };
            return Sequenced::Restart(extended);
        }
        self.confirm_with = Some(seq.wrapping_add(1));
        Sequenced::Suspect
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_past_65535() {
        let mut tracker = SequenceTracker::default();
        let Sequenced::Extended(first) = tracker.classify(65534) else {
            panic!("first packet must be accepted");
        };
        assert_eq!(tracker.classify(65535), Sequenced::Extended(first + 1));
        assert_eq!(tracker.classify(0), Sequenced::Extended(first + 2));
        assert_eq!(tracker.classify(65535), Sequenced::Duplicate);
        assert_eq!(tracker.classify(1), Sequenced::Extended(first + 3));
    }

    #[test]
    fn a_jump_needs_a_second_packet_to_restart() {
        let mut tracker = SequenceTracker::default();
        tracker.classify(10);
        assert_eq!(tracker.classify(40_000), Sequenced::Suspect);
        assert_eq!(tracker.classify(11), Sequenced::Extended(START + 11));
        assert_eq!(tracker.classify(50_000), Sequenced::Suspect);
        assert!(matches!(tracker.classify(50_001), Sequenced::Restart(_)));
        assert!(matches!(tracker.classify(50_002), Sequenced::Extended(_)));
    }

    #[test]
    fn seconds_late_stragglers_do_not_restart_the_stream() {
        let mut tracker = SequenceTracker::default();
        tracker.classify(1000);
        assert_eq!(tracker.classify(800), Sequenced::TooOld);
        assert_eq!(tracker.classify(801), Sequenced::TooOld);
        assert_eq!(tracker.classify(1001), Sequenced::Extended(START + 1001));
    }
}
