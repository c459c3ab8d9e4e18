//! The chain state and block application.
//!
//! The state is the initial header, the tip header, the normalized Utreexo forest of
//! unspent outputs, and the producer's key. Applying a block never changes the state
//! it is called on: it returns the next state, so a rejected block leaves everything
//! as it was.

use crate::block::{txroot, Block, BlockTx};
use crate::errors::BlockchainError;
use crate::execution::{check_batches, execute};
use crate::header::BlockHeader;
use crate::validation::{check_block_bytes, check_header, check_tx_header, verify_block_signature};
use crate::vm::TxVerifier;
use batch::Generators;
use musig::VerificationKey;
use rayon::prelude::*;
use utreexo::{Catchup, Forest, Proof, WorkForest};
use zkvm::{ContractId, TxEntry, TxLog, VerifiedTx};

/// What a node knows of the chain.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainState {
    initial: BlockHeader,
    tip: BlockHeader,
    forest: Forest,
    producer: VerificationKey,
}

/// The outcome of a valid block: the next state and what changed.
#[derive(Clone, Debug)]
pub struct AppliedBlock {
    /// The state after the block.
    pub state: ChainState,
    /// Moves Utreexo proofs of the previous state onto the new one.
    pub catchup: Catchup,
    /// The block's transactions as verified, in block order.
    pub txs: Vec<VerifiedTx>,
}

impl ChainState {
    /// Starts a network: the initial header at `timestamp_ms` commits to a forest of
    /// `utxos` (inserted in order, then normalized). Returns the state and each
    /// initial output's Utreexo proof, in the order of `utxos`.
    pub fn start(
        timestamp_ms: u64,
        utxos: &[ContractId],
        producer: VerificationKey,
    ) -> Result<(ChainState, Vec<Proof>), BlockchainError> {
        let mut work = Forest::new().work();
        for id in utxos {
            work.insert(id)
                .map_err(|error| BlockchainError::Insert { output: *id, error })?;
        }
        let (forest, catchup) = work.normalize();
        let proofs = utxos
            .iter()
            .map(|id| {
                catchup
                    .update_proof(id, &Proof::Transient)
                    .map_err(|error| BlockchainError::Insert { output: *id, error })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let initial = BlockHeader::initial(timestamp_ms, forest.root());
        let state = ChainState {
            tip: initial.clone(),
            initial,
            forest,
            producer,
        };
        Ok((state, proofs))
    }

    /// A state obtained from a trusted source (a store, another node). The forest is
    /// checked against the tip's UTXO root.
    pub fn from_parts(
        initial: BlockHeader,
        tip: BlockHeader,
        forest: Forest,
        producer: VerificationKey,
    ) -> Result<ChainState, BlockchainError> {
        let computed = forest.root();
        if computed != tip.utxoroot {
            return Err(BlockchainError::UtxoRootMismatch {
                header: tip.utxoroot,
                computed,
            });
        }
        Ok(ChainState {
            initial,
            tip,
            forest,
            producer,
        })
    }

    /// The header of height 1.
    pub fn initial(&self) -> &BlockHeader {
        &self.initial
    }

    /// The latest header.
    pub fn tip(&self) -> &BlockHeader {
        &self.tip
    }

    /// The Utreexo forest of unspent outputs after the tip.
    pub fn forest(&self) -> &Forest {
        &self.forest
    }

    /// The key whose signature every block needs.
    pub fn producer(&self) -> &VerificationKey {
        &self.producer
    }

    /// Validates `block` against this state and returns the state after it: the
    /// producer's signature over the block ID first, then
    /// [`ChainState::apply_contents`].
    pub fn apply_block<V: TxVerifier>(
        &self,
        block: &Block,
        gens: &Generators,
        vm: &V,
    ) -> Result<AppliedBlock, BlockchainError> {
        verify_block_signature(&block.header, &block.signature, &self.producer)?;
        self.apply_contents(&block.header, &block.txs, gens, vm)
    }

    /// The consensus rules on a header and its transactions, without the producer's
    /// signature (which only a devnet needs). Returns the state after them.
    ///
    /// Cheap checks come first: the header rules, each transaction's time bounds and
    /// version, the transaction root. Then the transactions run on all cores with
    /// their point checks deferred, their logs update the forest (inputs deleted with
    /// their proofs, outputs inserted, in log order, transaction after transaction),
    /// the forest is normalized and its root compared with the header's. Last, one
    /// multiscalar multiplication checks every proof and signature of the block.
    pub fn apply_contents<V: TxVerifier>(
        &self,
        header: &BlockHeader,
        txs: &[BlockTx],
        gens: &Generators,
        vm: &V,
    ) -> Result<AppliedBlock, BlockchainError> {
        check_header(header, &self.tip)?;
        for (index, btx) in txs.iter().enumerate() {
            check_tx_header(&btx.tx.header, header.timestamp_ms, header.version)
                .map_err(|e| e.in_tx(index))?;
        }
        check_txroot(header, txs)?;
        check_block_bytes(txs)?;
        let (verified, batches) = execute(vm, gens, txs)?;
        let (forest, catchup) = self.apply_logs(txs, &verified)?;
        check_utxoroot(header, &forest)?;
        check_batches(&batches)?;
        Ok(AppliedBlock {
            state: self.successor(header.clone(), forest),
            catchup,
            txs: verified,
        })
    }

    /// Validates `txs` as the block after this state at `timestamp_ms` when the
    /// header is derived, not given (under an external consensus that orders and
    /// signs the blocks): the tip's version, height one more, the tip's ID as the
    /// previous ID, the root of the witness hashes of `txs` and the UTXO root the
    /// transactions leave. Every other rule of [`ChainState::apply_contents`] holds,
    /// in the same order, with one batch for the block's proofs and signatures.
    pub fn apply_derived<V: TxVerifier>(
        &self,
        timestamp_ms: u64,
        txs: &[BlockTx],
        gens: &Generators,
        vm: &V,
    ) -> Result<AppliedBlock, BlockchainError> {
        let mut header = BlockHeader {
            version: self.tip.version,
            height: self.tip.height.saturating_add(1),
            prev: self.tip.id(),
            timestamp_ms,
            txroot: txroot(&[]),
            utxoroot: self.forest.root(),
            ext: Vec::new(),
        };
        check_header(&header, &self.tip)?;
        for (index, btx) in txs.iter().enumerate() {
            check_tx_header(&btx.tx.header, timestamp_ms, header.version)
                .map_err(|e| e.in_tx(index))?;
        }
        check_block_bytes(txs)?;
        let hashes: Vec<_> = txs.par_iter().map(BlockTx::witness_hash).collect();
        header.txroot = txroot(&hashes);
        let (verified, batches) = execute(vm, gens, txs)?;
        let (forest, catchup) = self.apply_logs(txs, &verified)?;
        header.utxoroot = forest.root();
        check_batches(&batches)?;
        Ok(AppliedBlock {
            state: self.successor(header, forest),
            catchup,
            txs: verified,
        })
    }

    /// Replaces this state with the one after `block`; on error nothing changes.
    pub fn apply<V: TxVerifier>(
        &mut self,
        block: &Block,
        gens: &Generators,
        vm: &V,
    ) -> Result<AppliedBlock, BlockchainError> {
        let applied = self.apply_block(block, gens, vm)?;
        *self = applied.state.clone();
        Ok(applied)
    }

    /// Applies verified logs, with their proofs, to this state's forest and normalizes.
    pub(crate) fn apply_logs(
        &self,
        block_txs: &[BlockTx],
        verified: &[VerifiedTx],
    ) -> Result<(Forest, Catchup), BlockchainError> {
        let mut work = self.forest.work();
        for (index, (btx, tx)) in block_txs.iter().zip(verified).enumerate() {
            apply_log(&mut work, &tx.log, &btx.proofs).map_err(|e| e.in_tx(index))?;
        }
        Ok(work.normalize())
    }

    /// The state after a block with `header` that left `forest`.
    pub(crate) fn successor(&self, header: BlockHeader, forest: Forest) -> ChainState {
        ChainState {
            initial: self.initial.clone(),
            tip: header,
            forest,
            producer: self.producer,
        }
    }
}

/// Applies one transaction's log to `work`: each input is deleted with the next
/// proof, each output inserted, in log order. All or nothing: on error the forest is
/// as before.
pub fn apply_log(
    work: &mut WorkForest,
    log: &TxLog,
    proofs: &[Proof],
) -> Result<(), BlockchainError> {
    let inputs = log.inputs().count();
    if inputs != proofs.len() {
        return Err(BlockchainError::ProofCount {
            inputs,
            proofs: proofs.len(),
        });
    }
    work.batch(|work| {
        let mut proofs = proofs.iter();
        for entry in log.iter() {
            match entry {
                TxEntry::Input(id) => {
                    // The count was checked above, so a proof is always there.
                    let proof = proofs.next().unwrap_or(&Proof::Transient);
                    work.delete(id, proof)
                        .map_err(|error| BlockchainError::Spend { input: *id, error })?;
                }
                TxEntry::Output(contract) => {
                    let id = contract.id();
                    work.insert(&id)
                        .map_err(|error| BlockchainError::Insert { output: id, error })?;
                }
                _ => {}
            }
        }
        Ok(())
    })
}

/// Compares the header's transaction root with the root of the witness hashes of
/// `txs` (computed in parallel).
fn check_txroot(header: &BlockHeader, txs: &[BlockTx]) -> Result<(), BlockchainError> {
    let hashes: Vec<_> = txs.par_iter().map(BlockTx::witness_hash).collect();
    let computed = txroot(&hashes);
    if computed != header.txroot {
        return Err(BlockchainError::TxRootMismatch {
            header: header.txroot,
            computed,
        });
    }
    Ok(())
}

/// Compares the header's UTXO root with the normalized forest's root.
fn check_utxoroot(header: &BlockHeader, forest: &Forest) -> Result<(), BlockchainError> {
    let computed = forest.root();
    if computed != header.utxoroot {
        return Err(BlockchainError::UtxoRootMismatch {
            header: header.utxoroot,
            computed,
        });
    }
    Ok(())
}
