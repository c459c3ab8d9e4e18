//! Blocks, chain state and mempool of the ZkVM chain.
//!
//! The modules follow the sections of `spec/blockchain.md`:
//!
//! - [`header`]: block headers, their encoding and IDs;
//! - [`block`]: block transactions (a transaction and the Utreexo proofs of its
//!   inputs), witness hashes, the transaction root, blocks;
//! - [`validation`]: the rules on a header, the producer's block signature, the rules
//!   on the transactions' headers;
//! - [`state`]: the chain state, starting a network, applying a block;
//! - `execution`: running a block's transactions on all cores with one batch of
//!   point checks;
//! - [`cache`]: transactions already verified, so blocks need not check them again;
//! - [`producer`]: block production by a single trusted producer;
//! - [`mempool`]: pending transactions ordered by fee rate;
//! - [`vm`]: what the chain needs from ZkVM.
#![deny(missing_docs)]

pub mod block;
pub mod cache;
mod errors;
mod execution;
pub mod header;
pub mod mempool;
pub mod producer;
pub mod state;
pub mod validation;
pub mod vm;

pub use block::{leading_tx, txroot, Block, BlockTx, WitnessHash, TXROOT_LABEL};
pub use cache::{CacheKey, CachingVerifier, VerificationCache};
pub use errors::BlockchainError;
pub use header::{BlockHeader, BlockId, CURRENT_VERSION};
pub use mempool::{Admitted, Checked, Dropped, Mempool, MempoolEntry};
pub use producer::Producer;
pub use state::{apply_log, AppliedBlock, ChainState};
pub use validation::{
    check_block_bytes, check_block_weight, check_header, check_tx_header, sign_block,
    verify_block_signature, MAX_BLOCK_WEIGHT,
};
pub use vm::{TxVerifier, ZkVm};
