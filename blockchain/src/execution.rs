//! Running a block's transactions on all cores with one batch of point checks.
//!
//! The transactions are cut into one run of consecutive transactions per thread of the
//! current rayon pool. Each run executes in order into its own [`BatchVerifier`]; the
//! runs' results are joined in block order and their batches merged, so the block's
//! proofs and signatures are checked by one multiscalar multiplication. The error
//! reported is always that of the first failing transaction in block order: a run
//! stops at its first failure, and runs are scanned in order.
//!
//! All runs add their transactions' weights to one shared total and stop as soon as
//! it passes [`MAX_BLOCK_WEIGHT`], so an overweight block costs at most that much work
//! (plus one transaction per thread) before it is refused. A block that breaks that
//! rule and another may report either.

use crate::block::BlockTx;
use crate::errors::BlockchainError;
use crate::validation::{check_block_weight, MAX_BLOCK_WEIGHT};
use crate::vm::TxVerifier;
use batch::{BatchVerifier, Generators};
use rand_core::OsRng;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use zkvm::VerifiedTx;

/// The batch a block's statements collect in.
pub(crate) type Batch<'g> = BatchVerifier<'g, OsRng>;

/// Executes every transaction of `txs`, in parallel, deferring point checks into the
/// returned batch. Fails with the first transaction (in order) the VM refuses.
pub(crate) fn execute<'g, V: TxVerifier>(
    vm: &V,
    gens: &'g Generators,
    txs: &[BlockTx],
) -> Result<(Vec<VerifiedTx>, Batch<'g>), BlockchainError> {
    let run_len = txs.len().div_ceil(rayon::current_num_threads()).max(1);
    let weight = AtomicU64::new(0);
    let runs: Vec<_> = txs
        .par_chunks(run_len)
        .enumerate()
        .map(|(run, chunk)| execute_run(vm, gens, run * run_len, chunk, &weight))
        .collect();
    let mut verified = Vec::with_capacity(txs.len());
    let mut batch = BatchVerifier::new(gens, OsRng);
    for run in runs {
        let (txs, run_batch) = run?;
        verified.extend(txs);
        batch.merge(run_batch);
    }
    Ok((verified, batch))
}

/// Executes consecutive transactions, the first at position `first` of the block,
/// adding their weights to the block's `weight`.
fn execute_run<'g, V: TxVerifier>(
    vm: &V,
    gens: &'g Generators,
    first: usize,
    txs: &[BlockTx],
    weight: &AtomicU64,
) -> Result<(Vec<VerifiedTx>, Batch<'g>), BlockchainError> {
    let mut batch = BatchVerifier::new(gens, OsRng);
    let mut verified = Vec::with_capacity(txs.len());
    for (offset, btx) in txs.iter().enumerate() {
        let tx = vm
            .verify_tx(&btx.tx, &mut batch)
            .map_err(|e| BlockchainError::TxInvalid(e).in_tx(first + offset))?;
        let added = tx.weight.min(MAX_BLOCK_WEIGHT + 1);
        check_block_weight(
            weight
                .fetch_add(added, Ordering::Relaxed)
                .saturating_add(added),
        )?;
        verified.push(tx);
    }
    Ok((verified, batch))
}

/// Checks a block's batch; when it fails, checks each transaction on its own (in
/// parallel) to name the first one at fault.
pub(crate) fn check_batch<V: TxVerifier>(
    batch: Batch<'_>,
    vm: &V,
    gens: &Generators,
    txs: &[BlockTx],
) -> Result<(), BlockchainError> {
    let Err(batch_error) = batch.verify() else {
        return Ok(());
    };
    let culprit = txs
        .par_iter()
        .position_first(|btx| verify_alone(vm, gens, btx).is_err());
    Err(match culprit {
        Some(index) => BlockchainError::TxProofInvalid.in_tx(index),
        None => BlockchainError::Batch(batch_error),
    })
}

/// Verifies one transaction completely, with a batch of its own.
pub(crate) fn verify_alone<V: TxVerifier>(
    vm: &V,
    gens: &Generators,
    btx: &BlockTx,
) -> Result<VerifiedTx, BlockchainError> {
    let mut batch = BatchVerifier::new(gens, OsRng);
    let tx = vm
        .verify_tx(&btx.tx, &mut batch)
        .map_err(BlockchainError::TxInvalid)?;
    batch
        .verify()
        .map_err(|_| BlockchainError::TxProofInvalid)?;
    Ok(tx)
}
