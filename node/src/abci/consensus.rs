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
use super::{App, ErrorCode, Finalized, Validated};
use crate::engine::Engine;
use crate::error::NodeError;
use crate::store::Store;
use blockchain::{AppliedBlock, Block, BlockHeader, BlockTx, BlockchainError};
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
        let engine = match self.engine.get() {
            Ok(engine) => {
                if self.lock().genesis.as_deref() != Some(genesis.to_bytes().as_slice()) {
                    return Err(NodeError::Invalid {
                        what: "InitChain",
                        reason: "the store holds a chain of another genesis".into(),
                    });
                }
                let height = engine.status().tip.height;
                if height != 1 {
                    return Err(NodeError::Invalid {
                        what: "InitChain",
                        reason: format!("the chain is at height {height}"),
                    });
                }
                engine
            }
            Err(_) => self.start(Store::create(&self.dir, &genesis)?)?,
        };
        tracing::info!(
            outputs = genesis.utxos.len(),
            "chain created from the app state"
        );
        Ok(response::InitChain {
            consensus_params: None,
            validators: Vec::new(),
            app_hash: app_hash(&engine.status().tip),
        })
    }

    /// Builds the block: the waiting transactions by fee rate, with proofs at the
    /// current forest, within CometBFT's byte limit, this app's and the weight limit.
    pub fn prepare_proposal(
        &self,
        req: request::PrepareProposal,
    ) -> Result<response::PrepareProposal, NodeError> {
        let started = Instant::now();
        let engine = self.engine.get()?;
        let tip = engine.status().tip;
        let height = expect_next(&tip, our_height(req.height))?;
        let time_ms = block_time_ms(req.time, &tip)?;
        let limit = usize::try_from(req.max_tx_bytes)
            .unwrap_or(0)
            .min(self.config.max_block_bytes);
        let (state, chosen) = engine.select(time_ms, limit, TX_OVERHEAD);
        let mut chosen: Vec<BlockTx> = chosen.into_iter().map(|(btx, _)| btx).collect();
        // Everything chosen was verified on admission: the cache answers for it. A
        // transaction that no longer applies (never expected) is left out.
        let applied = loop {
            match engine.check_derived(time_ms, &chosen) {
                Ok(applied) if applied.state.tip().prev == state.tip().id() => break applied,
                Ok(_) => return Err(tip_moved()),
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
        tracing::debug!(
            height,
            txs = txs.len(),
            took_ms = started.elapsed().as_secs_f64() * 1e3,
            "block proposed"
        );
        self.lock().validated = Some(Validated {
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
        let engine = self.engine.get()?;
        let tip = engine.status().tip;
        let height = expect_next(&tip, our_height(height))?;
        let time_ms = block_time_ms(time, &tip)?;
        let key = ProposalKey::new(height, time_ms, txs);
        if self.lock().validated.as_ref().is_some_and(|v| v.key == key) {
            return Ok(time_ms);
        }
        let block_txs = txs
            .iter()
            .enumerate()
            .map(|(i, tx)| BlockTx::from_bytes(tx).map_err(|e| e.in_tx(i)))
            .collect::<Result<Vec<_>, _>>()?;
        let started = Instant::now();
        let applied = engine.check_derived(time_ms, &block_txs)?;
        tracing::debug!(
            height,
            txs = block_txs.len(),
            took_ms = started.elapsed().as_secs_f64() * 1e3,
            "proposal validated"
        );
        if applied.state.tip().prev == tip.id() {
            self.lock().validated = Some(Validated {
                key,
                txs: block_txs,
                applied,
            });
        }
        Ok(time_ms)
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
        let engine = self.engine.get()?;
        let tip = engine.status().tip;
        let height = expect_next(&tip, our_height(req.height))?;
        let time_ms = block_time_ms(req.time, &tip)?;
        let key = ProposalKey::new(height, time_ms, &req.txs);
        let known = self.lock().validated.take().filter(|v| v.key == key);
        let (txs, applied, results) = match known {
            Some(v) => {
                let results = v.applied.txs.iter().map(|t| ok_result(&t.id)).collect();
                (v.txs, v.applied, results)
            }
            None => apply_decided(&engine, time_ms, &req.txs)?,
        };
        let hash = app_hash(applied.state.tip());
        block_event!(
            txs.len(),
            height = applied.state.tip().height,
            id = %applied.state.tip().id(),
            took_ms = started.elapsed().as_secs_f64() * 1e3,
            "block finalized"
        );
        self.lock().finalized = Some(Finalized {
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

    /// Makes the finalized block durable (one store write transaction), then moves
    /// the state on and brings the proofs of the waiting transactions to the new
    /// forest.
    pub fn commit(&self) -> Result<response::Commit, NodeError> {
        let engine = self.engine.get()?;
        let finalized = self.lock().finalized.take().ok_or(NodeError::Invalid {
            what: "Commit",
            reason: "no block was finalized".into(),
        })?;
        let block = Block {
            header: finalized.applied.state.tip().clone(),
            // CometBFT's commit stands in for a producer's signature.
            signature: no_signature(),
            txs: finalized.txs,
        };
        let started = Instant::now();
        let height = block.header.height;
        engine.commit(&block, finalized.applied, Some(finalized.took))?;
        tracing::debug!(
            height,
            took_ms = started.elapsed().as_secs_f64() * 1e3,
            "block committed"
        );
        self.lock().validated = None;
        Ok(response::Commit {
            data: Bytes::new(),
            retain_height: 0u32.into(),
        })
    }
}

/// Applies what is valid of a decided block: undecodable transactions and, one at a
/// time, the first transaction the rules refuse are left out.
#[allow(clippy::type_complexity)]
fn apply_decided(
    engine: &Engine,
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
        match engine.check_derived(time_ms, &block_txs) {
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

/// Checks that our `height` is the next block's after `tip`.
fn expect_next(tip: &BlockHeader, height: u64) -> Result<u64, NodeError> {
    let next = tip.height.saturating_add(1);
    if height != next {
        return Err(NodeError::Chain(BlockchainError::WrongHeight {
            expected: next,
            got: height,
        }));
    }
    Ok(height)
}

fn tip_moved() -> NodeError {
    NodeError::Diverged("the tip moved while the proposal was built".into())
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
