//! Running a block's transactions on all cores with one batch of point checks.
//!
//! Each transaction runs into a batch of its own, on rayon's threads; the block's
//! proofs and signatures are then checked by one multiscalar multiplication over the
//! union of those batches. When that check fails, the batches are bisected to name the
//! first transaction at fault, without running any VM again. The VM error reported is
//! always that of the first failing transaction in block order.

use crate::block::BlockTx;
use crate::errors::BlockchainError;
use crate::vm::TxVerifier;
use batch::{BatchVerifier, Generators};
use rand_core::OsRng;
use rayon::prelude::*;
use zkvm::VerifiedTx;

/// The batch one transaction's statements collect in.
pub(crate) type Batch<'g> = BatchVerifier<'g, OsRng>;

/// Executes every transaction of `txs`, in parallel, deferring each one's point
/// checks into a batch of its own. Fails with the first transaction (in order) the VM
/// refuses.
pub(crate) fn execute<'g, V: TxVerifier>(
    vm: &V,
    gens: &'g Generators,
    txs: &[BlockTx],
) -> Result<(Vec<VerifiedTx>, Vec<Batch<'g>>), BlockchainError> {
    let runs: Vec<_> = txs
        .par_iter()
        .map(|btx| {
            let mut batch = BatchVerifier::new(gens, OsRng);
            let tx = vm.verify_tx(&btx.tx, &mut batch)?;
            Ok((tx, batch))
        })
        .collect();
    let mut verified = Vec::with_capacity(txs.len());
    let mut batches = Vec::with_capacity(txs.len());
    for (index, run) in runs.into_iter().enumerate() {
        let (tx, batch) = run.map_err(|e| BlockchainError::TxInvalid(e).in_tx(index))?;
        verified.push(tx);
        batches.push(batch);
    }
    Ok((verified, batches))
}

/// Checks the transactions' batches together; when that fails, names the first
/// transaction whose own batch fails.
pub(crate) fn check_batches(batches: &[Batch<'_>]) -> Result<(), BlockchainError> {
    BatchVerifier::verify_blaming(batches)
        .map_err(|blame| BlockchainError::TxProofInvalid.in_tx(blame.index))
}
