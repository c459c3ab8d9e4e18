//! Rank-1 constraint systems and their Bulletproofs prover and verifier.
//!
//! Gadgets are written once against [`ConstraintSystem`] (and, when they need
//! challenges, [`RandomizableConstraintSystem`]) and run unchanged in the prover,
//! which knows every assignment, and in the verifier, which knows none. Proofs are
//! byte-compatible with the R1CS protocol of the dalek `bulletproofs` crate.
//!
//! The protocol is written out in `spec/r1cs.md`.
#![deny(missing_docs)]

mod constraint_system;
mod errors;
mod field;
mod inner_product;
mod linear_combination;
mod parallel;
mod proof;
mod proof_point;
mod prover;
mod transcript;
mod verifier;
mod weights;

pub use constraint_system::{
    ConstraintSystem, Metrics, RandomizableConstraintSystem, RandomizedConstraintSystem,
};
pub use errors::R1csError;
pub use linear_combination::{LinearCombination, Variable};
pub use proof::R1csProof;
pub use prover::{Prover, RandomizingProver};
pub use verifier::{RandomizingVerifier, Verifier};

/// The generators proofs are made over (re-exported from `batch`).
pub use batch::Generators;
