//! The sans-IO interpreter: one `Call` per phone call. Events go in with an explicit `now`;
//! actions and log events come out of `poll_output`; `next_deadline` says when to hand in
//! `Input::Timeout`. No clocks, sockets or threads inside, so a live call, a replayed WAV and
//! a text chat all drive the same code, and a 60-second call runs in microseconds in tests.
//!
//! Contract: after every `handle`, drain `poll_output` until it returns `None`.

mod ask;
mod ask_keys;
mod ask_turn;
mod call;
mod completeness;
mod conditions;
pub mod contact;
mod io;

pub use call::Call;
pub use completeness::Completeness;
pub use io::{
    Action, Alternative, CallEvent, CallInfo, Escalated, Input, ListenParams, Output,
    TransferTarget,
};
