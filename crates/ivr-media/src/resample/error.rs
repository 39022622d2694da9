//! Why a resampler could not be made or run.

use std::fmt;

/// A conversion rubato cannot do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResampleError {
    /// A rate below 1 kHz or above 384 kHz.
    InvalidRate {
        /// Input rate asked for.
        from_hz: u32,
        /// Output rate asked for.
        to_hz: u32,
    },
    /// rubato refused; the text is its own.
    Rubato {
        /// What rubato said.
        detail: String,
    },
}

impl fmt::Display for ResampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResampleError::InvalidRate { from_hz, to_hz } => write!(
                f,
                "cannot resample {from_hz} Hz to {to_hz} Hz; both rates must be 1 kHz to 384 kHz"
            ),
            ResampleError::Rubato { detail } => write!(f, "resampling failed: {detail}"),
        }
    }
}

impl std::error::Error for ResampleError {}
