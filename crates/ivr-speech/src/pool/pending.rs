//! The future `submit_async` hands back.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use super::JobFailed;

/// Resolves to the job's result once a worker has run it. Dropping it does not cancel the
/// job (it is already queued or running); the result is then discarded.
#[derive(Debug)]
#[must_use = "the job runs anyway, but its result is lost unless this is awaited"]
pub struct PendingJob<R> {
    receiver: oneshot::Receiver<Result<R, JobFailed>>,
}

impl<R> PendingJob<R> {
    pub(super) fn new(receiver: oneshot::Receiver<Result<R, JobFailed>>) -> Self {
        Self { receiver }
    }
}

impl<R> Future for PendingJob<R> {
    type Output = Result<R, JobFailed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // The sender only vanishes without a result if its worker thread died outside a job
        // (process teardown); report that as the pool going away.
        Pin::new(&mut self.receiver)
            .poll(cx)
            .map(|received| received.unwrap_or(Err(JobFailed::ShutDown)))
    }
}
