//! Block production by a single trusted producer (a devnet). The producer signs each
//! block with [`sign_block`](crate::validation::sign_block); every node checks that
//! signature with the producer's key as part of block validation.

use crate::block::{txroot, Block, BlockTx};
use crate::errors::BlockchainError;
use crate::header::BlockHeader;
use crate::mempool::Mempool;
use crate::state::{AppliedBlock, ChainState};
use crate::validation::{check_tx_header, sign_block};
use musig::{SigningKey, VerificationKey};
use utreexo::Proof;
use zkvm::{ContractId, VerifiedTx};

/// The single trusted block producer of a devnet. Its key is wiped on drop.
pub struct Producer {
    key: SigningKey,
}

impl core::fmt::Debug for Producer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Producer")
            .field("key", &self.verification_key())
            .finish_non_exhaustive()
    }
}

impl Producer {
    /// A producer signing with `key`.
    pub fn new(key: SigningKey) -> Self {
        Producer { key }
    }

    /// The key every node checks blocks against.
    pub fn verification_key(&self) -> VerificationKey {
        self.key.verification_key()
    }

    /// Starts a network with this producer: see [`ChainState::start`].
    pub fn start_network(
        &self,
        timestamp_ms: u64,
        utxos: &[ContractId],
    ) -> Result<(ChainState, Vec<Proof>), BlockchainError> {
        ChainState::start(timestamp_ms, utxos, self.verification_key())
    }

    /// Builds the next block at `timestamp_ms` from the mempool's best transactions
    /// (highest fee rate first) whose encodings fit in `max_block_bytes`. The
    /// mempool must be at `state`'s tip.
    pub fn produce(
        &self,
        state: &ChainState,
        mempool: &Mempool,
        timestamp_ms: u64,
        max_block_bytes: usize,
    ) -> Result<(Block, AppliedBlock), BlockchainError> {
        if mempool.tip() != state.tip() {
            return Err(BlockchainError::MempoolOutOfStep {
                from: state.forest().generation(),
                at: mempool.generation(),
            });
        }
        let chosen = mempool
            .select(timestamp_ms, state.tip().version, max_block_bytes, 0)
            .into_iter()
            .map(|entry| (entry.block_tx().clone(), entry.verified().clone()))
            .collect();
        self.make_block(state, timestamp_ms, chosen)
    }

    /// Builds and signs the block after `state` holding `txs` in the given order,
    /// and the state after it.
    ///
    /// The transactions must come out of a verifier (as the mempool's do): their
    /// logs are trusted here, not re-executed. Their headers, their proofs against
    /// the forest and the order of their spends are checked, so the block applies.
    pub fn make_block(
        &self,
        state: &ChainState,
        timestamp_ms: u64,
        txs: Vec<(BlockTx, VerifiedTx)>,
    ) -> Result<(Block, AppliedBlock), BlockchainError> {
        let tip = state.tip();
        if timestamp_ms <= tip.timestamp_ms {
            return Err(BlockchainError::TimestampNotLater {
                previous: tip.timestamp_ms,
                got: timestamp_ms,
            });
        }
        for (index, (btx, _)) in txs.iter().enumerate() {
            check_tx_header(&btx.tx.header, timestamp_ms, tip.version)
                .map_err(|e| e.in_tx(index))?;
        }
        let (block_txs, verified): (Vec<BlockTx>, Vec<VerifiedTx>) = txs.into_iter().unzip();
        let (forest, catchup) = state.apply_logs(&block_txs, &verified)?;
        let hashes: Vec<_> = block_txs.iter().map(BlockTx::witness_hash).collect();
        let header = BlockHeader {
            version: tip.version,
            height: tip.height.saturating_add(1),
            prev: tip.id(),
            timestamp_ms,
            txroot: txroot(&hashes),
            utxoroot: forest.root(),
            ext: Vec::new(),
        };
        let block = Block {
            signature: sign_block(&header, &self.key),
            header: header.clone(),
            txs: block_txs,
        };
        let applied = AppliedBlock {
            state: state.successor(header, forest),
            catchup,
            txs: verified,
        };
        Ok((block, applied))
    }
}
