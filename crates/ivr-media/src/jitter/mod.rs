//! Adaptive jitter buffer for 20 ms G.711 frames: packets go in as they arrive, one frame comes
//! out every 20 ms in sequence order.

mod buffer;
mod config;
mod interarrival;
mod sequence;
mod stats;

pub use buffer::{BufferedFrame, JitterBuffer, Playout, PushOutcome};
pub use config::JitterConfig;
pub use stats::JitterStats;
