//! The consensus connection: `InitChain`, `PrepareProposal`, `ProcessProposal`,
//! `FinalizeBlock` and `Commit`.
//!
//! A proposal is validated completely by [`ChainState::apply_derived`] (every rule,
//! every proof and signature in one batch), through the mempool's verification cache
//! so transactions this instance admitted are not verified twice. The outcome is
//! kept under the proposal's [`ProposalKey`]: a `FinalizeBlock` of the same block
//! reuses it. `FinalizeBlock` keeps the next state in memory; `Commit` writes it in
//! one store transaction and only then moves the state and the mempool on.

use super::app_state::AppState;
use super::mapping::{app_hash, block_time_ms, our_height, ProposalKey};
use super::{App, ErrorCode, Finalized, Node, Validated};
use crate::error::NodeError;
use crate::store::Store;
use blockchain::{
    check_tx_header, AppliedBlock, Block, BlockTx, BlockchainError, CachingVerifier, ChainState,
    Mempool, VerificationCache, ZkVm, MAX_BLOCK_WEIGHT,
};
use bytes::Bytes;
use musig::Signature;
use std::time::Instant;
use tendermint::abci::types::ExecTxResult;
use tendermint::abci::{request, response, Event, EventAttributeIndexExt};
use tendermint::v0_38::abci::{ConsensusRequest, ConsensusResponse};

/// Bytes CometBFT counts per transaction beyond its own (protobuf tag and length).
const TX_OVERHEAD: usize = 8;

impl App {
    /// Answers a request of the consensus connection.
    pub fn consensus(&self, req: ConsensusRequest) -> Result<ConsensusResponse, NodeError> {
        Ok(match req {
            ConsensusRequest::InitChain(r) => ConsensusResponse::InitChain(self.init_chain(r)?),
            ConsensusRequest::PrepareProposal(r) => {
                ConsensusResponse::PrepareProposal(self.prepare_proposal(r)?)
            }
            ConsensusRequest::ProcessProposal(r) => {
                ConsensusResponse::ProcessProposal(self.process_proposal(r))
            }
            ConsensusRequest::ExtendVote(_) => {
                ConsensusResponse::ExtendVote(response::ExtendVote {
                    vote_extension: Bytes::new(),
                })
            }
            ConsensusRequest::VerifyVoteExtension(_) => {
                ConsensusResponse::VerifyVoteExtension(response::VerifyVoteExtension::Accept)
            }
            ConsensusRequest::FinalizeBlock(r) => {
                ConsensusResponse::FinalizeBlock(self.finalize_block(r)?)
            }
            ConsensusRequest::Commit => ConsensusResponse::Commit(self.commit()?),
        })
    }

    /// Creates the chain from the app state of CometBFT's genesis. Called again
    /// with the same genesis before the first block (a handshake after a crash), it
    /// answers the same.
    pub fn init_chain(&self, req: request::InitChain) -> Result<response::InitChain, NodeError> {
        if req.initial_height.value() != 1 {
            return Err(NodeError::Invalid {
                what: "initial height",
                reason: format!("{} (only 1 is supported)", req.initial_height),
            });
        }
        let genesis = AppState::from_json(&req.app_state_bytes)?;
        let mut inner = self.lock();
        if let Some(node) = &inner.node {
            if node.genesis != genesis.to_bytes() {
                return Err(NodeError::Invalid {
                    what: "InitChain",
                    reason: "the store holds a chain of another genesis".into(),
                });
            }
            if node.state.tip().height != 1 {
                return Err(NodeError::Invalid {
                    what: "InitChain",
                    reason: format!("the chain is at height {}", node.state.tip().height),
                });
            }
        } else {
            let store = Store::create(&self.dir, &genesis)?;
            inner.node = Some(Node::new(store, &self.config)?);
        }
        let node = inner.node()?;
        tracing::info!(
            outputs = genesis.utxos.len(),
            "chain created from the app state"
        );
        Ok(response::InitChain {
            consensus_params: None,
            validators: Vec::new(),
            app_hash: app_hash(node.state.tip()),
        })
    }

    /// Builds the block: the waiting transactions by fee rate, with proofs at the
    /// current forest, within CometBFT's byte limit, this app's and the weight limit.
    pub fn prepare_proposal(
        &self,
        req: request::PrepareProposal,
    ) -> Result<response::PrepareProposal, NodeError> {
        let mut inner = self.lock();
        let node = inner.node_mut()?;
        let height = node.expect_next(our_height(req.height))?;
        let time_ms = block_time_ms(req.time, node.state.tip())?;
        let limit = usize::try_from(req.max_tx_bytes)
            .unwrap_or(0)
            .min(self.config.max_block_bytes);
        let mut chosen = node.select(time_ms, limit);
        let cache = node.mempool.cache().clone();
        // Everything chosen was verified on admission: the cache answers for it. A
        // transaction that no longer applies (never expected) is left out.
        let applied = loop {
            match apply(&node.state, &cache, time_ms, &chosen, &self.gens) {
                Ok(applied) => break applied,
                Err(BlockchainError::InTx { index, error }) if index < chosen.len() => {
                    tracing::warn!(%error, "a waiting transaction does not apply; left out");
                    chosen.remove(index);
                }
                // Even an empty block does not apply: nothing to propose.
                Err(e) if chosen.is_empty() => return Err(e.into()),
                Err(e) => {
                    tracing::warn!(error = %e, "the waiting transactions do not apply; empty block");
                    chosen.clear();
                }
            }
        };
        let txs: Vec<Bytes> = chosen.iter().map(|t| Bytes::from(t.to_bytes())).collect();
        node.validated = Some(Validated {
            key: ProposalKey::new(height, time_ms, &txs),
            txs: chosen,
            applied,
        });
        Ok(response::PrepareProposal { txs })
    }

    /// Accepts a proposal only if it is a valid block after the tip.
    pub fn process_proposal(&self, req: request::ProcessProposal) -> response::ProcessProposal {
        match self.validate(req.height, req.time, &req.txs) {
            Ok(_) => response::ProcessProposal::Accept,
            Err(e) => {
                tracing::warn!(height = %req.height, error = %e, "proposal rejected");
                response::ProcessProposal::Reject
            }
        }
    }

    /// Validates the block of `txs` at CometBFT's `height` and `time`, unless it is
    /// the one last validated; keeps the outcome. Returns our time of the block.
    fn validate(
        &self,
        height: tendermint::block::Height,
        time: tendermint::Time,
        txs: &[Bytes],
    ) -> Result<u64, NodeError> {
        let (state, cache, key) = {
            let inner = self.lock();
            let node = inner.node()?;
            let height = node.expect_next(our_height(height))?;
            let time_ms = block_time_ms(time, node.state.tip())?;
            let key = ProposalKey::new(height, time_ms, txs);
            if node.validated.as_ref().is_some_and(|v| v.key == key) {
                return Ok(time_ms);
            }
            (node.state.clone(), node.mempool.cache().clone(), key)
        };
        let block_txs = txs
            .iter()
            .enumerate()
            .map(|(i, tx)| BlockTx::from_bytes(tx).map_err(|e| e.in_tx(i)))
            .collect::<Result<Vec<_>, _>>()?;
        let applied = apply(&state, &cache, key.time_ms, &block_txs, &self.gens)?;
        let mut inner = self.lock();
        let node = inner.node_mut()?;
        if node.state.tip() == state.tip() {
            node.validated = Some(Validated {
                key,
                txs: block_txs,
                applied,
            });
        }
        Ok(key.time_ms)
    }

    /// Applies the decided block (in memory until `Commit`), returning a result per
    /// transaction and the app hash. A block this instance built or validated is not
    /// validated again. A decided block with invalid transactions (only a Byzantine
    /// majority can decide one) is applied without them, each reported with its code.
    pub fn finalize_block(
        &self,
        req: request::FinalizeBlock,
    ) -> Result<response::FinalizeBlock, NodeError> {
        let started = Instant::now();
        let (state, cache, key, known) = {
            let mut inner = self.lock();
            let node = inner.node_mut()?;
            let height = node.expect_next(our_height(req.height))?;
            let time_ms = block_time_ms(req.time, node.state.tip())?;
            let key = ProposalKey::new(height, time_ms, &req.txs);
            let known = node.validated.take().filter(|v| v.key == key);
            (node.state.clone(), node.mempool.cache().clone(), key, known)
        };
        let (txs, applied, results) = match known {
            Some(v) => {
                let results = v.applied.txs.iter().map(|t| ok_result(&t.id)).collect();
                (v.txs, v.applied, results)
            }
            None => self.apply_decided(&state, &cache, key.time_ms, &req.txs)?,
        };
        let hash = app_hash(applied.state.tip());
        tracing::info!(
            height = applied.state.tip().height,
            txs = txs.len(),
            id = %applied.state.tip().id(),
            "block finalized"
        );
        let mut inner = self.lock();
        inner.node_mut()?.finalized = Some(Finalized {
            txs,
            applied,
            took: started.elapsed(),
        });
        Ok(response::FinalizeBlock {
            events: Vec::new(),
            tx_results: results,
            validator_updates: Vec::new(),
            consensus_param_updates: None,
            app_hash: hash,
        })
    }

    /// Applies what is valid of a decided block: undecodable transactions and, one
    /// at a time, the first transaction the rules refuse are left out.
    fn apply_decided(
        &self,
        state: &ChainState,
        cache: &VerificationCache,
        time_ms: u64,
        txs: &[Bytes],
    ) -> Result<(Vec<BlockTx>, AppliedBlock, Vec<ExecTxResult>), NodeError> {
        let mut results: Vec<Option<ExecTxResult>> = vec![None; txs.len()];
        let mut kept: Vec<(usize, BlockTx)> = Vec::new();
        for (i, tx) in txs.iter().enumerate() {
            match BlockTx::from_bytes(tx) {
                Ok(btx) => kept.push((i, btx)),
                Err(e) => results[i] = Some(err_result(&NodeError::Chain(e))),
            }
        }
        loop {
            let block_txs: Vec<BlockTx> = kept.iter().map(|(_, t)| t.clone()).collect();
            match apply(state, cache, time_ms, &block_txs, &self.gens) {
                Ok(applied) => {
                    for ((i, _), tx) in kept.iter().zip(&applied.txs) {
                        results[*i] = Some(ok_result(&tx.id));
                    }
                    let results = results.into_iter().map(Option::unwrap_or_default).collect();
                    return Ok((block_txs, applied, results));
                }
                Err(BlockchainError::InTx { index, error }) if index < kept.len() => {
                    let (i, _) = kept.remove(index);
                    results[i] = Some(err_result(&NodeError::Chain(*error)));
                }
                // Even an empty block does not apply (never expected after the
                // height and time checks): the block cannot be finalized.
                Err(e) if kept.is_empty() => return Err(e.into()),
                Err(e) => {
                    for (i, _) in kept.drain(..) {
                        results[i] = Some(err_result(&NodeError::Chain(e.clone())));
                    }
                }
            }
        }
    }

    /// Makes the finalized block durable (one store write transaction), then moves
    /// the state on and brings the proofs of the waiting transactions to the new
    /// forest.
    pub fn commit(&self) -> Result<response::Commit, NodeError> {
        let mut inner = self.lock();
        let node = inner.node_mut()?;
        let Some(finalized) = node.finalized.take() else {
            return Err(NodeError::Invalid {
                what: "Commit",
                reason: "no block was finalized".into(),
            });
        };
        let block = Block {
            header: finalized.applied.state.tip().clone(),
            // CometBFT's commit stands in for a producer's signature.
            signature: no_signature(),
            txs: finalized.txs,
        };
        node.store
            .apply_block(&block, &finalized.applied, Some(finalized.took))?;
        let applied = finalized.applied;
        match node.mempool.apply_block(&applied) {
            Ok(dropped) => {
                for d in dropped {
                    tracing::debug!(id = %d.id, reason = %d.reason, "left the mempool");
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "mempool out of step; emptied");
                node.mempool = Mempool::with_cache(
                    &applied.state,
                    self.config.mempool_bytes,
                    node.mempool.cache().clone(),
                );
            }
        }
        node.state = applied.state;
        node.validated = None;
        node.remember_snapshot(self.config.snapshots);
        Ok(response::Commit {
            data: Bytes::new(),
            retain_height: 0u32.into(),
        })
    }
}

impl Node {
    /// Checks that our `height` is the next block's.
    pub(super) fn expect_next(&self, height: u64) -> Result<u64, NodeError> {
        let next = self.state.tip().height.saturating_add(1);
        if height != next {
            return Err(NodeError::Chain(BlockchainError::WrongHeight {
                expected: next,
                got: height,
            }));
        }
        Ok(height)
    }

    /// The waiting transactions a block at `time_ms` carries: highest fee rate first,
    /// those that fit `limit` bytes (with CometBFT's overhead) and the weight limit.
    fn select(&self, time_ms: u64, limit: usize) -> Vec<BlockTx> {
        let version = self.state.tip().version;
        let (mut bytes, mut weight) = (0usize, 0u64);
        let mut chosen = Vec::new();
        for entry in self.mempool.entries() {
            let size = entry.size() + TX_OVERHEAD;
            let fits = bytes.saturating_add(size) <= limit
                && weight.saturating_add(entry.verified().weight) <= MAX_BLOCK_WEIGHT;
            if fits && check_tx_header(&entry.block_tx().tx.header, time_ms, version).is_ok() {
                bytes += size;
                weight += entry.verified().weight;
                chosen.push(entry.block_tx().clone());
            }
        }
        chosen
    }
}

/// Validates `txs` as the block after `state` at `time_ms`, through `cache`.
fn apply(
    state: &ChainState,
    cache: &VerificationCache,
    time_ms: u64,
    txs: &[BlockTx],
    gens: &batch::Generators,
) -> Result<AppliedBlock, BlockchainError> {
    state.apply_derived(time_ms, txs, gens, &CachingVerifier::new(cache, ZkVm))
}

/// The signature field of blocks under CometBFT: all zero (never checked).
fn no_signature() -> Signature {
    Signature::from_bytes(&[0u8; Signature::BYTE_LEN]).expect("zero is a canonical scalar")
}

fn ok_result(id: &zkvm::TxId) -> ExecTxResult {
    ExecTxResult {
        data: Bytes::copy_from_slice(&id.0),
        events: vec![Event::new("zkvm", [("txid", id.to_string()).index()])],
        ..Default::default()
    }
}

fn err_result(error: &NodeError) -> ExecTxResult {
    ExecTxResult {
        code: ErrorCode::of(error).value().into(),
        log: error.to_string(),
        ..Default::default()
    }
}
