//! Deferred point checks.
//!
//! Signatures, the VM's point checks, R1CS proofs and whole blocks all end in
//! statements of one shape:
//!
//! ```text
//! 0 = a·B + b·B̃ + Σ gᵢ·Gᵢ + Σ hᵢ·Hᵢ + Σ sⱼ·Pⱼ
//! ```
//!
//! where `B`, `B̃` are the Pedersen bases, `Gᵢ`, `Hᵢ` the Bulletproofs generators of
//! one party, and `Pⱼ` any other points. A caller describes its statement to a
//! [`BatchVerification`] implementation and does not care whether it is checked at
//! once ([`SingleVerifier`]) or weighted and summed with many others into one
//! multiscalar multiplication ([`BatchVerifier`]).
//!
//! The design is written out in `spec/batch.md`.
#![deny(missing_docs)]

mod errors;
pub mod field;
mod generators;
pub mod msm;
mod verifier;

pub use errors::BatchError;
pub use generators::{Generators, PedersenGens};
pub use verifier::{BatchVerification, BatchVerifier, Blame, SingleVerifier, WeightedStatement};

/// Re-exported so that callers name the same types.
pub use curve25519_dalek::{ristretto::RistrettoPoint, scalar::Scalar};
