//! The Utreexo accumulator: a forest of perfect Merkle trees.
#![deny(missing_docs)]
