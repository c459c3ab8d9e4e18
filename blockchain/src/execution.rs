//! Running a block's transactions on all cores with one batch of point checks.
//!
//! Each transaction runs into a batch of its own, on rayon's threads; the block's
//! proofs and signatures are then checked by one multiscalar multiplication over the
//! union of those batches. When that check fails, the batches are bisected to name the
//! first transaction at fault, without running any VM again. The VM error reported is
//! always that of the first failing transaction in block order.
//!
//! Every transaction adds its weight to one shared total, and no transaction starts
//! once the total has passed [`MAX_BLOCK_WEIGHT`], so an overweight block costs at most
//! that much work (plus one transaction per thread) before it is refused. A block that
//! breaks that rule and another may report either.

use crate::block::BlockTx;
use crate::errors::BlockchainError;
use crate::validation::{check_block_weight, MAX_BLOCK_WEIGHT};
use crate::vm::TxVerifier;
use batch::{BatchVerifier, Generators};
use rand_core::OsRng;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use zkvm::VerifiedTx;

/// The batch one transaction's statements collect in.
pub(crate) type Batch<'g> = BatchVerifier<'g, OsRng>;

/// Executes every transaction of `txs`, in parallel, deferring each one's point
/// checks into a batch of its own. Fails with the first transaction (in order) the VM
/// refuses, or when the block's weight passes its limit.
pub(crate) fn execute<'g, V: TxVerifier>(
    vm: &V,
    gens: &'g Generators,
    txs: &[BlockTx],
) -> Result<(Vec<VerifiedTx>, Vec<Batch<'g>>), BlockchainError> {
    let weight = AtomicU64::new(0);
    let runs: Vec<_> = txs
        .par_iter()
        .enumerate()
        .map(|(index, btx)| execute_one(vm, gens, index, btx, &weight))
        .collect();
    let mut verified = Vec::with_capacity(txs.len());
    let mut batches = Vec::with_capacity(txs.len());
    for run in runs {
        let (tx, batch) = run?;
        verified.push(tx);
        batches.push(batch);
    }
    Ok((verified, batches))
}

/// Executes the transaction at position `index`, adding its weight to the block's.
fn execute_one<'g, V: TxVerifier>(
    vm: &V,
    gens: &'g Generators,
    index: usize,
    btx: &BlockTx,
    weight: &AtomicU64,
) -> Result<(VerifiedTx, Batch<'g>), BlockchainError> {
    // Work stops once the block is known to be too heavy.
    check_block_weight(weight.load(Ordering::Relaxed))?;
    let mut batch = BatchVerifier::new(gens, OsRng);
    let tx = vm
        .verify_tx(&btx.tx, &mut batch)
        .map_err(|e| BlockchainError::TxInvalid(e).in_tx(index))?;
    let added = tx.weight.min(MAX_BLOCK_WEIGHT + 1);
    check_block_weight(
        weight
            .fetch_add(added, Ordering::Relaxed)
            .saturating_add(added),
    )?;
    Ok((tx, batch))
}

/// Checks the transactions' batches together; when that fails, names the first
/// transaction whose own batch fails.
pub(crate) fn check_batches(batches: &[Batch<'_>]) -> Result<(), BlockchainError> {
    BatchVerifier::verify_blaming(batches)
        .map_err(|blame| BlockchainError::TxProofInvalid.in_tx(blame.index))
}
