//! What work started off a call's loop (prompt loading, recognition, lookups, transfers,
//! announcements) hands back to it.

use crate::speech::CallRecognizers;
use ivr_flow::interpreter::Input;
use ivr_speech::{RecognizerError, Transcript};

/// Work done off the loop, coming back.
pub(super) enum Done {
    Prompt {
        play_id: u64,
        samples: Option<Vec<i16>>,
    },
    Recognized {
        utterance_id: u64,
        result: Result<Transcript, RecognizerError>,
        recognizers: Box<CallRecognizers>,
    },
    Flow(Input),
    /// The final response to the REFER of a transfer.
    Referred(Result<u16, String>),
    /// A queue announcement, synthesized.
    Announcement {
        text: String,
        samples: Option<Vec<i16>>,
    },
}
