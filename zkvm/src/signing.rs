//! The transaction signature: a multi-message signature over the transaction ID by
//! the predicates of `signtx`, each with the ID of the contract it opened.
//!
//! ```text
//! T = Transcript("ZkVM.signtx"); T.append("txid", txid)
//! then the multi-message protocol over the pairs (predicate, contract ID)
//! ```
//!
//! When a predicate is a MuSig aggregated key `X̃ = Σ aⱼ·Xⱼ`, its parties sign for it
//! inside the same session: party `j` of pair `i` has the challenge `cᵢ·aⱼ`, so the
//! shares sum to `s = r + Σ cᵢ·x̃ᵢ`, the ordinary multi-message signature. When the
//! predicate is a Taproot key `X̃ + h·B` over a MuSig key, the parties sign for `X̃`
//! and [`TxSigningContext::complete`] adds `cᵢ·h` to the aggregated signature.

use crate::contract::ContractId;
use crate::errors::VmError;
use crate::predicate::{Predicate, PredicateWitness};
use crate::transcript::labels;
use crate::txlog::TxId;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use musig::{Multimessage, MusigContext, Signature, TranscriptProtocol, VerificationKey};

/// The transcript of the transaction signature.
pub fn signtx_transcript(id: &TxId) -> Transcript {
    let mut t = Transcript::new(labels::SIGNTX);
    t.append_message(b"txid", id.as_bytes());
    t
}

/// The multi-message context of the signing instructions.
pub(crate) fn multimessage(
    pairs: &[(Predicate, ContractId)],
) -> Result<Multimessage<[u8; 32]>, VmError> {
    let pairs = pairs
        .iter()
        .map(|(p, id)| Ok((p.verification_key()?, id.0)))
        .collect::<Result<Vec<_>, VmError>>()?;
    Ok(Multimessage::new(pairs)?)
}

/// The MuSig2 context of a transaction signature whose keys may be shared.
#[derive(Clone, Debug)]
pub struct TxSigningContext {
    messages: Multimessage<[u8; 32]>,
    /// Each signer: its key, the pair it signs for, and its aggregation factor.
    signers: Vec<(VerificationKey, usize, Scalar)>,
    /// Per pair, the Taproot adjustment added after aggregation (zero if none).
    tweaks: Vec<Scalar>,
}

impl TxSigningContext {
    /// The context of `pairs`: a key is one signer; a MuSig key is one signer per
    /// party, in the order of its keys.
    pub fn new(pairs: &[(Predicate, ContractId)]) -> Result<Self, VmError> {
        let messages = multimessage(pairs)?;
        let mut signers = Vec::new();
        let mut tweaks = Vec::with_capacity(pairs.len());
        for (i, (predicate, _)) in pairs.iter().enumerate() {
            let (parties, tweak) = match predicate.witness() {
                Some(PredicateWitness::Multikey(keys)) => (Some(&**keys), Scalar::ZERO),
                Some(PredicateWitness::Tree(tree)) => match tree.inner().witness() {
                    Some(PredicateWitness::Multikey(keys)) => {
                        (Some(&**keys), tree.adjustment_factor())
                    }
                    _ => (None, Scalar::ZERO),
                },
                _ => (None, Scalar::ZERO),
            };
            match parties {
                Some(keys) => {
                    for (j, key) in keys.keys().iter().enumerate() {
                        let a = keys.factor(j).unwrap_or(Scalar::ONE);
                        signers.push((*key, i, a));
                    }
                }
                None => signers.push((predicate.verification_key()?, i, Scalar::ONE)),
            }
            tweaks.push(tweak);
        }
        Ok(TxSigningContext {
            messages,
            signers,
            tweaks,
        })
    }

    /// Adds the Taproot adjustments `Σ cᵢ·hᵢ` to a signature aggregated by a MuSig2
    /// session over this context; `transcript` is the transaction's signing
    /// transcript. Without Taproot-over-MuSig predicates it returns the signature.
    pub fn complete(&self, transcript: &Transcript, signature: Signature) -> Signature {
        if self.tweaks.iter().all(|h| *h == Scalar::ZERO) {
            return signature;
        }
        let mut t = transcript.clone();
        self.messages.commit(&mut t);
        t.commit_nonce(&signature.R);
        let c = self.messages.challenges(&mut t);
        let tweak: Scalar = c.iter().zip(&self.tweaks).map(|(c, h)| c * h).sum();
        Signature {
            R: signature.R,
            s: signature.s + tweak,
        }
    }

    /// The signer positions of the parties of signing instruction `pair`.
    pub fn signers_of(&self, pair: usize) -> impl Iterator<Item = usize> + '_ {
        self.signers
            .iter()
            .enumerate()
            .filter(move |(_, (_, i, _))| *i == pair)
            .map(|(index, _)| index)
    }
}

impl MusigContext for TxSigningContext {
    fn signers(&self) -> usize {
        self.signers.len()
    }

    fn key(&self, index: usize) -> Option<&VerificationKey> {
        self.signers.get(index).map(|(key, _, _)| key)
    }

    fn commit(&self, transcript: &mut Transcript) {
        self.messages.commit(transcript);
    }

    fn challenges(&self, transcript: &mut Transcript) -> Vec<Scalar> {
        let per_pair = self.messages.challenges(transcript);
        self.signers
            .iter()
            .map(|(_, pair, a)| per_pair.get(*pair).copied().unwrap_or(Scalar::ZERO) * a)
            .collect()
    }
}
