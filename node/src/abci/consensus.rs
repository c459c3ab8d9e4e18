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
use super::bridge::{self, BridgeFiles, Bridged, Committed, Refusal, TallyEntry};
use super::mapping::{block_time_ms, our_height, ProposalKey};
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
                    vote_extension: self.extend_vote().into(),
                })
            }
            ConsensusRequest::VerifyVoteExtension(r) => {
                ConsensusResponse::VerifyVoteExtension(self.verify_vote_extension(&r))
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
        let (genesis, bridged) = AppState::parse(&req.app_state_bytes)?;
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
            Err(_) => {
                if let Some(b) = &bridged {
                    BridgeFiles::new(&self.dir).create(b, &Committed::genesis(b.state()?))?;
                }
                self.start(Store::create(&self.dir, &genesis)?)?
            }
        };
        tracing::info!(
            outputs = genesis.utxos.len(),
            "chain created from the app state"
        );
        Ok(response::InitChain {
            consensus_params: None,
            validators: Vec::new(),
            app_hash: self.app_hash(&engine.status().tip),
        })
    }

    /// Builds the block: on a bridged chain the tally of the last commit's vote
    /// extensions and the imports of the deposits they agree on, then the waiting
    /// transactions by fee rate, with proofs at the current forest, within
    /// CometBFT's byte limit, this app's and the weight limit.
    pub fn prepare_proposal(
        &self,
        req: request::PrepareProposal,
    ) -> Result<response::PrepareProposal, NodeError> {
        let started = Instant::now();
        let engine = self.engine.get()?;
        let tip = engine.status().tip;
        let height = expect_next(&tip, our_height(req.height))?;
        let time_ms = block_time_ms(req.time, &tip)?;
        let bridged = self.lock().bridge.clone();
        let (mut entry, mut imports) = match &bridged {
            Some(b) => self.tally(&engine, b, req.local_last_commit.as_ref()),
            None => (TallyEntry::default(), Vec::new()),
        };
        let extra: usize = imports
            .iter()
            .map(|t| t.to_bytes().len() + TX_OVERHEAD)
            .sum();
        let limit = usize::try_from(req.max_tx_bytes)
            .unwrap_or(0)
            .min(self.config.max_block_bytes)
            .saturating_sub(extra + entry.to_bytes().len() + TX_OVERHEAD);
        let (state, chosen) = engine.select(time_ms, limit, TX_OVERHEAD);
        let mut chosen: Vec<BlockTx> = chosen.into_iter().map(|(btx, _)| btx).collect();
        // Everything chosen was verified on admission: the cache answers for it. A
        // transaction that no longer applies (never expected) is left out; so is one
        // the bridge refuses (an export above what the chain holds).
        let (block, applied, next) = loop {
            let block: Vec<BlockTx> = imports.iter().chain(&chosen).cloned().collect();
            let failed = match check(&engine, bridged.as_ref(), time_ms, &entry, &block) {
                Checked::Valid(valid) => {
                    let (applied, next) = *valid;
                    if applied.state.tip().prev != state.tip().id() {
                        return Err(tip_moved());
                    }
                    break (block, applied, next);
                }
                Checked::Entry(e) => {
                    tracing::error!(error = %e, "the tally entry does not apply; left out");
                    entry = TallyEntry::default();
                    continue;
                }
                Checked::Tx(index, e) => (index, e),
                // Even an empty block does not apply: nothing to propose.
                Checked::Block(e) if block.is_empty() => return Err(e.into()),
                Checked::Block(e) => {
                    tracing::warn!(error = %e, "the waiting transactions do not apply; empty block");
                    chosen.clear();
                    imports.clear();
                    continue;
                }
            };
            let (index, error) = failed;
            if index < imports.len() {
                tracing::error!(%error, "an import does not apply; no imports in this block");
                imports.clear();
            } else {
                tracing::warn!(%error, "a waiting transaction does not apply; left out");
                chosen.remove(index - imports.len());
            }
        };
        let txs: Vec<Bytes> = (!entry.is_empty())
            .then(|| Bytes::from(entry.to_bytes()))
            .into_iter()
            .chain(block.iter().map(|t| Bytes::from(t.to_bytes())))
            .collect();
        tracing::debug!(
            height,
            txs = txs.len(),
            took_ms = started.elapsed().as_secs_f64() * 1e3,
            "block proposed"
        );
        self.lock().validated = Some(Validated {
            key: ProposalKey::new(height, time_ms, &txs),
            txs: block,
            applied,
            bridge: next,
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
        let bridged = self.lock().bridge.clone();
        let (entry, rest) = match &bridged {
            Some(_) => bridge::split_entry(txs)?,
            None => (TallyEntry::default(), txs),
        };
        let block_txs = rest
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
        let next = match &bridged {
            Some(b) => {
                let agreed = self.confirmed(bridge::imported_deposits(&applied.txs))?;
                Some(
                    b.apply(&entry, &block_txs, &applied.txs, &agreed)
                        .map_err(refused)?,
                )
            }
            None => None,
        };
        if applied.state.tip().prev == tip.id() {
            self.lock().validated = Some(Validated {
                key,
                txs: block_txs,
                applied,
                bridge: next,
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
        let bridged = self.lock().bridge.clone();
        let (txs, applied, mut next, results) = match known {
            Some(v) => {
                let entry = (req.txs.len() > v.applied.txs.len()).then(ExecTxResult::default);
                let results = entry
                    .into_iter()
                    .chain(v.applied.txs.iter().map(|t| ok_result(&t.id)))
                    .collect();
                (v.txs, v.applied, v.bridge, results)
            }
            None => apply_decided(&engine, bridged.as_ref(), time_ms, &req.txs)?,
        };
        let hash = App::app_hash_of(applied.state.tip(), next.as_ref());
        if let (Some(next), Some(b)) = (&mut next, &bridged) {
            next.close(applied.state.tip(), &hash, b.genesis.checkpoint_interval);
        }
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
            bridge: next,
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
        // The bridge's state of the height is on disk before the store moves to it,
        // so a restart always finds the state of the store's tip.
        if let Some(next) = &finalized.bridge {
            BridgeFiles::new(&self.dir).save(next)?;
        }
        let started = Instant::now();
        let height = block.header.height;
        engine.commit(&block, finalized.applied, Some(finalized.took))?;
        tracing::debug!(
            height,
            took_ms = started.elapsed().as_secs_f64() * 1e3,
            "block committed"
        );
        let mut inner = self.lock();
        if let (Some(b), Some(next)) = (&mut inner.bridge, finalized.bridge) {
            b.committed = next;
        }
        inner.validated = None;
        Ok(response::Commit {
            data: Bytes::new(),
            retain_height: 0u32.into(),
        })
    }
}

/// Applies what is valid of a decided block: undecodable transactions and, one at a
/// time, the first transaction the rules (the bridge's too) refuse are left out; a
/// tally entry the bridge refuses is ignored.
#[allow(clippy::type_complexity)]
fn apply_decided(
    engine: &Engine,
    bridged: Option<&Bridged>,
    time_ms: u64,
    txs: &[Bytes],
) -> Result<
    (
        Vec<BlockTx>,
        AppliedBlock,
        Option<Committed>,
        Vec<ExecTxResult>,
    ),
    NodeError,
> {
    let mut results: Vec<Option<ExecTxResult>> = vec![None; txs.len()];
    let (mut entry, rest) = match bridged {
        Some(_) => match bridge::split_entry(txs) {
            Ok((entry, rest)) => (entry, rest),
            Err(e) => {
                results[0] = Some(err_result(&e));
                (TallyEntry::default(), &txs[1..])
            }
        },
        None => (TallyEntry::default(), txs),
    };
    let offset = txs.len() - rest.len();
    let mut kept: Vec<(usize, BlockTx)> = Vec::new();
    for (i, tx) in rest.iter().enumerate() {
        match BlockTx::from_bytes(tx) {
            Ok(btx) => kept.push((i + offset, btx)),
            Err(e) => results[i + offset] = Some(err_result(&NodeError::Chain(e))),
        }
    }
    loop {
        let block_txs: Vec<BlockTx> = kept.iter().map(|(_, t)| t.clone()).collect();
        let failed = match check(engine, bridged, time_ms, &entry, &block_txs) {
            Checked::Valid(valid) => {
                let (applied, next) = *valid;
                for ((i, _), tx) in kept.iter().zip(&applied.txs) {
                    results[*i] = Some(ok_result(&tx.id));
                }
                let results = results.into_iter().map(Option::unwrap_or_default).collect();
                return Ok((block_txs, applied, next, results));
            }
            Checked::Entry(e) => {
                results[0] = Some(err_result(&e));
                entry = TallyEntry::default();
                continue;
            }
            Checked::Tx(index, e) => (index, e),
            // Even an empty block does not apply (never expected after the
            // height and time checks): the block cannot be finalized.
            Checked::Block(e) if kept.is_empty() => return Err(e.into()),
            Checked::Block(e) => {
                for (i, _) in kept.drain(..) {
                    results[i] = Some(err_result(&NodeError::Chain(e.clone())));
                }
                continue;
            }
        };
        let (index, error) = failed;
        let (i, _) = kept.remove(index);
        results[i] = Some(err_result(&error));
    }
}

/// What checking a block's transactions found.
enum Checked {
    /// A valid block: what it changes, and the bridge after it.
    Valid(Box<(AppliedBlock, Option<Committed>)>),
    /// The bridge refuses the tally entry.
    Entry(NodeError),
    /// The transaction at this index breaks a rule of the chain or the bridge.
    Tx(usize, NodeError),
    /// The block as a whole does not apply.
    Block(BlockchainError),
}

/// Checks `txs` after the tip at `time_ms`: the chain's rules, then (on a bridged
/// chain) the tally entry and the bridge's rule, the block's own imports agreed.
fn check(
    engine: &Engine,
    bridged: Option<&Bridged>,
    time_ms: u64,
    entry: &TallyEntry,
    txs: &[BlockTx],
) -> Checked {
    match engine.check_derived(time_ms, txs) {
        Ok(applied) => {
            let agreed = bridge::imported_deposits(&applied.txs);
            match bridged
                .map(|b| b.apply(entry, txs, &applied.txs, &agreed))
                .transpose()
            {
                Ok(next) => Checked::Valid(Box::new((applied, next))),
                Err(Refusal::Entry(e)) => Checked::Entry(e),
                Err(Refusal::Tx(index, e)) => Checked::Tx(index, e),
            }
        }
        Err(BlockchainError::InTx { index, error }) if index < txs.len() => {
            Checked::Tx(index, NodeError::Chain(*error))
        }
        Err(e) => Checked::Block(e),
    }
}

/// The error of a block the bridge refuses.
fn refused(refusal: Refusal) -> NodeError {
    match refusal {
        Refusal::Entry(e) => e,
        Refusal::Tx(index, e) => NodeError::Invalid {
            what: "bridge rule",
            reason: format!("transaction {index}: {e}"),
        },
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
