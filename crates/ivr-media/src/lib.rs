//! Telephone media: G.711, RTP, RFC 4733 telephone events, jitter buffer, resampling, WAV, prompt playback.
