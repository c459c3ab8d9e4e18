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
//!
//! The delegating instructions sign a program instead of the transaction:
//!
//! ```text
//! signid:  T = Transcript("ZkVM.signid");  T.append("contract", id);  T.append("prog", program)
//! signtag: T = Transcript("ZkVM.signtag"); T.append("tag", tag);      T.append("prog", program)
//! ```
//!
//! [`sign_id`] and [`sign_tag`] make these signatures with one key; a shared key signs
//! the same transcripts ([`signid_transcript`], [`signtag_transcript`]) through a
//! MuSig2 [`Session`] over the [`Multikey`], or with [`musig2_sign`] when every
//! party's key is at hand. The MuSig2 types are re-exported here, so an application
//! needs only this crate.

use crate::contract::ContractId;
use crate::errors::VmError;
use crate::predicate::{Predicate, PredicateWitness};
use crate::program::Program;
use crate::prover::UnsignedTx;
use crate::transcript::labels;
use crate::tx::Tx;
use crate::txlog::TxId;
use crate::types::Data;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use musig::TranscriptProtocol;
use rand_core::{CryptoRng, RngCore};

pub use musig::{
    Multikey, Multimessage, MusigContext, MusigError, PartialSignature, PublicNonce, SecretNonce,
    Session, Signature, SigningKey, VerificationKey,
};

/// The transcript of the transaction signature.
pub fn signtx_transcript(id: &TxId) -> Transcript {
    let mut t = Transcript::new(labels::SIGNTX);
    t.append_message(b"txid", id.as_bytes());
    t
}

/// The transcript of a `signid` signature: the contract's ID and the program it
/// delegates to.
pub fn signid_transcript(id: &ContractId, program: &Program) -> Transcript {
    let mut t = Transcript::new(labels::SIGNID);
    t.append_message(b"contract", id.as_bytes());
    t.append_message(b"prog", &program.to_bytes());
    t
}

/// The transcript of a `signtag` signature: the tag (the top item of the contract's
/// payload, as encoded) and the program it delegates to.
pub fn signtag_transcript(tag: &Data, program: &Program) -> Transcript {
    let mut t = Transcript::new(labels::SIGNTAG);
    t.append_message(b"tag", &tag.to_bytes());
    t.append_message(b"prog", &program.to_bytes());
    t
}

/// Signs `program` for the contract with ID `id` (what `signid` checks).
///
/// ```
/// use curve25519_dalek::scalar::Scalar;
/// use zkvm::signing::{sign_id, signid_transcript};
/// use zkvm::{ContractId, Program, SigningKey};
/// let key = SigningKey::new(Scalar::from(7u64));
/// let program = Program::build(|p| { p.drop(); });
/// let id = ContractId([1u8; 32]);
/// let sig = sign_id(&key, &id, &program, &mut rand_core::OsRng);
/// let vk = key.verification_key();
/// assert!(sig.verify_single(&mut signid_transcript(&id, &program), &vk).is_ok());
/// ```
pub fn sign_id<R: RngCore + CryptoRng>(
    key: &SigningKey,
    id: &ContractId,
    program: &Program,
    rng: &mut R,
) -> Signature {
    Signature::sign(&mut signid_transcript(id, program), key, rng)
}

/// Signs `program` for every contract whose payload ends with `tag` (what `signtag`
/// checks).
///
/// ```
/// use curve25519_dalek::scalar::Scalar;
/// use zkvm::signing::{sign_tag, signtag_transcript};
/// use zkvm::{Data, Program, SigningKey};
/// let key = SigningKey::new(Scalar::from(7u64));
/// let program = Program::build(|p| { p.drop(); });
/// let tag = Data::from(b"channel-1".to_vec());
/// let sig = sign_tag(&key, &tag, &program, &mut rand_core::OsRng);
/// let vk = key.verification_key();
/// assert!(sig.verify_single(&mut signtag_transcript(&tag, &program), &vk).is_ok());
/// ```
pub fn sign_tag<R: RngCore + CryptoRng>(
    key: &SigningKey,
    tag: &Data,
    program: &Program,
    rng: &mut R,
) -> Signature {
    Signature::sign(&mut signtag_transcript(tag, program), key, rng)
}

/// Runs both MuSig2 rounds over `transcript` for `context` when every signer's key
/// is at hand (`keys` in any order; each signer's key is found by its verification
/// key). Parties on different machines run the same rounds with [`SecretNonce`],
/// [`Session`] and [`PartialSignature`] instead.
///
/// ```
/// use curve25519_dalek::scalar::Scalar;
/// use zkvm::signing::{musig2_sign, signtag_transcript};
/// use zkvm::{Data, Multikey, Program, SigningKey};
/// let (a, b) = (SigningKey::new(Scalar::from(3u64)), SigningKey::new(Scalar::from(4u64)));
/// let keys = Multikey::new(vec![a.verification_key(), b.verification_key()]).unwrap();
/// let t = signtag_transcript(&Data::from(b"tag".to_vec()), &Program::new());
/// let sig = musig2_sign(&t, keys.clone(), &[b, a], &mut rand_core::OsRng).unwrap();
/// assert!(sig.verify_single(&mut t.clone(), keys.aggregated_key()).is_ok());
/// ```
pub fn musig2_sign<C: MusigContext, R: RngCore + CryptoRng>(
    transcript: &Transcript,
    context: C,
    keys: &[SigningKey],
    rng: &mut R,
) -> Result<Signature, VmError> {
    let signers = (0..context.signers())
        .map(|i| {
            let wanted = context.key(i);
            keys.iter()
                .find(|k| Some(&k.verification_key()) == wanted)
                .ok_or(VmError::WitnessMissing {
                    what: "the key of a MuSig2 signer",
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (secrets, publics): (Vec<_>, Vec<_>) = signers
        .iter()
        .map(|k| SecretNonce::generate(transcript, k, rng))
        .unzip();
    let session = Session::new(transcript, context, publics)?;
    let shares = secrets
        .into_iter()
        .zip(&signers)
        .enumerate()
        .map(|(i, (nonce, key))| session.sign(i, key, nonce))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(session.aggregate(&shares)?)
}

impl UnsignedTx {
    /// Signs with MuSig2 when some predicates are shared keys (or Taproot trees over
    /// them) and every party's key is at hand: `keys` holds the parties' keys in any
    /// order; keys the predicates hold themselves are used too. The Taproot
    /// adjustments are added and the signature is checked before it is attached.
    ///
    /// ```
    /// use curve25519_dalek::scalar::Scalar;
    /// use zkvm::{Anchor, Commitment, Contract, Generators, Multikey, PortableItem, Predicate};
    /// use zkvm::{SigningKey, TxBuilder, Value, Verifier};
    /// let (a, b) = (SigningKey::new(Scalar::from(3u64)), SigningKey::new(Scalar::from(4u64)));
    /// let shared = Multikey::new(vec![a.verification_key(), b.verification_key()]).unwrap();
    /// let mut rng = rand_core::OsRng;
    /// let value = Value { qty: Commitment::blinded(5u64, &mut rng), flv: Commitment::blinded(Scalar::ZERO, &mut rng) };
    /// let output = Contract { predicate: Predicate::from_multikey(shared), payload: vec![PortableItem::Value(value)], anchor: Anchor([0; 32]) };
    /// let gens = Generators::new(256);
    /// let unsigned = TxBuilder::new().spend(output).pay(a.verification_key().into(), 5, Scalar::ZERO)
    ///     .build(&gens, &mut rng).unwrap();
    /// let tx = unsigned.sign_musig(&[a, b], &mut rng).unwrap();
    /// Verifier::verify_tx(&tx, &gens).unwrap();
    /// ```
    pub fn sign_musig<R: RngCore + CryptoRng>(
        self,
        keys: &[SigningKey],
        rng: &mut R,
    ) -> Result<Tx, VmError> {
        if self.signing_instructions.is_empty() {
            return self.sign(rng);
        }
        let context = self.signing_context()?;
        let mut pool: Vec<SigningKey> = keys.to_vec();
        pool.extend(
            self.signing_instructions
                .iter()
                .filter_map(|(p, _)| p.signing_key()),
        );
        let transcript = self.signing_transcript();
        let aggregated = musig2_sign(&transcript, context.clone(), &pool, rng)?;
        let signature = context.complete(&transcript, aggregated);
        self.attach_signature(signature)
    }
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
