//! Multi-message signatures: one signature by several keys, each over its own
//! submessage, in a transcript already bound to a common message.
//!
//! ```text
//! T.append("dom-sep", "musig-multimessage v1"); T.append_u64("n", n)
//! for each pair: T.append("X", Xᵢ); T.append("m", mᵢ)
//! T.append("R", R)
//! cᵢ = copy(T).append_u64("i", i).challenge_scalar("c")
//! s·B == R + Σ cᵢ·Xᵢ
//! ```
//!
//! Each key has its own challenge, so a signer only needs to check its own
//! submessage; this is what the VM's `signtx` verifies.

use crate::transcript::TranscriptProtocol;
use crate::{MusigContext, MusigError, Signature, SigningKey, VerificationKey};
use batch::{BatchVerification, SingleVerifier};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// The (key, submessage) pairs of a multi-message signature, in signing order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Multimessage<M> {
    pairs: Vec<(VerificationKey, M)>,
}

impl<M: AsRef<[u8]>> Multimessage<M> {
    /// The context of `pairs`; fails with [`MusigError::NoSigners`] when empty.
    pub fn new(pairs: Vec<(VerificationKey, M)>) -> Result<Self, MusigError> {
        if pairs.is_empty() {
            return Err(MusigError::NoSigners);
        }
        Ok(Multimessage { pairs })
    }

    /// The pairs, in order.
    pub fn pairs(&self) -> &[(VerificationKey, M)] {
        &self.pairs
    }

    /// How many pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Always false: a context has at least one pair.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

impl<M: AsRef<[u8]>> MusigContext for Multimessage<M> {
    fn signers(&self) -> usize {
        self.pairs.len()
    }

    fn key(&self, index: usize) -> Option<&VerificationKey> {
        self.pairs.get(index).map(|(key, _)| key)
    }

    fn commit(&self, transcript: &mut Transcript) {
        transcript.multimessage_domain_sep(self.pairs.len());
        for (key, message) in &self.pairs {
            transcript.commit_pair(key, message.as_ref());
        }
    }

    fn challenges(&self, transcript: &mut Transcript) -> Vec<Scalar> {
        (0..self.pairs.len())
            .map(|i| transcript.pair_challenge(i))
            .collect()
    }
}

impl Signature {
    /// Signs a multi-message signature holding every secret key: `keys[i]` must be the
    /// secret of the `i`-th pair of `context`. One nonce, `s = r + Σ cᵢ·xᵢ`.
    ///
    /// Fails with [`MusigError::CountMismatch`] or [`MusigError::KeyMismatch`] (before
    /// any nonce is drawn). Constant time in the keys and the nonce.
    pub fn sign_multi<M: AsRef<[u8]>, R: RngCore + CryptoRng>(
        transcript: &mut Transcript,
        keys: &[SigningKey],
        context: &Multimessage<M>,
        rng: &mut R,
    ) -> Result<Signature, MusigError> {
        check_keys(keys, context)?;
        let mut nonce_rng = transcript.witness_rng(keys.iter().map(|k| k.as_scalar()), rng);
        let r = Zeroizing::new(encoding::random_scalar(&mut nonce_rng));
        let nonce = RistrettoPoint::mul_base(&r).compress();
        context.commit(transcript);
        transcript.commit_nonce(&nonce);
        let challenges = context.challenges(transcript);
        let mut s = Zeroizing::new(*r);
        for (c, key) in challenges.iter().zip(keys) {
            *s += c * key.as_scalar();
        }
        Ok(Signature { R: nonce, s: *s })
    }

    /// Adds the check `s·B − R − Σ cᵢ·Xᵢ = 0` to `batch`, with `transcript` in the
    /// state the signer's was in. An invalid `R` is refused at once.
    pub fn verify_multi<M: AsRef<[u8]>>(
        &self,
        transcript: &mut Transcript,
        context: &Multimessage<M>,
        batch: &mut impl BatchVerification,
    ) -> Result<(), MusigError> {
        context.commit(transcript);
        transcript.commit_nonce(&self.R);
        let challenges = context.challenges(transcript);
        let keys = context.pairs.iter().map(|(key, _)| key);
        self.append_statement(
            "multi-message signature",
            challenges.into_iter().zip(keys),
            batch,
        )
    }

    /// Verifies a multi-message signature at once, with a [`SingleVerifier`].
    pub fn verify_multi_single<M: AsRef<[u8]>>(
        &self,
        transcript: &mut Transcript,
        context: &Multimessage<M>,
    ) -> Result<(), MusigError> {
        SingleVerifier::verify(crate::signature_generators(), |v| {
            self.verify_multi(transcript, context, v)
        })
    }
}

/// `keys` are the secrets of the context's keys, one to one.
fn check_keys(keys: &[SigningKey], context: &impl MusigContext) -> Result<(), MusigError> {
    if keys.len() != context.signers() {
        return Err(MusigError::CountMismatch {
            what: "signing keys",
            expected: context.signers(),
            got: keys.len(),
        });
    }
    for (index, key) in keys.iter().enumerate() {
        if context.key(index) != Some(&key.verification_key()) {
            return Err(MusigError::KeyMismatch { index });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(n: usize) -> (Vec<SigningKey>, Multimessage<Vec<u8>>) {
        let mut rng = rand::thread_rng();
        let keys: Vec<_> = (0..n).map(|_| SigningKey::random(&mut rng)).collect();
        let pairs = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.verification_key(), format!("message {i}").into_bytes()))
            .collect();
        (keys, Multimessage::new(pairs).unwrap())
    }

    fn transcript() -> Transcript {
        let mut t = Transcript::new(b"multimessage test");
        t.append_message(b"txid", &[7u8; 32]);
        t
    }

    #[test]
    fn sign_then_verify_for_several_sizes() {
        for n in 1..5 {
            let (keys, context) = setup(n);
            let sig =
                Signature::sign_multi(&mut transcript(), &keys, &context, &mut rand::thread_rng())
                    .unwrap();
            assert_eq!(sig.verify_multi_single(&mut transcript(), &context), Ok(()));
        }
    }

    #[test]
    fn empty_contexts_are_refused() {
        assert_eq!(
            Multimessage::<Vec<u8>>::new(vec![]),
            Err(MusigError::NoSigners)
        );
    }

    #[test]
    fn key_count_must_match() {
        let (keys, context) = setup(3);
        let err = Signature::sign_multi(
            &mut transcript(),
            &keys[..2],
            &context,
            &mut rand::thread_rng(),
        );
        assert_eq!(
            err,
            Err(MusigError::CountMismatch {
                what: "signing keys",
                expected: 3,
                got: 2
            })
        );
    }

    #[test]
    fn keys_must_match_their_pairs() {
        let (mut keys, context) = setup(3);
        keys.swap(1, 2);
        let err =
            Signature::sign_multi(&mut transcript(), &keys, &context, &mut rand::thread_rng());
        assert_eq!(err, Err(MusigError::KeyMismatch { index: 1 }));
    }

    #[test]
    fn a_changed_submessage_is_rejected() {
        let (keys, context) = setup(2);
        let sig =
            Signature::sign_multi(&mut transcript(), &keys, &context, &mut rand::thread_rng())
                .unwrap();
        let mut pairs = context.pairs().to_vec();
        pairs[1].1.push(b'!');
        let changed = Multimessage::new(pairs).unwrap();
        assert_eq!(
            sig.verify_multi_single(&mut transcript(), &changed),
            Err(MusigError::InvalidSignature)
        );
    }
}
