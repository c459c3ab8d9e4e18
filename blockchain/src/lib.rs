//! Blocks, chain state and mempool of the ZkVM chain.
#![deny(missing_docs)]
