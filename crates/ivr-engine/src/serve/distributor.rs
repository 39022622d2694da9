//! Where the call distribution's state lives: in this engine's memory (one engine), or in the
//! shared PostgreSQL store (a cluster, one line across engines). Either way every decision is
//! the same [`CallDistributor`] code; only where its state is kept, and how an agent's phone
//! counts as reachable, differ.

use crate::call_distributor::CallDistributor;
use crate::store::{Decision, Store};
use std::sync::{Arc, Mutex};

pub enum Distributor {
    Local(Mutex<CallDistributor>),
    Shared {
        store: Arc<Store>,
        wrap_up_ms: u64,
        /// Agents with a fixed address (`uri`): reachable without registering.
        fixed_address: Vec<String>,
    },
}

impl Distributor {
    /// Runs one decision. `locally_reachable` says which agents this engine can ring when
    /// the state is its own (its registrar, fixed addresses); a shared state asks the load
    /// balancer's registrations instead. None when the state is unavailable (a database
    /// down): the caller's wait takes its fallback.
    pub fn decide<T>(
        &self,
        locally_reachable: impl Fn(&str) -> bool,
        decide: impl FnOnce(&mut CallDistributor, &dyn Fn(&str) -> bool) -> T,
    ) -> Option<T> {
        match self {
            Distributor::Local(state) => {
                let mut state = state.lock().ok()?;
                Some(decide(&mut state, &locally_reachable))
            }
            Distributor::Shared {
                store,
                wrap_up_ms,
                fixed_address,
            } => {
                let decision = Decision {
                    wrap_up_ms: *wrap_up_ms,
                    fixed_address,
                };
                blocking(|| store.with_shared_distribution(&decision, decide))
                    .map_err(|e| tracing::warn!("call distribution: {e}"))
                    .ok()
            }
        }
    }

    pub fn is_shared(&self) -> bool {
        matches!(self, Distributor::Shared { .. })
    }
}

/// A short blocking database call from async code: on the multi-threaded runtime the worker
/// hands its other tasks on first (`block_in_place`), so calls in progress keep their media
/// timing; elsewhere (the admin server's own thread) it simply runs.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}
