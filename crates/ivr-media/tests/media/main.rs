//! Tests of the public API of `ivr-media`, one module per concept, in one test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod frame;
mod g711;
mod jitter;
mod player;
mod resample;
mod rtp;
mod signal;
mod telephone_event;
mod wav;
