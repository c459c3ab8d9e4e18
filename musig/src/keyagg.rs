//! MuSig key aggregation: many keys become one, and a signature under the
//! aggregated key is an ordinary single-message signature.
//!
//! ```text
//! T = Transcript("Musig.aggregated-key"); T.append_u64("n", n)
//! for each key: T.append("X", Xᵢ)
//! aᵢ = copy(T).append_u64("i", i).challenge_scalar("a_i")
//! X̃ = Σ aᵢ·Xᵢ            (one key: X̃ = X₀, a₀ = 1)
//! ```
//!
//! Each factor depends on the whole list, so no signer can choose its key as a
//! function of the others' to cancel them (a rogue-key attack).

use crate::transcript::TranscriptProtocol;
use crate::{MusigContext, MusigError, SigningKey, VerificationKey};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use merlin::Transcript;

/// An aggregated key: the signers' keys in order, their factors `aᵢ`, and `X̃`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Multikey {
    keys: Vec<VerificationKey>,
    factors: Vec<Scalar>,
    aggregated: VerificationKey,
}

impl Multikey {
    /// Aggregates `keys` (order matters); fails with [`MusigError::NoSigners`] when
    /// empty. A single key aggregates to itself.
    pub fn new(keys: Vec<VerificationKey>) -> Result<Self, MusigError> {
        let factors = match keys.len() {
            0 => return Err(MusigError::NoSigners),
            1 => vec![Scalar::ONE],
            n => {
                let mut t = Transcript::key_aggregation(n);
                for key in &keys {
                    t.commit_aggregated_key(key);
                }
                (0..n).map(|i| t.key_factor(i)).collect()
            }
        };
        let points = keys.iter().map(|k| *k.as_point());
        let aggregated = RistrettoPoint::vartime_multiscalar_mul(&factors, points).into();
        Ok(Multikey {
            keys,
            factors,
            aggregated,
        })
    }

    /// The aggregated key `X̃`.
    pub fn aggregated_key(&self) -> &VerificationKey {
        &self.aggregated
    }

    /// The signers' keys, in order.
    pub fn keys(&self) -> &[VerificationKey] {
        &self.keys
    }

    /// The factor `aᵢ` of signer `index`.
    pub fn factor(&self, index: usize) -> Option<Scalar> {
        self.factors.get(index).copied()
    }

    /// The secret of `X̃`, `Σ aᵢ·xᵢ`, for one party that holds every key (`keys[i]`
    /// the secret of signer `i`). Fails with [`MusigError::CountMismatch`] or
    /// [`MusigError::KeyMismatch`].
    pub fn aggregated_signing_key(&self, keys: &[SigningKey]) -> Result<SigningKey, MusigError> {
        if keys.len() != self.keys.len() {
            return Err(MusigError::CountMismatch {
                what: "signing keys",
                expected: self.keys.len(),
                got: keys.len(),
            });
        }
        let mut sum = SigningKey::new(Scalar::ZERO);
        let expected = self.keys.iter().zip(&self.factors);
        for (index, (secret, (public, a))) in keys.iter().zip(expected).enumerate() {
            if &secret.verification_key() != public {
                return Err(MusigError::KeyMismatch { index });
            }
            sum = SigningKey::new(sum.as_scalar() + a * secret.as_scalar());
        }
        Ok(sum)
    }
}

impl MusigContext for Multikey {
    fn signers(&self) -> usize {
        self.keys.len()
    }

    fn key(&self, index: usize) -> Option<&VerificationKey> {
        self.keys.get(index)
    }

    /// The single-message protocol under `X̃`.
    fn commit(&self, transcript: &mut Transcript) {
        transcript.commit_single_key(&self.aggregated);
    }

    /// `eᵢ = c·aᵢ`, so that `Σ eᵢ·Xᵢ = c·X̃`.
    fn challenges(&self, transcript: &mut Transcript) -> Vec<Scalar> {
        let c = transcript.signature_challenge();
        self.factors.iter().map(|a| c * a).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<SigningKey> {
        let mut rng = rand::thread_rng();
        (0..n).map(|_| SigningKey::random(&mut rng)).collect()
    }

    fn publics(keys: &[SigningKey]) -> Vec<VerificationKey> {
        keys.iter().map(SigningKey::verification_key).collect()
    }

    #[test]
    fn aggregated_secret_matches_aggregated_key() {
        for n in 1..5 {
            let secrets = keys(n);
            let multikey = Multikey::new(publics(&secrets)).unwrap();
            let x = multikey.aggregated_signing_key(&secrets).unwrap();
            assert_eq!(&x.verification_key(), multikey.aggregated_key());
        }
    }

    #[test]
    fn one_key_aggregates_to_itself() {
        let secrets = keys(1);
        let multikey = Multikey::new(publics(&secrets)).unwrap();
        assert_eq!(multikey.aggregated_key(), &secrets[0].verification_key());
        assert_eq!(multikey.factor(0), Some(Scalar::ONE));
    }

    #[test]
    fn order_matters() {
        let mut p = publics(&keys(2));
        let a = Multikey::new(p.clone()).unwrap();
        p.reverse();
        let b = Multikey::new(p).unwrap();
        assert_ne!(a.aggregated_key(), b.aggregated_key());
    }

    #[test]
    fn empty_lists_are_refused() {
        assert_eq!(Multikey::new(vec![]), Err(MusigError::NoSigners));
    }

    #[test]
    fn aggregated_secret_needs_the_right_keys() {
        let secrets = keys(3);
        let multikey = Multikey::new(publics(&secrets)).unwrap();
        assert_eq!(
            multikey.aggregated_signing_key(&secrets[..2]),
            Err(MusigError::CountMismatch {
                what: "signing keys",
                expected: 3,
                got: 2
            })
        );
        let mut wrong = secrets.clone();
        wrong[2] = SigningKey::random(&mut rand::thread_rng());
        assert_eq!(
            multikey.aggregated_signing_key(&wrong),
            Err(MusigError::KeyMismatch { index: 2 })
        );
    }
}
