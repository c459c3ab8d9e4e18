//! The bridge between the ZkVM chain and an Ethereum L1.
#![deny(missing_docs)]
