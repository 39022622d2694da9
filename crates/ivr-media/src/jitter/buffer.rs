//! The jitter buffer proper: ordering, playout timing and delay adaptation.

use super::interarrival::InterarrivalJitter;
use super::sequence::{SequenceTracker, Sequenced};
use super::{JitterConfig, JitterStats};
use crate::frame::FRAME_MS;
use crate::rtp::RtpPacket;
use std::collections::BTreeMap;

/// One frame handed out for playout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferedFrame {
    /// RTP sequence number.
    pub seq: u16,
    /// RTP timestamp.
    pub timestamp: u32,
    /// RTP payload type: which codec to decode the payload with (or 13, comfort noise).
    pub payload_type: u8,
    /// The payload as received.
    pub payload: Vec<u8>,
}

/// What to play in the next 20 ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// The next frame in sequence.
    Frame(BufferedFrame),
    /// No frame for this slot while the stream is flowing: its packet is missing, or the buffer
    /// is stretching by one frame to lengthen its delay. Conceal it (repeat or fade the last
    /// frame, or play silence: the caller's choice).
    Lost,
    /// Nothing to play: no packets yet, the stream paused, or the buffer is refilling after
    /// running dry. Play silence or comfort noise.
    Empty,
}

/// What became of a pushed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Queued for playout.
    Queued,
    /// Queued, and it started a new stream (new SSRC or confirmed sequence jump): everything
    /// queued from the old stream was dropped.
    QueuedAfterReset,
    /// A copy of a packet already received; dropped.
    Duplicate,
    /// Arrived after its playout time; dropped.
    Late,
    /// Dropped unplayed: payload too large, or a sequence jump that the next packet must
    /// confirm before the stream is trusted to have restarted.
    Discarded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Collecting packets until the oldest has waited the target delay.
    Filling,
    /// Handing out one frame per pop.
    Playing,
}

#[derive(Debug, Clone)]
struct Entry {
    seq: u16,
    timestamp: u32,
    payload_type: u8,
    payload: Vec<u8>,
}

/// Pops between two delay adjustments: long enough for the buffer level average to show the
/// effect of the previous one.
const ADJUST_COOLDOWN_POPS: u32 = 10;
/// Smoothing of the buffer level, per pop (a time constant of 16 frames, 320 ms).
const LEVEL_GAIN: f64 = 1.0 / 16.0;
/// Jitter is covered by this many mean deviations on top of one frame of pop phase.
const JITTER_MULTIPLE: f64 = 3.0;

/// Reorders RTP packets of one stream and hands out one 20 ms frame per pop, adapting its
/// delay to the measured jitter (RFC 3550 §6.4.1) and to clock drift between the far end and
/// the caller of [`JitterBuffer::pop`]. Sans-IO: every time is passed in, in milliseconds.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: JitterConfig,
    ssrc: Option<u32>,
    sequence: SequenceTracker,
    jitter: InterarrivalJitter,
    /// Packets waiting, by extended sequence number.
    queue: BTreeMap<u64, Entry>,
    phase: Phase,
    /// While filling: when the first packet of this fill arrived.
    fill_started_ms: Option<u64>,
    /// Extended sequence number of the next frame to play; `None` before the first playout of
    /// a stream.
    next: Option<u64>,
    /// Smoothed number of frames waiting, measured at each pop.
    level: f64,
    cooldown: u32,
    stats: JitterStats,
}

impl JitterBuffer {
    /// An empty buffer; see [`JitterConfig`] for how the limits are tidied.
    pub fn new(config: JitterConfig) -> Self {
        let config = config.normalized();
        JitterBuffer {
            config,
            ssrc: None,
            sequence: SequenceTracker::default(),
            jitter: InterarrivalJitter::default(),
            queue: BTreeMap::new(),
            phase: Phase::Filling,
            fill_started_ms: None,
            next: None,
            level: 0.0,
            cooldown: 0,
            stats: JitterStats {
                target_delay_ms: config.min_delay_ms,
                ..JitterStats::default()
            },
        }
    }

    /// The limits in force, after tidying.
    pub fn config(&self) -> JitterConfig {
        self.config
    }

    /// Takes a packet that arrived at `arrival_ms`.
    pub fn push(&mut self, packet: &RtpPacket<'_>, arrival_ms: u64) -> PushOutcome {
        self.stats.received += 1;
        if packet.payload.len() > self.config.max_payload_bytes {
            self.stats.discarded += 1;
            return PushOutcome::Discarded;
        }
        let mut reset = false;
        if self.ssrc != Some(packet.ssrc) {
            reset = self.ssrc.is_some();
            self.restart_stream(packet.ssrc);
        }
        let extended = match self.sequence.classify(packet.seq) {
            Sequenced::Extended(extended) => extended,
            Sequenced::Restart(extended) => {
                reset = true;
                // The tracker already restarted; keep it and start the rest afresh.
                let sequence = std::mem::take(&mut self.sequence);
                self.restart_stream(packet.ssrc);
                self.sequence = sequence;
                extended
            }
            Sequenced::Duplicate => {
                self.stats.duplicates += 1;
                return PushOutcome::Duplicate;
            }
            Sequenced::TooOld => {
                self.jitter.update(packet.timestamp, arrival_ms);
                self.stats.late += 1;
                return PushOutcome::Late;
            }
            Sequenced::Suspect => {
                self.stats.discarded += 1;
                return PushOutcome::Discarded;
            }
        };
        // Late packets still tell how much the network delays vary.
        self.jitter.update(packet.timestamp, arrival_ms);
        if self.next.is_some_and(|next| extended < next) {
            self.stats.late += 1;
            return PushOutcome::Late;
        }
        if self.phase == Phase::Filling && self.fill_started_ms.is_none() {
            self.fill_started_ms = Some(arrival_ms);
        }
        self.queue.insert(
            extended,
            Entry {
                seq: packet.seq,
                timestamp: packet.timestamp,
                payload_type: packet.payload_type,
                payload: packet.payload.to_vec(),
            },
        );
        self.enforce_packet_cap();
        if reset {
            self.stats.resets += 1;
            PushOutcome::QueuedAfterReset
        } else {
            PushOutcome::Queued
        }
    }

    /// What to play for the 20 ms slot starting at `now_ms`. Call once per slot.
    pub fn pop(&mut self, now_ms: u64) -> Playout {
        self.update_target();
        match self.phase {
            Phase::Filling => {
                if self.ready_to_play(now_ms) {
                    self.start_playing();
                    self.play_next()
                } else {
                    Playout::Empty
                }
            }
            Phase::Playing => {
                if self.queue.is_empty() {
                    self.stats.underruns += 1;
                    self.phase = Phase::Filling;
                    self.fill_started_ms = None;
                    Playout::Empty
                } else {
                    self.adapt_and_play()
                }
            }
        }
    }

    /// Counters and the current delay.
    pub fn stats(&self) -> JitterStats {
        let mut stats = self.stats;
        stats.jitter_ms = self.jitter.jitter_ms();
        stats.queued = self.queue.len();
        stats.current_delay_ms = self.waiting_frames() * FRAME_MS;
        stats
    }

    fn restart_stream(&mut self, ssrc: u32) {
        self.ssrc = Some(ssrc);
        self.sequence = SequenceTracker::default();
        self.jitter = InterarrivalJitter::default();
        self.queue.clear();
        self.phase = Phase::Filling;
        self.fill_started_ms = None;
        self.next = None;
        self.level = 0.0;
        self.cooldown = 0;
    }

    /// Keeps memory bounded whatever arrives: the oldest packets go first, and playout skips
    /// past them.
    fn enforce_packet_cap(&mut self) {
        while self.queue.len() > self.config.max_packets {
            let Some((oldest, _)) = self.queue.pop_first() else {
                break;
            };
            self.stats.discarded += 1;
            if let Some(next) = self.next
                && oldest >= next
            {
                self.stats.lost += oldest - next;
                self.next = Some(oldest + 1);
            }
        }
    }

    /// Frames from the next to play through the newest queued, gaps included. While filling,
    /// counted from the oldest queued: a gap left by the last run is not audio waiting.
    fn waiting_frames(&self) -> u32 {
        let (Some((&first, _)), Some((&last, _))) =
            (self.queue.first_key_value(), self.queue.last_key_value())
        else {
            return 0;
        };
        let from = match (self.phase, self.next) {
            (Phase::Playing, Some(next)) => next.min(first),
            _ => first,
        };
        u32::try_from(last + 1 - from).unwrap_or(u32::MAX)
    }

    fn target_frames(&self) -> u32 {
        self.stats.target_delay_ms / FRAME_MS
    }

    fn update_target(&mut self) {
        let wanted_ms = f64::from(FRAME_MS) + JITTER_MULTIPLE * self.jitter.jitter_ms();
        let wanted_frames = (wanted_ms / f64::from(FRAME_MS)).ceil() as u32;
        let frames = wanted_frames.clamp(self.config.min_frames(), self.config.max_frames());
        self.stats.target_delay_ms = frames * FRAME_MS;
    }

    /// Filling ends when the oldest packet has waited the target delay, or when a burst has
    /// already brought that much audio.
    fn ready_to_play(&self, now_ms: u64) -> bool {
        let Some(started) = self.fill_started_ms else {
            return false;
        };
        now_ms.saturating_sub(started) >= u64::from(self.stats.target_delay_ms)
            || self.waiting_frames() >= self.target_frames()
    }

    fn start_playing(&mut self) {
        let Some((&first, _)) = self.queue.first_key_value() else {
            return;
        };
        if let Some(next) = self.next
            && first > next
        {
            // Packets missing at the end of the last run never came.
            self.stats.lost += first - next;
        }
        self.next = Some(first);
        self.phase = Phase::Playing;
        self.level = f64::from(self.waiting_frames());
        self.cooldown = ADJUST_COOLDOWN_POPS;
    }

    /// Steers the buffer level toward the target, then plays. Too full (far end's clock fast,
    /// or jitter has settled): skip a frame. Too empty (far end slow, or jitter grew): stretch
    /// by one slot. Past the maximum delay: skip at once down to the target.
    fn adapt_and_play(&mut self) -> Playout {
        let waiting = self.waiting_frames();
        self.level += (f64::from(waiting) - self.level) * LEVEL_GAIN;
        self.cooldown = self.cooldown.saturating_sub(1);
        let target = self.target_frames();

        if waiting > self.config.max_frames() {
            for _ in target..waiting {
                self.skip_frame();
            }
            self.level = f64::from(self.waiting_frames());
            self.cooldown = ADJUST_COOLDOWN_POPS;
        } else if self.cooldown == 0 && self.level > f64::from(target) + 1.5 && waiting > target {
            self.skip_frame();
            self.level -= 1.0;
            self.cooldown = ADJUST_COOLDOWN_POPS;
        } else if self.cooldown == 0 && self.level < f64::from(target) - 0.5 {
            self.stats.inserted += 1;
            self.level += 1.0;
            self.cooldown = ADJUST_COOLDOWN_POPS;
            return Playout::Lost;
        }
        self.play_next()
    }

    fn skip_frame(&mut self) {
        let Some(next) = self.next else {
            return;
        };
        if self.queue.remove(&next).is_some() {
            self.stats.dropped += 1;
        } else {
            self.stats.lost += 1;
        }
        self.next = Some(next + 1);
    }

    fn play_next(&mut self) -> Playout {
        let Some(next) = self.next else {
            return Playout::Empty;
        };
        if self.queue.is_empty() {
            return Playout::Empty;
        }
        self.next = Some(next + 1);
        match self.queue.remove(&next) {
            Some(entry) => Playout::Frame(BufferedFrame {
                seq: entry.seq,
                timestamp: entry.timestamp,
                payload_type: entry.payload_type,
                payload: entry.payload,
            }),
            None => {
                self.stats.lost += 1;
                Playout::Lost
            }
        }
    }
}
