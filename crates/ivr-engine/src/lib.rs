//! A call session: media, speech and the flow interpreter wired together, sans-IO.
