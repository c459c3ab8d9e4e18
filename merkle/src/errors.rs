//! The error type of this crate.

use encoding::EncodingError;

/// What can go wrong with a Merkle tree or path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// A path was asked for an item the list does not have.
    #[error("item index {index} is out of range for a list of {len} items")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// The length of the list.
        len: usize,
    },
    /// A path does not lead from the item to the expected root.
    #[error("the path does not lead from the item to the root")]
    RootMismatch,
    /// A path's encoding is malformed.
    #[error("malformed path encoding: {0}")]
    Encoding(#[from] EncodingError),
}
