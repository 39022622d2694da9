//! What runs on each `ivr-asr-N` thread.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, Sender};

use super::JobFailed;

/// How a queued job is disposed of: run, or dropped at shutdown (its `on_done` still hears).
pub(super) enum Disposal<'a> {
    /// Run it; the counter of running jobs is decremented once the work is over and before
    /// `on_done` hears, so whoever receives the result sees the pool idle again.
    Run {
        in_flight: &'a AtomicUsize,
    },
    Cancel,
}

pub(super) type Job = Box<dyn for<'a> FnOnce(Disposal<'a>) + Send + 'static>;

/// Counters and flags the pool and its workers share.
#[derive(Default)]
pub(super) struct Shared {
    pub(super) in_flight: AtomicUsize,
    /// Set when shutdown runs out of time: queued jobs are cancelled instead of run.
    pub(super) cancel_queued: AtomicBool,
}

/// Wraps the caller's job and callback into one boxed call that never unwinds.
pub(super) fn package<R, J, D>(job: J, on_done: D) -> Job
where
    J: FnOnce() -> R + Send + 'static,
    D: FnOnce(Result<R, JobFailed>) + Send + 'static,
{
    Box::new(move |disposal| {
        let result = match disposal {
            Disposal::Run { in_flight } => {
                let result =
                    catch_unwind(AssertUnwindSafe(job)).map_err(|payload| JobFailed::Panicked {
                        message: panic_message(payload.as_ref()),
                    });
                in_flight.fetch_sub(1, Ordering::AcqRel);
                result
            }
            Disposal::Cancel => Err(JobFailed::ShutDown),
        };
        // A panicking callback must not take the worker down either; its own panic message
        // has already gone to the panic hook (stderr / tracing), which is all we can do.
        let _ = catch_unwind(AssertUnwindSafe(move || on_done(result)));
    })
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "job panicked with a non-string payload".to_owned()
    }
}

/// Runs jobs until the pool drops its sender and the queue is empty, then reports its index.
pub(super) fn run(index: usize, jobs: Receiver<Job>, shared: Arc<Shared>, exited: Sender<usize>) {
    yield_to_media();
    // `recv` keeps handing out queued jobs after the sender is gone: that is how shutdown
    // finishes the queue before the thread ends.
    while let Ok(job) = jobs.recv() {
        if shared.cancel_queued.load(Ordering::Acquire) {
            job(Disposal::Cancel);
            continue;
        }
        shared.in_flight.fetch_add(1, Ordering::AcqRel);
        job(Disposal::Run {
            in_flight: &shared.in_flight,
        });
    }
    // The pool may already have stopped waiting; nobody to tell then.
    let _ = exited.send(index);
}

/// Decoding is seconds of CPU at a time; the calls' 20 ms media loops are microseconds that
/// must not wait. On a machine with every core decoding, the loops were seen sending packets
/// 50 ms late (benches/README.md, SIP load), so recognition threads (and the threads a decoder
/// starts from them, which inherit it) run at a lower priority: nice 10.
fn yield_to_media() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority read and change only this thread's scheduling
        // attributes; no memory is passed.
        let changed = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, 10)
        };
        if changed != 0 {
            eprintln!(
                "recognition worker: could not lower its priority; media may stutter under load"
            );
        }
    }
}
