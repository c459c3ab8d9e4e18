//! The seam between the chain and the VM.
//!
//! The chain needs one thing from ZkVM: run a transaction, append every point check
//! (proof equation, signatures, Taproot calls) to a batch instead of checking it, and
//! return the verified transaction (ID, log, fee rate). [`TxVerifier`] names that
//! contract, so block validation, block production and the mempool are written once
//! and the verifier is chosen by the caller ([`ZkVm`] in production).

use batch::BatchVerification;
use zkvm::{Tx, VerifiedTx, VmError};

/// Runs transactions, deferring their point checks into a batch.
///
/// `Ok` from [`TxVerifier::verify_tx`] means the transaction is valid if the batch's
/// final check passes; the caller runs that check. Implementations are shared across
/// threads.
pub trait TxVerifier: Sync {
    /// Executes `tx` and appends its point checks to `batch`.
    fn verify_tx<B: BatchVerification>(
        &self,
        tx: &Tx,
        batch: &mut B,
    ) -> Result<VerifiedTx, VmError>;
}

/// The ZkVM verifier ([`zkvm::Verifier`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct ZkVm;

impl TxVerifier for ZkVm {
    fn verify_tx<B: BatchVerification>(
        &self,
        tx: &Tx,
        batch: &mut B,
    ) -> Result<VerifiedTx, VmError> {
        zkvm::Verifier::verify_tx_batched(tx, batch)
    }
}

impl<T: TxVerifier> TxVerifier for &T {
    fn verify_tx<B: BatchVerification>(
        &self,
        tx: &Tx,
        batch: &mut B,
    ) -> Result<VerifiedTx, VmError> {
        (**self).verify_tx(tx, batch)
    }
}
