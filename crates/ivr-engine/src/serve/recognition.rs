//! One call's recognitions on the shared worker pool: final decodes queue (bounded), decodes
//! ahead of the endpoint run only on an idle worker, and either can be called off.

use super::Shared;
use super::done::Done;
use super::metrics as names;
use crate::speech::CallRecognizers;
use ivr_speech::{RecognitionConfig, RecognizerError};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;

/// A recognition called off before a worker took it up.
const CANCELLED: &str = "recognition called off before it started";

#[derive(Default)]
pub struct CallRecognition {
    /// The call's recognizers, reused across its utterances; out on a worker while a decode
    /// runs. A second decode while the first is out (the caller went on after a pause) gets
    /// fresh ones.
    recognizers: Option<Box<CallRecognizers>>,
    /// Submitted and not yet back: a flag per utterance that tells the job not to start.
    pending: HashMap<u64, Arc<AtomicBool>>,
}

impl CallRecognition {
    /// Sends one utterance to the pool; its result comes back as `Done::Recognized`.
    pub fn submit(
        &mut self,
        shared: &Arc<Shared>,
        done: &mpsc::UnboundedSender<Done>,
        utterance_id: u64,
        audio: Vec<i16>,
        config: RecognitionConfig,
        speculative: bool,
    ) {
        let mut mine = self.recognizers.take().unwrap_or_default();
        let called_off = Arc::new(AtomicBool::new(false));
        self.pending.insert(utterance_id, Arc::clone(&called_off));
        let models = Arc::clone(&shared.models);
        let back = done.clone();
        let job = move || {
            let result = if called_off.load(Ordering::Acquire) {
                Err(RecognizerError::Decode(CANCELLED.into()))
            } else {
                mine.recognize(&models, &audio, &config)
            };
            (result, mine)
        };
        let on_done = move |outcome: Result<_, ivr_speech::pool::JobFailed>| {
            let (result, recognizers) = match outcome {
                Ok(done) => done,
                Err(failed) => (
                    Err(RecognizerError::Decode(failed.to_string())),
                    Box::default(),
                ),
            };
            back.send(Done::Recognized {
                utterance_id,
                result,
                recognizers,
            })
            .ok();
        };
        let submitted = if speculative {
            shared.recognition.try_submit_if_idle(job, on_done)
        } else {
            shared.recognition.try_submit(job, on_done)
        };
        metrics::gauge!(names::RECOGNITION_QUEUE).set(shared.recognition.queue_depth() as f64);
        let Err(busy) = submitted else {
            return;
        };
        if speculative {
            // No idle worker: the endpoint's own decode will do (no warning, nothing lost).
            metrics::counter!(names::SPECULATIVE_SKIPPED).increment(1);
        } else {
            // Every worker busy and the queue full: this utterance goes unheard (the flow
            // re-prompts), rather than the caller waiting in silence.
            tracing::warn!("utterance not recognized: {busy}");
            metrics::counter!(names::RECOGNITION_REFUSED).increment(1);
        }
        done.send(Done::Recognized {
            utterance_id,
            result: Err(RecognizerError::Decode(busy.to_string())),
            recognizers: Box::default(),
        })
        .ok();
    }

    /// The session no longer wants this result: a job not yet started is skipped.
    pub fn cancel(&mut self, utterance_id: u64) {
        if let Some(flag) = self.pending.remove(&utterance_id) {
            flag.store(true, Ordering::Release);
        }
    }

    /// A result came back with the recognizers it used.
    pub fn returned(&mut self, utterance_id: u64, recognizers: Box<CallRecognizers>) {
        self.pending.remove(&utterance_id);
        self.recognizers.get_or_insert(recognizers);
    }
}
