//! The error type of this crate.

use encoding::EncodingError;

/// What can go wrong with the accumulator or a proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UtreexoError {
    /// The proof was made against another generation than the one it is used with.
    #[error("proof is for generation {proof}, but the forest is at generation {forest}")]
    WrongGeneration {
        /// The proof's generation.
        proof: u64,
        /// The generation it was used with.
        forest: u64,
    },
    /// The proof's position lies past the items of the forest's trees.
    #[error("position {position} is out of range: the trees hold {count} items")]
    PositionOutOfRange {
        /// The proof's position.
        position: u64,
        /// Items under the forest's roots.
        count: u64,
    },
    /// The proof does not have one neighbor per level of the item's tree.
    #[error("proof has {found} neighbors, the item's tree has {expected} levels")]
    PathLength {
        /// The height of the tree that holds the position.
        expected: usize,
        /// The number of neighbors in the proof.
        found: usize,
    },
    /// A neighbor differs from the node the forest already knows at that place.
    #[error("neighbor at level {level} differs from the forest's node")]
    NeighborMismatch {
        /// The level of the neighbor (0 for the leaf's sibling).
        level: usize,
    },
    /// Hashing the item up the proof does not reach the forest's node.
    #[error("the proof does not lead from the item to the forest")]
    RootMismatch,
    /// The item was already deleted in this generation.
    #[error("the item was already deleted")]
    AlreadyDeleted,
    /// A transient proof names an item that was not inserted in this generation.
    #[error("no item of this generation's insertions matches the transient proof")]
    NotInserted,
    /// A transient proof was checked against a normalized forest, which has none.
    #[error("a transient proof cannot be checked against a normalized forest")]
    TransientProof,
    /// The item is not in the normalized forest: it was deleted, or never inserted.
    #[error("the item is not in the forest: it was deleted or never inserted")]
    NotInForest,
    /// The working forest reached the limits of its indices.
    #[error("too many changes in one generation")]
    TooManyChanges,
    /// A proof's encoding starts with an unknown kind byte.
    #[error("unknown proof kind {0}")]
    UnknownProofKind(u8),
    /// A proof or forest encoding is malformed.
    #[error("malformed encoding: {0}")]
    Encoding(#[from] EncodingError),
}

impl From<merkle::MerkleError> for UtreexoError {
    fn from(e: merkle::MerkleError) -> Self {
        match e {
            merkle::MerkleError::Encoding(e) => UtreexoError::Encoding(e),
            merkle::MerkleError::RootMismatch | merkle::MerkleError::IndexOutOfRange { .. } => {
                UtreexoError::RootMismatch
            }
        }
    }
}
