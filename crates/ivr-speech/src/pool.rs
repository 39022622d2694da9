//! The bounded worker pool speech recognition runs on.
//!
//! Decoding an utterance costs 0.3-2 s of CPU: run on the async runtime it would freeze every
//! call's audio and timers on that thread. So it runs on a few dedicated OS threads
//! (`ivr-asr-0`, `ivr-asr-1`, ...) fed by a bounded queue. When the queue is full, submitting
//! fails at once with [`PoolBusy`] instead of waiting: a caller kept waiting in silence is worse
//! than one asked to use the keypad.

mod pending;
mod worker;

use std::fmt;
use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, TrySendError};

pub use pending::PendingJob;
use worker::{Job, Shared};

/// How long `Drop` lets queued and running jobs finish before leaving the threads behind.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Every worker is busy and the queue is full; the job was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolBusy;

impl fmt::Display for PoolBusy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("recognition pool busy: every worker is working and the queue is full")
    }
}

impl std::error::Error for PoolBusy {}

/// A job taken by the pool that produced no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobFailed {
    /// The job panicked; the worker caught it and went on.
    Panicked { message: String },
    /// The pool shut down (or ran out of shutdown time) before the job ran.
    ShutDown,
}

impl fmt::Display for JobFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked { message } => write!(f, "recognition job panicked: {message}"),
            Self::ShutDown => f.write_str("recognition pool shut down before the job ran"),
        }
    }
}

impl std::error::Error for JobFailed {}

/// What `shutdown` managed within its time bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Workers that finished the queue and ended.
    pub finished: usize,
    /// Workers still inside a job at the deadline; their threads are left to end on their own.
    pub abandoned: usize,
}

pub struct RecognitionPool {
    /// `None` once shut down; dropping it is what tells the workers to finish.
    sender: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
    exited: crossbeam_channel::Receiver<usize>,
    shared: Arc<Shared>,
    capacity: usize,
}

impl RecognitionPool {
    /// Starts `workers` threads behind a queue of `queue_capacity` waiting jobs. With capacity
    /// 0 a job is accepted only if a worker is idle right now.
    pub fn new(workers: usize, queue_capacity: usize) -> io::Result<Self> {
        if workers == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a pool needs at least one worker",
            ));
        }
        let (sender, receiver) = crossbeam_channel::bounded::<Job>(queue_capacity);
        let (exited_tx, exited) = crossbeam_channel::unbounded();
        let shared = Arc::new(Shared::default());
        let mut pool = Self {
            sender: Some(sender),
            workers: Vec::new(),
            exited,
            shared,
            capacity: queue_capacity,
        };
        for index in 0..workers {
            let (jobs, shared, exited_tx) = (
                receiver.clone(),
                Arc::clone(&pool.shared),
                exited_tx.clone(),
            );
            let spawned = std::thread::Builder::new()
                .name(format!("ivr-asr-{index}"))
                .spawn(move || worker::run(index, jobs, shared, exited_tx));
            // On failure, `pool` drops here and stops the workers already started.
            pool.workers.push(spawned?);
        }
        Ok(pool)
    }

    /// Queues `job`; `on_done` gets its result (or why there is none) on the worker thread, so
    /// it should only hand the result over (send it on a channel, wake a task).
    pub fn try_submit<R, J, D>(&self, job: J, on_done: D) -> Result<(), PoolBusy>
    where
        J: FnOnce() -> R + Send + 'static,
        D: FnOnce(Result<R, JobFailed>) + Send + 'static,
    {
        let Some(sender) = &self.sender else {
            return Err(PoolBusy);
        };
        match sender.try_send(worker::package(job, on_done)) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(PoolBusy),
        }
    }

    /// Like `try_submit`, but only when a worker is idle and nothing waits in the queue: for
    /// work that may be done ahead of need (a speculative decode), which must never make
    /// anyone's needed work wait. Two such submissions at the same instant may both see the
    /// same idle worker; the second then waits behind one job, never behind the queue.
    pub fn try_submit_if_idle<R, J, D>(&self, job: J, on_done: D) -> Result<(), PoolBusy>
    where
        J: FnOnce() -> R + Send + 'static,
        D: FnOnce(Result<R, JobFailed>) + Send + 'static,
    {
        if self.queue_depth() > 0 || self.in_flight() >= self.workers() {
            return Err(PoolBusy);
        }
        self.try_submit(job, on_done)
    }

    /// Queues `job` and returns a future of its result, for async callers. Refused at once
    /// with `PoolBusy` like `try_submit`; the future itself never blocks a runtime thread.
    pub fn submit_async<R, J>(&self, job: J) -> Result<PendingJob<R>, PoolBusy>
    where
        R: Send + 'static,
        J: FnOnce() -> R + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.try_submit(job, move |result| {
            // The caller may have given up on the answer (e.g. hung up); nothing to do then.
            let _ = tx.send(result);
        })?;
        Ok(PendingJob::new(rx))
    }

    /// Jobs accepted but not yet picked up by a worker.
    pub fn queue_depth(&self) -> usize {
        self.sender.as_ref().map_or(0, Sender::len)
    }

    /// Jobs running right now.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::Acquire)
    }

    /// Most jobs that can wait in the queue.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Stops taking jobs, lets the workers finish the queue, and waits up to `timeout` for
    /// them. At the deadline, jobs still queued are cancelled (`JobFailed::ShutDown`) and
    /// workers still inside a job are left to end on their own.
    pub fn shutdown(mut self, timeout: Duration) -> ShutdownReport {
        self.stop(timeout)
    }

    fn stop(&mut self, timeout: Duration) -> ShutdownReport {
        drop(self.sender.take());
        let deadline = Instant::now() + timeout;
        let mut finished = Vec::new();
        while finished.len() < self.workers.len() {
            match self.exited.recv_deadline(deadline) {
                Ok(index) => finished.push(index),
                Err(_) => break,
            }
        }
        if finished.len() < self.workers.len() {
            self.shared.cancel_queued.store(true, Ordering::Release);
        }
        let workers = std::mem::take(&mut self.workers);
        let total = workers.len();
        for (index, handle) in workers.into_iter().enumerate() {
            // A worker that reported its exit is past its last job, so this join is immediate;
            // the others are detached by dropping their handle.
            if finished.contains(&index) {
                let _ = handle.join();
            }
        }
        ShutdownReport {
            finished: finished.len(),
            abandoned: total - finished.len(),
        }
    }
}

impl Drop for RecognitionPool {
    fn drop(&mut self) {
        if self.sender.is_some() {
            self.stop(DEFAULT_SHUTDOWN_TIMEOUT);
        }
    }
}

impl fmt::Debug for RecognitionPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecognitionPool")
            .field("workers", &self.workers.len())
            .field("capacity", &self.capacity)
            .field("queue_depth", &self.queue_depth())
            .field("in_flight", &self.in_flight())
            .finish()
    }
}
