//! Merkle trees in the RFC 6962 shape whose hash function is a Merlin transcript.
//!
//! A tree over `n` items splits at `k`, the largest power of two below `n`: the left
//! subtree holds the first `k` items, the right one the rest. Every hash (of a leaf,
//! of an inner node, of the empty list) is a 32-byte challenge drawn from a copy of a
//! transcript made once from a protocol label, so one [`Hasher`] serves the VM's
//! transaction IDs, Taproot, Utreexo and block transaction roots alike.
//!
//! - [`hash`]: the [`struct@Hash`] newtype.
//! - [`hasher`]: the [`MerkleItem`] trait and the [`Hasher`] (leaf, node, empty).
//! - [`tree`]: the root of a list and the incremental [`RootBuilder`].
//! - [`path`]: inclusion [`Path`]s, their verification and their encoding.
#![deny(missing_docs)]

pub mod errors;
pub mod hash;
pub mod hasher;
pub mod path;
pub mod tree;

pub use errors::MerkleError;
pub use hash::Hash;
pub use hasher::{Hasher, MerkleItem};
pub use path::{Directions, Path, Side};
pub use tree::{root, RootBuilder};
