//! The ZkVM transaction VM, its prover, verifier and builders.
#![deny(missing_docs)]
