//! The recognition pool: concurrency, backpressure, panics, shutdown, and keeping the async
//! runtime responsive while recognition-sized jobs run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use ivr_speech::pool::{JobFailed, PoolBusy, RecognitionPool};

/// Generous bound for one synchronisation step, so a broken pool fails instead of hanging.
const STEP: Duration = Duration::from_secs(30);

/// A job that says it started, then waits for the test to let it go.
fn gated_job(
    started: &Sender<()>,
    release: &Receiver<()>,
) -> impl FnOnce() -> usize + Send + 'static {
    let (started, release) = (started.clone(), release.clone());
    move || {
        started.send(()).unwrap();
        release.recv_timeout(STEP).unwrap();
        7
    }
}

fn wait_started(started: &Receiver<()>, count: usize) {
    for _ in 0..count {
        started
            .recv_timeout(STEP)
            .expect("a job should have started");
    }
}

#[test]
fn runs_up_to_n_jobs_at_once_and_refuses_past_the_queue() {
    let (workers, capacity) = (3, 2);
    let pool = RecognitionPool::new(workers, capacity).unwrap();
    let (started_tx, started) = unbounded();
    let (release_tx, release) = unbounded();
    let (done_tx, done) = unbounded();

    // One at a time: a worker needs a moment to pick a job up, and until it does the job
    // takes a queue slot. All N then run together: none can finish before it is released.
    for _ in 0..workers {
        let done_tx = done_tx.clone();
        pool.try_submit(gated_job(&started_tx, &release), move |r| {
            done_tx.send(r).unwrap()
        })
        .unwrap();
        wait_started(&started, 1);
    }
    assert_eq!((pool.in_flight(), pool.queue_depth()), (workers, 0));

    for depth in 1..=capacity {
        let done_tx = done_tx.clone();
        pool.try_submit(gated_job(&started_tx, &release), move |r| {
            done_tx.send(r).unwrap()
        })
        .unwrap();
        assert_eq!(pool.queue_depth(), depth);
    }
    // The (N + capacity + 1)th job is refused at once.
    assert_eq!(pool.try_submit(|| 0, |_| {}), Err(PoolBusy));
    assert!(pool.submit_async(|| 0).is_err());
    assert_eq!(
        (pool.in_flight(), pool.queue_depth(), pool.capacity()),
        (workers, capacity, capacity)
    );
    assert!(
        started.try_recv().is_err(),
        "a queued job ran while every worker was busy"
    );

    for _ in 0..workers + capacity {
        release_tx.send(()).unwrap();
    }
    for _ in 0..workers + capacity {
        assert_eq!(done.recv_timeout(STEP).unwrap(), Ok(7));
    }
    let report = pool.shutdown(STEP);
    assert_eq!((report.finished, report.abandoned), (workers, 0));
}

#[test]
fn never_more_than_n_jobs_run_at_once() {
    let pool = RecognitionPool::new(2, 64).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (done_tx, done) = unbounded();
    for _ in 0..40 {
        let (running, peak, done_tx) = (running.clone(), peak.clone(), done_tx.clone());
        let job = move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(2));
            running.fetch_sub(1, Ordering::SeqCst);
        };
        pool.try_submit(job, move |r| done_tx.send(r).unwrap())
            .unwrap();
    }
    for _ in 0..40 {
        done.recv_timeout(STEP).unwrap().unwrap();
    }
    assert!(peak.load(Ordering::SeqCst) <= 2);
}

#[test]
fn a_panicking_job_is_reported_and_the_worker_survives() {
    let pool = RecognitionPool::new(1, 4).unwrap();
    let (tx, rx) = unbounded();
    let tx2 = tx.clone();
    let thread_name = || std::thread::current().name().map(str::to_owned);
    pool.try_submit(
        || -> Option<String> { panic!("decoder blew up") },
        move |r| tx.send(r).unwrap(),
    )
    .unwrap();
    pool.try_submit(thread_name, move |r| tx2.send(r).unwrap())
        .unwrap();

    let failed = rx.recv_timeout(STEP).unwrap();
    assert_eq!(
        failed,
        Err(JobFailed::Panicked {
            message: "decoder blew up".to_owned()
        })
    );
    // The single worker ran the next job: it is still alive.
    assert_eq!(
        rx.recv_timeout(STEP).unwrap(),
        Ok(Some("ivr-asr-0".to_owned()))
    );
    assert_eq!(pool.in_flight(), 0);
}

#[test]
fn workers_are_named() {
    let pool = RecognitionPool::new(2, 2).unwrap();
    let (started_tx, started) = unbounded();
    let (release_tx, release) = unbounded::<()>();
    let (names_tx, names) = unbounded();
    for _ in 0..2 {
        let job = gated_job(&started_tx, &release);
        let name = move || (std::thread::current().name().map(str::to_owned), job());
        let names_tx = names_tx.clone();
        pool.try_submit(name, move |r| names_tx.send(r.unwrap().0).unwrap())
            .unwrap();
    }
    // Both are held at once, so they are on two different workers.
    wait_started(&started, 2);
    release_tx.send(()).unwrap();
    release_tx.send(()).unwrap();
    let mut names: Vec<_> = (0..2).map(|_| names.recv_timeout(STEP).unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [Some("ivr-asr-0".to_owned()), Some("ivr-asr-1".to_owned())]
    );
}

#[test]
fn capacity_zero_takes_a_job_only_when_a_worker_is_idle() {
    let pool = RecognitionPool::new(1, 0).unwrap();
    let (started_tx, started) = unbounded();
    let (release_tx, release) = unbounded::<()>();
    // The worker may not be waiting yet: retry until it is (bounded, never a wall-clock check).
    let deadline = Instant::now() + STEP;
    while pool
        .try_submit(gated_job(&started_tx, &release), |_| {})
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "the idle worker never took a job"
        );
        std::thread::yield_now();
    }
    wait_started(&started, 1);
    assert_eq!(pool.try_submit(|| 0, |_| {}), Err(PoolBusy));
    assert_eq!(pool.queue_depth(), 0);
    release_tx.send(()).unwrap();
}

#[test]
fn shutdown_finishes_queued_jobs() {
    let pool = RecognitionPool::new(1, 16).unwrap();
    let (tx, rx) = unbounded();
    for i in 0..10 {
        let tx = tx.clone();
        pool.try_submit(move || i, move |r| tx.send(r).unwrap())
            .unwrap();
    }
    let report = pool.shutdown(STEP);
    assert_eq!((report.finished, report.abandoned), (1, 0));
    let results: Vec<_> = rx.try_iter().collect();
    assert_eq!(results, (0..10).map(Ok).collect::<Vec<_>>());
}

#[test]
fn shutdown_is_bounded_when_a_job_hangs() {
    let pool = RecognitionPool::new(1, 4).unwrap();
    let (started_tx, started) = unbounded();
    let (release_tx, release) = bounded(1);
    let (tx, rx) = unbounded();
    pool.try_submit(gated_job(&started_tx, &release), |_| {})
        .unwrap();
    wait_started(&started, 1);
    for _ in 0..3 {
        let tx = tx.clone();
        pool.try_submit(|| 1, move |r| tx.send(r).unwrap()).unwrap();
    }
    // The stuck job holds the only worker past the deadline: shutdown returns anyway.
    let report = pool.shutdown(Duration::from_millis(50));
    assert_eq!((report.finished, report.abandoned), (0, 1));
    release_tx.send(()).unwrap();
    // Once free, the abandoned worker cancels what was queued instead of running it.
    for _ in 0..3 {
        assert_eq!(rx.recv_timeout(STEP).unwrap(), Err(JobFailed::ShutDown));
    }
}

#[test]
fn zero_workers_is_an_error() {
    assert!(RecognitionPool::new(0, 4).is_err());
}

#[tokio::test(flavor = "current_thread")]
async fn submit_async_delivers_results_and_failures() {
    let pool = RecognitionPool::new(2, 4).unwrap();
    let ok = pool.submit_async(|| 6 * 7).unwrap();
    let bad = pool.submit_async(|| -> i32 { panic!("no model") }).unwrap();
    assert_eq!(ok.await, Ok(42));
    assert!(matches!(bad.await, Err(JobFailed::Panicked { message }) if message == "no model"));
}

/// Recognition-sized CPU work: hashes numbers for `ms` of wall time.
fn busy_work(ms: u64) -> u64 {
    let until = Instant::now() + Duration::from_millis(ms);
    let mut acc = 0x9e37_79b9_7f4a_7c15_u64;
    let mut i = 0_u64;
    while Instant::now() < until {
        for _ in 0..1_000 {
            acc = (acc ^ i).wrapping_mul(0x0100_0000_01b3).rotate_left(7);
            i += 1;
        }
    }
    std::hint::black_box(acc)
}

const BURST_JOBS: usize = 6;
const JOB_MS: u64 = 200;
const TICK: Duration = Duration::from_millis(10);

/// Runs `burst` on a current-thread runtime beside a 10 ms ticker; returns (ticks seen during
/// the burst, ticks a never-blocked runtime would have seen in the same time).
fn ticks_during<F, Fut>(burst: F) -> (u64, u64)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let ticks = Arc::new(AtomicUsize::new(0));
        let counter = ticks.clone();
        let ticker = tokio::spawn(async move {
            let mut interval = tokio::time::interval(TICK);
            // Skip, not Burst: a stalled runtime must not make up its missed ticks afterwards.
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                interval.tick().await;
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        tokio::time::sleep(TICK * 3).await;
        let (before, began) = (ticks.load(Ordering::SeqCst), Instant::now());
        burst().await;
        let seen = ticks.load(Ordering::SeqCst) - before;
        let possible = began.elapsed().as_millis() / TICK.as_millis();
        ticker.abort();
        (seen as u64, possible as u64)
    })
}

#[test]
fn a_burst_of_recognition_work_never_stalls_the_runtime() {
    let pool = RecognitionPool::new(2, BURST_JOBS).unwrap();
    let (seen, possible) = ticks_during(|| async {
        let pending: Vec<_> = (0..BURST_JOBS)
            .map(|_| pool.submit_async(|| busy_work(JOB_MS)).unwrap())
            .collect();
        for job in pending {
            job.await.unwrap();
        }
    });
    // The burst occupies both cores of a 2-core machine, so the ticker shares the CPU; it
    // must still get a fair share of its turns (a fifth is a generous floor on a loaded box).
    eprintln!("pool: {seen} ticks of {possible} possible");
    assert!(
        possible >= 20,
        "the burst should take several ticks ({possible})"
    );
    assert!(
        seen * 5 >= possible,
        "ticker starved: {seen} of {possible} ticks"
    );
}

#[test]
fn control_the_same_work_inline_does_stall_the_runtime() {
    // Shows the measurement above can fail: run on the runtime thread, the work lets the
    // ticker in only between jobs.
    let (seen, possible) = ticks_during(|| async {
        for _ in 0..BURST_JOBS {
            busy_work(JOB_MS);
            tokio::task::yield_now().await;
        }
    });
    eprintln!("inline: {seen} ticks of {possible} possible");
    assert!(
        seen <= BURST_JOBS as u64 + 1,
        "{seen} ticks while the runtime was blocked"
    );
    assert!(possible >= 20);
}

#[test]
fn work_ahead_of_need_is_taken_only_by_an_idle_pool() {
    let pool = RecognitionPool::new(1, 4).unwrap();
    let (started_tx, started) = unbounded();
    let (release_tx, release) = unbounded();
    let (done_tx, done) = unbounded();
    let tx = done_tx.clone();
    pool.try_submit_if_idle(gated_job(&started_tx, &release), move |r| {
        tx.send(r).unwrap();
    })
    .unwrap();
    wait_started(&started, 1);
    // The worker is busy: refused at once, though the queue has room.
    assert_eq!(pool.try_submit_if_idle(|| 1, |_| {}), Err(PoolBusy));
    // Needed work still queues.
    let tx = done_tx.clone();
    pool.try_submit(|| 2, move |r| tx.send(r).unwrap()).unwrap();
    release_tx.send(()).unwrap();
    for _ in 0..2 {
        done.recv_timeout(STEP).unwrap().unwrap();
    }
    // Idle again (the counter drops before the result is handed over): taken.
    let tx = done_tx.clone();
    pool.try_submit_if_idle(|| 3, move |r| tx.send(r).unwrap())
        .unwrap();
    assert_eq!(done.recv_timeout(STEP).unwrap(), Ok(3));
}
