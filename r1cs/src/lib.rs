//! Rank-1 constraint systems and their Bulletproofs prover and verifier.
//!
//! Gadgets are written once against [`ConstraintSystem`] (and, when they need
//! challenges, [`RandomizableConstraintSystem`]) and run unchanged in the prover,
//! which knows every assignment, and in the verifier, which knows none. Proofs are
//! byte-compatible with the R1CS protocol of the dalek `bulletproofs` crate.
//!
//! The protocol is written out in `spec/r1cs.md`.
//!
//! ```
//! use curve25519_dalek::scalar::Scalar;
//! use merlin::Transcript;
//! use r1cs::{ConstraintSystem, Generators, Prover, R1csProof, Verifier};
//!
//! // A gadget: the committed values multiply to the third one.
//! fn product<CS: ConstraintSystem>(cs: &mut CS, v: &[r1cs::Variable]) {
//!     let (_, _, o) = cs.multiply(v[0].into(), v[1].into());
//!     cs.constrain(o - v[2]);
//! }
//!
//! let gens = Generators::new(8);
//! let mut rng = rand::thread_rng();
//!
//! let mut transcript = Transcript::new(b"example");
//! let mut prover = Prover::new(&gens, &mut transcript);
//! let (points, vars): (Vec<_>, Vec<_>) = [3u64, 5, 15]
//!     .iter()
//!     .map(|x| prover.commit(Scalar::from(*x), encoding::random_scalar(&mut rng)))
//!     .unzip();
//! product(&mut prover, &vars);
//! let bytes = prover.prove(&mut rng)?.to_bytes();
//!
//! let mut transcript = Transcript::new(b"example");
//! let mut verifier = Verifier::new(&mut transcript);
//! let vars: Vec<_> = points.iter().map(|p| verifier.commit(*p)).collect();
//! product(&mut verifier, &vars);
//! verifier.verify(&R1csProof::from_bytes(&bytes)?, &gens)?;
//! # Ok::<(), r1cs::R1csError>(())
//! ```
#![deny(missing_docs)]

mod constraint_system;
mod errors;
mod inner_product;
mod linear_combination;
mod proof;
mod proof_point;
mod prover;
mod transcript;
mod verifier;
mod weights;

pub use constraint_system::{
    ConstraintSystem, Metrics, RandomizableConstraintSystem, RandomizedConstraintSystem,
    Randomizing,
};
pub use errors::R1csError;
pub use linear_combination::{LinearCombination, Variable};
pub use proof::R1csProof;
pub use prover::{Prover, RandomizingProver};
pub use verifier::{RandomizingVerifier, Verifier};

/// The generators proofs are made over (re-exported from `batch`).
pub use batch::Generators;
