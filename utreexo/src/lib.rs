//! The Utreexo accumulator: the UTXO set as a forest of perfect Merkle trees.
//!
//! A normalized [`Forest`] holds only the roots of its perfect trees (largest first),
//! its item count and its generation. A block's changes go into a [`WorkForest`]:
//! items are inserted, and deleted with their [`Proof`]s; deleting an item fills in
//! the part of its tree that the proof reveals, so the work grows with the changes of
//! one generation, never with the size of the set. [`WorkForest::normalize`] prunes
//! what was deleted, packs the surviving subtrees and the new items into perfect trees
//! again, and returns the next [`Forest`] with a [`Catchup`] that moves any proof made
//! against the previous generation onto the new one.
//!
//! Every hash is a [`merkle`] hash under the label `ZkVM.utreexo` ([`LABEL`]).
//!
//! - [`forest`]: the normalized forest and its root.
//! - [`proof`]: proofs of membership and their v1 encoding.
//! - [`work`]: the working forest of one generation: insert, delete, verify, batches.
//! - [`normalize`]: packing a working forest into the next generation.
//! - [`catchup`]: moving proofs across a normalization.
#![deny(missing_docs)]

pub mod catchup;
pub mod errors;
pub mod forest;
pub mod normalize;
pub mod proof;
pub mod work;

mod shape;

pub use catchup::{Catchup, Relocation};
pub use errors::UtreexoError;
pub use forest::Forest;
pub use merkle::{Hash, Hasher, MerkleItem, Path};
pub use proof::{Proof, TrackedProof};
pub use work::{HashCounts, WorkForest};

/// The transcript label of every Utreexo hash.
pub const LABEL: &[u8] = b"ZkVM.utreexo";

/// A Merkle hasher under [`LABEL`].
pub fn hasher() -> Hasher {
    Hasher::new(LABEL)
}
