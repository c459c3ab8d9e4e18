//! The L1 client.
