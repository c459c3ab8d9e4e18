//! The relayer.
