//! The prover: runs a program of witness-bearing instructions through the VM, proves
//! the constraint system it builds, and leaves the transaction signature to the
//! signers.

use crate::constraints::Commitment;
use crate::contract::ContractId;
use crate::cost::Meter;
use crate::errors::VmError;
use crate::predicate::Predicate;
use crate::program::Program;
use crate::signing;
use crate::trace::{Failure, Recorder, Secrets, Trace};
use crate::transcript::labels;
use crate::tx::{Tx, TxHeader};
use crate::txlog::{TxId, TxLog};
use crate::vm::{Delegate, Run, Vm};
use batch::{Generators, SingleVerifier};
use curve25519_dalek::ristretto::CompressedRistretto;
use encoding::Encodable;
use merlin::Transcript;
use musig::{Signature, SigningKey};
use r1cs::{ConstraintSystem, R1csProof};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

/// Builds transactions.
#[derive(Debug, Clone, Copy)]
pub struct Prover;

/// The prover's side of the VM: commitments are opened into the constraint system,
/// `signtx` predicates are remembered for signing, and the point checks a verifier
/// defers are made at once, each on its own, so that an invalid transaction is never
/// produced and a failure names its check (a program makes few of them: checking
/// them one by one costs the prover nothing it would notice).
struct ProverDelegate<'g, 't> {
    cs: r1cs::Prover<'g, 't>,
    signtx: Vec<(Predicate, ContractId)>,
    batch: SingleVerifier<'g>,
}

impl<'g, 't> Delegate for ProverDelegate<'g, 't> {
    type CS = r1cs::Prover<'g, 't>;
    type Batch = SingleVerifier<'g>;

    fn commit_variable(
        &mut self,
        com: &Commitment,
    ) -> Result<(CompressedRistretto, r1cs::Variable), VmError> {
        let opening = com.witness().ok_or(VmError::WitnessMissing {
            what: "the opening of a commitment",
        })?;
        let (value, blinding) = &*opening;
        let mut scalar = value.to_scalar();
        // An open commitment holds its point, made from this opening with the same
        // bases: the r1cs prover need not make it again.
        let committed = self.cs.commit_with_point(com.to_point(), scalar, *blinding);
        scalar.zeroize();
        Ok(committed)
    }

    fn process_tx_signature(&mut self, pred: Predicate, id: ContractId) -> Result<(), VmError> {
        self.signtx.push((pred, id));
        Ok(())
    }

    fn cs(&mut self) -> &mut Self::CS {
        &mut self.cs
    }

    fn batch(&mut self) -> &mut Self::Batch {
        &mut self.batch
    }
}

impl Prover {
    /// Runs `program` in a transaction with `header`, and proves it with `gens`.
    ///
    /// The program's instructions carry what the VM cannot know from bytes alone:
    /// open commitments, prior outputs with their openings, `alloc` values. Fails if
    /// the program does not run, a secret is missing, a constraint does not hold for
    /// the witness ([`VmError::AtInstruction`] naming the instruction that made it),
    /// a deferred point check fails (for example a wrong call proof), or the circuit
    /// needs more generators. [`Prover::dry_run`] finds the same failures, and
    /// names the instruction behind every one of them, without proving.
    pub fn build_tx<R: RngCore + CryptoRng>(
        program: Program,
        header: TxHeader,
        gens: &Generators,
        rng: &mut R,
    ) -> Result<UnsignedTx, VmError> {
        let bytecode = program.to_bytes();
        let mut transcript = Transcript::new(labels::R1CS);
        let mut delegate = ProverDelegate {
            cs: r1cs::Prover::new(gens, &mut transcript),
            signtx: Vec::new(),
            batch: SingleVerifier::new(gens),
        };
        let run = Run::new(program.into());
        let meter = Meter::new(bytecode.len())?;
        let mut recorder = Recorder::new(None);
        let outcome = Vm::new(header, run, bytecode.len(), meter, &mut delegate)
            .observed_by(&mut recorder)
            .run()?;
        let id = outcome.log.id();
        let ProverDelegate { mut cs, signtx, .. } = delegate;
        cs.transcript()
            .append_message(labels::R1CS_TXID, id.as_bytes());
        let proof = cs.prove_checked(rng).map_err(|e| recorder.blame(e))?;
        Ok(UnsignedTx {
            header,
            program: bytecode,
            proof,
            id,
            log: outcome.log,
            fee: outcome.fee.get(),
            run_weight: outcome.run_weight,
            signing_instructions: signtx,
        })
    }
}

impl Prover {
    /// Runs `program` as [`Prover::build_tx`] would, without proving, and records
    /// every instruction: the stack before and after (with the values the prover
    /// knows only if `secrets` is [`Secrets::Shown`]), the log entries and the
    /// multipliers and constraints it added.
    ///
    /// This is also a dry run: deferred point checks (unblinding, issuance flavors,
    /// Taproot calls, `signid` and `signtag` signatures) are made at the instruction
    /// that makes them, and once the program has finished every constraint is
    /// checked against the witness. The trace's [`Failure`] names the instruction
    /// behind the first failure. Needs generators only for the commitments' bases.
    pub fn trace(program: Program, header: TxHeader, gens: &Generators, secrets: Secrets) -> Trace {
        let bytecode_len = program.encoded_len();
        let mut recorder = Recorder::new(Some(secrets));
        let mut transcript = Transcript::new(labels::R1CS);
        let mut delegate = ProverDelegate {
            cs: r1cs::Prover::new(gens, &mut transcript),
            signtx: Vec::new(),
            batch: SingleVerifier::new(gens),
        };
        let run = Run::new(program.into());
        let outcome = match recorder.run(header, run, bytecode_len, bytecode_len, &mut delegate) {
            Ok(outcome) => outcome,
            Err(failure) => return recorder.finish(None, None, Some(failure)),
        };
        let weight = Some(outcome.run_weight);
        match delegate.cs.check() {
            Ok(added) => recorder.finish(Some(&added), weight, None),
            Err(e) => {
                let step = recorder.step_of(&e);
                let failure = Failure {
                    step,
                    error: VmError::R1cs(e),
                };
                recorder.finish(None, weight, Some(failure))
            }
        }
    }

    /// Checks that `program` would make a valid transaction, without proving: runs
    /// [`Prover::trace`] (secrets hidden) and fails with its error, wrapped in
    /// [`VmError::AtInstruction`] when an instruction is to blame — for an
    /// unsatisfied constraint, the instruction that added it.
    pub fn dry_run(
        program: Program,
        header: TxHeader,
        gens: &Generators,
    ) -> Result<Trace, VmError> {
        Self::trace(program, header, gens, Secrets::Hidden).into_result()
    }
}

/// A proven transaction waiting for its signature.
#[derive(Clone, Debug)]
pub struct UnsignedTx {
    /// The header.
    pub header: TxHeader,
    /// The bytecode.
    pub program: Vec<u8>,
    /// The R1CS proof.
    pub proof: R1csProof,
    /// The transaction ID.
    pub id: TxId,
    /// The log (outputs keep the prover's openings).
    pub log: TxLog,
    /// The total fee.
    pub fee: u64,
    /// The weight the run charged beyond the transaction's bytes (see
    /// [`UnsignedTx::weight`]).
    pub run_weight: u64,
    /// The predicates that must sign the ID (one per `signtx`, in order), each with
    /// the ID of the contract it opened: the messages of the multi-message signature.
    pub signing_instructions: Vec<(Predicate, ContractId)>,
}

impl UnsignedTx {
    /// The transcript the transaction signature is made over.
    pub fn signing_transcript(&self) -> Transcript {
        signing::signtx_transcript(&self.id)
    }

    /// Signs with the secrets the predicates hold (keys, or Taproot trees whose inner
    /// key is held). Without `signtx`, the signature is all zeros. Shared (MuSig)
    /// keys sign through [`UnsignedTx::signing_context`] and a MuSig2 session.
    pub fn sign<R: RngCore + CryptoRng>(self, rng: &mut R) -> Result<Tx, VmError> {
        let keys = self
            .signing_instructions
            .iter()
            .map(|(p, _)| {
                p.signing_key().ok_or(VmError::WitnessMissing {
                    what: "the signing key of a signtx predicate",
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.sign_with_keys(&keys, rng)
    }

    /// Signs with `keys[i]` for the `i`-th signing instruction.
    pub fn sign_with_keys<R: RngCore + CryptoRng>(
        self,
        keys: &[SigningKey],
        rng: &mut R,
    ) -> Result<Tx, VmError> {
        if self.signing_instructions.is_empty() && keys.is_empty() {
            return Ok(self.into_tx(crate::tx::empty_signature()));
        }
        let context = signing::multimessage(&self.signing_instructions)?;
        let mut t = self.signing_transcript();
        let signature = Signature::sign_multi(&mut t, keys, &context, rng)?;
        Ok(self.into_tx(signature))
    }

    /// The MuSig2 context of the transaction signature: one signer per key, and a
    /// predicate made of a [`musig::Multikey`] contributes one signer per party.
    pub fn signing_context(&self) -> Result<signing::TxSigningContext, VmError> {
        signing::TxSigningContext::new(&self.signing_instructions)
    }

    /// Attaches a signature made elsewhere (for example by a MuSig2 session), after
    /// checking it.
    pub fn attach_signature(self, signature: Signature) -> Result<Tx, VmError> {
        if !self.signing_instructions.is_empty() {
            let context = signing::multimessage(&self.signing_instructions)?;
            signature.verify_multi_single(&mut self.signing_transcript(), &context)?;
        }
        Ok(self.into_tx(signature))
    }

    /// The weight of the signed transaction: its size plus what its run charged.
    pub fn weight(&self) -> u64 {
        self.encoded_len() as u64 + self.run_weight
    }

    /// The size of the signed transaction ([`Tx::size`]: its encoding, which a
    /// signature does not change in length).
    pub fn encoded_len(&self) -> usize {
        24 + 4 + self.program.len() + 64 + 4 + self.proof.serialized_size()
    }

    fn into_tx(self, signature: Signature) -> Tx {
        Tx {
            header: self.header,
            program: self.program,
            signature,
            proof: self.proof,
        }
    }
}
