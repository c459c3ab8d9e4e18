//! The Cloak gadget: proof that M hidden values become N hidden values with every
//! flavor (asset type) balanced and every output quantity in `[0, 2^64)`, hiding
//! quantities, flavors and which output came from which input.
//!
//! Every gadget is written once against the `r1cs` traits, so the prover (which
//! passes assignments) and the verifier (which passes `None`) build the same
//! constraint system. The construction and its multiplier counts are written out in
//! `spec/cloak.md`.
#![deny(missing_docs)]

mod assignment;
mod cloak;
mod errors;
mod merge;
mod mix;
mod proof;
mod range_proof;
mod shuffle;
mod signed_integer;
mod value;

#[cfg(test)]
mod testing;

pub use crate::assignment::{combine_by_flavor, group_by_flavor};
pub use crate::cloak::cloak;
pub use crate::errors::CloakError;
pub use crate::merge::{merge, split};
pub use crate::mix::{k_mix, mix};
pub use crate::proof::CloakProof;
pub use crate::range_proof::{range_proof, BitRange};
pub use crate::shuffle::{padded_shuffle, scalar_shuffle, value_shuffle};
pub use crate::signed_integer::SignedInteger;
pub use crate::value::{AllocatedValue, CommittedValue, Value};
