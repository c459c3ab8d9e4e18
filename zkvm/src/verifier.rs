//! The verifier: runs a transaction's bytecode through the VM with opaque types, and
//! defers every point check — unblinding, issuance flavors, Taproot calls, `signid`
//! and `signtag` signatures, the transaction signature and the R1CS proof's equation —
//! into one batch, checked by one multiscalar multiplication.

use crate::constraints::Commitment;
use crate::contract::ContractId;
use crate::cost::Meter;
use crate::errors::VmError;
use crate::fees::FeeRate;
use crate::predicate::Predicate;
use crate::program::ProgramItem;
use crate::signing;
use crate::trace::{Failure, Recorder, Secrets, Trace};
use crate::transcript::labels;
use crate::tx::{Tx, VerifiedTx};
use crate::vm::{Delegate, Run, Vm};
use batch::{BatchVerification, BatchVerifier, Generators, SingleVerifier};
use curve25519_dalek::ristretto::CompressedRistretto;
use merlin::Transcript;
use musig::{Multimessage, VerificationKey};
use r1cs::ConstraintSystem;
use rand_core::OsRng;
use rayon::prelude::*;

/// Verifies transactions.
#[derive(Debug, Clone, Copy)]
pub struct Verifier;

/// The verifier's side of the VM.
struct VerifierDelegate<'t, 'b, B: BatchVerification> {
    cs: r1cs::Verifier<'t>,
    signtx: Vec<(VerificationKey, [u8; 32])>,
    batch: &'b mut B,
}

impl<'t, B: BatchVerification> Delegate for VerifierDelegate<'t, '_, B> {
    type CS = r1cs::Verifier<'t>;
    type Batch = B;

    fn commit_variable(
        &mut self,
        com: &Commitment,
    ) -> Result<(CompressedRistretto, r1cs::Variable), VmError> {
        let point = com.to_point();
        Ok((point, self.cs.commit(point)))
    }

    fn process_tx_signature(&mut self, pred: Predicate, id: ContractId) -> Result<(), VmError> {
        self.signtx.push((pred.verification_key()?, id.0));
        Ok(())
    }

    fn cs(&mut self) -> &mut Self::CS {
        &mut self.cs
    }

    fn batch(&mut self) -> &mut B {
        self.batch
    }
}

impl Verifier {
    /// Decodes and verifies a transaction.
    pub fn verify_bytes(bytes: &[u8], gens: &Generators) -> Result<VerifiedTx, VmError> {
        Self::verify_tx(&Tx::from_bytes(bytes)?, gens)
    }

    /// Verifies a transaction with one multiscalar multiplication. A failed check
    /// is reported as [`VmError::PointCheck`] at once: running the transaction again
    /// to name the failing statement would make a false proof cost the verifier
    /// twice what a true one does ([`Verifier::explain_failure`] does that, for
    /// diagnostics).
    pub fn verify_tx(tx: &Tx, gens: &Generators) -> Result<VerifiedTx, VmError> {
        let mut batch = BatchVerifier::new(gens, OsRng);
        let verified = Self::verify_tx_batched(tx, &mut batch)?;
        batch.verify().map_err(VmError::PointCheck)?;
        Ok(verified)
    }

    /// Verifies a list of transactions with one multiscalar multiplication for all,
    /// their VMs running in parallel on rayon's threads. Fails with
    /// [`VmError::InTx`], naming the first transaction the VM refuses or, if the
    /// combined check fails, the first whose own statements fail, found by bisecting
    /// the transactions' batches without running any VM again.
    pub fn verify_txs(txs: &[Tx], gens: &Generators) -> Result<Vec<VerifiedTx>, VmError> {
        let runs: Vec<_> = txs
            .par_iter()
            .map(|tx| {
                let mut batch = BatchVerifier::new(gens, OsRng);
                Self::verify_tx_batched(tx, &mut batch).map(|v| (v, batch))
            })
            .collect();
        let mut verified = Vec::with_capacity(txs.len());
        let mut batches = Vec::with_capacity(txs.len());
        for (index, run) in runs.into_iter().enumerate() {
            let (tx, batch) = run.map_err(|e| VmError::in_tx(index, e))?;
            verified.push(tx);
            batches.push(batch);
        }
        BatchVerifier::verify_blaming(&batches)
            .map_err(|blame| VmError::in_tx(blame.index, VmError::PointCheck(blame.error)))?;
        Ok(verified)
    }

    /// Runs the transaction and appends its point checks to `batch`, which decides.
    /// With a deferring batch, `Ok` means only that the transaction is valid if the
    /// batch's final check passes.
    pub fn verify_tx_batched(
        tx: &Tx,
        batch: &mut impl BatchVerification,
    ) -> Result<VerifiedTx, VmError> {
        let mut transcript = Transcript::new(labels::R1CS);
        let mut delegate = VerifierDelegate {
            cs: r1cs::Verifier::new(&mut transcript),
            signtx: Vec::new(),
            batch,
        };
        let size = tx.size();
        let meter = Meter::new(size)?;
        let run = Run::new(ProgramItem::Bytecode(tx.program.clone()));
        let outcome = Vm::new(tx.header, run, tx.program.len(), meter, &mut delegate).run()?;
        let id = outcome.log.id();
        let VerifierDelegate {
            mut cs,
            signtx,
            batch,
        } = delegate;
        cs.transcript()
            .append_message(labels::R1CS_TXID, id.as_bytes());
        cs.verify_batched(&tx.proof, batch)
            .map_err(VmError::InvalidR1csProof)?;
        if !signtx.is_empty() {
            let context = Multimessage::new(signtx)?;
            let mut t = signing::signtx_transcript(&id);
            tx.signature
                .verify_multi(&mut t, &context, batch)
                .map_err(|e| VmError::signature("signature (signtx)", e))?;
        }
        Ok(VerifiedTx {
            header: tx.header,
            id,
            log: outcome.log,
            weight: size as u64 + outcome.run_weight,
            feerate: FeeRate::new(outcome.fee.get(), size as u64 + outcome.run_weight),
            signers: outcome.signers,
        })
    }

    /// Runs the transaction's program and records every instruction (see
    /// [`Trace`]). The verifier knows no secrets: items show as commitments and
    /// opaque strings. Deferred point checks are made at the instruction that makes
    /// them; then the proof and the signature are checked, and a failure there
    /// names no instruction. The summary counts the second phase exactly.
    pub fn trace(tx: &Tx, gens: &Generators) -> Trace {
        let mut recorder = Recorder::new(Some(Secrets::Hidden));
        let mut transcript = Transcript::new(labels::R1CS);
        let mut single = SingleVerifier::new(gens);
        let mut delegate = VerifierDelegate {
            cs: r1cs::Verifier::new(&mut transcript),
            signtx: Vec::new(),
            batch: &mut single,
        };
        let size = tx.size();
        let run = Run::new(ProgramItem::Bytecode(tx.program.clone()));
        let outcome = match recorder.run(tx.header, run, tx.program.len(), size, &mut delegate) {
            Ok(outcome) => outcome,
            Err(failure) => return recorder.finish(None, None, Some(failure)),
        };
        let added = delegate.cs.measure();
        let failure = Self::verify_tx(tx, gens)
            .err()
            .map(|error| Failure { step: None, error });
        let mut trace = recorder.finish(added.ok().as_deref(), Some(outcome.run_weight), failure);
        trace.summary.weight = Some(size as u64 + outcome.run_weight);
        trace
    }

    /// Verifies a transaction statement by statement, each point check on its own,
    /// so a failure names the statement (the R1CS proof, a signature, a call):
    /// slower than [`Verifier::verify_tx`], for diagnostics, never for consensus.
    pub fn explain_failure(tx: &Tx, gens: &Generators) -> Result<VerifiedTx, VmError> {
        let mut single = SingleVerifier::new(gens);
        Self::verify_tx_batched(tx, &mut single)
    }
}
