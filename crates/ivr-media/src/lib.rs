//! Telephone media: G.711, RTP, RFC 4733 telephone events, jitter buffer, resampling, WAV,
//! prompt playback.
//!
//! Everything but [`wav`] is sans-IO: no sockets, clocks, threads or files. Times come in as
//! milliseconds from the caller's clock, datagrams as byte slices, audio as sample slices.

pub mod frame;
pub mod g711;
pub mod hold_music;
pub mod jitter;
pub mod player;
pub mod resample;
pub mod rtp;
pub mod telephone_event;
pub mod wav;

pub use frame::{FRAME_MS, FRAME_SAMPLES, Frame, Framer, SAMPLE_RATE};
pub use g711::Codec;
pub use jitter::{JitterBuffer, JitterConfig, JitterStats, Playout};
pub use player::{PlayerFrame, PromptPlayer};
pub use resample::{Resampler, resample, to_f32_16k};
pub use rtp::{Datagram, RtpPacket, RtpSender, classify};
pub use telephone_event::{DtmfKey, DtmfReceiver, DtmfSender};
pub use wav::{WavError, read_wav, read_wav_bytes, write_wav};
