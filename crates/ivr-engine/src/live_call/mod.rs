//! A live call, sans-IO: the controller of one answered call and its legs (caller, agent),
//! the legs' media and SDP, and transfers. The IO layer (`ivr serve`) owns the sockets, the
//! SIP dialogs, the worker pools and the clock, feeds every event in with the time, and does
//! what the controller's outputs say.

mod controller;
mod leg;
mod output;
mod recorded_caller;
pub mod transfer;

#[cfg(test)]
mod tests;

pub use controller::{CallController, EndedBy, MediaCounts, TICK};
pub use leg::{Leg, MAX_DATAGRAM, ReofferAnswer, random_seed};
pub use output::{LegId, Output};
pub use recorded_caller::{RECORDED_CALLER, RecordedCaller};
