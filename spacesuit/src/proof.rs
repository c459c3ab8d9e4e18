//! A cloak proven on its own: values committed, the gadget, one R1CS proof.
//!
//! The VM proves cloaks inside a transaction's constraint system; this is the
//! standalone form (the one `cloak.json` pins): the prover commits each input's
//! quantity then flavor, then each output's, runs [`cloak`](crate::cloak()) and proves;
//! the verifier commits the same points in the same order and runs the same gadget.

use crate::{cloak, CommittedValue, Value};
use batch::BatchVerification;
use merlin::Transcript;
use r1cs::{Generators, Prover, R1csError, R1csProof, Verifier};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// A cloak's R1CS proof with the value commitments its verifier needs.
#[derive(Clone, Debug)]
pub struct CloakProof {
    /// The proof.
    pub proof: R1csProof,
    /// Commitments to the inputs, in order.
    pub inputs: Vec<CommittedValue>,
    /// Commitments to the outputs, in order.
    pub outputs: Vec<CommittedValue>,
}

impl CloakProof {
    /// Proves that `inputs` become `outputs`, committing every quantity and flavor with
    /// fresh blinding factors from `rng`. Fails as the gadget does for a statement
    /// that cannot hold (unbalanced flavors, an output out of range), or when `gens`
    /// is too small.
    pub fn prove<R: RngCore + CryptoRng>(
        gens: &Generators,
        transcript: &mut Transcript,
        inputs: &[Value],
        outputs: &[Value],
        rng: &mut R,
    ) -> Result<CloakProof, R1csError> {
        let mut prover = Prover::new(gens, transcript);
        let mut commit = |values: &[Value]| {
            values
                .iter()
                .map(|v| {
                    let q_blinding = Zeroizing::new(encoding::random_scalar(rng));
                    let f_blinding = Zeroizing::new(encoding::random_scalar(rng));
                    v.commit(&mut prover, *q_blinding, *f_blinding)
                })
                .unzip::<_, _, Vec<_>, Vec<_>>()
        };
        let (in_points, ins) = commit(inputs);
        let (out_points, outs) = commit(outputs);
        cloak(&mut prover, ins, outs)?;
        Ok(CloakProof {
            proof: prover.prove(rng)?,
            inputs: in_points,
            outputs: out_points,
        })
    }

    /// The verifier's constraint system for this cloak over `transcript`, with the
    /// gadget applied and the proof not yet checked.
    pub fn verifier<'t>(&self, transcript: &'t mut Transcript) -> Result<Verifier<'t>, R1csError> {
        let mut verifier = Verifier::new(transcript);
        let ins = self
            .inputs
            .iter()
            .map(|c| c.commit(&mut verifier))
            .collect();
        let outs = self
            .outputs
            .iter()
            .map(|c| c.commit(&mut verifier))
            .collect();
        cloak(&mut verifier, ins, outs)?;
        Ok(verifier)
    }

    /// Checks the proof at once.
    pub fn verify(&self, transcript: &mut Transcript, gens: &Generators) -> Result<(), R1csError> {
        self.verifier(transcript)?.verify(&self.proof, gens)
    }

    /// Hands the proof's verification equation to `batch`.
    pub fn verify_batched(
        &self,
        transcript: &mut Transcript,
        batch: &mut impl BatchVerification,
    ) -> Result<(), R1csError> {
        self.verifier(transcript)?
            .verify_batched(&self.proof, batch)
    }
}
