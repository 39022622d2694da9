//! Endpointing parameters: what a listening state tunes, with telephone defaults.

use std::fmt;

use super::{FRAME_MS, SAMPLES_PER_MS};

/// How the endpointer decides where an utterance starts and ends. All durations in ms.
///
/// Fields are public so a flow state can override one with struct-update syntax; the endpointer
/// validates whatever it is given ([`VadParams::validate`]), and [`VadParams::new`] validates up
/// front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VadParams {
    /// libfvad mode, 0 (quality: reports more speech) to 3 (very aggressive: reports less).
    pub aggressiveness: u8,
    /// Voiced audio needed before speech counts as started; shorter noises are ignored.
    pub min_speech_ms: u64,
    /// Unvoiced audio that ends an utterance.
    pub trailing_silence_ms: u64,
    /// Audio kept from before the detected start, so the first syllable reaches the recognizer.
    pub pre_roll_ms: u64,
    /// Longest utterance (pre-roll included); longer speech is cut and marked truncated.
    pub max_utterance_ms: u64,
    /// Time after `start_listening` with no speech before `NoInput`; `None`: wait forever.
    pub no_input_timeout_ms: Option<u64>,
    /// Silence inside an utterance after which the endpointer reports a pause (`Paused`), so
    /// the words so far can be decoded while the endpoint is still being waited for; `None`:
    /// never. Only a pause shorter than `trailing_silence_ms` is ever reported.
    pub pause_ms: Option<u64>,
}

impl Default for VadParams {
    /// Telephone defaults: mode 2 copes with line noise without eating soft speech; 700 ms of
    /// silence lets callers pause between words ("my case number is ... ") without being cut;
    /// 120 ms of voice is a word: a short Spanish "sí" keeps only its vowel, about 130 ms,
    /// once the line has cut its /s/ (above 3.4 kHz).
    fn default() -> Self {
        Self {
            aggressiveness: 2,
            min_speech_ms: 120,
            trailing_silence_ms: 700,
            pre_roll_ms: 300,
            max_utterance_ms: 15_000,
            no_input_timeout_ms: Some(5_000),
            pause_ms: Some(300),
        }
    }
}

/// Bounds. The upper ones keep a typo in a flow file from buffering minutes of audio per call.
const MAX_MIN_SPEECH_MS: u64 = 2_000;
const MAX_TRAILING_SILENCE_MS: u64 = 10_000;
const MAX_PRE_ROLL_MS: u64 = 2_000;
const MAX_UTTERANCE_MS: u64 = 120_000;
const MAX_NO_INPUT_MS: u64 = 600_000;

/// A parameter outside its accepted range; the message names the field and the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamsError {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for ParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid VAD parameter `{}`: {}",
            self.field, self.message
        )
    }
}

impl std::error::Error for ParamsError {}

fn check_range(field: &'static str, value: u64, min: u64, max: u64) -> Result<(), ParamsError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ParamsError {
            field,
            message: format!("{value} ms is outside {min}..={max} ms"),
        })
    }
}

impl VadParams {
    /// Builds and validates parameters.
    pub fn new(
        aggressiveness: u8,
        min_speech_ms: u64,
        trailing_silence_ms: u64,
        pre_roll_ms: u64,
        max_utterance_ms: u64,
        no_input_timeout_ms: Option<u64>,
        pause_ms: Option<u64>,
    ) -> Result<Self, ParamsError> {
        let params = Self {
            aggressiveness,
            min_speech_ms,
            trailing_silence_ms,
            pre_roll_ms,
            max_utterance_ms,
            no_input_timeout_ms,
            pause_ms,
        };
        params.validate()?;
        Ok(params)
    }

    pub fn validate(&self) -> Result<(), ParamsError> {
        if self.aggressiveness > 3 {
            return Err(ParamsError {
                field: "aggressiveness",
                message: format!("{} is not a libfvad mode (0 to 3)", self.aggressiveness),
            });
        }
        // Anything below one frame would be decided by a single 20 ms VAD decision.
        check_range(
            "min_speech_ms",
            self.min_speech_ms,
            FRAME_MS,
            MAX_MIN_SPEECH_MS,
        )?;
        check_range(
            "trailing_silence_ms",
            self.trailing_silence_ms,
            FRAME_MS,
            MAX_TRAILING_SILENCE_MS,
        )?;
        check_range("pre_roll_ms", self.pre_roll_ms, 0, MAX_PRE_ROLL_MS)?;
        // An utterance must be able to outlast its own pre-roll and start condition.
        let shortest = self.pre_roll_ms + self.min_speech_ms + FRAME_MS;
        check_range(
            "max_utterance_ms",
            self.max_utterance_ms,
            shortest,
            MAX_UTTERANCE_MS,
        )?;
        if let Some(timeout) = self.no_input_timeout_ms {
            check_range("no_input_timeout_ms", timeout, FRAME_MS, MAX_NO_INPUT_MS)?;
        }
        if let Some(pause) = self.pause_ms {
            check_range("pause_ms", pause, FRAME_MS, MAX_TRAILING_SILENCE_MS)?;
        }
        Ok(())
    }

    /// Whole 20 ms frames needed, rounding up so the configured duration is a lower bound.
    pub(super) fn min_speech_frames(&self) -> usize {
        frames_ceil(self.min_speech_ms)
    }

    pub(super) fn trailing_silence_frames(&self) -> usize {
        frames_ceil(self.trailing_silence_ms)
    }

    pub(super) fn pause_frames(&self) -> Option<usize> {
        self.pause_ms.map(frames_ceil)
    }

    pub(super) fn pre_roll_samples(&self) -> u64 {
        self.pre_roll_ms * SAMPLES_PER_MS
    }

    pub(super) fn max_utterance_samples(&self) -> u64 {
        self.max_utterance_ms * SAMPLES_PER_MS
    }

    pub(super) fn no_input_samples(&self) -> Option<u64> {
        self.no_input_timeout_ms.map(|ms| ms * SAMPLES_PER_MS)
    }
}

fn frames_ceil(ms: u64) -> usize {
    // Validated durations are at most minutes, so the frame count always fits.
    usize::try_from(ms.div_ceil(FRAME_MS)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(VadParams::default().validate(), Ok(()));
    }

    #[test]
    fn rejects_out_of_range_fields() {
        let base = VadParams::default();
        let bad = [
            VadParams {
                aggressiveness: 4,
                ..base
            },
            VadParams {
                min_speech_ms: 0,
                ..base
            },
            VadParams {
                trailing_silence_ms: 10,
                ..base
            },
            VadParams {
                pre_roll_ms: 60_000,
                ..base
            },
            VadParams {
                max_utterance_ms: 400,
                ..base
            },
            VadParams {
                no_input_timeout_ms: Some(0),
                ..base
            },
            VadParams {
                pause_ms: Some(0),
                ..base
            },
        ];
        for params in bad {
            assert!(params.validate().is_err(), "{params:?} should be rejected");
        }
    }

    #[test]
    fn new_validates() {
        assert!(VadParams::new(2, 200, 700, 300, 15_000, None, Some(300)).is_ok());
        let err = VadParams::new(9, 200, 700, 300, 15_000, None, None);
        assert_eq!(err.map_err(|e| e.field), Err("aggressiveness"));
    }

    #[test]
    fn durations_round_up_to_frames() {
        let p = VadParams {
            min_speech_ms: 210,
            trailing_silence_ms: 700,
            ..VadParams::default()
        };
        assert_eq!(p.min_speech_frames(), 11);
        assert_eq!(p.trailing_silence_frames(), 35);
        assert_eq!(p.pre_roll_samples(), 2_400);
    }
}
