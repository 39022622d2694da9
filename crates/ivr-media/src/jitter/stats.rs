//! Counters and the current state of the jitter buffer, for call records and tuning.

/// What the jitter buffer has seen and done since it was created (counters survive an SSRC
/// change; the delay figures describe the current stream).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JitterStats {
    /// Packets pushed, whatever became of them.
    pub received: u64,
    /// Frames missing at their playout time: the packet never came, or came too late.
    pub lost: u64,
    /// Packets that arrived after their playout time (also counted in `lost` when they were).
    pub late: u64,
    /// Packets received more than once; the copies were dropped.
    pub duplicates: u64,
    /// Packets thrown away unplayed: buffer full, payload too large, or a sequence jump
    /// not (yet) confirmed by a following packet.
    pub discarded: u64,
    /// Frames skipped to shorten the delay (far end's clock fast, or jitter settled).
    pub dropped: u64,
    /// Frame slots stretched to lengthen the delay (far end's clock slow, or jitter grew).
    pub inserted: u64,
    /// Times the buffer ran dry and had to refill before playing again.
    pub underruns: u64,
    /// Times the stream restarted (new SSRC, or a confirmed sequence-number jump).
    pub resets: u64,
    /// Audio waiting in the buffer now, in ms (queued frames, gaps included, times 20 ms).
    pub current_delay_ms: u32,
    /// Delay the buffer is steering toward, from the measured jitter.
    pub target_delay_ms: u32,
    /// Interarrival jitter (RFC 3550 §6.4.1), in ms.
    pub jitter_ms: f64,
    /// Packets held now.
    pub queued: usize,
}
